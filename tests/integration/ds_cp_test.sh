#!/usr/bin/env bash
# ds cp: register images from every PATH form as oned does (stdin and argv
# forms); SOURCE FORMAT on stdout; content held by the front-end daemon and
# readable back byte for byte; checksums; every error case leaves nothing.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"

head -c $((5 * 1048576 + 123)) /dev/urandom > "$T_ROOT/raw.img"
qemu-img convert -f raw -O qcow2 "$T_ROOT/raw.img" "$T_ROOT/disk.qcow2"
qemu-img create -q -f vmdk "$T_ROOT/disk.vmdk" 10M
qemu-img create -q -f vhdx "$T_ROOT/disk.vhdx" 10M
python3 - "$T_ROOT/cd.iso" <<'PY'
import sys
b = bytearray(0x9000); b[0x8001:0x8006] = b"CD001"; open(sys.argv[1], "wb").write(b)
PY
md5=$(md5sum < "$T_ROOT/raw.img" | cut -d' ' -f1)
sha1=$(sha1sum < "$T_ROOT/raw.img" | cut -d' ' -f1)
raw_cid=$(ipfs_add fe "$T_ROOT/raw.img")
q_cid=$(ipfs_add fe "$T_ROOT/disk.qcow2")
http_serve "$T_ROOT"

ID=10
cp_of() { # PATH [extra xml_set pairs...] ; uses a new image id each time
  ID=$((ID + 1))
  doc_from cp "$@" IMAGE/ID "$ID"
  run_ds cp "$T_ROOT/cp.xml" "$ID" ${ARGV_FORM:+--argv}
}
source_of() { echo "${OUT%% *}"; }
format_of() { echo "${OUT##* }"; }
entries() { ipfs_rpc fe files/ls "arg=$IPFS_CATALOG/100&long=true" | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("Entries") or []))' 2>/dev/null || echo 0; }
content_of() { # SOURCE -> the image bytes read back through the catalog
  local dir=${1#mfs:}
  local cid; cid=$(ipfs_rpc fe files/stat "arg=$dir/1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')
  ipfs_cat fe "$cid"
}

t_case "IPFS paths are referenced and read back byte for byte"
for p in "/ipfs/$raw_cid" "ipfs://$raw_cid" "fs:/ipfs/$raw_cid" "https://$raw_cid.ipfs.dweb.link"; do
  cp_of "$p"; assert_success "cp $p"
  assert_contains "$(source_of)" "mfs:$IPFS_CATALOG/100/$ID-"
  assert_eq "$(format_of)" "raw" "$p"
  assert_eq "$(printf '%s' "$OUT" | wc -l)" "0" "one line on stdout"
  content_of "$(source_of)" > "$T_ROOT/back"; assert_file_eq "$T_ROOT/back" "$T_ROOT/raw.img"
done
ARGV_FORM=1 cp_of "/ipfs/$q_cid"; assert_success "argv form"; assert_eq "$(format_of)" "qcow2"

t_case "IPNS: resolved once and frozen"
key=$(ipfs_publish fe "/ipfs/$q_cid")
cp_of "/ipns/$key"; assert_success; assert_eq "$(format_of)" "qcow2"
frozen=$(source_of)
ipfs_rpc fe name/publish "arg=/ipfs/$raw_cid&key=$(ipfs_rpc fe key/list | python3 -c 'import json,sys; print([k["Name"] for k in json.load(sys.stdin)["Keys"] if k["Id"]==sys.argv[1]][0])' "$key")&allow-offline=true&resolve=false" >/dev/null
content_of "$frozen" > "$T_ROOT/back"; assert_file_eq "$T_ROOT/back" "$T_ROOT/disk.qcow2" "the name moved on, the image did not"
IPFS_IPNS_FOLLOW=yes cp_of "/ipns/$key"; assert_success; assert_eq "$(source_of)" "ipns://$key" "follow mode keeps the name"

t_case "formats are detected from the content; DRIVER overrides"
for f in disk.vmdk:vmdk disk.vhdx:vhdx cd.iso:iso disk.qcow2:qcow2 raw.img:raw; do
  cp_of "$T_ROOT/${f%%:*}"; assert_success "$f"; assert_eq "$(format_of)" "${f##*:}" "$f"
done
cp_of "/ipfs/$raw_cid" IMAGE/TEMPLATE/DRIVER qcow2; assert_success; assert_eq "$(format_of)" "qcow2"

t_case "local files and URLs are streamed into IPFS, with checksums"
cp_of "$T_ROOT/raw.img" IMAGE/TEMPLATE/MD5 "$md5" IMAGE/TEMPLATE/SHA1 "$sha1"; assert_success
assert_contains "$ERR" "INFO: cp:"
content_of "$(source_of)" > "$T_ROOT/back"; assert_file_eq "$T_ROOT/back" "$T_ROOT/raw.img"
cp_of "$HTTP_URL/raw.img" IMAGE/TEMPLATE/MD5 "$md5"; assert_success
content_of "$(source_of)" > "$T_ROOT/back"; assert_file_eq "$T_ROOT/back" "$T_ROOT/raw.img"
cp_of "$HTTP_URL/disk.qcow2"; assert_success; assert_eq "$(format_of)" "qcow2"
cp_of "/ipfs/$raw_cid" IMAGE/TEMPLATE/SHA1 "$sha1"; assert_success "checksum of IPFS content"

t_case "content only a peer has: the front end fetches every block before cp answers, and no pin stays"
# cp first tries one offline recursive pin (content_hold.h, kLocalFirst):
# kubo fails it at the first missing block and the walk fetches; js-ipfs
# ignores offline and its pin/add fetches. Either way the blocks must be here.
recursive_pins() { ipfs_rpc fe pin/ls "type=recursive" | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("Keys") or {}))'; }
pins_before=$(recursive_pins)
ipfsd_start peer
head -c $((3 * 1048576 + 77)) /dev/urandom > "$T_ROOT/peer.img"
peer_cid=$(ipfs_add peer "$T_ROOT/peer.img")
ipfs_rpc fe swarm/connect "arg=$IPFSD_SWARM_peer/p2p/$IPFSD_ID_peer" >/dev/null
cp_of "/ipfs/$peer_cid"; assert_success "cp of a peer's content"
peer_src=$(source_of)
ipfsd_stop peer
# every block is on the front end now: read back with the peer gone (bounded)
ipfs_rpc fe files/stat "arg=${peer_src#mfs:}/1" >/dev/null
curl -sS -f -X POST --max-time 60 "$IPFSD_API_fe/api/v0/cat?arg=$peer_cid&timeout=50s" > "$T_ROOT/back"
assert_file_eq "$T_ROOT/back" "$T_ROOT/peer.img" "read back with the peer stopped"
assert_eq "$(recursive_pins)" "$pins_before" "the temporary pin was released"
cp_of "/ipfs/$raw_cid"; assert_success "local content"
assert_eq "$(recursive_pins)" "$pins_before" "the temporary pin of local content was released"

t_case "errors: one line, non-zero, nothing registered"
before=$(entries)
cp_of "$T_ROOT/raw.img" IMAGE/TEMPLATE/MD5 0123456789abcdef0123456789abcdef; assert_fail_one_line; assert_contains "$ERR" "MD5 mismatch"
cp_of "$HTTP_URL/raw.img" IMAGE/TEMPLATE/SHA1 0000000000000000000000000000000000000000; assert_fail_one_line; assert_contains "$ERR" "SHA1 mismatch"
cp_of "/ipfs/$raw_cid" IMAGE/TEMPLATE/MD5 0123456789abcdef0123456789abcdef; assert_fail_one_line; assert_contains "$ERR" "MD5 mismatch"
mkdir -p "$T_ROOT/d" && cp "$T_ROOT/raw.img" "$T_ROOT/d/x.img"
dir_cid=$(curl -sS -X POST -F "file=@$T_ROOT/d/x.img;filename=d/x.img" "$IPFSD_API_fe/api/v0/add?cid-version=1&cid-base=base32&pin=false" | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')
cp_of "/ipfs/$dir_cid"; assert_fail_one_line; assert_contains "$ERR" "directory"
cp_of "/ipfs/$dir_cid/x.img"; assert_success "a file inside a directory"; before=$((before + 1))
cp_of "/ipfs/bafyNOTACID"; assert_fail_one_line; assert_contains "$ERR" "not a valid"
cp_of "/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8"; assert_fail_one_line; assert_contains "$ERR" "does not resolve"
IPFS_TIMEOUT=3 cp_of "/ipfs/bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba"; assert_fail_one_line; assert_contains "$ERR" "did not answer"
cp_of "/etc/hostname"; assert_fail_one_line; assert_contains "$ERR" "restricted"
cp_of "$T_ROOT/nope.img"; assert_fail_one_line
cp_of "$HTTP_URL/nope.img"; assert_fail_one_line; assert_contains "$ERR" "404"
cp_of ""; assert_fail_one_line; assert_contains "$ERR" "PATH"
# A URL that dies mid-download: a server that announces 8 MiB and sends 1 MiB.
python3 - "$T_ROOT/short.port" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 0)); s.listen(5)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
for _ in range(3):
    c, _ = s.accept(); c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n" + b"x" * 1048576); c.close()
