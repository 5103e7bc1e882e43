#!/usr/bin/env bash
# Peer-to-peer distribution (README "Peer-to-peer distribution"), on three
# real sshd hosts, each with its own js-ipfs daemon:
#  - a host the front end cannot serve gets the image from a host that has it;
#  - a peer that vanishes mid-deploy: the deploy completes from the front end;
#  - concurrent deploys of an image nobody holds: the front end serves it
#    about once (under 1.5 times), no deploy falls back after a stall;
#  - the host cache keeps its budget, evicts the least recently deployed and
#    never what a running deploy reads; tm delete forgets what a host no
#    longer caches;
#  - one source per host, leftover connections closed; a lead that dies:
#    its deputy goes to the front end, the other follower to the deputy.
source "$(dirname "$0")/../lib/harness.sh"

IPFSD_QUIET=1 ipfsd_start fe
# Hosts' daemons as README "Peer-to-peer distribution" sets them up: no
# content routing, so they talk only to the peers one-ipfs connects them to
# (with the DHT, js-ipfs and kubo find the front end as a provider by
# themselves and it serves every block again).
IPFSD_QUIET=1 host_start node1
IPFSD_QUIET=1 host_start node2
IPFSD_QUIET=1 host_start node3
ds_env
export IPFS_P2P_STALL=3
DS=/var/lib/one//datastores
on() { local h="HOST_DS_$1"; echo "${!h}/${2#/var/lib/one//datastores/}"; }
key() { ipfs_rpc fe resolve "arg=/ipfs/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Path"].split("/")[-1])'; }  # the CID as the front end names it (records, cache)
record() { # CID HOST -> the provider record, or nothing
  local r; r=$(ipfs_rpc fe files/read "arg=$IPFS_CATALOG/.providers/$1/$2" 2>/dev/null) || true
  [[ $r == *'"Message"'* ]] || printf '%s' "$r"
}
# js-ipfs folds bitswap stats in about a second after the transfer (kubo at once).
fe_sent() { sleep 2; ipfs_rpc fe bitswap/stat | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["DataSent"]))'; }
peers_of() { ipfs_rpc "host-$1" swarm/peers; }
free_port closed  # nothing listens here: a front end hosts cannot reach
no_fe_swarm="/ip4/127.0.0.1/tcp/$closed/p2p/$IPFSD_ID_fe"

t_case "doctor: host-to-host peering rows"
run_raw "" "$ONEIPFS_BUILD_DIR/tools/one-ipfs-doctor" --remotes "$ONE_REMOTES" node1 node2 node3
for h in node1 node2 node3; do
  assert_ne "$(printf '%s\n' "$OUT" | grep -E "^PASS +$h +host peering " || true)" "" "PASS host peering row of $h: $OUT"
done
assert_contains "$OUT" "connects to node2 at /ip4/127.0.0.1/tcp/${IPFSD_SWARM_host_node2##*/}"

head -c 8M /dev/urandom > "$T_ROOT/a.img"
a=$(key "$(ipfs_add fe "$T_ROOT/a.img")")

t_case "deploy to node1 (from the front end) records node1 as a provider and caches the image there"
run_tm clone "/ipfs/$a" "node1:$DS/0/1/disk.0" 1 100; assert_success "$ERR"
assert_file_eq "$(on node1 $DS/0/1/disk.0)" "$T_ROOT/a.img" "node1's disk"
rec=$(record "$a" node1)
assert_contains "$rec" "\"peer\":\"$IPFSD_ID_host_node1\"" "provider record of node1"
assert_contains "$rec" '"state":"held"'
assert_contains "$(ipfs_rpc host-node1 files/ls "arg=/one-ipfs-cache")" "$a" "node1's cache"

t_case "node2 cannot reach the front end: it gets the image from node1, byte-identical"
sent0=$(fe_sent)
IPFS_FRONTEND_SWARM=$no_fe_swarm run_tm clone "/ipfs/$a" "node2:$DS/0/2/disk.0" 2 100; assert_success "$ERR"
sent=$(( $(fe_sent) - sent0 ))
echo "front-end bitswap DataSent during node2's deploy: $sent bytes"
assert_file_eq "$(on node2 $DS/0/2/disk.0)" "$T_ROOT/a.img" "node2's disk"
assert_contains "$ERR" "asks other hosts first"
assert_contains "$ERR" "from peers only"
assert_contains "$(peers_of node2)" "$IPFSD_ID_host_node1" "node2 peered with node1"
(( sent < 1048576 )) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: the front end sent $sent bytes for node2's 8 MiB deploy" >&2; exit 1; }
assert_contains "$(record "$a" node2)" '"state":"held"' "node2 recorded as a provider"

