#!/usr/bin/env bash
# Attacks by tenants of the cloud on the installed drivers, each against the
# real daemon (and a real sshd host where a host is involved):
#  - an image DRIVER with a newline forging a second reply to oned;
#  - rm of an image whose SOURCE names the catalog root, a datastore
#    directory, another image's entry, or a path beside the catalog;
#  - mvds / ln writing into an entry that is not the image's own;
#  - a datastore template choosing the ssh command (IPFS_SSH, IPFS_SSH_OPTS
#    ProxyCommand) or the helper binary (IPFS_REMOTE_DIR) for tm clone;
#  - a datastore template pointing IPFS_API at a listener of the attacker's
#    to receive the operator's IPFS_API_AUTH secret.
# Every other image must survive byte for byte; no attacker command may run.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
host_start node1
ds_env
DS=/var/lib/one//datastores
on() { echo "${HOST_DS_node1}/${1#/var/lib/one//datastores/}"; }

# ipfs.conf as an operator writes it; the environment (the harness's
# IPFS_API, IPFS_SSH, IPFS_REMOTE_DIR) is dropped where a case needs the
# datastore template to be the layer above ipfs.conf, as in production.
{
  echo "IPFS_API = \"$IPFS_API\""
  echo "IPFS_SSH = \"$IPFS_SSH\""
  echo "IPFS_REMOTE_DIR = \"$IPFS_REMOTE_DIR\""
  echo "IPFS_API_AUTH = \"Bearer op-secret-4711\""
} >>"$ONE_IPFS_CONF"

