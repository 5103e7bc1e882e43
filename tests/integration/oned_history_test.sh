#!/usr/bin/env bash
# it_oned_history: undelete under a real oned (tests/lib/oned.sh; skipped
# without an OpenNebula source): `oneimage delete` of a persistent datablock
# runs our ds rm, which keeps the entry in the deleted area; `one-ipfs-image
# restore` registers it again through the real `oneimage create`, and oned's
# ds cp gives the same bytes back under a new image id, persistent and a
# DATABLOCK like the deleted one. The image's history names what oned told
# the drivers (the owner), and verify passes.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/oned.sh"
oned_require

ipfsd_start fe
oned_start
CATALOG=$(sed -n 's/^IPFS_CATALOG = "\(.*\)"$/\1/p' "$ONE_LOCATION/var/remotes/etc/datastore/ipfs/ipfs.conf")
IMGTOOL="$ONEIPFS_BUILD_DIR/tools/one-ipfs-image"
image_id() { IMG=${OUT##*ID: }; IMG=${IMG%%[^0-9]*}; }
current_bytes() { # SOURCE FILE: the entry's current version's bytes
  local entry=${1#mfs:} last
  last=$(ipfs_rpc fe files/ls "arg=$entry" | python3 -c '
import json, sys
print(max(int(e["Name"]) for e in json.load(sys.stdin)["Entries"] if e["Name"].isdigit()))')
  ipfs_cat fe "$(ipfs_rpc fe files/stat "arg=$entry/$last" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')" >"$2"
}

t_case "the ipfs datastore, monitored"
sed "s|^SAFE_DIRS .*|SAFE_DIRS       = \"$T_ROOT\"|" "$ONEIPFS_SOURCE_DIR/install/templates/image-ds-ipfs.tmpl" >"$T_ROOT/ds.tmpl"
one_ok onedatastore create "$T_ROOT/ds.tmpl"
DS=${OUT##*: }
one_ds_monitored "$DS"

t_case "a persistent datablock: its history names oned's user"
head -c 3145728 /dev/urandom >"$T_ROOT/data.img"
one_ok oneimage create -d "$DS" --name keepme --path "$T_ROOT/data.img" --type DATABLOCK --persistent
image_id; ID=$IMG
one_wait image "$ID" READY 120
SRC=$(one_xpath image "$ID" SOURCE)
run_raw "" "$IMGTOOL" history "$ID"; assert_success "history: $ERR"
assert_contains "$(grep '^  v1 ' <<<"$OUT" || true)" " cp  user oneadmin (0)  signed ok" "v1 by oned's user"
run_raw "" "$IMGTOOL" revert "$ID" 1; assert_fail_one_line "v1 is current"; assert_contains "$ERR" "current version"

t_case "oneimage delete keeps the entry; one-ipfs-image restore registers it again through oneimage create"
one_ok oneimage delete "$ID"
t0=$SECONDS
while one oneimage show "$ID" && [[ $RC == 0 ]]; do
  ((SECONDS - t0 < 60)) || { _t_fail "image $ID still there after 60 s"; break; }
  sleep 0.5
done
assert_eq "$(ipfs_rpc fe files/stat "arg=${SRC#mfs:}" | grep -c '"Hash"' || true)" 0 "the live entry is gone"
run_raw "" "$IMGTOOL" deleted; assert_success "deleted: $ERR"
label=$(awk -v id="$ID" '$2 == "image" && $3 == id {print $1}' <<<"$OUT")
assert_contains "$label" "$DS/$ID-" "image $ID listed as deleted"
assert_contains "$OUT" "'keepme'" "with its name"
run_raw "" "$IMGTOOL" restore "$label"; assert_success "restore: $ERR"
NEW=$(sed -n 's/.* as image \([0-9]*\) .*/\1/p' <<<"$OUT")
assert_ne "$NEW" "" "restore says the new image id"
assert_ne "$NEW" "$ID" "a new image id"
one_wait image "$NEW" READY 120
read -r name type pers ds < <(one_xpath image "$NEW" NAME TYPE PERSISTENT DATASTORE_ID | paste -sd' ')
assert_contains "$name" "keepme-restored-" "the name, suffixed"
assert_eq "$type $pers $ds" "2 1 $DS" "a persistent DATABLOCK in the same datastore"
current_bytes "$(one_xpath image "$NEW" SOURCE)" "$T_ROOT/restored.img"
assert_file_eq "$T_ROOT/restored.img" "$T_ROOT/data.img" "the restored image's bytes"
run_raw "" "$IMGTOOL" history "$ID"; assert_success
assert_contains "$OUT" " rm "; assert_contains "$OUT" " restore "
run_raw "" "$IMGTOOL" verify; assert_success "verify: $OUT"

t_done
