#!/usr/bin/env bash
# Transfer driver failure cases: hosts without helper or daemon (streaming
# fallback), shell metacharacters in every argument, kill -9 mid-clone,
# unavailable content, daemon down, disk full, a save-back that cannot reach
# the front end. Nothing bootable is ever left half-written; no disk is lost.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
host_start node1
host_start node3 --no-ipfs
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"
DS=/var/lib/one//datastores
on() { local h="HOST_DS_$1"; echo "${!h}/${2#/var/lib/one//datastores/}"; }
head -c $((24 * 1048576)) /dev/urandom > "$T_ROOT/big.img"
cp "$fx/cp.xml" "$T_ROOT/cp.xml"; xml_set "$T_ROOT/cp.xml" IMAGE/PATH "$T_ROOT/big.img"
xml_set "$T_ROOT/cp.xml" DATASTORE/TEMPLATE/SAFE_DIRS "$T_ROOT"
run_ds cp "$T_ROOT/cp.xml" 5; assert_success; IMG=${OUT%% *}
cp "$fx/cp.xml" "$T_ROOT/cp.xml"; xml_set "$T_ROOT/cp.xml" IMAGE/ID 6; xml_set "$T_ROOT/cp.xml" IMAGE/PATH "$T_ROOT/big.img"
xml_set "$T_ROOT/cp.xml" DATASTORE/TEMPLATE/SAFE_DIRS "$T_ROOT"
run_ds cp "$T_ROOT/cp.xml" 6; assert_success; PERS=${OUT%% *}

t_case "a host without a daemon: the front end streams over ssh, and says so"
run_tm clone "$IMG" "node3:$DS/0/1/disk.0" 1 100; assert_success
assert_contains "$ERR" "INFO: clone: no IPFS daemon on node3"
assert_file_eq "$(on node3 $DS/0/1/disk.0)" "$T_ROOT/big.img"
printf 'saved without a host daemon' | dd of="$(on node3 $DS/0/1/disk.0)" bs=1 seek=4096 conv=notrunc status=none
cp "$(on node3 $DS/0/1/disk.0)" "$T_ROOT/expect"
run_tm mvds "node3:$DS/0/1/disk.0" "$PERS" 1 100; assert_success; assert_contains "$ERR" "reading"
run_tm ln "$PERS" "node1:$DS/0/2/disk.0" 2 100; assert_success
assert_file_eq "$(on node1 $DS/0/2/disk.0)" "$T_ROOT/expect" "save-back through the fallback"

t_case "a host without the helper (remotes not synced)"
IPFS_REMOTE_DIR=/nonexistent/remotes run_tm clone "$IMG" "node1:$DS/0/3/disk.0" 3 100; assert_success
assert_contains "$ERR" "no one-ipfs-host helper on node1"
assert_file_eq "$(on node1 $DS/0/3/disk.0)" "$T_ROOT/big.img"

t_case "shell metacharacters and spaces in every argument run nothing"
canary="$T_ROOT/pwned"
evil_path="$DS/0/4/disk.0;touch $canary;\$(touch $canary)\`touch $canary\` 'x\" y"
for args in \
  "clone|$IMG|node1:$evil_path|4|100" \
  "ln|$IMG|node1:$DS/0/4/disk.1 \$(touch $canary)|4|100" \
  "delete|node1:$DS/0/4/x;touch $canary|4|100" \
  "resize|node1:$DS/0/4/disk.0;touch $canary|64|4|100" \
  "snap_create|node1:$DS/0/4/disk.0\`touch $canary\`|0|4|100" \
  "mv|node1:$DS/0/4/a b;touch $canary|node1:$DS/0/4/c|4|100" \
  "clone|$IMG|node1;touch $canary:$DS/0/4/disk.2|4|100" \
  "clone|$IMG|-oProxyCommand=touch $canary:$DS/0/4/disk.3|4|100" \
  "clone|/ipfs/\$(touch $canary)|node1:$DS/0/4/disk.4|4|100" \
  "mvds|node1:$DS/0/4/disk.0|mfs:/x;touch $canary|4|100" ; do
  IFS='|' read -r -a a <<<"$args"
  run_tm "${a[@]}"
  assert_missing "$canary" "${a[0]} ran an injected command"
done
# The strange but legal path was written literally.
[[ -f "$(on node1 "$evil_path")" ]] && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: literal path not written" >&2; exit 1; }

t_case "malformed numbers from oned are refused before the host is touched"
for n in " 16" "+16" "16MB" "0x10" "0" "99999999999999999999"; do
  run_tm resize "node1:$DS/0/4/disk.0" "$n" 4 100; assert_fail_one_line "resize SIZE '$n'"; assert_contains "$ERR" "SIZE"
