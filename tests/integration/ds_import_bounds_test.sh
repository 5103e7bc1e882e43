#!/usr/bin/env bash
# ds cp / stat of front-end files and URLs, attacked (issue 17):
#  - a self-contained install (ONE_LOCATION set): $ONE_LOCATION/etc/oned.conf
#    and $ONE_LOCATION/var/one.db are refused by cp and stat with one line,
#    as /etc/one and /var/lib/one are on a packaged install; a symlink in a
#    SAFE_DIRS directory that points at them is refused too;
#  - IPFS_IMPORT_MAX_MB (default: the datastore's FREE_MB) caps URL and file
#    imports: a bigger one fails with one line naming the limit, leaving no
#    catalog entry and no temporary pin, whether the server announces its
#    length or not;
#  - a URL import follows redirects to http(s) only: file:// and ftp:// are
#    refused, an http redirect is followed.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
ds_env

ONE="$T_ROOT/one"   # a self-contained OpenNebula tree
mkdir -p "$ONE/etc" "$ONE/var" "$T_ROOT/safe"
printf 'DB = [ BACKEND = "sqlite" ]\nONE_KEY = "secret-of-oned"\n' >"$ONE/etc/oned.conf"
printf 'SQLite format 3\0secret rows' >"$ONE/var/one.db"
head -c 4096 /dev/urandom >"$T_ROOT/safe/ok.img"
ln -s "$ONE/etc/oned.conf" "$T_ROOT/safe/evil.img"
ln -s "$ONE/var" "$T_ROOT/safe/var"
ln -s "$T_ROOT/safe/ok.img" "$T_ROOT/safe/alias.img"

