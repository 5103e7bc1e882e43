#!/usr/bin/env bash
# it_oned_market: the marketplace under a real oned, through OpenNebula's own
# CLI (tests/lib/oned.sh; skipped without an OpenNebula source), with our
# drivers registered by one-ipfs-register (MARKET_MAD -m ipfs, the
# MARKET_MAD_CONF block, export in the ipfs DS_MAD_CONF): an ipfs
# marketplace created from a template; `onemarketapp create` from an ipfs
# image (oned runs our ds export, then our market import: the app is READY
# with SOURCE /ipfs/<the image's CID>, its MD5, SIZE and FORMAT); the
# marketplace's monitor reports capacity and keeps the app (no duplicate);
# `onemarketapp export` into the ipfs datastore makes a READY image whose
# content is the original's; `onemarketapp delete` removes the app from the
# published tree. The front-end daemon has a pubsub peer (js-ipfs 0.66
# publishes IPNS records only with peers).
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/oned.sh"
oned_require

IPFSD_FLAGS=--enable-namesys-pubsub ipfsd_start fe
IPFSD_FLAGS=--enable-namesys-pubsub ipfsd_start peer
ipfs_connect fe peer
oned_start
CATALOG=$(sed -n 's/^IPFS_CATALOG = "\(.*\)"$/\1/p' "$ONE_LOCATION/var/remotes/etc/datastore/ipfs/ipfs.conf")
mfs_cid() { ipfs_rpc fe files/stat "arg=$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])'; }
image_id() { IMG=${OUT##*ID: }; IMG=${IMG%%[^0-9]*}; }
# app_wait ID STATE_NUMBER [SECONDS]: MarketPlaceApp states INIT 0, READY 1, LOCKED 2, ERROR 3
app_wait() {
  local t0=$SECONDS st
  while :; do
    st=$(one_xpath marketapp "$1" STATE)
    [[ $st == "$2" ]] && { _t_ok; return 0; }
    [[ $st == 3 ]] && { tail -20 "$ONE_LOCATION/var/oned.log" >&2; _t_fail "app $1 is in ERROR: $(one_xpath marketapp "$1" TEMPLATE/ERROR)"; }
    ((SECONDS - t0 < ${3:-120})) || { tail -20 "$ONE_LOCATION/var/oned.log" >&2; _t_fail "app $1 still in state $st"; }
    sleep 0.5
  done
}

t_case "oned.conf registers the marketplace; an ipfs image datastore and an image"
one-ipfs-register-check() { "$ONEIPFS_BUILD_DIR/tools/one-ipfs-register" --oned-conf "$ONE_LOCATION/etc/oned.conf" --check; }
assert_contains "$(one-ipfs-register-check)" "MARKET_MAD_CONF with NAME = \"ipfs\": yes"
sed "s|^SAFE_DIRS .*|SAFE_DIRS       = \"$T_ROOT\"|" "$ONEIPFS_SOURCE_DIR/install/templates/image-ds-ipfs.tmpl" >"$T_ROOT/ds.tmpl"
one_ok onedatastore create "$T_ROOT/ds.tmpl"
DS=${OUT##*: }
one_ds_monitored "$DS"
head -c 3145728 /dev/urandom >"$T_ROOT/raw.img"
one_ok oneimage create -d "$DS" --name raw --path "$T_ROOT/raw.img"
image_id; SRC_IMG=$IMG
one_wait image "$SRC_IMG" READY 60
src=$(one_xpath image "$SRC_IMG" SOURCE)
IMG_CID=$(mfs_cid "${src#mfs:}/1")

t_case "onemarket create: an ipfs marketplace with IPFS_MARKET_KEY"
printf '%s\n' 'NAME = "ipfs-market"' 'MARKET_MAD = "ipfs"' 'IPFS_MARKET_KEY = "oned-market"' >"$T_ROOT/market.tmpl"
one_ok onemarket create "$T_ROOT/market.tmpl"
MKT=${OUT##*: }
assert_eq "$(one_xpath market "$MKT" MARKET_MAD)" ipfs

t_case "onemarketapp create from the ipfs image: ds export + market import, linked (the image's CID)"
printf '%s\n' 'NAME = "raw-app"' "ORIGIN_ID = \"$SRC_IMG\"" 'TYPE = "IMAGE"' 'VERSION = "1.0"' >"$T_ROOT/app.tmpl"
one_ok onemarketapp create "$T_ROOT/app.tmpl" -m "$MKT"
APP=${OUT##*: }
app_wait "$APP" 1 120
read -r asrc amd5 asize afmt < <(one_xpath marketapp "$APP" SOURCE MD5 SIZE FORMAT | paste -sd' ')
assert_eq "$(mfs_cid "$asrc")" "$(mfs_cid "/ipfs/$IMG_CID")" "the app's SOURCE is the image's content"
assert_eq "$amd5" "$(md5sum <"$T_ROOT/raw.img" | cut -d' ' -f1)" "the app's MD5"
assert_eq "$asize $afmt" "3 raw" "the app's SIZE FORMAT"
KEY_ID=$(ipfs_rpc fe key/list | python3 -c 'import json,sys; print([k["Id"] for k in json.load(sys.stdin)["Keys"] if k["Name"]=="oned-market"][0])')
assert_contains "$KEY_ID" "12D3KooW" "the marketplace's IPNS key"

t_case "the marketplace's monitor: capacity, and the app stays one app"
t0=$SECONDS
while :; do
  total=$(one_xpath market "$MKT" TOTAL_MB)
  ((total > 0)) && break
  ((SECONDS - t0 < 120)) || _t_fail "marketplace $MKT not monitored after 120 s"
  sleep 1
done
_t_ok
one_ok onemarketapp list -x
assert_eq "$(python3 -c 'import sys, xml.etree.ElementTree as ET; r=ET.fromstring(sys.stdin.read()); print(sum(1 for a in r.findall("MARKETPLACEAPP") if a.findtext("NAME")=="raw-app"))' <<<"$OUT")" 1 "apps named raw-app"

t_case "onemarketapp export into the ipfs datastore: an image with the app's content"
one_ok onemarketapp export "$APP" from-app --datastore "$DS" --no
image_id; NEW=$IMG
one_wait image "$NEW" READY 120
nsrc=$(one_xpath image "$NEW" SOURCE)
assert_eq "$(mfs_cid "${nsrc#mfs:}/1")" "$(mfs_cid "/ipfs/$IMG_CID")" "the exported image's content"

t_case "onemarketapp delete: the app leaves the published tree"
tree=/one-ipfs-market/oned-market/apps
before=$(ipfs_rpc fe files/ls "arg=$tree" | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("Entries") or []))')
assert_eq "$before" 1 "apps in the tree before the delete"
one_ok onemarketapp delete "$APP"
t0=$SECONDS
while :; do one onemarketapp show "$APP"; [[ $RC != 0 ]] && break; ((SECONDS - t0 < 60)) || _t_fail "app $APP still there"; sleep 0.5; done
after=$(ipfs_rpc fe files/ls "arg=$tree" | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("Entries") or []))')
assert_eq "$after" 0 "apps in the tree after the delete"
t_done