done
for n in "-0" "-1" " 1" "1e3"; do
  run_tm snap_create "node1:$DS/0/4/disk.0" "$n" 4 100; assert_fail_one_line "snap_create SNAP_ID '$n'"; assert_contains "$ERR" "SNAP_ID"
done
for n in "-2" " -1" "+0"; do
  run_tm cpds "node1:$DS/0/4/disk.0" "mfs:$IPFS_CATALOG/100/77-1" "$n" 4 100; assert_fail_one_line "cpds SNAP_ID '$n'"
  assert_contains "$ERR" "SNAP_ID"
done

t_case "kill -9 at any moment of a clone leaves nothing at DST"
for delay in 0.2 0.5 1 1.5; do
  "$ONE_REMOTES/tm/ipfs/clone" "$IMG" "node1:$DS/0/5/disk.0" 5 100 2>/dev/null &
  pid=$!; sleep "$delay"; pkill -KILL -P "$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  # the helper on the host may still be finishing; give it a moment, then
  # the disk is either absent or complete, never partial
  sleep 1
  f="$(on node1 $DS/0/5/disk.0)"
  if [[ -e $f ]]; then assert_file_eq "$f" "$T_ROOT/big.img" "after kill at $delay s"; rm -f "$f"
  else T_CHECKS=$((T_CHECKS + 1)); fi
done
run_tm clone "$IMG" "node1:$DS/0/5/disk.0" 5 100; assert_success "a clone after the kills"
assert_eq "$(ls -A "$(on node1 $DS/0/5)")" "disk.0" "stale temporaries cleaned"

t_case "fetch failures leave nothing and say why"
run_tm clone "/ipfs/bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba" "node1:$DS/0/6/disk.0" 6 100
assert_fail_one_line "a CID nobody has"; assert_missing "$(on node1 $DS/0/6/disk.0)"
run_tm clone "mfs:$IPFS_CATALOG/100/77-1" "node1:$DS/0/6/disk.0" 6 100; assert_fail_one_line; assert_contains "$ERR" "not in the IPFS catalog"
run_tm clone "$IMG" "node1:relative/path" 6 100; assert_fail_one_line; assert_contains "$ERR" "not absolute"
run_tm clone "$IMG" "node1:$DS/0/6/disk.0" 6; assert_fail_one_line "missing argument"
run_tm clone "$IMG" "nohost:$DS/0/6/disk.0" 6 100; assert_fail_one_line; assert_contains "$ERR" "nohost"
# disk full: a 1 MiB tmpfs mounted inside node1's own mount namespace
mkdir -p "$(on node1 $DS/0/7)"
nsenter -t "$HOST_SSHD_PID_node1" -m mount -t tmpfs -o size=1m tmpfs /var/lib/one/datastores/0/7
run_tm clone "$IMG" "node1:$DS/0/7/disk.0" 7 100
assert_fail_one_line "disk full"; assert_contains "$ERR" "No space left"
assert_eq "$(nsenter -t "$HOST_SSHD_PID_node1" -m ls -A /var/lib/one/datastores/0/7)" "" "nothing left on a full disk"
nsenter -t "$HOST_SSHD_PID_node1" -m umount /var/lib/one/datastores/0/7

t_case "a save-back that cannot complete keeps the host disk and the old version"
run_tm ln "$PERS" "node1:$DS/0/8/disk.0" 8 100; assert_success
run_tm mvds "node1:$DS/0/8/disk.0" "/ipfs/bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba" 8 100
assert_fail_one_line "immutable SOURCE"; assert_contains "$ERR" "immutable"; assert_exists "$(on node1 $DS/0/8/disk.0)"
run_tm mvds "node1:$DS/0/8/disk.0" "mfs:$IPFS_CATALOG/100/deleted-1" 8 100
assert_fail_one_line "deleted image"; assert_exists "$(on node1 $DS/0/8/disk.0)"
before=$(ipfs_rpc fe files/ls "arg=${PERS#mfs:}")
ipfsd_stop fe
run_tm mvds "node1:$DS/0/8/disk.0" "$PERS" 8 100; assert_fail_one_line "front-end daemon down"
assert_exists "$(on node1 $DS/0/8/disk.0)" "the disk is still on the host"
ipfsd_start fe
assert_eq "$(ipfs_rpc fe files/ls "arg=${PERS#mfs:}")" "$before" "no half-recorded version"
run_tm mvds "node1:$DS/0/8/disk.0" "$PERS" 8 100; assert_success "and it works once the daemon is back"

t_done
