#!/usr/bin/env bash
# ds stat: every PATH form, run as oned runs it (stdin and argv forms),
# against a real js-ipfs daemon; sizes in MB, qcow2 virtual size from the header.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"

# A 3 MiB + 1 byte raw file -> 4 MB; a qcow2 with 100 MiB virtual size -> 100.
head -c $((3 * 1048576 + 1)) /dev/urandom > "$T_ROOT/raw.img"
qemu-img create -q -f qcow2 "$T_ROOT/disk.qcow2" 100M
raw_cid=$(ipfs_add fe "$T_ROOT/raw.img")
q_cid=$(ipfs_add fe "$T_ROOT/disk.qcow2")
mkdir -p "$T_ROOT/dir" && cp "$T_ROOT/disk.qcow2" "$T_ROOT/dir/disk.qcow2"
dir_cid=$(curl -sS -X POST -F "file=@$T_ROOT/dir/disk.qcow2;filename=dir/disk.qcow2" \
  "$IPFSD_API_fe/api/v0/add?cid-version=1&raw-leaves=true&wrap-with-directory=false&pin=false" |
  python3 -c 'import sys,json; l=[json.loads(x) for x in sys.stdin]; print([x["Hash"] for x in l if x["Name"]=="dir"][0])')

stat_of() { # PATH [--argv] -> sets OUT/ERR/RC
  doc_from stat "$1"
  run_ds stat "$T_ROOT/stat.xml" 901 ${2:-}
}

t_case "IPFS path forms"
for p in "/ipfs/$raw_cid" "ipfs://$raw_cid" "fs:/ipfs/$raw_cid" "http://127.0.0.1:8080/ipfs/$raw_cid" \
         "https://$raw_cid.ipfs.dweb.link/"; do
  stat_of "$p"; assert_success; assert_eq "$OUT" "4" "stat $p"
done
stat_of "/ipfs/$raw_cid" --argv; assert_success; assert_eq "$OUT" "4" "argv form (OpenNebula <= 6.6)"
raw_b58=$(ipfs_add fe "$T_ROOT/raw.img" base58btc)
assert_ne "$raw_b58" "$raw_cid" "the same CID in another base"
stat_of "/ipfs/$raw_b58"; assert_success; assert_eq "$OUT" "4" "base58btc CIDv1"

t_case "qcow2 reports the virtual size, without downloading the image"
stat_of "/ipfs/$q_cid"; assert_success; assert_eq "$OUT" "100"
stat_of "/ipfs/$dir_cid/disk.qcow2"; assert_success; assert_eq "$OUT" "100" "sub-path inside a directory"

t_case "IPNS names resolve (both key forms)"
key_id=$(ipfs_publish fe "/ipfs/$q_cid")
stat_of "/ipns/$key_id"; assert_success; assert_eq "$OUT" "100" "/ipns/<peer id>"
stat_of "ipns://$key_id"; assert_success; assert_eq "$OUT" "100" "ipns://<peer id>"
k51=$(python3 "$ONEIPFS_SOURCE_DIR/tests/lib/peerid_to_k51.py" "$key_id")
stat_of "/ipns/$k51"; assert_success; assert_eq "$OUT" "100" "/ipns/k51... form"

t_case "local files and http URLs"
stat_of "$T_ROOT/raw.img"; assert_success; assert_eq "$OUT" "4"
stat_of "$T_ROOT/disk.qcow2"; assert_success; assert_eq "$OUT" "100"
http_serve "$T_ROOT"
stat_of "$HTTP_URL/disk.qcow2"; assert_success; assert_eq "$OUT" "100" "qcow2 over http"
stat_of "$HTTP_URL/raw.img"; assert_success; assert_eq "$OUT" "4" "raw over http"

t_case "errors: one line, non-zero"
stat_of "/ipfs/$dir_cid"; assert_fail_one_line; assert_contains "$ERR" "directory"
stat_of "/ipfs/QmNotAValidCid0OIl"; assert_fail_one_line; assert_contains "$ERR" "CID"
stat_of "/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8"; assert_fail_one_line
stat_of "$T_ROOT/missing.img"; assert_fail_one_line; assert_contains "$ERR" "missing.img"
stat_of "/etc/hostname"; assert_fail_one_line; assert_contains "$ERR" "restricted"
stat_of "$HTTP_URL/nope.img"; assert_fail_one_line; assert_contains "$ERR" "404"
stat_of ""; assert_fail_one_line; assert_contains "$ERR" "PATH"
# A CID nobody has: the daemon would hang forever; stat gives up in time.
IPFS_STAT_TIMEOUT=3 stat_of "/ipfs/bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba"
assert_fail_one_line; assert_contains "$ERR" "bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba"

t_case "daemon down"
ipfsd_stop fe
stat_of "/ipfs/$raw_cid"; assert_fail_one_line; assert_contains "$ERR" "not reachable"

t_done
