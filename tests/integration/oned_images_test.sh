#!/usr/bin/env bash
# it_oned_images: the image side of an operator's day under a real oned,
# through OpenNebula's own CLI (tests/lib/oned.sh; skipped without an
# OpenNebula source): the datastore and its monitoring, images by every PATH
# form README lists (the CLI's --path and a template's PATH), --source, a
# persistent image, a qcow2 with its virtual size, an empty datablock, clone,
# the persistent toggle, delete, and what the user sees when a PATH cannot
# become an image. Each step is checked by its effect: oneimage show
# (STATE, SOURCE, FORMAT, SIZE), the catalog's entries through the daemon's
# API, onedatastore show. The dummy VMM is enough here (no VM runs).
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/oned.sh"
oned_require

ipfsd_start fe
host_start node1
oned_start
one_host_add node1
oned_sync_hosts node1
CATALOG=$(sed -n 's/^IPFS_CATALOG = "\(.*\)"$/\1/p' "$ONE_LOCATION/var/remotes/etc/datastore/ipfs/ipfs.conf")

# catalog_ls ENTRY: the names in a catalog entry (MFS directory): its versions
catalog_ls() { ipfs_rpc fe files/ls "arg=$1&long=true" | python3 -c '
import json, sys
print(" ".join(sorted(e["Name"] for e in (json.load(sys.stdin).get("Entries") or []))))'; }
mfs_cid() { ipfs_rpc fe files/stat "arg=$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])'; }
image_id() { IMG=${OUT##*ID: }; IMG=${IMG%%[^0-9]*}; }

t_case "datastore create from the shipped template, and its monitoring"
sed "s|^SAFE_DIRS .*|SAFE_DIRS       = \"$T_ROOT\"|" "$ONEIPFS_SOURCE_DIR/install/templates/image-ds-ipfs.tmpl" >"$T_ROOT/ds.tmpl"
one_ok onedatastore create "$T_ROOT/ds.tmpl"
DS=${OUT##*: }
read -r dsmad tmmad < <(one_xpath datastore "$DS" DS_MAD TM_MAD | paste -sd' ')
assert_eq "$dsmad $tmmad" "ipfs ipfs" "datastore drivers"
t0=$SECONDS
while :; do
  read -r total free used < <(one_xpath datastore "$DS" TOTAL_MB FREE_MB USED_MB | paste -sd' ')
  ((total > 0)) && break
  ((SECONDS - t0 < 60)) || _t_fail "datastore $DS not monitored after 60 s (TOTAL_MB=$total)"
  sleep 1
done
read -r fs_total fs_free < <(df -m --output=size,avail "$IPFSD_REPO_fe" | tail -1)
# (df rounds up to MiB, the driver down)
((total >= fs_total - 1 && total <= fs_total)) && _t_ok || _t_fail "TOTAL_MB $total, the repository's file system has $fs_total MB"
((free > 0 && free <= fs_total)) && _t_ok || _t_fail "FREE_MB $free"

# Content: a 3 MiB raw disk with recognisable bytes, added to the front-end daemon.
head -c 3145728 /dev/urandom >"$T_ROOT/raw.img"
RAW_CID=$(ipfs_add fe "$T_ROOT/raw.img")
KEY=$(ipfs_publish fe "/ipfs/$RAW_CID")

# check_image ID NAME: READY, a catalog SOURCE whose current version holds
# raw.img's bytes, FORMAT raw, SIZE 3
check_image() {
  one_wait image "$1" READY 60
  read -r src fmt size < <(one_xpath image "$1" SOURCE FORMAT SIZE | paste -sd' ')
  assert_contains "$src" "mfs:$CATALOG/$DS/$1-" "$2: SOURCE"
  assert_eq "$fmt $size" "raw 3" "$2: FORMAT SIZE"
  local entry=${src#mfs:}
  assert_eq "$(catalog_ls "$entry")" "1" "$2: one version in the catalog"
  ipfs_rpc fe files/read "arg=$entry/1" >"$T_ROOT/read.img"
  assert_file_eq "$T_ROOT/read.img" "$T_ROOT/raw.img" "$2: the catalog's bytes"
}

t_case "oneimage create --path, every form README lists"
http_serve "$T_ROOT"
declare -A PATHS=(
  [by-ipfs-path]="/ipfs/$RAW_CID"
  [by-ipfs-url]="ipfs://$RAW_CID"
  [by-ipns-path]="/ipns/$KEY"
  [by-ipns-url]="ipns://$KEY"
  [by-gateway]="http://gateway.invalid:8080/ipfs/$RAW_CID"
  [by-subdomain]="https://$RAW_CID.ipfs.dweb.link/"
  [by-file]="$T_ROOT/raw.img"
  [by-http]="$HTTP_URL/raw.img"
)
declare -A IDS
for name in by-ipfs-path by-ipfs-url by-ipns-path by-ipns-url by-gateway by-subdomain by-file by-http; do
  one oneimage create -d "$DS" --name "$name" --path "${PATHS[$name]}"
  [[ $RC == 0 ]] && _t_ok || _t_fail "oneimage create --path ${PATHS[$name]}: $ERR $OUT"
  image_id; IDS[$name]=$IMG
done
for name in "${!IDS[@]}"; do check_image "${IDS[$name]}" "$name"; done

t_case "oneimage create from a template file: PATH as written reaches the driver"
for form in "ipfs://$RAW_CID" "/ipns/$KEY"; do
  printf 'NAME = "tmpl-%s"\nPATH = "%s"\nTYPE = "OS"\n' "$RANDOM" "$form" >"$T_ROOT/img.tmpl"
  one_ok oneimage create -d "$DS" "$T_ROOT/img.tmpl"
  image_id; check_image "$IMG" "template PATH=$form"
done

t_case "--source: no cp, the CID as it is"
one_ok oneimage create -d "$DS" --name pinned --source "/ipfs/$RAW_CID" --size 3 --format raw
image_id; one_wait image "$IMG" READY 30
read -r src size < <(one_xpath image "$IMG" SOURCE SIZE | paste -sd' ')
assert_eq "$src $size" "/ipfs/$RAW_CID 3" "--source image"

t_case "a persistent image"
one_ok oneimage create -d "$DS" --name pers --path "/ipfs/$RAW_CID" --persistent
image_id; PERS=$IMG; check_image "$PERS" persistent
assert_eq "$(one_xpath image "$PERS" PERSISTENT)" "1" "PERSISTENT"

t_case "a qcow2: FORMAT qcow2, SIZE its virtual size"
qemu-img create -q -f qcow2 "$T_ROOT/disk.qcow2" 256M
qemu-io -c 'write -P 0x5a 0 1M' "$T_ROOT/disk.qcow2" >/dev/null
QCOW_CID=$(ipfs_add fe "$T_ROOT/disk.qcow2")
one_ok oneimage create -d "$DS" --name qcow --path "ipfs://$QCOW_CID"
image_id; one_wait image "$IMG" READY 60
read -r fmt size < <(one_xpath image "$IMG" FORMAT SIZE | paste -sd' ')
assert_eq "$fmt $size" "qcow2 256" "qcow2 image"

t_case "an empty datablock: oneimage create --type DATABLOCK --size"
one_ok oneimage create -d "$DS" --name blk --type DATABLOCK --size 64
image_id; BLK=$IMG; one_wait image "$BLK" READY 60
read -r src fmt size < <(one_xpath image "$BLK" SOURCE FORMAT SIZE | paste -sd' ')
assert_eq "$fmt $size" "raw 64" "datablock"
assert_eq "$(ipfs_rpc fe files/stat "arg=${src#mfs:}/1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Size"])')" \
  "67108864" "the datablock's catalog content is 64 MiB"

t_case "clone: a new entry with the same content"
one_ok oneimage clone "${IDS[by-ipfs-path]}" copy
CLONE=${OUT##*: }
check_image "$CLONE" clone
src1=$(one_xpath image "${IDS[by-ipfs-path]}" SOURCE); src2=$(one_xpath image "$CLONE" SOURCE)
assert_ne "$src2" "$src1" "the clone has its own entry"
assert_eq "$(mfs_cid "${src2#mfs:}/1")" "$(mfs_cid "${src1#mfs:}/1")" "the clone links the same CID"

t_case "persistent toggle"
one_ok oneimage persistent "$CLONE"
assert_eq "$(one_xpath image "$CLONE" PERSISTENT)" "1" "persistent"
one_ok oneimage nonpersistent "$CLONE"
assert_eq "$(one_xpath image "$CLONE" PERSISTENT)" "0" "non-persistent"

t_case "delete: the entry goes, content other images link stays"
entry=$(one_xpath image "$CLONE" SOURCE); entry=${entry#mfs:}
one_ok oneimage delete "$CLONE"
t0=$SECONDS
while one oneimage show "$CLONE"; [[ $RC == 0 ]]; do
  ((SECONDS - t0 < 60)) || _t_fail "image $CLONE still there after 60 s"
  sleep 0.5
done
ipfs_rpc fe files/stat "arg=$entry" >"$T_ROOT/gone.json" 2>&1 || true
assert_contains "$(cat "$T_ROOT/gone.json")" "does not exist" "the clone's catalog entry is gone"
check_image "${IDS[by-ipfs-path]}" "the original after the clone's delete"
ipfs_gc fe
ipfs_rpc fe files/read "arg=${src1#mfs:}/1" >"$T_ROOT/read.img"
assert_file_eq "$T_ROOT/read.img" "$T_ROOT/raw.img" "the original's bytes survive a repo gc"

t_case "monitoring counts what the images reference"
t0=$SECONDS
while :; do
  used=$(one_xpath datastore "$DS" USED_MB)
  ((used >= 64)) && break
  ((SECONDS - t0 < 60)) || _t_fail "USED_MB $used after 60 s, expected at least the 64 MB datablock"
  sleep 1
done
_t_ok

t_case "what the user sees when a PATH cannot become an image"
nobody=bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba  # a CID no daemon has
n_before=$(oneimage list --no-header -l ID | wc -l)
t0=$SECONDS
one oneimage create -d "$DS" --name unreachable --path "/ipfs/$nobody"
took=$((SECONDS - t0))
assert_ne "$RC" "0" "unreachable CID"
assert_not_contains "$ERR$OUT" "ReadTimeout" "the driver's message, not the CLI's timeout"
assert_contains "$ERR$OUT" "$nobody" "the message names the CID"
assert_contains "$ERR$OUT" "online" "the message says what to check"
((took < 30)) && _t_ok || _t_fail "the CLI answered after $took s"
echo "  unreachable CID: the CLI answered in $took s: $ERR$OUT"

mkdir -p "$T_ROOT/dir"; cp "$T_ROOT/raw.img" "$T_ROOT/dir/disk.img"
DIR_CID=$(curl -sS -X POST -F "file=@$T_ROOT/dir/disk.img;filename=dir/disk.img" \
  "$(_api fe)/api/v0/add?cid-version=1&wrap-with-directory=false&pin=false" |
  python3 -c 'import json,sys; print([json.loads(l) for l in sys.stdin if l.strip()][-1]["Hash"])')
one oneimage create -d "$DS" --name dir --path "ipfs://$DIR_CID"
assert_ne "$RC" "0" "CID of a directory"
assert_contains "$ERR$OUT" "is a directory, not a disk image" "directory message"
assert_contains "$ERR$OUT" "/disk.qcow2" "says what to register instead"

qemu-img create -q -f qcow2 -b "$T_ROOT/disk.qcow2" -F qcow2 "$T_ROOT/child.qcow2"
CHILD_CID=$(ipfs_add fe "$T_ROOT/child.qcow2")
one oneimage create -d "$DS" --name child --path "/ipfs/$CHILD_CID"
assert_ne "$RC" "0" "qcow2 with a backing file"
assert_contains "$ERR$OUT" "backing file" "backing-file message"
assert_contains "$ERR$OUT" "qemu-img convert" "says how to flatten"

one oneimage create -d "$DS" --name typo --path "ipfs://notacid"
assert_ne "$RC" "0" "malformed CID"
assert_contains "$ERR$OUT" "'ipfs://notacid' is not a valid IPFS path" "names what the user typed"
assert_eq "$(oneimage list --no-header -l ID | wc -l)" "$n_before" "no image was created by the failures"

t_done