PY
T_PIDS+=("$!")
for _ in $(seq 50); do [[ -s $T_ROOT/short.port ]] && break; sleep 0.1; done
cp_of "http://127.0.0.1:$(cat "$T_ROOT/short.port")/broken.img"; assert_fail_one_line; assert_contains "$ERR" "broken.img"
assert_eq "$(entries)" "$before" "failed imports left no catalog entry"

t_case "bad documents"
run_raw 'not base64 at all!' "$ONE_REMOTES/datastore/ipfs/cp" 5
assert_fail_one_line; assert_contains "$ERR" "base64"
run_raw "$(printf '<DS_DRIVER_ACTION_DATA><IMAGE>' | base64 -w0)" "$ONE_REMOTES/datastore/ipfs/cp" 5
assert_fail_one_line; assert_contains "$ERR" "XML"
run_raw "" "$ONE_REMOTES/datastore/ipfs/cp"
assert_fail_one_line; assert_contains "$ERR" "no action document"
ONE_VERSION=5.12 cp_of "/ipfs/bafyNOTACID"
assert_rc 1; assert_contains "$ERR" "ERROR MESSAGE --8<------" "OpenNebula <= 6.0 markers"

t_case "daemon down or hung"
kill -STOP "$IPFSD_PID_fe"
IPFS_TIMEOUT=2 cp_of "/ipfs/$raw_cid"; assert_fail_one_line; assert_contains "$ERR" "did not answer"
kill -CONT "$IPFSD_PID_fe"
ipfsd_stop fe
cp_of "/ipfs/$raw_cid"; assert_fail_one_line; assert_contains "$ERR" "not reachable"

t_done
