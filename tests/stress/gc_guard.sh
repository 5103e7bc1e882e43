#!/usr/bin/env bash
# Pins as the GC guard: a `repo gc` every 100 ms against the front-end daemon
# while content comes in every way it can (cp of a 64 MiB file, cp of IPFS
# content fetched from a peer, clone, tm mvds through the host helper and
# through the fallback with no host daemon, 15 concurrent cp/rm sharing
# content). Afterwards every registered image reads back byte for byte, still
# after one more gc, and one-ipfs-fsck reports nothing (no temporary pin is
# left either).
#
# Not part of `make test`: on the js-ipfs test daemon a gc every 100 ms can
# leave an MFS read (files/ls) unanswered for minutes under full load (seen
# twice in parallel CTest runs: 60 s, then 300 s; it passes run alone), which
# makes the suite flaky. The failure mode seen was always safe (mvds failed,
# the disk left in place). Run it by hand after `make build` and the
# install_tree fixture:
#   ONE_REMOTES=build/one/var/remotes ONEIPFS_BUILD_DIR=build bash tests/stress/gc_guard.sh
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
host_start node1            # helper + its own daemon
host_start node3 --no-ipfs  # no daemon: the fallback path
ds_env
# js-ipfs's MFS writes race `repo gc` (see catalog.h): GC runs as the README
# says for such daemons, under the exclusive IPFS_MFS_LOCK.
export IPFS_MFS_LOCK="$T_ROOT/mfs.lock"
# A gc every 100 ms keeps js-ipfs busy: its MFS reads wait for each gc, and
# on a loaded machine one call can wait past the harness's 60 s. What this
# test checks is that nothing is lost, so calls may be slow here.
export IPFS_TIMEOUT=300
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"
DS=/var/lib/one//datastores
on() { local h="HOST_DS_$1"; echo "${!h}/${2#/var/lib/one//datastores/}"; }
FSCK="$ONEIPFS_BUILD_DIR/tools/one-ipfs-fsck"
declare -A EXPECT  # SOURCE -> file with its expected current content

gc_loop() {
  while :; do
    # No client time limit: the daemon would go on collecting after curl gave up,
    # outside the lock.
    flock "$IPFS_MFS_LOCK" curl -s -X POST "$IPFSD_API_fe/api/v0/repo/gc" >/dev/null 2>&1 || true
    echo x >>"$T_ROOT/gc.count"
    sleep 0.1
  done
}
gc_loop &
GC_PID=$!
T_PIDS+=("$GC_PID")

register() { # ID PATH -> SOURCE in $SRC
  doc_from cp "$2" IMAGE/ID "$1"
  run_ds cp "$T_ROOT/cp.xml" "$1"; assert_success "register $2: $ERR"; SRC=${OUT%% *}
}
current_cid() { # SOURCE -> CID of its highest version
  curl -sS -m 40 -X POST "$IPFSD_API_fe/api/v0/files/ls?arg=${1#mfs:}&long=true&timeout=30s" | python3 -c '
import json, sys
e = [x for x in (json.load(sys.stdin).get("Entries") or []) if x["Name"].isdigit()]
print(max(e, key=lambda x: int(x["Name"]))["Hash"] if e else "")'
}
reads_back() { # SOURCE FILE WHAT
  local cid; cid=$(current_cid "$1")
  curl -sS -m 60 -X POST "$IPFSD_API_fe/api/v0/cat?arg=$cid&timeout=30s" >"$T_ROOT/back" || true
  assert_file_eq "$T_ROOT/back" "$2" "$3 ($1 = /ipfs/$cid)"
}

t_case "cp of a 64 MiB file while gc runs"
head -c 64M /dev/urandom >"$T_ROOT/big.img"
register 1 "$T_ROOT/big.img"; BIG=$SRC; EXPECT[$BIG]="$T_ROOT/big.img"

t_case "cp of IPFS content the front end fetches from a peer while gc runs"
head -c 12M /dev/urandom >"$T_ROOT/peer.img"
pcid=$(ipfs_add host-node1 "$T_ROOT/peer.img")
ipfs_rpc fe swarm/connect "arg=$IPFSD_SWARM_host_node1/p2p/$IPFSD_ID_host_node1" >/dev/null
register 2 "/ipfs/$pcid"; EXPECT[$SRC]="$T_ROOT/peer.img"

t_case "clone while gc runs"
cp "$fx/clone.xml" "$T_ROOT/clone.xml"; xml_set "$T_ROOT/clone.xml" IMAGE/ID 3; xml_set "$T_ROOT/clone.xml" IMAGE/PATH "$BIG"
run_ds clone "$T_ROOT/clone.xml" 3; assert_success "clone: $ERR"; EXPECT[${OUT%% *}]="$T_ROOT/big.img"