ID=20
entries() { ipfs_rpc fe files/ls "arg=$IPFS_CATALOG/100&long=true" | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("Entries") or []))' 2>/dev/null || echo 0; }
pins() { ipfs_rpc fe pin/ls "type=$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("Keys") or {}))'; }
cp_of() { # PATH [xml_set pairs...]: SAFE_DIRS is $T_ROOT/safe only, RESTRICTED_DIRS empty
  ID=$((ID + 1))
  doc_from cp "$1" IMAGE/ID "$ID" DATASTORE/TEMPLATE/SAFE_DIRS "$T_ROOT/safe" DATASTORE/TEMPLATE/RESTRICTED_DIRS "" "${@:2}"
  run_ds cp "$T_ROOT/cp.xml" "$ID"
}
stat_of() {
  doc_from stat "$1" DATASTORE/TEMPLATE/SAFE_DIRS "$T_ROOT/safe" DATASTORE/TEMPLATE/RESTRICTED_DIRS "" "${@:2}"
  run_ds stat "$T_ROOT/stat.xml" 901
}

t_case "ONE_LOCATION set: its etc and var are restricted for cp and stat"
before=$(entries)
for f in "$ONE/etc/oned.conf" "$ONE/var/one.db"; do
  ONE_LOCATION="$ONE" cp_of "$f"; assert_fail_one_line "cp $f"; assert_contains "$ERR" "restricted" "cp $f"
  ONE_LOCATION="$ONE" stat_of "$f"; assert_fail_one_line "stat $f"; assert_contains "$ERR" "restricted" "stat $f"
done
# The same tree is an ordinary directory when ONE_LOCATION names another one.
ONE_LOCATION="$T_ROOT/other-one" stat_of "$ONE/etc/oned.conf"; assert_success "stat without that ONE_LOCATION: $ERR"
assert_eq "$(entries)" "$before" "nothing registered"

t_case "a symlink in SAFE_DIRS pointing at a restricted file or directory is refused"
for f in "$T_ROOT/safe/evil.img" "$T_ROOT/safe/var/one.db"; do
  ONE_LOCATION="$ONE" cp_of "$f"; assert_fail_one_line "cp $f"; assert_contains "$ERR" "restricted" "cp $f"
  ONE_LOCATION="$ONE" stat_of "$f"; assert_fail_one_line "stat $f"; assert_contains "$ERR" "restricted" "stat $f"
done
assert_eq "$(entries)" "$before" "nothing registered"
ONE_LOCATION="$ONE" cp_of "$T_ROOT/safe/alias.img"; assert_success "a symlink to a safe file: $ERR"
ONE_LOCATION="$ONE" cp_of "$T_ROOT/safe/ok.img"; assert_success "a plain safe file: $ERR"
before=$((before + 2))

t_case "IPFS_IMPORT_MAX_MB caps URL and file imports; nothing stays"
head -c $((3 * 1048576 + 1)) /dev/urandom >"$T_ROOT/safe/big.img"   # 4 MB
head -c 1048576 /dev/urandom >"$T_ROOT/safe/small.img"              # 1 MB
http_serve "$T_ROOT/safe"
rpins=$(pins recursive); dpins=$(pins direct)
IPFS_IMPORT_MAX_MB=2 cp_of "$HTTP_URL/big.img"; assert_fail_one_line "URL over the cap"
assert_contains "$ERR" "import limit of 2 MB (IPFS_IMPORT_MAX_MB)"
IPFS_IMPORT_MAX_MB=2 cp_of "$T_ROOT/safe/big.img"; assert_fail_one_line "file over the cap"
assert_contains "$ERR" "is 4 MB, more than the import limit of 2 MB (IPFS_IMPORT_MAX_MB)"
IPFS_IMPORT_MAX_MB=abc cp_of "$T_ROOT/safe/small.img"; assert_fail_one_line "a cap that is not a number"
assert_contains "$ERR" "IPFS_IMPORT_MAX_MB"
# The default is the datastore's free space as oned last saw it (DATASTORE/FREE_MB).
cp_of "$HTTP_URL/big.img" DATASTORE/FREE_MB 3; assert_fail_one_line "URL over FREE_MB"
assert_contains "$ERR" "import limit of 3 MB (the datastore's free space, FREE_MB"
cp_of "$T_ROOT/safe/big.img" DATASTORE/FREE_MB 3; assert_fail_one_line "file over FREE_MB"
assert_contains "$ERR" "FREE_MB"
# A server that does not announce the length (chunked) is cut off once past the cap.
python3 - "$T_ROOT/srv.port" "$T_ROOT/safe" "$HTTP_URL" <<'PY' &
import http.server, os, sys
port_file, root, other = sys.argv[1], sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_HEAD(self): self.do_GET(head=True)
    def do_GET(self, head=False):
        redirects = {"/to-file": "file://" + root + "/small.img", "/to-ftp": "ftp://127.0.0.1/small.img",
                     "/to-http": other + "/small.img", "/to-scp": "scp://127.0.0.1/small.img"}
        if self.path in redirects:
            self.send_response(302); self.send_header("Location", redirects[self.path])
            self.send_header("Content-Length", "0"); self.end_headers(); return
        if self.path == "/chunked.img":
            data = open(os.path.join(root, "big.img"), "rb").read()
            self.send_response(200); self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
            if head: return
            try:
                for i in range(0, len(data), 65536):
                    c = data[i:i + 65536]
                    self.wfile.write(b"%x\r\n" % len(c) + c + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, *a): pass  # a client that stops reading (the cap) is expected
s = Server(("127.0.0.1", 0), H)
open(port_file, "w").write(str(s.server_address[1]))
s.serve_forever()
PY
T_PIDS+=("$!")
for _ in $(seq 50); do [[ -s $T_ROOT/srv.port ]] && break; sleep 0.1; done
SRV="http://127.0.0.1:$(cat "$T_ROOT/srv.port")"
IPFS_IMPORT_MAX_MB=2 cp_of "$SRV/chunked.img"; assert_fail_one_line "chunked URL over the cap"
assert_contains "$ERR" "is larger, more than the import limit of 2 MB (IPFS_IMPORT_MAX_MB)"
assert_eq "$(entries)" "$before" "failed imports left no catalog entry"
assert_eq "$(pins recursive) $(pins direct)" "$rpins $dpins" "failed imports left no temporary pin"
# Under the cap: imported.
IPFS_IMPORT_MAX_MB=4 cp_of "$HTTP_URL/big.img"; assert_success "URL at the cap: $ERR"
cp_of "$T_ROOT/safe/big.img" DATASTORE/FREE_MB 100; assert_success "file under FREE_MB: $ERR"
IPFS_IMPORT_MAX_MB=4 cp_of "$SRV/chunked.img"; assert_success "chunked URL under the cap: $ERR"
before=$((before + 3))

t_case "a URL import follows redirects to http(s) only"
for r in to-file to-ftp to-scp; do
  cp_of "$SRV/$r"; assert_fail_one_line "cp redirect $r"
  assert_contains "$ERR" "redirects to a URL that is not http(s)" "cp redirect $r"
  stat_of "$SRV/$r"; assert_fail_one_line "stat redirect $r"
  assert_contains "$ERR" "redirects to a URL that is not http(s)" "stat redirect $r"
done
assert_eq "$(entries)" "$before" "refused redirects left no catalog entry"
cp_of "$SRV/to-http"; assert_success "an http redirect is followed: $ERR"
assert_contains "$OUT" "mfs:$IPFS_CATALOG/100/$ID-"
stat_of "$SRV/to-http"; assert_success "stat through an http redirect: $ERR"; assert_eq "$OUT" "1"

t_done
