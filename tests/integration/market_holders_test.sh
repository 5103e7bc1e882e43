#!/usr/bin/env bash
# it_market_holders: a subscriber imports an app from the clouds that
# imported it before (its mirrors), not from the publisher (issue 18: "the
# second and third should get most blocks from the first"), through
# OpenNebula's own one_market.rb and one_datastore.rb; ipfs/holder_first.h.
#
# Publisher A, cloud S1 (follows A, mirrors what it imported) and cloud S2
# (follows A, then S1's name), each a front end with its own js-ipfs daemon
# (IPNS over pubsub; Swarm.ConnMgr.LowWater 0: no daemon dials peers back by
# itself), all connected:
#  - S1 imports two apps from A and mirrors them: its tree has a `peer` file;
#  - S2's monitor keeps which of its mirrors hold which CIDs; its cp of the
#    first app comes from S1: A sends less than a tenth of it, S2's copy is
#    byte-identical, and A is connected to S2 again afterwards;
#  - another fetch never waits for a holder-first one: with a note saying A
#    is left out (as a long holder-first fetch leaves it) and A disconnected,
#    a cp of content only A holds dials A again and succeeds;
#  - with S1's daemon gone, S2's cp of the second app still succeeds (from A).
# Skipped (exit 77) without OpenNebula's scripts, as the composition tests.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/one_market.sh"
market_require 7.0.0