t_case "mvds through the host helper while gc runs"
head -c 8M /dev/urandom >"$T_ROOT/pers1.img"
register 4 "$T_ROOT/pers1.img"; P1=$SRC
run_tm clone "$P1" "node1:$DS/0/10/disk.0" 10 100; assert_success "deploy: $ERR"
printf 'saved through the helper' | dd of="$(on node1 $DS/0/10/disk.0)" bs=1 seek=8192 conv=notrunc status=none
cp "$(on node1 $DS/0/10/disk.0)" "$T_ROOT/pers1.new"
run_tm mvds "node1:$DS/0/10/disk.0" "$P1" 10 100; assert_success "mvds: $ERR"
EXPECT[$P1]="$T_ROOT/pers1.new"
assert_eq "$(ipfs_rpc host-node1 pin/ls type=recursive | grep -c one-ipfs || true)" 0 "no hold left on the host"

t_case "mvds through the fallback (no host daemon) while gc runs"
head -c 8M /dev/urandom >"$T_ROOT/pers3.img"
register 5 "$T_ROOT/pers3.img"; P3=$SRC
run_tm clone "$P3" "node3:$DS/0/11/disk.0" 11 100; assert_success "deploy: $ERR"
printf 'saved through the fallback' | dd of="$(on node3 $DS/0/11/disk.0)" bs=1 seek=4096 conv=notrunc status=none
cp "$(on node3 $DS/0/11/disk.0)" "$T_ROOT/pers3.new"
run_tm mvds "node3:$DS/0/11/disk.0" "$P3" 11 100; assert_success "mvds: $ERR"; assert_contains "$ERR" "no IPFS daemon on node3"
EXPECT[$P3]="$T_ROOT/pers3.new"

t_case "15 concurrent cp/rm sharing content while gc runs"
for k in 0 1 2; do head -c 3M /dev/urandom >"$T_ROOT/shared$k.img"; done
job() { # I: register shared(I%3) as image 100+I; odd I remove it again
  local i=$1 id=$((100 + $1)) x="$T_ROOT/job$1.xml" out rc
  cp "$fx/cp.xml" "$x"; xml_set "$x" IMAGE/ID "$id"; xml_set "$x" IMAGE/PATH "$T_ROOT/shared$((i % 3)).img"
  xml_set "$x" DATASTORE/TEMPLATE/SAFE_DIRS "$T_ROOT"
  rc=0; out=$(base64 -w0 "$x" | "$ONE_REMOTES/datastore/ipfs/cp" "$id" 2>"$T_ROOT/job$i.err") || rc=$?
  echo "$rc ${out%% *}" >"$T_ROOT/job$i.out"
  ((rc == 0)) || return 0
  if ((i % 2)); then
    cp "$fx/rm.xml" "$x"; xml_set "$x" IMAGE/ID "$id"; xml_set "$x" IMAGE/SOURCE "${out%% *}"
    rc=0; base64 -w0 "$x" | "$ONE_REMOTES/datastore/ipfs/rm" "$id" 2>>"$T_ROOT/job$i.err" >/dev/null || rc=$?
    echo "rm $rc" >>"$T_ROOT/job$i.out"
  fi
}
pids=()
for i in $(seq 1 15); do job "$i" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
for i in $(seq 1 15); do
  read -r rc src <"$T_ROOT/job$i.out"
  assert_eq "$rc" 0 "cp job $i: $(cat "$T_ROOT/job$i.err")"
  if ((i % 2)); then
    assert_contains "$(cat "$T_ROOT/job$i.out")" "rm 0" "rm job $i"
  else
    EXPECT[$src]="$T_ROOT/shared$((i % 3)).img"
  fi
done

t_case "gc really ran all along"
n=$(wc -l <"$T_ROOT/gc.count")
((n >= 20)) && _t_ok || _t_fail "only $n gc runs"
kill "$GC_PID"; wait "$GC_PID" 2>/dev/null || true

t_case "every registered image reads back byte for byte, also after one more gc"
# Under the lock as well: it waits for the loop's last gc (js-ipfs unpins the
# MFS root one gc pinned for itself under the feet of a concurrent one).
flock "$IPFS_MFS_LOCK" curl -s -X POST "$IPFSD_API_fe/api/v0/repo/gc" >/dev/null
for s in "${!EXPECT[@]}"; do reads_back "$s" "${EXPECT[$s]}" "image"; done
assert_eq "${#EXPECT[@]}" 12 "images checked (5 + the 7 kept of the 15 jobs)"

t_case "one-ipfs-fsck reports nothing; no temporary pin is left"
run_raw "" "$FSCK"; assert_success "fsck: $OUT $ERR"
assert_contains "$OUT" "0 problem(s)"
assert_contains "$OUT" "orphaned entries not checked"  # no oneimage here
assert_eq "$(ipfs_rpc fe pin/ls type=recursive)" '{"Keys":{}}' "no pins at all on the front end"

t_done
