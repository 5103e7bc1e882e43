#!/usr/bin/env bash
# The catalog history (issue 19), on the real daemon with the installed
# drivers and a real sshd host: a persistent image deployed, written and
# saved back (tm mvds) three times; `one-ipfs-image history` lists its four
# versions with their CIDs, VM and user; revert (refused while oned says the
# image is in use) and a redeploy give version 2's bytes; rm keeps the entry
# in the deleted area, `restore` asks oned to register its content again
# (oneimage here is a stand-in that records the template; the test then runs
# the real ds cp oned would run with it) and the bytes come back under the
# new id; monitor's USED_MB no longer counts it; IPFS_DELETE_GRACE=0 removes at once; fsck --repair purges past the
# grace; an event altered in IPFS (re-signed with another key, or unsigned)
# makes `verify` fail naming it; 15 concurrent cp/rm/mvds leave one unbroken
# chain holding every event (checked here by reading the chain from the
# daemon, not through our tool); IPFS_HISTORY_KEEP prunes as an event; a
# save-back with snapshots and the ds snap_revert, snap_delete and
# snap_flatten actions are events naming the VM, user and snapshot.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
host_start node1
ds_env
IMG="$ONEIPFS_BUILD_DIR/tools/one-ipfs-image"
FSCK="$ONEIPFS_BUILD_DIR/tools/one-ipfs-fsck"
DS=/var/lib/one//datastores
on() { echo "$HOST_DS_node1/${1#/var/lib/one//datastores/}"; }  # host path -> test-visible path
CHAIN="$IPFS_CATALOG/.history/100"

# oned's CLI: onevm show -x (vm_doc.py documents) and oneimage show -x /
# create, on PATH only for the calls that use them.
mkdir -p "$T_ROOT/bin" "$T_ROOT/docs"
cat >"$T_ROOT/bin/onevm" <<'SH'
#!/bin/sh
f="$DOCS/vm-$3.xml"
[ -f "$f" ] || { echo "[one.vm.info] Error getting virtual machine [$3]." >&2; exit 255; }
cat "$f"
SH
cat >"$T_ROOT/bin/oneimage" <<'SH'
#!/bin/sh
# show -x ID: $DOCS/image-ID.xml; create -d DS FILE: the template kept as
# $DOCS/created-DS.tmpl, "ID: $NEW_IMAGE_ID" printed as oneimage does.
case "$1" in
  show) f="$DOCS/image-$3.xml"
        [ -f "$f" ] || { echo "[one.image.info] Error getting image [$3]." >&2; exit 255; }
        cat "$f";;
  create) cp "$4" "$DOCS/created-$3.tmpl" && echo "ID: $NEW_IMAGE_ID";;
  *) echo "oneimage stand-in: show -x / create -d only" >&2; exit 1;;
