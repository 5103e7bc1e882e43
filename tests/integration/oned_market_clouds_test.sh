#!/usr/bin/env bash
# it_oned_market_clouds: the IPFS marketplace between two real oneds, through
# OpenNebula's own CLI (tests/lib/oned.sh; skipped without an OpenNebula
# source). Cloud A (its own front-end daemon "fe") registers an image in its
# ipfs datastore, makes a marketplace with MARKET_MAD=ipfs and
# IPFS_MARKET_KEY (`onemarket create`) and publishes the image as an app
# (`onemarketapp create --image`: oned runs our ds export, then our market
# import). Cloud B (its own daemon "fe-b", swarm-connected to A's, IPNS over
# js-ipfs pubsub) makes a marketplace that follows A's IPNS name and trusts
# A's publisher id: oned's marketplace monitor lists A's app, `onemarketapp
# export` makes an image of it in B's ipfs datastore (our ds cp with the
# app's /ipfs/ SOURCE: the blocks come from A over bitswap), byte-identical.
# `onemarketapp delete` on A removes the app (its propagation to subscribers
# is it_market's: js-ipfs 0.66's IPNS over pubsub, below). The dummy VMM is
# enough (no VM runs). Prints how long B took to list the app.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/oned.sh"
oned_require
MARKET_TOOL="$ONEIPFS_BUILD_DIR/tools/one-ipfs-market"

export IPFSD_FLAGS=--enable-namesys-pubsub IPFSD_QUIET=1
ipfsd_start fe
ipfsd_start fe-b
ipfs_connect fe fe-b
unset IPFSD_FLAGS