# `onedatastore show -x 100`: what a datastore manager wrote, as transfer
# actions read it (tm.h).
mkdir -p "$T_ROOT/bin"
cat >"$T_ROOT/bin/onedatastore" <<SH
#!/bin/sh
cat "$T_ROOT/ds-100.xml"
SH
chmod +x "$T_ROOT/bin/onedatastore"
export PATH="$T_ROOT/bin:$PATH"
ds_template() { # KEY VALUE ...: the template onedatastore prints
  {
    echo "<DATASTORE><ID>100</ID><NAME>ipfs</NAME><TEMPLATE>"
    while (($#)); do printf '<%s><![CDATA[%s]]></%s>\n' "$1" "$2" "$1"; shift 2; done
    echo "</TEMPLATE></DATASTORE>"
  } >"$T_ROOT/ds-100.xml"
}
ds_template IPFS_CATALOG "$IPFS_CATALOG"

entry_cid() { ipfs_rpc fe files/stat "arg=$1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("Hash",""))' 2>/dev/null || true; }
head -c 3000000 /dev/urandom >"$T_ROOT/a.img"
head -c 2000000 /dev/urandom >"$T_ROOT/b.img"
register_file 10 "$T_ROOT/a.img"; SRC_A=$SRC
register_file 11 "$T_ROOT/b.img"; SRC_B=$SRC
CID_A=$(entry_cid "${SRC_A#mfs:}"); CID_B=$(entry_cid "${SRC_B#mfs:}")
assert_ne "$CID_A" "" "image 10's entry"
survivors_intact() { # WHAT: both images' entries unchanged, their content byte for byte
  assert_eq "$(entry_cid "${SRC_A#mfs:}")" "$CID_A" "$1: image 10's entry"
  assert_eq "$(entry_cid "${SRC_B#mfs:}")" "$CID_B" "$1: image 11's entry"
  ipfs_rpc fe files/read "arg=${SRC_A#mfs:}/1" >"$T_ROOT/a.back"; assert_file_eq "$T_ROOT/a.back" "$T_ROOT/a.img" "$1"
  ipfs_rpc fe files/read "arg=${SRC_B#mfs:}/1" >"$T_ROOT/b.back"; assert_file_eq "$T_ROOT/b.back" "$T_ROOT/b.img" "$1"
}

t_case "a DRIVER with a newline cannot forge a second reply to oned"
doc_from cp "$T_ROOT/a.img" IMAGE/ID 12 IMAGE/TEMPLATE/DRIVER $'raw\nCP SUCCESS 13 mfs:'"$IPFS_CATALOG"' raw'
run_ds cp "$T_ROOT/cp.xml" 12
assert_eq "$(printf '%s' "$OUT" | grep -c '' || true)" "0" "nothing on stdout"
assert_fail_one_line "cp with a forged DRIVER"
assert_contains "$ERR" "DRIVER"
assert_eq "$(entry_cid "$IPFS_CATALOG/100/12-1767225600")" "" "no entry left for image 12"
doc_from cp "/ipfs/$(ipfs_add fe "$T_ROOT/b.img")" IMAGE/ID 14 IMAGE/TEMPLATE/DRIVER $'qcow2\nCP SUCCESS 15 x raw'
run_ds cp "$T_ROOT/cp.xml" 14
assert_eq "$OUT" "" "an IPFS path with a forged DRIVER: nothing on stdout"; assert_fail_one_line

t_case "rm of an image whose SOURCE is the catalog root, a datastore directory or another image's entry"
for src in "mfs:$IPFS_CATALOG" "mfs:$IPFS_CATALOG/100" "$SRC_A" "frontend:$SRC_B" "mfs:/" "mfs:$IPFS_CATALOG/.providers"; do
  doc_from rm /dev/null IMAGE/ID 20 IMAGE/SOURCE "$src"
  run_ds rm "$T_ROOT/rm.xml" 20
  assert_success "rm of an alias $src"; assert_eq "$OUT" ""
  assert_contains "$ERR" "nothing removed"
  survivors_intact "after rm of an image with SOURCE $src"
done
t_case "rm of the image's own entry still removes it (and only it)"
doc_from rm /dev/null IMAGE/ID 10 IMAGE/SOURCE "$SRC_A"
run_ds rm "$T_ROOT/rm.xml" 10; assert_success "rm of image 10"
assert_eq "$(entry_cid "${SRC_A#mfs:}")" "" "image 10's entry is gone"
assert_eq "$(entry_cid "${SRC_B#mfs:}")" "$CID_B" "image 11's entry stays"
register_file 10 "$T_ROOT/a.img"; SRC_A=$SRC; CID_A=$(entry_cid "${SRC_A#mfs:}")

t_case "mvds and ln cannot write into the catalog root, a datastore directory or another datastore's entry"
mkdir -p "$(on $DS/0/30)"; head -c 1000000 /dev/urandom >"$(on $DS/0/30/disk.0)"
for src in "mfs:$IPFS_CATALOG" "mfs:$IPFS_CATALOG/100" "mfs:$IPFS_CATALOG/101/10-1767225600"; do
  run_tm mvds "node1:$DS/0/30/disk.0" "$src" 30 100
  assert_fail_one_line "mvds into $src"; assert_contains "$ERR" "left in place"
  assert_exists "$(on $DS/0/30/disk.0)" "the disk stays on the host"
  run_tm ln "frontend:$src" "node1:$DS/0/31/disk.0" 31 100
  assert_fail_one_line "ln of $src"; assert_missing "$(on $DS/0/31/disk.0)"
  survivors_intact "after mvds/ln with $src"
done

t_case "a datastore template cannot choose the ssh command, its options or the helper binary"
unset IPFS_SSH IPFS_REMOTE_DIR
B_CID=$(ipfs_add fe "$T_ROOT/b.img")  # independent of the catalog cases above
cat >"$T_ROOT/evil.sh" <<SH
#!/bin/sh
touch "$T_ROOT/pwned-ssh"
exec ssh -F "$T_ROOT/ssh_config" "\$@"
SH
chmod +x "$T_ROOT/evil.sh"
mkdir -p "$T_ROOT/evil-remotes/tm/ipfs"
printf '#!/bin/sh\ntouch %q\n' "$T_ROOT/pwned-helper" >"$T_ROOT/evil-remotes/tm/ipfs/one-ipfs-host"
chmod +x "$T_ROOT/evil-remotes/tm/ipfs/one-ipfs-host"
ds_template IPFS_CATALOG "$IPFS_CATALOG" IPFS_SSH "$T_ROOT/evil.sh" \
  IPFS_SSH_OPTS '-oProxyCommand=touch${IFS}'"$T_ROOT/pwned-proxy"' -oControlPath=none' \
  IPFS_REMOTE_DIR "$T_ROOT/evil-remotes" IPFS_SSH_CONTROL_PERSIST no
run_tm clone "frontend:/ipfs/$B_CID" "node1:$DS/0/40/disk.0" 40 100
assert_success "clone with a hostile datastore template"
assert_file_eq "$(on $DS/0/40/disk.0)" "$T_ROOT/b.img" "deployed with the operator's ssh and helper"
assert_missing "$T_ROOT/pwned-ssh" "the template's IPFS_SSH did not run"
assert_missing "$T_ROOT/pwned-proxy" "the template's ProxyCommand did not run"
assert_missing "$T_ROOT/pwned-helper" "the template's helper did not run"
assert_contains "$ERR" "WARN:"
for k in IPFS_SSH, IPFS_SSH_OPTS IPFS_REMOTE_DIR IPFS_SSH_CONTROL_PERSIST; do assert_contains "$ERR" "$k"; done
ds_template IPFS_CATALOG "$IPFS_CATALOG" IPFS_REMOTE_DIR "$T_ROOT/evil-remotes"
run_tm clone "frontend:/ipfs/$B_CID" "node1:$DS/0/42/disk.0" 42 100
assert_success "clone with the template's IPFS_REMOTE_DIR alone"
assert_file_eq "$(on $DS/0/42/disk.0)" "$T_ROOT/b.img"
assert_missing "$T_ROOT/pwned-helper" "the template's helper did not run"

t_case "the IPFS_API secret never reaches an API a datastore template names"
unset IPFS_API
free_port lport
python3 - "$lport" "$T_ROOT/listener.log" <<'PY' &
import http.server, sys
log = open(sys.argv[2], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        log.write(f"{self.path} auth={self.headers.get('Authorization')}\n"); log.flush()
        self.send_response(500); self.send_header("Content-Type", "application/json"); self.end_headers()
        self.wfile.write(b'{"Message":"attacker","Code":0,"Type":"error"}')
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
T_PIDS+=("$!")
for _ in $(seq 50); do port_free "$lport" || break; sleep 0.1; done
: >"$T_ROOT/listener.log"
doc_from stat "/ipfs/$(ipfs_add fe "$T_ROOT/b.img")" DATASTORE/TEMPLATE/IPFS_API "http://127.0.0.1:$lport"
run_ds stat "$T_ROOT/stat.xml" 901
assert_success "stat uses the operator's daemon"; assert_eq "$OUT" "2"
assert_contains "$ERR" "is not in IPFS_API_ALLOW"
assert_eq "$(cat "$T_ROOT/listener.log")" "" "the listener got no request"
ds_template IPFS_CATALOG "$IPFS_CATALOG" IPFS_API "http://127.0.0.1:$lport"
run_tm clone "frontend:/ipfs/$B_CID" "node1:$DS/0/41/disk.0" 41 100
assert_success "tm clone uses the operator's daemon"
assert_eq "$(cat "$T_ROOT/listener.log")" "" "the listener got no request from tm"
# An API the operator allows is used, without the operator's secret.
echo "IPFS_API_ALLOW = \"http://127.0.0.1:$lport\"" >>"$ONE_IPFS_CONF"
run_ds stat "$T_ROOT/stat.xml" 901
assert_fail_one_line "stat against the allowed listener"
assert_contains "$(cat "$T_ROOT/listener.log")" "auth=None" "requests reached it without a secret"
assert_not_contains "$(cat "$T_ROOT/listener.log")" "op-secret-4711"

t_done
