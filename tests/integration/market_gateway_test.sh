#!/usr/bin/env bash
# it_market_gateway: an app published with IPFS_MARKET_GATEWAY imports into an
# OpenNebula `fs` datastore over HTTP and into an ipfs datastore over bitswap
# (issue 18), through OpenNebula's own one_market.rb and one_datastore.rb and
# its unmodified fs driver (fs/cp, downloader.sh).
#
# Cloud A (its daemon runs an HTTP gateway) makes an app of an ipfs image
# with IPFS_MARKET_GATEWAY = A's gateway: the app's SOURCE is
# <gateway>/ipfs/<cid>. Cloud B (its own daemon, connected to A):
#  - `onemarketapp export` to an fs datastore = OpenNebula's fs cp with that
#    SOURCE as PATH: downloader.sh fetches it from the gateway; the file in
#    the datastore is byte-identical and its MD5 is the app's;
#  - the same into B's ipfs datastore: our cp takes the CID the URL names and
#    fetches it over bitswap, never over HTTP (the URL's host and port are
#    rewritten to a port where nothing listens, and the import still works).
# Skipped (exit 77) without OpenNebula's scripts, as the composition tests.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/one_market.sh"
market_require 7.0.0

export IPFSD_FLAGS=--enable-namesys-pubsub   # js-ipfs publishes IPNS only online
IPFSD_GATEWAY=1 ipfsd_start a
ipfsd_start b
ipfs_connect a b
unset IPFSD_FLAGS
assert_ne "$IPFSD_GATEWAY_a" "" "A's gateway address"
for x in a b; do market_cloud "$x" "$x"; done
echo "IPFS_MARKET_GATEWAY = \"$IPFSD_GATEWAY_a\"" >>"$T_ROOT/one-a/ipfs.conf"
b64d() { base64 -d <<<"$1"; }

t_case "A: an ipfs image becomes an app whose SOURCE is A's gateway URL"
head -c 5M /dev/urandom >"$T_ROOT/img"
md5=$(md5sum <"$T_ROOT/img" | cut -d' ' -f1)
doc_from cp "$T_ROOT/img" IMAGE/ID 5 IMAGE/SIZE 5 IMAGE/REGTIME 1767225600
mv "$T_ROOT/cp.xml" "$T_ROOT/cp-a-5.xml"
datastore_call a "CP 5 $(base64 -w0 "$T_ROOT/cp-a-5.xml")"
assert_eq "$MKT_RESULT" SUCCESS "ds cp on A: $MKT_INFO"
xml_set "$T_ROOT/cp-a-5.xml" IMAGE/SOURCE "${MKT_INFO%% *}"
market_call a "IMPORT 12 $(market_doc import --market 100 --tmpl IPFS_MARKET_KEY=market-a --app 12 --name gw-app --ds-doc "$T_ROOT/cp-a-5.xml")"
assert_eq "$MKT_RESULT" SUCCESS "import: $MKT_INFO $MKT_LOG"
reply=$(b64d "$MKT_INFO")
echo "$reply"
APP_SOURCE=$(sed -n 's/^SOURCE="\(.*\)"$/\1/p' <<<"$reply")
assert_contains "$APP_SOURCE" "$IPFSD_GATEWAY_a/ipfs/" "the SOURCE is a gateway URL"
assert_contains "$reply" "MD5=\"$md5\""
CID=${APP_SOURCE##*/ipfs/}
curl -sf "$APP_SOURCE" -o "$T_ROOT/via-gateway"
assert_file_eq "$T_ROOT/via-gateway" "$T_ROOT/img" "A's gateway serves the app"

t_case "B: onemarketapp export to an fs datastore (OpenNebula's fs cp + downloader.sh over HTTP)"
FSBASE="$T_ROOT/one-b/var/datastores/1"; mkdir -p "$FSBASE"
doc_from cp "$APP_SOURCE" IMAGE/ID 20 IMAGE/SIZE 5 IMAGE/TEMPLATE/MD5 "$md5" IMAGE/REGTIME 1767225600 \
  DATASTORE/ID 1 DATASTORE/DS_MAD fs DATASTORE/TM_MAD ssh DATASTORE/BASE_PATH "$FSBASE" DATASTORE/TEMPLATE/BRIDGE_LIST ""
mv "$T_ROOT/cp.xml" "$T_ROOT/fs-20.xml"
datastore_call b "CP 20 $(base64 -w0 "$T_ROOT/fs-20.xml")"
assert_eq "$MKT_RESULT" SUCCESS "fs cp on B: $MKT_INFO $MKT_LOG"
fs_source=${MKT_INFO%% *}
assert_contains "$fs_source" "$FSBASE/" "the fs driver's SOURCE is a file in its datastore"
assert_file_eq "$fs_source" "$T_ROOT/img" "the fs datastore holds the app's bytes"
assert_eq "$(md5sum <"$fs_source" | cut -d' ' -f1)" "$md5" "the app's MD5"

t_case "B: the same SOURCE into B's ipfs datastore comes over bitswap, never HTTP"
dead=; free_port dead
nohttp="http://127.0.0.1:$dead/ipfs/$CID"   # nothing listens here
doc_from cp "$nohttp" IMAGE/ID 21 IMAGE/SIZE 5 IMAGE/REGTIME 1767225600
mv "$T_ROOT/cp.xml" "$T_ROOT/cp-b-21.xml"
datastore_call b "CP 21 $(base64 -w0 "$T_ROOT/cp-b-21.xml")"
assert_eq "$MKT_RESULT" SUCCESS "ipfs cp on B: $MKT_INFO $MKT_LOG"
b_src=${MKT_INFO%% *}
assert_contains "$b_src" "mfs:/one-ipfs-b/" "an entry of B's catalog"
# js-ipfs updates its bitswap counters on a throttle (about a second): poll.
received=0
for _ in $(seq 20); do
  received=$(ipfs_rpc b bitswap/stat | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["DataReceived"]))')
  ((received >= 5 * 1048576)) && break
  sleep 0.5
done
assert_ge "$received" $((5 * 1048576)) "B's cp fetched the app over bitswap (bytes)"
ipfs_cat b "$(ipfs_rpc b files/stat "arg=${b_src#mfs:}/1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')" >"$T_ROOT/b-got"
assert_file_eq "$T_ROOT/b-got" "$T_ROOT/img" "B's image holds the app's bytes"

t_done
