#!/usr/bin/env bash
# Deploying an empty datablock from mkfs: the host helper recognises the zero
# DAG from its root block and writes a sparse file without fetching zeros
# (100 GiB: exact size, under 1 MiB allocated, reads as zeros); content that
# is not all zeros still streams byte for byte.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
host_start node1
host_start bare --no-ipfs
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"
DS=/var/lib/one//datastores
on() { echo "$HOST_DS_node1/${1#/var/lib/one//datastores/}"; }
mkfs() { # ID MB -> SOURCE in $SRC
  cp "$fx/mkfs.xml" "$T_ROOT/doc.xml"; xml_set "$T_ROOT/doc.xml" IMAGE/ID "$1"; xml_set "$T_ROOT/doc.xml" IMAGE/SIZE "$2"
  run_ds mkfs "$T_ROOT/doc.xml" "$1"; assert_success "mkfs $2 MB"; SRC=$OUT
}
zeros_at() { # FILE OFFSET LENGTH: that range equals /dev/zero
  cmp -s -n "$3" <(tail -c +"$(($2 + 1))" "$1" | head -c "$3") /dev/zero
}

t_case "a 100 GiB empty datablock deploys as a sparse file of the exact size"
mkfs 30 102400
t0=$(date +%s.%N)
run_tm clone "frontend:$SRC" "node1:$DS/0/60/disk.0" 60 100; assert_success "clone of the 100 GiB datablock"
echo "deploy of 100 GiB: $(echo "$(date +%s.%N) - $t0" | bc) s"
assert_contains "$ERR" "as a sparse file"
f=$(on "$DS/0/60/disk.0")
assert_eq "$(stat -c %s "$f")" "107374182400" "size exact"
kib=$(du -k "$f" | cut -f1)
((kib < 1024)) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: $kib KiB allocated" >&2; exit 1; }
for off in 0 1048575 53687091200 107374182400-65536; do
  zeros_at "$f" "$((off))" 65536 && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: not zeros at $off" >&2; exit 1; }
done
ls -A "$(on "$DS/0/60")" | grep -q one-ipfs && { echo "FAIL: temporary files left" >&2; exit 1; }

t_case "a host without an IPFS daemon gets it over ssh as a sparse file too (nothing streamed)"
run_tm clone "frontend:$SRC" "bare:$DS/0/63/disk.0" 63 100; assert_success "clone to a host without daemon"
assert_contains "$ERR" "no IPFS daemon on bare"
assert_contains "$ERR" "as a sparse file"
f=$HOST_DS_bare/0/63/disk.0
assert_eq "$(stat -c %s "$f")" "107374182400" "size exact"
kib=$(du -k "$f" | cut -f1)
((kib < 1024)) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: $kib KiB allocated" >&2; exit 1; }
zeros_at "$f" 53687091200 65536 && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: not zeros" >&2; exit 1; }

t_case "a small empty datablock (one raw leaf) deploys sparse too"
mkfs 31 1
run_tm clone "frontend:$SRC" "node1:$DS/0/61/disk.0" 61 100; assert_success
assert_contains "$ERR" "as a sparse file"
assert_eq "$(stat -c %s "$(on "$DS/0/61/disk.0")")" "1048576"
zeros_at "$(on "$DS/0/61/disk.0")" 0 1048576 && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: not zeros" >&2; exit 1; }

t_case "content with data in it streams as before, byte for byte"
{ head -c 3M /dev/zero; head -c 5 /dev/urandom; head -c 3M /dev/zero; } > "$T_ROOT/mostly-zero.img"
cp "$fx/cp.xml" "$T_ROOT/cp.xml"; xml_set "$T_ROOT/cp.xml" IMAGE/ID 32; xml_set "$T_ROOT/cp.xml" IMAGE/PATH "$T_ROOT/mostly-zero.img"
xml_set "$T_ROOT/cp.xml" DATASTORE/TEMPLATE/SAFE_DIRS "$T_ROOT"
run_ds cp "$T_ROOT/cp.xml" 32; assert_success; SRC=${OUT%% *}
run_tm clone "frontend:$SRC" "node1:$DS/0/62/disk.0" 62 100; assert_success
assert_not_contains "$ERR" "as a sparse file"
assert_file_eq "$(on "$DS/0/62/disk.0")" "$T_ROOT/mostly-zero.img"

t_case "a large image streams in parallel byte ranges: identical, sparse where zero, no temporaries"
# 3 ranges of 32 MiB (range_fetch.h); zeros straddle the first range boundary
# and the file does not end on a block boundary.
{ head -c 30M /dev/urandom; head -c 4M /dev/zero; head -c 62M /dev/urandom; head -c 4099 /dev/urandom; } > "$T_ROOT/big.img"
cp "$fx/cp.xml" "$T_ROOT/cp.xml"; xml_set "$T_ROOT/cp.xml" IMAGE/ID 33; xml_set "$T_ROOT/cp.xml" IMAGE/PATH "$T_ROOT/big.img"
xml_set "$T_ROOT/cp.xml" DATASTORE/TEMPLATE/SAFE_DIRS "$T_ROOT"
run_ds cp "$T_ROOT/cp.xml" 33; assert_success; SRC=${OUT%% *}
IPFS_FETCH_STREAMS=8 run_tm clone "frontend:$SRC" "node1:$DS/0/64/disk.0" 64 100; assert_success
assert_contains "$ERR" "3 streams"
f=$(on "$DS/0/64/disk.0")
assert_file_eq "$f" "$T_ROOT/big.img"
kib=$(du -k "$f" | cut -f1)
((kib < (96 * 1024 + 8) - 3 * 1024)) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: $kib KiB allocated, the zero MiBs are not holes" >&2; exit 1; }
ls -A "$(on "$DS/0/64")" | grep -q one-ipfs && { echo "FAIL: temporary files left" >&2; exit 1; }
IPFS_FETCH_STREAMS=1 run_tm clone "frontend:$SRC" "node1:$DS/0/65/disk.0" 65 100; assert_success
assert_contains "$ERR" "1 stream,"
assert_file_eq "$(on "$DS/0/65/disk.0")" "$T_ROOT/big.img"

t_done