esac
SH
chmod +x "$T_ROOT/bin/"*
export DOCS="$T_ROOT/docs"
cli() { PATH="$T_ROOT/bin:$PATH" "$@"; }
image_doc() { # ID STATE RUNNING_VMS SOURCE
  printf '<IMAGE><ID>%s</ID><NAME>img</NAME><STATE>%s</STATE><RUNNING_VMS>%s</RUNNING_VMS><SOURCE><![CDATA[%s]]></SOURCE><DATASTORE_ID>100</DATASTORE_ID></IMAGE>' \
    "$1" "$2" "$3" "$4" >"$DOCS/image-$1.xml"
}
vm_doc() { # VMID IMAGE_ID: VM VMID of bob (uid 9) with the persistent image as disk.0
  VM_UID=9 VM_UNAME=bob python3 "$ONEIPFS_SOURCE_DIR/tests/lib/vm_doc.py" "$DOCS/vm-$1.xml" "$1" 3 node1 ssh 0 \
    "DISK_ID=0;TM_MAD=ipfs;TM_MAD_SYSTEM=ssh;DATASTORE_ID=100;IMAGE_ID=$2;PERSISTENT=YES;TARGET=vda"
}
vm_tm() { cli run_tm "$@"; }
versions_of() { # ENTRY -> "<n> <cid>" lines of its versions
  ipfs_rpc fe files/ls "arg=${1#mfs:}&long=true" | python3 -c '
import json, sys
for e in sorted(json.load(sys.stdin)["Entries"] or [], key=lambda e: e["Name"]):
    if e["Name"].isdigit(): print(e["Name"], e["Hash"])' | sort -n
}
# The chain read from the daemon (files/ls, block/get), not through our code:
# "seq action image" per event; exits 1 unless seq runs 1..N and each event's
# prev is the CID of the one before. Spooled events are flushed first (the
# actions' own flushes run in the background).
chain_dump() {
  [[ -n ${HISTORY_NO_FLUSH:-} ]] || history_flush 2>/dev/null || true
  python3 - "$(_api fe)" "$CHAIN" <<'PY'
import base64, json, sys, urllib.request
api, chain = sys.argv[1], sys.argv[2]
def rpc(cmd, **args):
    q = "&".join(f"{k}={urllib.parse.quote(str(v))}" for k, v in args.items())
    return urllib.request.urlopen(urllib.request.Request(f"{api}/api/v0/{cmd}?{q}", method="POST")).read()
import urllib.parse
entries = json.loads(rpc("files/ls", arg=chain, long="true"))["Entries"] or []
nums = sorted(int(e["Name"]) for e in entries if e["Name"].isdigit())
if nums != list(range(1, len(nums) + 1)): sys.exit(f"chain numbers are not 1..N: {nums}")
def cid_bytes(c):  # CIDv1 in base32 ("b") or base58btc ("z"), as daemons print them
    if c.startswith("b"):
        t = c[1:].upper(); return base64.b32decode(t + "=" * (-len(t) % 8))
    if c.startswith("z"):
        a = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"; n = 0
        for ch in c[1:]: n = n * 58 + a.index(ch)
        return n.to_bytes((n.bit_length() + 7) // 8, "big")
    return c.encode()
prev = ""
for n in nums:
    cid = json.loads(rpc("files/stat", arg=f"{chain}/{n}"))["Hash"]
    rec = json.loads(rpc("block/get", arg=cid))
    ev = json.loads(rec["payload"])
    if ev["seq"] != n or (cid_bytes(ev["prev"]) if ev["prev"] else b"") != (cid_bytes(prev) if prev else b""): sys.exit(f"event {n}: seq {ev['seq']} prev {ev['prev']}, expected {prev}")
    print(n, ev["action"], ev["image"])
    prev = cid
PY
}

t_case "a persistent image: registered, then deployed, written and saved back (mvds) three times"
head -c 3M /dev/urandom >"$T_ROOT/data.v1"
doc_from cp "$T_ROOT/data.v1" IMAGE/ID 5 IMAGE/UID 7 IMAGE/UNAME alice IMAGE/PERSISTENT 1 IMAGE/NAME data-five
run_ds cp "$T_ROOT/cp.xml" 5; assert_success "cp: $ERR"; SRC=${OUT%% *}
assert_not_contains "$ERR" "WARN" "no history warning on cp"
for i in 2 3 4; do
  vm=$((40 + i)); vm_doc $vm 5
  vm_tm ln "$SRC" "node1:$DS/0/$vm/disk.0" $vm 100; assert_success "deploy $i: $ERR"
  printf 'version %s of the data' $i | dd of="$(on $DS/0/$vm/disk.0)" bs=1 seek=$((4096 * i)) conv=notrunc status=none
  cp "$(on $DS/0/$vm/disk.0)" "$T_ROOT/data.v$i"
  vm_tm mvds "node1:$DS/0/$vm/disk.0" "$SRC" $vm 100; assert_success "mvds $i: $ERR"
  assert_not_contains "$ERR" "WARN" "no history warning on mvds"
done
mapfile -t vers < <(versions_of "$SRC")
assert_eq "${#vers[@]}" 4 "four versions in the catalog"

t_case "history lists the four versions with their CIDs, the VM and the user"
run_raw "" "$IMG" history 5; assert_success "history: $ERR"
echo "$OUT"
assert_eq "$(grep -c '^  v[0-9]' <<<"$OUT")" 4 "four version lines"
for line in "${vers[@]}"; do
  set -- $line; n=$1 cid=$2
  vline=$(grep "^  v$n " <<<"$OUT" || true)
  assert_contains "$vline" "/ipfs/$cid" "v$n's CID"
  assert_contains "$vline" "signed ok" "v$n's event verifies"
  ipfs_cat fe "$cid" >"$T_ROOT/got"; assert_file_eq "$T_ROOT/got" "$T_ROOT/data.v$n" "v$n's CID holds v$n's bytes"
  if ((n == 1)); then
    assert_contains "$vline" " cp " "v1 made by cp"; assert_contains "$vline" "user alice (7)" "v1's user"
  else
    assert_contains "$vline" " mvds " "v$n made by mvds"; assert_contains "$vline" "vm $((40 + n)) user bob (9)" "v$n's VM and user"
  fi
done
assert_contains "$(grep '^  v4 ' <<<"$OUT")" "[current]"

t_case "revert: refused while the image is in use, then version 2 is current and a redeploy gives its bytes"
image_doc 5 8 1 "$SRC"   # USED_PERS, one VM
run_raw "" cli "$IMG" revert 5 2; assert_fail_one_line "revert under a VM"; assert_contains "$ERR" "in use"
assert_eq "$(versions_of "$SRC" | wc -l)" 4 "nothing changed"
image_doc 5 1 0 "mfs:/elsewhere/100/5-1"
run_raw "" cli "$IMG" revert 5 2; assert_fail_one_line "another SOURCE"; assert_contains "$ERR" "not mfs:"
rm -f "$DOCS/image-5.xml"
run_raw "" cli "$IMG" revert 5 2; assert_fail_one_line "oned cannot be asked"; assert_contains "$ERR" "in use"
image_doc 5 1 0 "$SRC"   # READY
run_raw "" cli "$IMG" revert 5 2; assert_success "revert: $ERR"
assert_eq "$(versions_of "$SRC" | tail -1 | cut -d' ' -f2)" "$(cut -d' ' -f2 <<<"${vers[1]}")" "v5 is v2's content"
vm_doc 50 5
vm_tm ln "$SRC" "node1:$DS/0/50/disk.0" 50 100; assert_success "redeploy: $ERR"
assert_file_eq "$(on $DS/0/50/disk.0)" "$T_ROOT/data.v2" "the redeployed disk is version 2"
run_raw "" "$IMG" history 5; assert_contains "$(grep '^  v5 ' <<<"$OUT")" " revert "
assert_contains "$(grep '^  v5 ' <<<"$OUT")" "[current]"

t_case "rm keeps the entry in the deleted area; restore registers its content again under a new id"
doc_from rm "" IMAGE/ID 5 IMAGE/SOURCE "$SRC" IMAGE/NAME data-five IMAGE/TYPE 2 IMAGE/PERSISTENT 1 IMAGE/UNAME alice
used_mb() { run_ds monitor "$ONEIPFS_SOURCE_DIR/tests/fixtures/monitor.xml" 100; sed -n 's/^USED_MB=//p' <<<"$OUT"; }
used_before=$(used_mb)
run_ds rm "$T_ROOT/rm.xml" 5; assert_success "rm: $ERR"
((used_before >= 3)) && _t_ok || _t_fail "USED_MB $used_before before rm"
assert_eq "$(used_mb)" 0 "monitor's USED_MB counts live images only"
assert_eq "$(ipfs_rpc fe files/stat "arg=${SRC#mfs:}" | grep -c '"Hash"')" 0 "the live entry is gone"
run_raw "" "$IMG" deleted; assert_success
label=$(awk '/ image 5 /{print $1}' <<<"$OUT")
assert_contains "$label" "100/5-" "listed as deleted"; assert_contains "$OUT" "'data-five'"
assert_contains "$OUT" "restorable until"
export NEW_IMAGE_ID=77
run_raw "" cli "$IMG" restore "$label"; assert_success "restore: $ERR"
assert_contains "$OUT" "as image 77"
tmpl=$(cat "$DOCS/created-100.tmpl")
assert_contains "$tmpl" 'NAME = "data-five-restored-'; assert_contains "$tmpl" 'TYPE = "DATABLOCK"'
assert_contains "$tmpl" 'PERSISTENT = "YES"'
path=$(sed -n 's/^PATH = "\(.*\)"$/\1/p' <<<"$tmpl")
assert_eq "$path" "/ipfs/$(cut -d' ' -f2 <<<"${vers[1]}")" "restore names the current (reverted) content"
# What oned does for that `oneimage create`: ds cp with the template's PATH.
doc_from cp "$path" IMAGE/ID 77
run_ds cp "$T_ROOT/cp.xml" 77; assert_success "cp of the restored image: $ERR"; NEWSRC=${OUT%% *}
vm_doc 51 77
vm_tm ln "$NEWSRC" "node1:$DS/0/51/disk.0" 51 100; assert_success
assert_file_eq "$(on $DS/0/51/disk.0)" "$T_ROOT/data.v2" "the restored image's bytes"
run_raw "" "$IMG" history 5; assert_contains "$OUT" "DELETED"; assert_contains "$OUT" " restore "

t_case "IPFS_DELETE_GRACE=0 removes at once; fsck --repair purges entries past their grace"
register_file 6 "$T_ROOT/data.v1"; S6=$SRC
doc_from rm "" IMAGE/ID 6 IMAGE/SOURCE "$S6"
IPFS_DELETE_GRACE=0 run_ds rm "$T_ROOT/rm.xml" 6; assert_success
assert_eq "$(ipfs_rpc fe files/stat "arg=${S6#mfs:}" | grep -c '"Hash"')" 0 "the entry is gone"
run_raw "" "$IMG" deleted; assert_not_contains "$OUT" " image 6 " "not in the deleted area"
run_raw "" "$FSCK" --no-oned; assert_contains "$OUT" "1 deleted image(s) within their grace"
IPFS_DELETE_GRACE=0 run_raw "" "$FSCK" --repair --no-oned; assert_success "fsck: $OUT"
assert_contains "$OUT" "deleted    $IPFS_CATALOG/.deleted/$label"
run_raw "" "$IMG" deleted; assert_contains "$OUT" "0 deleted image(s)"
chain_dump >"$T_ROOT/chain.txt" && RC=0 || RC=$?; assert_success "the chain"
assert_contains "$(cat "$T_ROOT/chain.txt")" "purge 5"
assert_contains "$(cat "$T_ROOT/chain.txt")" "rm 6"

t_case "verify: intact, then an event re-signed with another key, then an unsigned one, is named"
run_raw "" "$IMG" verify; assert_success "verify: $OUT"; assert_contains "$OUT" "break(s)"
n=3
orig=$(ipfs_rpc fe files/stat "arg=$CHAIN/$n" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')
ipfs_rpc fe block/get "arg=$orig" >"$T_ROOT/event.json"
python3 - "$T_ROOT/event.json" "$T_ROOT/resigned.json" "$T_ROOT/unsigned.json" <<'PY'
import base64, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
rec = json.load(open(sys.argv[1]))
ev = json.loads(rec["payload"]); ev["user"] = "mallory"
payload = json.dumps(ev, separators=(",", ":"))
key = Ed25519PrivateKey.generate()
pub = b"\xed\x01" + key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
n, out = int.from_bytes(pub, "big"), ""
while n: n, r = divmod(n, 58); out = alphabet[r] + out
signed = {"payload": payload, "publisher": "did:key:z" + out,
          "signature": base64.b64encode(key.sign(payload.encode())).decode()}
open(sys.argv[2], "w").write(json.dumps(signed, separators=(",", ":")))
open(sys.argv[3], "w").write(payload)
PY
swap_event() { # FILE: event $n becomes the block FILE holds
  local cid
  cid=$(curl -sS -X POST -F "file=@$1" "$(_api fe)/api/v0/dag/put?store-codec=raw&input-codec=raw&pin=false" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["Cid"]["/"])')
  ipfs_rpc fe files/rm "arg=$CHAIN/$n" >/dev/null
  ipfs_rpc fe files/cp "arg=/ipfs/$cid&arg=$CHAIN/$n" >/dev/null
  ipfs_rpc fe files/stat "arg=$CHAIN/$n" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])'  # as the daemon names it
}
for f in resigned unsigned; do
  cid=$(swap_event "$T_ROOT/$f.json")
  run_raw "" "$IMG" verify; assert_rc 1 "verify with a $f event"
  assert_contains "$OUT" "BROKEN  $CHAIN event $n (/ipfs/$cid)" "the $f event named"
  run_raw "" "$IMG" verify 100; assert_rc 1
done
swap_event "$T_ROOT/event.json" >/dev/null
run_raw "" "$IMG" verify; assert_success "the original event back: $OUT"

t_case "a flush that cannot append (a bad key): the action succeeds; the next one says so in one WARN line and appends both"
mv "$IPFS_SIGNING_KEY" "$T_ROOT/key.good"
echo "not a key" >"$IPFS_SIGNING_KEY"; chmod 600 "$IPFS_SIGNING_KEY"
register_file 8 "$T_ROOT/data.v1"; S8=$SRC
assert_not_contains "$ERR" "WARN" "the action does not wait for the append"
chain_dump >"$T_ROOT/chain.txt" && RC=0 || RC=$?; assert_success "the chain"
assert_not_contains "$(cat "$T_ROOT/chain.txt")" "cp 8" "not appended yet"
history_flushers_wait && RC=0 || RC=$?; assert_success "cp's own flush has ended"
mv "$T_ROOT/key.good" "$IPFS_SIGNING_KEY"
doc_from rm "" IMAGE/ID 8 IMAGE/SOURCE "$S8"
run_ds rm "$T_ROOT/rm.xml" 8; assert_success "rm: $ERR"
assert_eq "$(grep -c '^WARN:' <<<"$ERR")" 1 "one WARN line: $ERR"
assert_contains "$ERR" "1 earlier event(s) of $CHAIN are not appended yet"
chain_dump >"$T_ROOT/chain.txt" && RC=0 || RC=$?; assert_success "the chain"
assert_eq "$(tail -2 "$T_ROOT/chain.txt" | cut -d' ' -f2- | paste -sd,)" "cp 8,rm 8" "the spooled event first, then the new one"
register_file 9 "$T_ROOT/data.v1"; assert_not_contains "$ERR" "WARN" "nothing waits any more"

t_case "IPFS_HISTORY_APPEND=inline: the action appends; one that cannot says so in one WARN line and spools"
export IPFS_HISTORY_APPEND=inline
mv "$IPFS_SIGNING_KEY" "$T_ROOT/key.good"
echo "not a key" >"$IPFS_SIGNING_KEY"; chmod 600 "$IPFS_SIGNING_KEY"
register_file 18 "$T_ROOT/data.v1"; S18=$SRC
assert_eq "$(grep -c '^WARN:' <<<"$ERR")" 1 "one WARN line: $ERR"
assert_contains "$ERR" "spooled in"
chain_dump >"$T_ROOT/chain.txt" && RC=0 || RC=$?; assert_success "the chain"
assert_not_contains "$(cat "$T_ROOT/chain.txt")" "cp 18" "not appended yet"
mv "$T_ROOT/key.good" "$IPFS_SIGNING_KEY"
doc_from rm "" IMAGE/ID 18 IMAGE/SOURCE "$S18"
run_ds rm "$T_ROOT/rm.xml" 18; assert_success "rm: $ERR"
assert_not_contains "$ERR" "WARN"
# read without a flush: the action itself appended both
HISTORY_NO_FLUSH=1
chain_dump >"$T_ROOT/chain.txt" && RC=0 || RC=$?; assert_success "the chain"
assert_eq "$(tail -2 "$T_ROOT/chain.txt" | cut -d' ' -f2- | paste -sd,)" "cp 18,rm 18" "the spooled event first, then the new one"
unset IPFS_HISTORY_APPEND HISTORY_NO_FLUSH

t_case "15 concurrent cp, rm and mvds: one unbroken chain with every event"
for i in 0 1 2 3 4; do
  register_file $((20 + i)) "$T_ROOT/data.v1"; echo "$SRC" >"$T_ROOT/rm-src.$i"
  head -c 1M /dev/urandom >"$T_ROOT/c$i"
  register_file $((30 + i)) "$T_ROOT/data.v1"; echo "$SRC" >"$T_ROOT/mv-src.$i"
  vm_doc $((60 + i)) $((30 + i))
  vm_tm ln "$SRC" "node1:$DS/0/$((60 + i))/disk.0" $((60 + i)) 100; assert_success
  printf 'written %s' $i | dd of="$(on $DS/0/$((60 + i))/disk.0)" bs=1 seek=100 conv=notrunc status=none
  doc_from cp "$T_ROOT/c$i" IMAGE/ID $((10 + i)); cp "$T_ROOT/cp.xml" "$T_ROOT/cpc$i.xml"
  cp "$ONEIPFS_SOURCE_DIR/tests/fixtures/rm.xml" "$T_ROOT/rmc$i.xml"
  xml_set "$T_ROOT/rmc$i.xml" IMAGE/ID $((20 + i)); xml_set "$T_ROOT/rmc$i.xml" IMAGE/SOURCE "$(cat "$T_ROOT/rm-src.$i")"
done
before=$(chain_dump | wc -l)
pids=()
for i in 0 1 2 3 4; do
  ( run_ds cp "$T_ROOT/cpc$i.xml" $((10 + i)); [[ $RC == 0 && $ERR != *WARN* ]] || { echo "cp $i: $ERR" >&2; exit 1; } ) &
  pids+=($!)
  ( run_ds rm "$T_ROOT/rmc$i.xml" $((20 + i)); [[ $RC == 0 && $ERR != *WARN* ]] || { echo "rm $i: $ERR" >&2; exit 1; } ) &
  pids+=($!)
  ( vm_tm mvds "node1:$DS/0/$((60 + i))/disk.0" "$(cat "$T_ROOT/mv-src.$i")" $((60 + i)) 100
    [[ $RC == 0 && $ERR != *WARN* ]] || { echo "mvds $i: $ERR" >&2; exit 1; } ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" && RC=0 || RC=$?; assert_success "a concurrent action (no WARN)"; done
chain_dump >"$T_ROOT/chain.txt" && RC=0 || RC=$?; assert_success "one unbroken chain"
assert_eq "$(wc -l <"$T_ROOT/chain.txt")" "$((before + 15))" "15 events more"
for i in 0 1 2 3 4; do
  assert_eq "$(grep -c " cp $((10 + i))\$" "$T_ROOT/chain.txt")" 1 "cp of image $((10 + i))"
  assert_eq "$(grep -c " rm $((20 + i))\$" "$T_ROOT/chain.txt")" 1 "rm of image $((20 + i))"
  assert_eq "$(grep -c " mvds $((30 + i))\$" "$T_ROOT/chain.txt")" 1 "mvds of image $((30 + i))"
done
run_raw "" "$IMG" verify; assert_success "verify: $OUT"

t_case "IPFS_HISTORY_KEEP=2: a save-back drops the oldest version, as a prune event; the current one stays"
S30=$(cat "$T_ROOT/mv-src.0")
assert_eq "$(versions_of "$S30" | wc -l)" 2 "image 30: cp and one mvds"
vm_doc 70 30
vm_tm ln "$S30" "node1:$DS/0/70/disk.0" 70 100; assert_success
printf 'third' | dd of="$(on $DS/0/70/disk.0)" bs=1 seek=200 conv=notrunc status=none
cp "$(on $DS/0/70/disk.0)" "$T_ROOT/v30.3"
IPFS_HISTORY_KEEP=2 vm_tm mvds "node1:$DS/0/70/disk.0" "$S30" 70 100; assert_success "mvds: $ERR"
assert_eq "$(versions_of "$S30" | cut -d' ' -f1 | tr '\n' ' ')" "2 3 " "versions 2 and 3 kept"
ipfs_cat fe "$(versions_of "$S30" | tail -1 | cut -d' ' -f2)" >"$T_ROOT/got"
assert_file_eq "$T_ROOT/got" "$T_ROOT/v30.3" "the current version is the saved disk"
chain_dump >"$T_ROOT/chain.txt" && RC=0 || RC=$?; assert_success "the chain"
assert_eq "$(tail -1 "$T_ROOT/chain.txt" | cut -d' ' -f2-)" "prune 30" "the prune event"

t_case "snapshot events: a save-back with a snapshot, then ds snap_revert, snap_delete and snap_flatten, each an event"
register_file 45 "$T_ROOT/data.v1"; S45=$SRC
vm_doc 80 45
vm_tm ln "$S45" "node1:$DS/0/80/disk.0" 80 100; assert_success "deploy: $ERR"
printf 'snap zero' | dd of="$(on $DS/0/80/disk.0)" bs=1 seek=300 conv=notrunc status=none
vm_tm snap_create "node1:$DS/0/80/disk.0" 0 80 100; assert_success "snap_create: $ERR"
printf 'snap one!' | dd of="$(on $DS/0/80/disk.0)" bs=1 seek=300 conv=notrunc status=none
vm_tm snap_create "node1:$DS/0/80/disk.0" 1 80 100; assert_success "snap_create 1: $ERR"
vm_tm mvds "node1:$DS/0/80/disk.0" "$S45" 80 100; assert_success "mvds: $ERR"
assert_eq "$(ipfs_rpc fe files/ls "arg=${S45#mfs:}" | python3 -c 'import json,sys; print(" ".join(sorted(e["Name"] for e in json.load(sys.stdin)["Entries"])))')" \
  "1 2 snap-0 snap-1" "version 2 and both snapshots saved"
snap0=$(ipfs_rpc fe files/stat "arg=${S45#mfs:}/snap-0" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')
snapdoc() { doc_from rm "" IMAGE/ID 45 IMAGE/SOURCE "$S45" IMAGE/TARGET_SNAPSHOT "$1"; }
snapdoc 0; run_ds snap_revert "$T_ROOT/rm.xml" 45; assert_success "snap_revert: $ERR"
snapdoc 1; run_ds snap_delete "$T_ROOT/rm.xml" 45; assert_success "snap_delete: $ERR"
snapdoc 0; run_ds snap_flatten "$T_ROOT/rm.xml" 45; assert_success "snap_flatten: $ERR"
chain_dump >"$T_ROOT/chain.txt" && RC=0 || RC=$?; assert_success "one unbroken chain"
assert_eq "$(grep ' 45$' "$T_ROOT/chain.txt" | cut -d' ' -f2 | paste -sd,)" "cp,mvds,snapshots,snap_revert,snap_delete,snap_flatten" \
  "image 45's events in order"
run_raw "" "$IMG" history 45; assert_success "history: $ERR"
echo "$OUT"
ev() { grep "^  #[0-9]* .* $1 " <<<"$OUT" || true; }
assert_contains "$(ev snapshots)" "vm 80 user bob (9)" "the save-back's snapshots event names the VM and its owner"
assert_contains "$(ev snapshots)" "(0 saved /ipfs/$snap0; 1 saved /ipfs/" "it names what changed"
assert_contains "$(ev snap_revert)" "(snapshot 0)"; assert_contains "$(ev snap_revert)" " v3 " "snap_revert made version 3"
assert_contains "$(ev snap_delete)" "(snapshot 1)"
assert_contains "$(ev snap_flatten)" " v4 " "snap_flatten made version 4"
for a in snapshots snap_revert snap_delete snap_flatten; do assert_contains "$(ev $a)" "signed ok" "the $a event verifies"; done
ipfs_cat fe "$(versions_of "$S45" | awk '$1 == 3 {print $2}')" >"$T_ROOT/v45.3"
assert_eq "$(dd if="$T_ROOT/v45.3" bs=1 skip=300 count=9 status=none)" "snap zero" "version 3 is snapshot 0's content"
run_raw "" "$IMG" verify; assert_success "verify: $OUT"

t_case "the tools refuse to run as root on another user's key (they would leave it root-owned)"
if [[ $(id -u) == 0 ]] && id nobody >/dev/null 2>&1; then
  mkdir -p "$T_ROOT/oneadmin-home"; chown nobody "$T_ROOT/oneadmin-home"
  theirs="$T_ROOT/oneadmin-home/.one/one-ipfs-signing.key"
  IPFS_SIGNING_KEY=$theirs run_raw "" "$IMG" verify; assert_rc 3 "one-ipfs-image verify as root"
  assert_eq "$(wc -l <<<"$ERR")" 1 "one line: $ERR"; assert_contains "$ERR" "run this as nobody"
  IPFS_SIGNING_KEY=$theirs run_raw "" "$FSCK" --repair --no-oned; assert_rc 3 "one-ipfs-fsck --repair as root"
  assert_contains "$ERR" "not as root"
  IPFS_SIGNING_KEY=$theirs run_raw "" "$ONEIPFS_BUILD_DIR/tools/one-ipfs-market" id; assert_rc 3 "one-ipfs-market id as root"
  assert_contains "$ERR" "not as root"
  assert_missing "$T_ROOT/oneadmin-home/.one" "nothing created there"
  IPFS_SIGNING_KEY=$theirs run_raw "" "$FSCK" --no-oned; assert_success "a check without --repair signs nothing: $ERR"
else
  echo "skipped: needs root and a user 'nobody'"
fi

t_done