export IPFSD_FLAGS=--enable-namesys-pubsub IPFSD_QUIET=1
for x in a s1 s2; do ipfsd_start "$x"; done
unset IPFSD_FLAGS IPFSD_QUIET
ipfs_connect s1 a; ipfs_connect s2 a; ipfs_connect s2 s1
for x in a s1 s2; do market_cloud "$x" "$x"; done
b64d() { base64 -d <<<"$1"; }
sent() { ipfs_rpc "$1" bitswap/stat | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["DataSent"]))'; }
key_id() { ipfs_rpc "$1" key/list | python3 -c 'import json,sys; print([k["Id"] for k in json.load(sys.stdin)["Keys"] if k["Name"]==sys.argv[1]][0])' "$2"; }
peers_of() { ipfs_rpc "$1" swarm/peers | python3 -c 'import json,sys; print(" ".join(p["Peer"] for p in (json.load(sys.stdin)["Peers"] or [])))'; }
ds_cp() { # CLOUD IMAGE_ID PATH [XPATH VALUE]... -> SRC (MKT_RESULT, MKT_LOG as left)
  local cloud=$1 id=$2 path=$3; shift 3
  doc_from cp "$path" IMAGE/ID "$id" IMAGE/DATASTORE_ID 100 DATASTORE/ID 100 IMAGE/REGTIME 1767225600 "$@"
  mv "$T_ROOT/cp.xml" "$T_ROOT/cp-$cloud-$id.xml"
  datastore_call "$cloud" "CP $id $(base64 -w0 "$T_ROOT/cp-$cloud-$id.xml")"
  SRC=${MKT_INFO%% *}
  xml_set "$T_ROOT/cp-$cloud-$id.xml" IMAGE/SOURCE "$SRC"
}
monitor() { # CLOUD TMPL...
  local cloud=$1; shift
  local t=() kv; for kv in "$@"; do t+=(--tmpl "$kv"); done
  market_call "$cloud" "MONITOR 200 $(market_doc monitor --market 200 "${t[@]}")"
  assert_eq "$MKT_RESULT" SUCCESS "monitor of $cloud: $MKT_INFO $MKT_LOG"
}
catalog_bytes() { # CLOUD SRC -> the image's bytes, through the cloud's daemon
  local h; h=$(ipfs_rpc "$1" files/stat "arg=${2#mfs:}/1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')
  ipfs_cat "$1" "$h"
}
MARKET_TOOL="${ONEIPFS_BUILD_DIR:?}/tools/one-ipfs-market"
A_ID=$(on_cloud a "$MARKET_TOOL" id)
# The mirror's IPNS key exists before anyone resolves its name: js-ipfs 0.66
# subscribers keep the first record of a name (docs/operations.md), so S2
# subscribes to S1's name before S1's only publication.
ipfs_rpc s1 key/gen "arg=market-s1&type=ed25519" >/dev/null
S1_NAME=$(key_id s1 market-s1)

t_case "A publishes two apps; S1 and S2 subscribe; A's next publication is the first they see"
publish() { # IMAGE_ID APP_ID NAME MB -> APP_CID, file $T_ROOT/<NAME>.img
  head -c "$4M" /dev/urandom >"$T_ROOT/$3.img"
  ds_cp a "$1" "$T_ROOT/$3.img" IMAGE/SIZE "$4"
  assert_eq "$MKT_RESULT" SUCCESS "ds cp on A: $MKT_INFO"
  market_call a "IMPORT $2 $(market_doc import --market 100 --tmpl IPFS_MARKET_KEY=market-a --app "$2" --name "$3" --ds-doc "$T_ROOT/cp-a-$1.xml")"
  assert_eq "$MKT_RESULT" SUCCESS "import of $3: $MKT_INFO $MKT_LOG"
  local line; line=$(b64d "$MKT_INFO" | grep '^SOURCE=')
  APP_CID=${line#SOURCE=\"/ipfs/}; APP_CID=${APP_CID%\"}
}
publish 5 12 big 8; BIG=$APP_CID
publish 6 13 second 4; SECOND=$APP_CID
A_NAME=$(key_id a market-a)
S1_TMPL=("IPFS_MARKET_KEY=market-s1" "IPFS_MARKET_FOLLOW=$A_NAME" "IPFS_MARKET_TRUST=$A_ID")
S2_TMPL=("IPFS_MARKET_FOLLOW=$A_NAME $S1_NAME" "IPFS_MARKET_TRUST=$A_ID")
# js-ipfs 0.66 subscribers keep the first record of a name they store
# (docs/operations.md): they subscribe past the gossip window of A's last
# publication (market_test.sh's settle), then A publishes once more.
sleep 6
market_call s1 "MONITOR 200 $(market_doc monitor --market 200 --tmpl "IPFS_MARKET_FOLLOW=$A_NAME")"
market_call s2 "MONITOR 200 $(market_doc monitor --market 200 --tmpl "IPFS_MARKET_FOLLOW=$A_NAME $S1_NAME")"
publish 7 14 third 1
sleep 2

t_case "S1 imports both apps from A and mirrors them; its tree says where its daemon is"
for _ in $(seq 50); do
  monitor s1 "${S1_TMPL[@]}"
  [[ $(b64d "$MKT_INFO") == *third* ]] && break
  sleep 0.2
done
ds_cp s1 40 "/ipfs/$BIG" IMAGE/SIZE 8
assert_eq "$MKT_RESULT" SUCCESS "ds cp of the big app on S1: $MKT_INFO"
ds_cp s1 41 "/ipfs/$SECOND" IMAGE/SIZE 4
assert_eq "$MKT_RESULT" SUCCESS "ds cp of the second app on S1: $MKT_INFO"
monitor s1 "${S1_TMPL[@]}"   # mirrors both, publishes S1's tree
assert_contains "$MKT_LOG" "published"
s1_peer=$(ipfs_rpc s1 files/read "arg=/one-ipfs-market/market-s1/peer")
assert_contains "$s1_peer" "\"id\":\"$IPFSD_ID_s1\"" "S1's tree names its daemon"
assert_contains "$s1_peer" "${IPFSD_SWARM_s1}" "and its address"

t_case "S2's monitor keeps which mirror holds which app"
hints=
for _ in $(seq 50); do
  monitor s2 "${S2_TMPL[@]}"
  hints=$(ipfs_rpc s2 files/read "arg=/one-ipfs-market/.sources/market-200" 2>/dev/null || true)
  [[ $hints == *"$IPFSD_ID_s1"* ]] && break
  sleep 0.2
done
hint() { python3 - "$hints" "$@" <<'PY'
import json, sys
h = json.loads(sys.argv[1]); what = sys.argv[2]
if what == "avoid": print(" ".join(p["id"] for p in h["avoid"]))
else: print(" ".join(p["id"] for p in h["holders"].get(what, [])))
PY
}
assert_eq "$(hint "$BIG")" "$IPFSD_ID_s1" "the holder of the big app in S2's hints"
assert_eq "$(hint "$SECOND")" "$IPFSD_ID_s1" "the holder of the second app"
assert_eq "$(hint avoid)" "$IPFSD_ID_a" "the publisher's daemon, to avoid"

t_case "S2 imports the big app from S1: A sends almost nothing; A is connected again afterwards"
sleep 2   # js-ipfs folds its bitswap counters about once a second
a0=$(sent a); m0=$(sent s1)
ds_cp s2 50 "/ipfs/$BIG" IMAGE/SIZE 8
assert_eq "$MKT_RESULT" SUCCESS "ds cp on S2: $MKT_INFO $MKT_LOG"
assert_contains "$MKT_LOG" "from $IPFSD_ID_s1, a daemon that holds it"
sleep 2
a_sent=$(($(sent a) - a0)); m_sent=$(($(sent s1) - m0))
echo "A sent $a_sent bytes, S1 sent $m_sent bytes for an 8 MiB app"
assert_lt "$a_sent" $((8 * 1048576 / 10)) "bytes A sent for S2's import"
assert_ge "$m_sent" $((8 * 1048576 * 9 / 10)) "bytes the mirror S1 sent"
catalog_bytes s2 "$SRC" >"$T_ROOT/s2-big"
assert_file_eq "$T_ROOT/s2-big" "$T_ROOT/big.img" "S2's image is the app"
assert_contains " $(peers_of s2) " " $IPFSD_ID_a " "S2 is connected to A again"
assert_eq "$(ls "$T_ROOT/one-s2/run/one-ipfs" | grep -c '^avoided-' || true)" 0 "notes left"

t_case "another fetch never waits for a holder-first one: it dials the left-out publisher again"
sleep 600 & holder_pid=$!; T_PIDS+=("$holder_pid")   # stands for a holder-first cp still running
note="$T_ROOT/one-s2/run/one-ipfs/avoided-$IPFSD_ID_a.$holder_pid.0"  # one note per fetch: avoided-<peer>.<pid>.<n>
printf '%s\n%s/p2p/%s\n' "$holder_pid" "$IPFSD_SWARM_a" "$IPFSD_ID_a" >"$note"
ipfs_rpc s2 swarm/disconnect "arg=/p2p/$IPFSD_ID_a" >/dev/null
assert_not_contains " $(peers_of s2) " " $IPFSD_ID_a " "A disconnected from S2"
head -c 2M /dev/urandom >"$T_ROOT/only-a.img"
only_a=$(ipfs_add a "$T_ROOT/only-a.img")
t0=$(date +%s)
ds_cp s2 51 "/ipfs/$only_a" IMAGE/SIZE 2
assert_eq "$MKT_RESULT" SUCCESS "ds cp of content only A holds: $MKT_INFO"
assert_lt $(($(date +%s) - t0)) 30 "seconds for it (IPFS_TIMEOUT is 60)"
assert_exists "$note" "the note of a fetch still running"
kill "$holder_pid"; wait "$holder_pid" 2>/dev/null || true
ipfs_rpc s2 swarm/disconnect "arg=/p2p/$IPFSD_ID_a" >/dev/null
monitor s2 "${S2_TMPL[@]}"   # the monitor too dials it again, and drops the note of a gone process
assert_contains " $(peers_of s2) " " $IPFSD_ID_a " "S2 is connected to A after the monitor"
assert_missing "$note" "the note of a gone process"

t_case "with the mirror's daemon gone, the import still succeeds, from A"
ipfsd_stop s1
ds_cp s2 52 "/ipfs/$SECOND" IMAGE/SIZE 4
assert_eq "$MKT_RESULT" SUCCESS "ds cp on S2 without S1: $MKT_INFO $MKT_LOG"
assert_contains "$MKT_LOG" "could be reached"
catalog_bytes s2 "$SRC" >"$T_ROOT/s2-second"
assert_file_eq "$T_ROOT/s2-second" "$T_ROOT/second.img" "S2's image is the second app"

t_case "IPFS_MIRROR_FIRST = no: no holder-first fetch"
ipfsd_start s1; ipfs_connect s2 s1
echo 'IPFS_MIRROR_FIRST = "no"' >>"$T_ROOT/one-s2/ipfs.conf"
ds_cp s2 53 "/ipfs/$BIG" IMAGE/SIZE 8
assert_eq "$MKT_RESULT" SUCCESS "ds cp on S2: $MKT_INFO"
assert_not_contains "$MKT_LOG" "that holds it"
t_done