# app_state ID: the marketplace app's state name in the current cloud
app_state() {
  local s; s=$(one_xpath marketapp "$1" STATE)
  APP_STATE=$(python3 -c 'import sys; print("INIT READY LOCKED ERROR DISABLED".split()[int(sys.argv[1])])' "$s")
}
app_wait() { # ID STATE [SECONDS]
  local t0=$SECONDS
  while app_state "$1"; [[ $APP_STATE != "$2" ]]; do
    [[ $APP_STATE == ERROR ]] && { one_xpath marketapp "$1" TEMPLATE/ERROR >&2; _t_fail "app $1 is in ERROR"; }
    ((SECONDS - t0 < ${3:-120})) || _t_fail "app $1 still $APP_STATE after ${3:-120} s, expected $2"
    sleep 1
  done
  _t_ok
}
# app_named MARKET NAME-PREFIX: the id of the first app of MARKET whose name
# starts with NAME-PREFIX in `onemarketapp list -x`, or nothing
app_named() {
  one_ok onemarketapp list -x
  printf '%s' "$OUT" | python3 -c '
import sys, xml.etree.ElementTree as ET
market, prefix = sys.argv[1], sys.argv[2]
data = sys.stdin.read().strip()
if data:
    for a in ET.fromstring(data).findall("MARKETPLACEAPP"):
        if a.findtext("MARKETPLACE_ID") == market and (a.findtext("NAME") or "").startswith(prefix):
            print(a.findtext("ID")); break' "$1" "$2"
}
ipfs_ds() { # the ipfs image datastore of the current cloud -> DS
  sed "s|^SAFE_DIRS .*|SAFE_DIRS       = \"$T_ROOT\"|" "$ONEIPFS_SOURCE_DIR/install/templates/image-ds-ipfs.tmpl" \
    >"$T_ROOT/ds.tmpl"
  one_ok onedatastore create "$T_ROOT/ds.tmpl"; DS=${OUT##*: }
  one_ds_monitored "$DS"
}

# js-ipfs 0.66 and IPNS over pubsub (see it_market): a subscriber daemon
# takes the first record it receives after it subscribed (its first resolve)
# and refuses newer ones. So the order is: A's marketplace exists and is
# monitored (no app yet), B's marketplace subscribes (its first monitor: the
# name does not resolve), then A publishes the app: the record B gets. The
# delete's propagation to a subscriber is it_market's (a fresh subscriber).
ipfs_rpc fe key/gen "arg=market-a&type=ed25519" >/dev/null
A_NAME=$(ipfs_rpc fe key/list | python3 -c '
import json, sys
print(next(k["Id"] for k in json.load(sys.stdin)["Keys"] if k["Name"] == "market-a"))')
assert_ne "$A_NAME" "" "A's IPNS name"

t_case "cloud A: an ipfs datastore, an image and a marketplace (onemarket create, IPFS_MARKET_KEY)"
oned_start
ipfs_ds; DS_A=$DS
head -c 6M /dev/urandom >"$T_ROOT/app.img"
one_ok oneimage create -d "$DS_A" --name base --path "$T_ROOT/app.img"; IMG_A=${OUT##*: }
one_wait image "$IMG_A" READY 300
printf 'NAME = "ipfs-a"\nMARKET_MAD = "ipfs"\nIPFS_MARKET_KEY = "market-a"\n' >"$T_ROOT/market-a.tmpl"
one_ok onemarket create "$T_ROOT/market-a.tmpl"; MKT_A=${OUT##*: }
A_ID=$(ONE_LOCATION=$ONE_LOCATION "$MARKET_TOOL" id)
assert_contains "$A_ID" "did:key:z6Mk" "A's publisher id"
# until oned has monitored it (a marketplace's first monitor)
t0=$SECONDS
until grep -q "Marketplace ipfs-a ($MKT_A) successfully monitored" "$ONE_LOCATION/var/oned.log"; do
  ((SECONDS - t0 < 120)) || _t_fail "A's marketplace not monitored after 120 s"
  sleep 1
done
_t_ok

t_case "cloud B follows A's name and trusts A's id (onemarket create): its first monitor subscribes"
ONED_NAME=b ONED_IPFSD=fe-b ONED_FRONTEND=frontend-b oned_start
oned_use b
ipfs_ds; DS_B=$DS
printf 'NAME = "from-a"\nMARKET_MAD = "ipfs"\nIPFS_MARKET_FOLLOW = "%s"\nIPFS_MARKET_TRUST = "%s"\n' \
  "$A_NAME" "$A_ID" >"$T_ROOT/market-b.tmpl"
one_ok onemarket create "$T_ROOT/market-b.tmpl"; MKT_B=${OUT##*: }
t0=$SECONDS
until grep -q "Marketplace from-a ($MKT_B) successfully monitored" "$ONE_LOCATION/var/oned.log"; do
  ((SECONDS - t0 < 120)) || _t_fail "B's marketplace not monitored after 120 s"
  sleep 1
done
_t_ok
assert_contains "$(grep '\[MKP\]\[W\]' "$ONE_LOCATION/var/oned.log" | head -1)" "did not resolve" \
  "B's first monitor: A's name has no record yet, said as a warning"
assert_eq "$(app_named "$MKT_B" alpine)" "" "nothing listed yet"
sleep 5  # the pubsub mesh between the two daemons forms

t_case "cloud A publishes the image as an app (onemarketapp create: our ds export, then our market import)"
oned_use one
one_ok onemarketapp create --name alpine --image "$IMG_A" -m "$MKT_A"; APP_A=${OUT##*: }
app_wait "$APP_A" READY 300
T_PUBLISHED=$SECONDS
read -r app_source app_size < <(one_xpath marketapp "$APP_A" SOURCE SIZE | paste -sd' ')
assert_contains "$app_source" "/ipfs/" "the app's SOURCE"
assert_eq "$app_size" 6 "the app's SIZE (MiB)"
img_cid=$(ipfs_rpc fe files/stat "arg=$(one_xpath image "$IMG_A" SOURCE | sed 's/^mfs://')" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')
assert_ne "$img_cid" "" "the image's catalog entry"

t_case "B's oned lists A's app, signed by A"
oned_use b
t0=$SECONDS
while APP_B=$(app_named "$MKT_B" alpine); [[ -z $APP_B ]]; do
  ((SECONDS - t0 < 240)) || { grep -E '\[MKP\]' "$ONE_LOCATION/var/oned.log" | tail -6 >&2
                              _t_fail "B lists no app of A 240 s after A published it"; }
  sleep 2
done
_t_ok
echo "B's oned listed A's app $((SECONDS - T_PUBLISHED)) s after A published it (market monitor every 15 s)"
app_wait "$APP_B" READY 60
assert_eq "$(one_xpath marketapp "$APP_B" SOURCE)" "$app_source" "B's app names A's content"

t_case "onemarketapp export into B's ipfs datastore: the bytes come from A over bitswap"
sent_before=$(ipfs_rpc fe bitswap/stat | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["DataSent"]))')
one_ok onemarketapp export "$APP_B" alpine-b -d "$DS_B"
IMG_B=$(sed -n 's/^ *ID: *\([0-9]*\)$/\1/p' <<<"$OUT" | head -1)
assert_ne "$IMG_B" "" "export made an image: $OUT"
one_wait image "$IMG_B" READY 300
src_b=$(one_xpath image "$IMG_B" SOURCE)
assert_contains "$src_b" "mfs:" "B's image is in B's catalog"
ipfs_rpc fe-b cat "arg=${app_source#*/ipfs/}" >"$T_ROOT/b.img"
assert_file_eq "$T_ROOT/b.img" "$T_ROOT/app.img" "B's daemon holds A's bytes"
# js-ipfs folds its bitswap counters on a throttle, later under load: poll.
for _ in $(seq 30); do
  sent_after=$(ipfs_rpc fe bitswap/stat | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["DataSent"]))')
  (( sent_after - sent_before >= 6 * 1048576 )) && break
  sleep 0.5
done
echo "A sent $((sent_after - sent_before)) bytes for the 6 MiB app"
(( sent_after - sent_before >= 6 * 1048576 )) && _t_ok || _t_fail "A sent $((sent_after - sent_before)) bytes, the image is 6 MiB"

t_case "onemarketapp delete on A: the app is gone from A, B's image stays"
oned_use one
one_ok onemarketapp delete "$APP_A"
t0=$SECONDS
while one onemarketapp show "$APP_A"; [[ $RC == 0 ]]; do
  ((SECONDS - t0 < 120)) || _t_fail "app $APP_A still on A after 120 s"
  sleep 1
done
_t_ok
oned_use b
one_wait image "$IMG_B" READY 10

t_done
