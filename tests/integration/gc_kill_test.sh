#!/usr/bin/env bash
# kill -9 of tm mvds at random points (22 runs, through the host helper and
# through the fallback with no host daemon, plus one kill while it certainly
# holds its temporary pin): the SOURCE's current version is always the old
# content or the complete new one, never a partial DAG. one-ipfs-fsck then
# finds the leftovers (changing nothing), removes them with --repair, and
# finds nothing afterwards.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
host_start node1            # helper + its own daemon
host_start node3 --no-ipfs  # the fallback path
ds_env
# js-ipfs's MFS writes race `repo gc` (see catalog.h): GC runs as the README
# says for such daemons, under the exclusive IPFS_MFS_LOCK.
export IPFS_MFS_LOCK="$T_ROOT/mfs.lock"
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"
DS=/var/lib/one//datastores
on() { local h="HOST_DS_$1"; echo "${!h}/${2#/var/lib/one//datastores/}"; }
FSCK="$ONEIPFS_BUILD_DIR/tools/one-ipfs-fsck"

head -c 16M /dev/urandom >"$T_ROOT/pers.img"
cp "$fx/cp.xml" "$T_ROOT/cp.xml"; xml_set "$T_ROOT/cp.xml" IMAGE/ID 7; xml_set "$T_ROOT/cp.xml" IMAGE/PATH "$T_ROOT/pers.img"
xml_set "$T_ROOT/cp.xml" DATASTORE/TEMPLATE/SAFE_DIRS "$T_ROOT"
run_ds cp "$T_ROOT/cp.xml" 7; assert_success "register: $ERR"; P=${OUT%% *}
run_tm clone "$P" "node1:$DS/0/20/disk.0" 20 100; assert_success "deploy node1: $ERR"
run_tm clone "$P" "node3:$DS/0/30/disk.0" 30 100; assert_success "deploy node3: $ERR"
cp "$T_ROOT/pers.img" "$T_ROOT/old"  # the current content

current_cid() {
  curl -sS -m 40 -X POST "$IPFSD_API_fe/api/v0/files/ls?arg=${P#mfs:}&long=true&timeout=30s" | python3 -c '
import json, sys
e = [x for x in (json.load(sys.stdin).get("Entries") or []) if x["Name"].isdigit()]
print(max(e, key=lambda x: int(x["Name"]))["Hash"] if e else "")'
}
holds() { ipfs_rpc fe pin/ls type=recursive | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("Keys") or {}))'; }
host_of() { (($1 % 2)) && echo node3 || echo node1; }
vm_of() { (($1 % 2)) && echo 30 || echo 20; }
change() { # RUN: a new version of the disk on its host -> $T_ROOT/new
  local h; h=$(host_of "$1")
  printf 'version %s' "$1" | dd of="$(on "$h" "$DS/0/$(vm_of "$1")/disk.0")" bs=1 seek=$((4096 * $1)) conv=notrunc status=none
  cp "$(on "$h" "$DS/0/$(vm_of "$1")/disk.0")" "$T_ROOT/new"
}
check_current() { # WHAT: current content is old or new, never partial
  local cid; cid=$(current_cid)
  if ! curl -sS -f -m 40 -X POST "$IPFSD_API_fe/api/v0/cat?arg=$cid&timeout=30s" >"$T_ROOT/back" 2>/dev/null; then
    _t_fail "$1: the current version /ipfs/$cid does not read back (partial DAG?)"; return
  fi
  if cmp -s "$T_ROOT/back" "$T_ROOT/new"; then cp "$T_ROOT/new" "$T_ROOT/old"; _t_ok
  elif cmp -s "$T_ROOT/back" "$T_ROOT/old"; then _t_ok
  else _t_fail "$1: the current version is neither the old nor the new content"; fi
}
mvds_bg() { # RUN
  "$ONE_REMOTES/tm/ipfs/mvds" "$(host_of "$1"):$DS/0/$(vm_of "$1")/disk.0" "$P" "$(vm_of "$1")" 100 \
    </dev/null >/dev/null 2>"$T_ROOT/mvds.err" &
  MV=$!
}

t_case "how long one mvds takes on each path (not killed)"
declare -A DUR
for r in 2 1; do
  change "$r"
  t0=$(date +%s%N)
  mvds_bg "$r"; wait "$MV"; RC=$?
  assert_success "mvds from $(host_of "$r"): $(cat "$T_ROOT/mvds.err")"
  DUR[$(host_of "$r")]=$((($(date +%s%N) - t0) / 1000000))
  check_current "run $r"
  assert_file_eq "$T_ROOT/back" "$T_ROOT/new" "run $r saved the new content"
done
echo "mvds takes ${DUR[node1]} ms through the helper, ${DUR[node3]} ms through the fallback"

t_case "22 kill -9 at random points"
for r in $(seq 3 24); do
  change "$r"
  d=${DUR[$(host_of "$r")]}
  ms=$((RANDOM * d / 32768))
  mvds_bg "$r"
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill -9 "$MV" 2>/dev/null || true
  wait "$MV" 2>/dev/null || true
  check_current "run $r (killed after $ms of $d ms)"
done

t_case "a kill while mvds certainly holds its temporary pin"
before=$(holds)
change 26
mvds_bg 26
for _ in $(seq 400); do (($(holds) > before)) && break; sleep 0.02; done
kill -9 "$MV" 2>/dev/null || true; wait "$MV" 2>/dev/null || true
(($(holds) > before)) && _t_ok || _t_fail "no temporary pin was seen"
check_current "run 26"

t_case "a staging name left in the entry by an interrupted writer"
ipfs_rpc fe files/cp "arg=/ipfs/$(current_cid)&arg=${P#mfs:}/.staging-99" >/dev/null

t_case "fsck finds the leftovers and changes nothing"
pins=$(holds)
run_raw "" "$FSCK" --no-oned; assert_rc 1 "fsck exit: $OUT $ERR"
assert_contains "$OUT" "stale-pin"
assert_contains "$OUT" "stale      ${P#mfs:}/.staging-99"
assert_eq "$(holds)" "$pins" "nothing unpinned without --repair"
assert_contains "$(ipfs_rpc fe files/ls "arg=${P#mfs:}")" ".staging-99" "nothing removed without --repair"

t_case "fsck --repair removes them; then nothing is left"
run_raw "" "$FSCK" --no-oned --repair; assert_success "fsck --repair: $OUT $ERR"
assert_contains "$OUT" "[repaired]"
assert_not_contains "$OUT" "NOT repaired"
run_raw "" "$FSCK" --no-oned; assert_success "fsck after repair: $OUT $ERR"
assert_contains "$OUT" "0 problem(s)"
assert_eq "$(holds)" 0 "no pins left ($(ipfs_rpc fe pin/ls type=recursive); fsck said: $OUT)"
ipfs_gc fe
check_current "after repair and gc"

t_done