t_case "one source per host: leftover connections to other holders and to the front end are closed"
head -c 8M /dev/urandom > "$T_ROOT/e.img"
e=$(key "$(ipfs_add fe "$T_ROOT/e.img")")
run_tm clone "/ipfs/$e" "node1:$DS/0/11/disk.0" 11 100; assert_success "$ERR"
run_tm clone "/ipfs/$e" "node2:$DS/0/12/disk.0" 12 100; assert_success "$ERR"
# node3 is still connected to everyone, as earlier deploys leave it; with
# IPFS_P2P_PEERS=1 node2 (newest) is its one candidate and node1 a spare.
for p in "$IPFSD_SWARM_fe/p2p/$IPFSD_ID_fe" "$IPFSD_SWARM_host_node1/p2p/$IPFSD_ID_host_node1" \
         "$IPFSD_SWARM_host_node2/p2p/$IPFSD_ID_host_node2"; do
  ipfs_rpc host-node3 swarm/connect "arg=$p" >/dev/null
done
assert_contains "$(peers_of node3)" "$IPFSD_ID_host_node1" "node3 connected to node1 before the deploy"
recv0=$(ipfs_rpc host-node3 bitswap/stat | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["DataReceived"]))')
IPFS_P2P_PEERS=1 run_tm clone "/ipfs/$e" "node3:$DS/0/13/disk.0" 13 100; assert_success "$ERR"
assert_file_eq "$(on node3 $DS/0/13/disk.0)" "$T_ROOT/e.img" "node3's disk"
assert_contains "$ERR" "from host peer $IPFSD_ID_host_node2 first"
after=$(peers_of node3)
assert_contains "$after" "$IPFSD_ID_host_node2" "node3 keeps its source"
assert_not_contains "$after" "$IPFSD_ID_host_node1" "node3's leftover connection to node1 (a spare) is closed"
assert_not_contains "$after" "$IPFSD_ID_fe" "node3's leftover connection to the front end is closed"
sleep 2  # js-ipfs folds bitswap stats in about a second
recv=$(( $(ipfs_rpc host-node3 bitswap/stat | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["DataReceived"]))') - recv0 ))
echo "node3 received $recv bytes over bitswap for an 8 MiB image"
(( recv < 8 * 1048576 * 5 / 4 )) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: node3 received $recv bytes for an 8 MiB image: duplicates" >&2; exit 1; }

t_case "a peer that vanishes mid-deploy: the deploy completes from the front end"
head -c 96M /dev/urandom > "$T_ROOT/b.img"
b=$(key "$(ipfs_add fe "$T_ROOT/b.img")")
run_tm clone "/ipfs/$b" "node1:$DS/0/3/disk.0" 3 100; assert_success "$ERR"
# node3 is told node1 holds it; node1 loses power once node3 has started its fetch.
( set +e; run_tm clone "/ipfs/$b" "node3:$DS/0/4/disk.0" 4 100; echo "$RC" > "$T_ROOT/bg.rc"; printf '%s' "$ERR" > "$T_ROOT/bg.err" ) &
bg=$!
dir3=$(on node3 $DS/0/4)
killed=0
for _ in $(seq 600); do
  f=$(ls -A "$dir3" 2>/dev/null | grep one-ipfs | head -1) || true
  # As soon as its disk file is open: on an idle machine the blocks arrive
  # well before the disk is written, and a later kill came after all of them.
  if [[ -n $f ]]; then
    host_kill node1; killed=1; break
  fi
  [[ -e $dir3/disk.0 ]] && break
  sleep 0.05
done
wait "$bg"
assert_eq "$killed" 1 "node1 was killed while node3 was fetching"
assert_eq "$(cat "$T_ROOT/bg.rc")" 0 "node3's deploy: $(cat "$T_ROOT/bg.err")"
assert_file_eq "$(on node3 $DS/0/4/disk.0)" "$T_ROOT/b.img" "node3's disk"
assert_contains "$(cat "$T_ROOT/bg.err")" "no progress from peers for 3 s: connecting to the front end"

t_case "a recorded peer that is gone before the deploy: the next host serves at once"
# node1 (killed above) becomes the newest holder of a, so it is asked first.
rec1=$(record "$a" node1); assert_contains "$rec1" '"state":"held"'
printf '%s' "$rec1" | python3 -c 'import json,sys,time; r=json.load(sys.stdin); r["time"]=int(time.time()); sys.stdout.write(json.dumps(r))' > "$T_ROOT/rec1"
curl -sS -X POST -F "file=@$T_ROOT/rec1" "$IPFSD_API_fe/api/v0/files/write?arg=$IPFS_CATALOG/.providers/$a/node1&create=true&truncate=true" >/dev/null
t0=$(date +%s)
IPFS_FRONTEND_SWARM=$no_fe_swarm run_tm clone "/ipfs/$a" "node3:$DS/0/5/disk.0" 5 100; assert_success "$ERR"
assert_file_eq "$(on node3 $DS/0/5/disk.0)" "$T_ROOT/a.img"
assert_ne "$(printf '%s\n' "$ERR" | grep "cannot connect to peer .*/p2p/$IPFSD_ID_host_node1" || true)" "" "node1 tried first: $ERR"
assert_contains "$ERR" "from host peer $IPFSD_ID_host_node2 first"
assert_not_contains "$ERR" "no progress from peers" "no stall: a failed connect moves on at once"
assert_contains "$ERR" "from peers only"

t_case "two deploys at once (node1 is gone): the front end serves the image about once (aim: under 1.5 times)"
head -c 24M /dev/urandom > "$T_ROOT/d.img"
d=$(key "$(ipfs_add fe "$T_ROOT/d.img")")
sent0=$(fe_sent)
# A stall fallback only after 60 s without any block moving: followers must wait for the lead.
par=()
for h in node2 node3; do
  ( set +e; IPFS_P2P_STALL=60 run_tm clone "/ipfs/$d" "$h:$DS/0/21/disk.0" 21 100
    echo "$RC" > "$T_ROOT/par.$h.rc"; printf '%s' "$ERR" > "$T_ROOT/par.$h.err" ) &
  par+=("$!")
done
wait "${par[@]}"  # these three only: the daemons and sshds run in the background too
sent=$(( $(fe_sent) - sent0 ))
echo "front-end bitswap DataSent for two concurrent 24 MiB deploys: $sent bytes"
for h in node2 node3; do
  assert_eq "$(cat "$T_ROOT/par.$h.rc")" 0 "$h's concurrent deploy: $(cat "$T_ROOT/par.$h.err")"
  assert_file_eq "$(on $h $DS/0/21/disk.0)" "$T_ROOT/d.img" "$h's disk"
  assert_not_contains "$(cat "$T_ROOT/par.$h.err")" "no progress from peers" "$h fell back to the front end"
done
(( sent < 24 * 1048576 * 3 / 2 )) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: the front end sent $sent bytes for two 24 MiB deploys" >&2; exit 1; }

t_case "host cache: the budget holds, least recently deployed go first, never a leased CID"
for i in 1 2 3; do head -c 6M /dev/urandom > "$T_ROOT/c$i.img"; done
c1=$(key "$(ipfs_add fe "$T_ROOT/c1.img")"); c2=$(key "$(ipfs_add fe "$T_ROOT/c2.img")"); c3=$(key "$(ipfs_add fe "$T_ROOT/c3.img")")
cache_of() { ipfs_rpc "host-$1" files/ls "arg=/one-ipfs-cache"; }
cache_bytes() { # sum of the cached files on host $1
  local total=0 cid size
  for cid in $(cache_of "$1" | python3 -c 'import json,sys; print(" ".join(e["Name"] for e in (json.load(sys.stdin).get("Entries") or []) if not e["Name"].startswith(".")))'); do
    size=$(ipfs_rpc "host-$1" files/ls "arg=/one-ipfs-cache/$cid&long=true" | python3 -c 'import json,sys; print(sum(e["Size"] for e in json.load(sys.stdin)["Entries"]))')
    total=$((total + size))
  done
  echo "$total"
}
export IPFS_HOST_CACHE_MB=13   # room for two 6 MiB images, with node2's 8 MiB one it is over
run_tm clone "/ipfs/$c1" "node2:$DS/0/6/disk.0" 6 100; assert_success "$ERR"
run_tm clone "/ipfs/$c2" "node2:$DS/0/7/disk.0" 7 100; assert_success "$ERR"
((  $(cache_bytes node2) <= 13 * 1048576 )) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: node2's cache over budget" >&2; exit 1; }
assert_not_contains "$(cache_of node2)" "$a" "the oldest (a) was evicted"
assert_eq "$(record "$a" node2)" "" "and node2 is no longer a provider of it"
assert_contains "$(cache_of node2)" "$c1"
# A deploy reading c1 right now: its lease, a shared flock on node2's lease
# file of c1 (host_cache.h), held here by a stand-in for that helper.
leases="$T_ROOT/host-node2/run/one-ipfs"
assert_exists "$leases" "node2's helpers made their private directory"
mkfifo "$T_ROOT/reader.fifo"   # the stand-in lets go when a line arrives on it
ssh -F "$T_ROOT/ssh_config" node2 "exec flock -s \"\$XDG_RUNTIME_DIR/one-ipfs/lease-$c1\" head -n1" \
  <"$T_ROOT/reader.fifo" >/dev/null & reader=$!
exec {reader_in}>"$T_ROOT/reader.fifo"
for ((i = 0; i < 200; i++)); do [[ -e $leases/lease-$c1 ]] && ! flock -n -x "$leases/lease-$c1" true && break; sleep 0.05; done
(( i < 200 )) || { echo "FAIL: the stand-in reader never took its lease" >&2; exit 1; }
run_tm clone "/ipfs/$c3" "node2:$DS/0/8/disk.0" 8 100; assert_success "$ERR"
assert_contains "$(cache_of node2)" "$c1" "c1 (oldest, but leased) stays"
assert_not_contains "$(cache_of node2)" "$c2" "c2 was evicted instead"
assert_contains "$(cache_of node2)" "$c3"
assert_file_eq "$(on node2 $DS/0/8/disk.0)" "$T_ROOT/c3.img"
assert_missing "$leases/lease-$c2" "the evicted c2's lease file went with it"
echo >&"$reader_in"; exec {reader_in}>&-; wait "$reader"

t_case "IPFS_HOST_MFS_LOCK: the host cache's MFS writes wait while a flock'd host GC holds the lock"
head -c 3M /dev/urandom > "$T_ROOT/c4.img"; c4=$(key "$(ipfs_add fe "$T_ROOT/c4.img")")
export IPFS_HOST_CACHE_MB=64
lockf="$T_ROOT/host-mfs.lock"
flock -x "$lockf" sleep 3 & gc_pid=$!   # `flock <file> ipfs repo gc` on node2
until ! flock -n -s "$lockf" true; do sleep 0.05; done
t0=$(date +%s.%N)
IPFS_HOST_MFS_LOCK=$lockf run_tm clone "/ipfs/$c4" "node2:$DS/0/10/disk.0" 10 100; assert_success "$ERR"
waited=$(echo "$(date +%s.%N) - $t0" | bc)
wait "$gc_pid"
(( $(echo "$waited >= 2.5" | bc) )) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: the deploy took $waited s: it did not wait for the lock" >&2; exit 1; }
assert_contains "$(cache_of node2)" "$c4" "cached once the lock was free"
assert_file_eq "$(on node2 $DS/0/10/disk.0)" "$T_ROOT/c4.img"
IPFS_HOST_MFS_LOCK=relative/path run_tm clone "/ipfs/$c4" "node2:$DS/0/11/disk.0" 11 100
assert_rc 1
assert_contains "$ERR" "IPFS_HOST_MFS_LOCK 'relative/path' is not an absolute path"
[[ ! -e $(on node2 $DS/0/11/disk.0) ]] && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: a disk was written" >&2; exit 1; }

t_case "tm delete forgets what the host no longer caches"
IPFS_HOST_CACHE_MB=0 run_tm clone "/ipfs/$c2" "node3:$DS/0/9/disk.0" 9 100; assert_success "$ERR"
assert_contains "$(record "$c2" node3)" '"state":"held"'
run_tm delete "node3:$DS/0/9/disk.0" 9 100; assert_success "$ERR"
assert_eq "$(record "$c2" node3)" "" "node3's record of c2 (not cached there) is gone"
assert_contains "$(record "$c1" node2)" '"state":"held"' "other hosts' records stay"

t_case "the lead dies mid-deploy: its deputy turns to the front end after one stall, the other follower to the deputy"
IPFSD_QUIET=1 host_start node4
head -c 1M /dev/urandom > "$T_ROOT/small.img"
small=$(key "$(ipfs_add fe "$T_ROOT/small.img")")
run_tm clone "/ipfs/$small" "node4:$DS/0/30/disk.0" 30 100; assert_success "$ERR"  # the front end learns node4's daemon
head -c 96M /dev/urandom > "$T_ROOT/l.img"
l=$(key "$(ipfs_add fe "$T_ROOT/l.img")")
lead_of() { ipfs_rpc fe files/ls "arg=$IPFS_CATALOG/.providers/$1/.lead" 2>/dev/null | grep -o '"Name":"[^"]*"' || true; }
# No connection left between the followers from earlier cases: node2 starts
# before node3 has a record, so it cannot know node3 as a spare, and its wants
# would reach node3 over such a connection; node3 would then be served by the
# deputy without a stall (fine, but not the path this case checks).
ipfs_rpc host-node2 swarm/disconnect "arg=/p2p/$IPFSD_ID_host_node3" >/dev/null 2>&1 || true
sent0=$(fe_sent)
( set +e; IPFS_HOST_CACHE_MB=0 run_tm clone "/ipfs/$l" "node4:$DS/0/31/disk.0" 31 100 ) &
lead_bg=$!
for _ in $(seq 200); do [[ $(lead_of "$l") == *node4* ]] && break; sleep 0.05; done
assert_contains "$(lead_of "$l")" node4 "node4 leads"
# node2 follows first (its record is a second older than node3's): the deputy.
fol=()
for h in node2 node3; do
  ( set +e; IPFS_HOST_CACHE_MB=0 run_tm clone "/ipfs/$l" "$h:$DS/0/31/disk.0" 31 100
    echo "$RC" > "$T_ROOT/dep.$h.rc"; printf '%s' "$ERR" > "$T_ROOT/dep.$h.err" ) &
  fol+=("$!")
  # Until its helper has connected its first source and opened the disk
  # file (as in "a peer that vanishes"), then a second, so node3's record is newer.
  for _ in $(seq 400); do [[ -n $(ls -A "$(on $h $DS/0/31)" 2>/dev/null | grep one-ipfs) ]] && break; sleep 0.05; done
  sleep 1.1
done
host_kill node4
wait "${fol[@]}"
wait "$lead_bg" || true
sent=$(( $(fe_sent) - sent0 ))
echo "front-end bitswap DataSent for a 96 MiB image whose lead died: $sent bytes"
for h in node2 node3; do
  assert_eq "$(cat "$T_ROOT/dep.$h.rc")" 0 "$h's deploy: $(cat "$T_ROOT/dep.$h.err")"
  assert_file_eq "$(on $h $DS/0/31/disk.0)" "$T_ROOT/l.img" "$h's disk"
done
assert_contains "$(cat "$T_ROOT/dep.node2.err")" "(this host is the lead's deputy): connecting to the front end"
assert_contains "$(cat "$T_ROOT/dep.node3.err")" "asking host peer $IPFSD_ID_host_node2 too"
assert_not_contains "$(cat "$T_ROOT/dep.node3.err")" "connecting to the front end" "node3 follows the deputy"
(( sent < 96 * 1048576 * 2 )) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: the front end sent $sent bytes for one 96 MiB image" >&2; exit 1; }
# (the caches stay as they were: IPFS_HOST_CACHE_MB=0 for these deploys)

t_case "cached blocks survive the host daemon's GC (no other source left: front end and node1 are gone)"
ipfsd_kill fe
ipfs_rpc host-node2 repo/gc >/dev/null
got=$(curl -sS --max-time 30 -X POST "$(_api host-node2)/api/v0/cat?arg=/ipfs/$c1" | sha1sum)
assert_eq "$got" "$(sha1sum < "$T_ROOT/c1.img")" "node2 still serves c1 from its cache"

t_done
