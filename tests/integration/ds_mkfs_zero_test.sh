#!/usr/bin/env bash
# mkfs of empty raw datablocks in constant time: the zero DAG stored with
# dag/put has the CID and size a real `add` of the same zeros gives, it
# survives gc (catalog), a 100 GiB one registers in under 2 s, and a
# rabin chunker falls back to streaming with an INFO line.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"

doc() { # ID SIZE_MB -> $T_ROOT/doc.xml
  cp "$fx/mkfs.xml" "$T_ROOT/doc.xml"; xml_set "$T_ROOT/doc.xml" IMAGE/ID "$1"; xml_set "$T_ROOT/doc.xml" IMAGE/SIZE "$2"
}
stat_of() { # MFS path -> "HASH SIZE" (Hash printed in base32 for comparison)
  ipfs_rpc fe files/stat "arg=$1&cidBase=base32" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["Hash"], j["Size"])'
}
added() { # MB CHUNKER -> "HASH SIZE" (files/stat) of a real add of that many zero bytes
  truncate -s "$1M" "$T_ROOT/zeros"  # sparse: reads as zeros
  local h; h=$(curl -sS -X POST -F "file=@$T_ROOT/zeros" \
    "$IPFSD_API_fe/api/v0/add?cid-version=1&raw-leaves=true&chunker=$2&pin=false&cid-base=base32" |
    python3 -c 'import json,sys; print([json.loads(l) for l in sys.stdin if l.strip()][-1]["Hash"])')
  rm -f "$T_ROOT/zeros"
  stat_of "/ipfs/$h"
}
mkfs() { # ID MB -> SOURCE in $SRC, seconds in $SECS
  doc "$1" "$2"
  local t0; t0=$(date +%s.%N)
  run_ds mkfs "$T_ROOT/doc.xml" "$1"
  SECS=$(echo "$(date +%s.%N) - $t0" | bc)
  assert_success "mkfs of $2 MB"; SRC=$OUT
}

t_case "constant-time mkfs equals add of the same zeros (1 leaf, 300 leaves, 2 levels, a partial last chunk)"
for mb in 1 300 200; do
  mkfs "1$mb" "$mb"
  assert_contains "$ERR" "without streaming them" "mkfs $mb MB built the DAG"
  assert_eq "$(stat_of "${SRC#mfs:}/1")" "$(added "$mb" size-1048576)" "mkfs $mb MB vs add"
done

t_case "the catalog keeps the zero DAG from gc, as it keeps every mkfs content"
read -r h200 s200 <<<"$(stat_of "${SRC#mfs:}/1")"
ipfs_gc fe
curl -sS -f -X POST "$IPFSD_API_fe/api/v0/cat?arg=$h200&offline=true&timeout=60s" | cmp -s - <(head -c "$s200" /dev/zero) &&
  T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: 200 MB datablock unreadable after gc" >&2; exit 1; }
IPFS_CHUNKER=size-1000000 mkfs 21 1   # 1 MiB = a 1000000-byte chunk + 48576 bytes
assert_eq "$(stat_of "${SRC#mfs:}/1")" "$(added 1 size-1000000)" "mkfs 1 MB in 1000000-byte chunks vs add"
IPFS_CHUNKER=size-262144 mkfs 22 50   # 200 leaves of 256 KiB: 2 levels
assert_eq "$(stat_of "${SRC#mfs:}/1")" "$(added 50 size-262144)" "mkfs 50 MB in 256 KiB chunks vs add"

# No gc from here on: js-ipfs's gc (ipfs-repo walk-dag.js) reads every link
# of every DAG in MFS, the repeated 1 MiB zero leaf 102400 times for 100 GiB
# (kubo's gc visits each CID once).
t_case "100 GiB registers in under 2 s and reads back as zeros"
mkfs 23 102400
echo "mkfs of 100 GiB: $SECS s"
(($(echo "$SECS < 2" | bc))) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: mkfs of 100 GiB took $SECS s" >&2; exit 1; }
read -r big size <<<"$(stat_of "${SRC#mfs:}/1")"
assert_eq "$size" "107374182400" "size exact"
for off in 0 53687091200 107374178304; do
  curl -sS -f -X POST "$IPFSD_API_fe/api/v0/cat?arg=$big&offset=$off&length=4096&offline=true&timeout=20s" > "$T_ROOT/part"
  assert_eq "$(stat -c %s "$T_ROOT/part")" "4096" "4 KiB at $off"
  assert_eq "$(tr -d '\0' < "$T_ROOT/part" | wc -c)" "0" "zeros at $off"
done

t_case "a chunker that is not size-N streams through add, with an INFO line"
IPFS_CHUNKER=rabin-262144-524288-1048576 mkfs 24 8
assert_contains "$ERR" "is not a fixed-size chunker"
assert_contains "$ERR" "streaming 8.0 MiB of zeros through add"
assert_eq "$(stat_of "${SRC#mfs:}/1")" "$(added 8 rabin-262144-524288-1048576)" "streamed like add"

t_done
