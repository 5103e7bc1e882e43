#!/usr/bin/env bash
# Two images with the same content: rm one, run the daemon's GC, the other
# still reads back byte for byte. And content the operator pinned is never
# unpinned by rm. A removed image's content stays in the deleted area until
# one-ipfs-fsck --repair purges it past IPFS_DELETE_GRACE; then gc reclaims it.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"
head -c $((4 * 1048576)) /dev/urandom > "$T_ROOT/img"

register() { # ID PATH -> SOURCE in $OUT
  cp "$fx/cp.xml" "$T_ROOT/cp.xml"; xml_set "$T_ROOT/cp.xml" IMAGE/ID "$1"; xml_set "$T_ROOT/cp.xml" IMAGE/PATH "$2"
  xml_set "$T_ROOT/cp.xml" DATASTORE/TEMPLATE/SAFE_DIRS "$T_ROOT"
  run_ds cp "$T_ROOT/cp.xml" "$1"; assert_success "cp $2"; OUT=${OUT%% *}
}
remove() { # ID SOURCE
  cp "$fx/rm.xml" "$T_ROOT/rm.xml"; xml_set "$T_ROOT/rm.xml" IMAGE/ID "$1"; xml_set "$T_ROOT/rm.xml" IMAGE/SOURCE "$2"
  run_ds rm "$T_ROOT/rm.xml" "$1"; assert_success "rm $2"
}
read_back() { # SOURCE FILE
  local h; h=$(ipfs_rpc fe files/stat "arg=${1#mfs:}/1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')
  ipfs_cat fe "$h" > "$2"
}

t_case "the same file imported twice shares one CID; rm + gc keeps the other"
register 1 "$T_ROOT/img"; a=$OUT
register 2 "$T_ROOT/img"; b=$OUT
ha=$(ipfs_rpc fe files/stat "arg=${a#mfs:}/1"); hb=$(ipfs_rpc fe files/stat "arg=${b#mfs:}/1")
assert_eq "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["Hash"])' "$ha")" \
          "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["Hash"])' "$hb")" "same content, same CID"
remove 1 "$a"
ipfs_gc fe
read_back "$b" "$T_ROOT/back"; assert_file_eq "$T_ROOT/back" "$T_ROOT/img" "image 2 after rm of image 1 and gc"

t_case "an /ipfs/ image and an imported file with the same content"
cid=$(ipfs_add fe "$T_ROOT/img")
register 3 "/ipfs/$cid"; c=$OUT
remove 2 "$b"
ipfs_gc fe
read_back "$c" "$T_ROOT/back"; assert_file_eq "$T_ROOT/back" "$T_ROOT/img"

t_case "the operator's pin survives rm of an image with that content"
head -c 1048577 /dev/urandom > "$T_ROOT/pinned"
pcid=$(ipfs_add fe "$T_ROOT/pinned")
ipfs_rpc fe pin/add "arg=$pcid" >/dev/null
register 4 "/ipfs/$pcid"; d=$OUT
remove 4 "$d"
ipfs_gc fe
assert_contains "$(ipfs_rpc fe pin/ls "arg=$pcid")" "recursive" "still pinned"
ipfs_cat fe "$pcid" > "$T_ROOT/back"; assert_file_eq "$T_ROOT/back" "$T_ROOT/pinned"

t_case "after removing the last image, its content stays for undelete (IPFS_DELETE_GRACE) until fsck purges it"
remove 3 "$c"
ipfs_gc fe
curl -s -m 5 -X POST "$IPFSD_API_fe/api/v0/cat?arg=$cid&offline=true&timeout=2s" >"$T_ROOT/kept"
assert_file_eq "$T_ROOT/kept" "$T_ROOT/img" "the deleted area keeps the content through gc"
IPFS_DELETE_GRACE=0 run_raw "" "$ONEIPFS_BUILD_DIR/tools/one-ipfs-fsck" --repair --no-oned
assert_contains "$OUT" "deleted" "fsck purges the deleted entries"
ipfs_gc fe
IPFS_TIMEOUT=2
if curl -s -m 5 -X POST "$IPFSD_API_fe/api/v0/cat?arg=$cid&offline=true&timeout=2s" | cmp -s - "$T_ROOT/img"; then
  echo "FAIL: content of removed images is still in the repository after gc" >&2; exit 1
fi
T_CHECKS=$((T_CHECKS + 1))

t_done
