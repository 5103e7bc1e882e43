#!/usr/bin/env bash
# ds clone, mkfs, rm, monitor and image snapshots, as oned runs them.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"
head -c $((3 * 1048576)) /dev/urandom > "$T_ROOT/img"
cid=$(ipfs_add fe "$T_ROOT/img")

doc() { # FIXTURE ID [xml_set pairs...] -> $T_ROOT/doc.xml
  cp "$fx/$1" "$T_ROOT/doc.xml"; xml_set "$T_ROOT/doc.xml" IMAGE/ID "$2"; shift 2
  while (($#)); do xml_set "$T_ROOT/doc.xml" "$1" "$2"; shift 2; done
}
mfs_ls() { ipfs_rpc fe files/ls "arg=$1&long=true" | python3 -c 'import json,sys; print(" ".join(sorted(e["Name"] for e in (json.load(sys.stdin).get("Entries") or []))))'; }
mfs_hash() { ipfs_rpc fe files/stat "arg=$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])'; }
exists() { curl -s -X POST "$IPFSD_API_fe/api/v0/files/stat?arg=$1" | grep -q '"Hash"'; }

doc cp.xml 5 IMAGE/PATH "/ipfs/$cid"; run_ds cp "$T_ROOT/doc.xml" 5; assert_success
src5=${OUT%% *}; dir5=${src5#mfs:}

t_case "clone shares the content (zero-copy) and prints SOURCE FORMAT (>= 6.6)"
doc clone.xml 7 IMAGE/PATH "$src5"; run_ds clone "$T_ROOT/doc.xml" 7; assert_success
src7=${OUT%% *}; assert_eq "${OUT##* }" "raw"; assert_ne "$src7" "$src5"
assert_eq "$(mfs_hash "${src7#mfs:}/1")" "$(mfs_hash "$dir5/1")" "same CID, nothing copied"
ONE_VERSION=6.4 run_ds clone "$T_ROOT/doc.xml" 8 2>/dev/null; doc clone.xml 8 IMAGE/PATH "$src5"
ONE_VERSION=6.4 run_ds clone "$T_ROOT/doc.xml" 8; assert_success; assert_not_contains "$OUT" " " "6.0-6.4: SOURCE only"
doc clone.xml 9 IMAGE/PATH "ipfs://$cid"; run_ds clone "$T_ROOT/doc.xml" 9; assert_success "clone of a --source image"
doc clone.xml 10 IMAGE/PATH "mfs:$IPFS_CATALOG/100/404-1"; run_ds clone "$T_ROOT/doc.xml" 10; assert_fail_one_line; assert_contains "$ERR" "not in the IPFS catalog"

t_case "export: <IMPORT_INFO> of the image's current content (/ipfs/<cid>, MD5 kept by cp), both protocol forms"
export_info() { python3 -c 'import re,sys; m=re.search(r"<%s><!\[CDATA\[(.*?)\]\]></%s>" % (sys.argv[1], sys.argv[1]), sys.stdin.read()); print(m.group(1) if m else "")' "$1" <<<"$OUT"; }
head -c $((2 * 1048576 + 5)) /dev/urandom >"$T_ROOT/exp.img"
exp_md5=$(md5sum <"$T_ROOT/exp.img" | cut -d' ' -f1)
register_file 60 "$T_ROOT/exp.img"; exp_src=$SRC
exp_cid=$(mfs_hash "${exp_src#mfs:}/1")
doc rm.xml 60 IMAGE/SOURCE "$exp_src" IMAGE/SIZE 3 IMAGE/FORMAT raw
run_ds export "$T_ROOT/doc.xml" 60; assert_success "export (stdin form): $ERR"
assert_eq "$(wc -l <<<"$OUT")" 1 "one line"
assert_contains "$OUT" "<IMPORT_INFO>"; assert_contains "$OUT" "<DISPOSE>NO</DISPOSE></IMPORT_INFO>"
assert_eq "$(export_info IMPORT_SOURCE)" "/ipfs/$exp_cid"
assert_eq "$(export_info MD5)" "$exp_md5"
assert_eq "$(export_info SIZE)" 3; assert_eq "$(export_info FORMAT)" raw
assert_not_contains "$ERR" "computing the MD5" "cp kept the MD5 while the file came in"
ONE_VERSION=6.6 run_ds export "$T_ROOT/doc.xml" 60 --argv; assert_success "export (argv form): $ERR"
assert_eq "$(export_info IMPORT_SOURCE)" "/ipfs/$exp_cid" "argv form"
# Referenced content (cp of /ipfs/<cid> reads nothing): the MD5 is computed once, then kept.
doc rm.xml 61 IMAGE/SOURCE "$src5" IMAGE/SIZE "" IMAGE/FORMAT ""
run_ds export "$T_ROOT/doc.xml" 61; assert_success "export of referenced content: $ERR"
assert_eq "$(export_info MD5)" "$(md5sum <"$T_ROOT/img" | cut -d' ' -f1)"
assert_eq "$(export_info SIZE)" 3 "the content's size rounded up to MB"
assert_eq "$(export_info FORMAT)" raw "detected"
assert_contains "$ERR" "computing the MD5"
run_ds export "$T_ROOT/doc.xml" 61; assert_success; assert_not_contains "$ERR" "computing the MD5" "the second export"
doc rm.xml 62 IMAGE/SOURCE "mfs:$IPFS_CATALOG/100/404-1"; run_ds export "$T_ROOT/doc.xml" 62
assert_fail_one_line; assert_eq "$OUT" "" "nothing on stdout"

t_case "mkfs: raw, qcow2, formatted, and save_as reservations"
doc mkfs.xml 20 IMAGE/SIZE 8; run_ds mkfs "$T_ROOT/doc.xml" 20; assert_success
assert_not_contains "$OUT" " " "mkfs prints SOURCE only"
h=$(mfs_hash "${OUT#mfs:}/1"); ipfs_cat fe "$h" > "$T_ROOT/blk"
assert_eq "$(stat -c %s "$T_ROOT/blk")" "8388608"; assert_eq "$(tr -d '\0' < "$T_ROOT/blk" | wc -c)" "0" "all zeros"
doc mkfs.xml 21 IMAGE/SIZE 64 IMAGE/FORMAT qcow2 DATASTORE/TEMPLATE/DRIVER ""; run_ds mkfs "$T_ROOT/doc.xml" 21; assert_success
ipfs_cat fe "$(mfs_hash "${OUT#mfs:}/1")" > "$T_ROOT/q"; info=$(qemu-img info "$T_ROOT/q")
assert_contains "$info" "file format: qcow2"; assert_contains "$info" "virtual size: 64 MiB"
doc mkfs.xml 27 IMAGE/SIZE 64 IMAGE/FORMAT qcow2; run_ds mkfs "$T_ROOT/doc.xml" 27; assert_success "the datastore DRIVER=raw forces raw"
ipfs_cat fe "$(mfs_hash "${OUT#mfs:}/1")" > "$T_ROOT/q"; assert_contains "$(qemu-img info "$T_ROOT/q")" "file format: raw"
doc mkfs.xml 22 IMAGE/SIZE 16 IMAGE/FS ext4; run_ds mkfs "$T_ROOT/doc.xml" 22; assert_success
ipfs_cat fe "$(mfs_hash "${OUT#mfs:}/1")" > "$T_ROOT/fs"; assert_contains "$(file -b "$T_ROOT/fs" 2>/dev/null || blkid -o value -s TYPE "$T_ROOT/fs")" "ext4"
doc mkfs.xml 23 IMAGE/FORMAT save_as; run_ds mkfs "$T_ROOT/doc.xml" 23; assert_success
exists "${OUT#mfs:}"; assert_eq "$(mfs_ls "${OUT#mfs:}")" "" "an empty reservation"
doc mkfs.xml 24 IMAGE/SIZE 0; run_ds mkfs "$T_ROOT/doc.xml" 24; assert_fail_one_line; assert_contains "$ERR" "SIZE"
for size in "+8" " 8" "8MB" "-1" "99999999999999999999"; do
  doc mkfs.xml 24 IMAGE/SIZE "$size"; run_ds mkfs "$T_ROOT/doc.xml" 24; assert_fail_one_line "SIZE '$size'"; assert_contains "$ERR" "SIZE"
done
doc mkfs.xml 25 IMAGE/SIZE 8 IMAGE/FORMAT vmdk DATASTORE/TEMPLATE/DRIVER ""; run_ds mkfs "$T_ROOT/doc.xml" 25; assert_fail_one_line; assert_contains "$ERR" "vmdk"
doc mkfs.xml 26 IMAGE/SIZE 8 IMAGE/FS "ext4;touch /tmp/x"; run_ds mkfs "$T_ROOT/doc.xml" 26; assert_fail_one_line
ls "$T_ROOT" | grep -q one-ipfs-mkfs && { echo "mkfs left a temporary directory" >&2; exit 1; }
T_CHECKS=$((T_CHECKS + 1))

t_case "monitor: USED/FREE/TOTAL in MB"
run_ds monitor "$fx/monitor.xml" 100; assert_success
used=$(sed -n 's/^USED_MB=//p' <<<"$OUT"); free=$(sed -n 's/^FREE_MB=//p' <<<"$OUT"); total=$(sed -n 's/^TOTAL_MB=//p' <<<"$OUT")
assert_eq "$(wc -l <<<"$OUT")" "3"
((used >= 3 + 3 + 8)) && ((free > 0)) && ((total >= free)) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL monitor: $OUT" >&2; exit 1; }
ONE_VERSION=6.6 run_ds monitor "$fx/monitor.xml" 100 --argv; assert_success "argv form"
# FREE_MB is the free space of the file system holding the repository (df),
# whether the path comes from the daemon or from IPFS_REPO_PATH.
near() { (( $1 - $2 < 64 && $2 - $1 < 64 )) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL $3: $1 vs $2" >&2; exit 1; }; }
avail() { df -Pm "$1" | awk 'NR == 2 { print $4 }'; }
fs_size_mb() { df -Pm "$1" | awk 'NR == 2 { print $2 }'; }
near "$free" "$(avail "$IPFSD_REPO_fe")" "FREE_MB vs df of the daemon's repository"
# TOTAL_MB is that file system's size, as OpenNebula's fs driver reports it
near "$total" "$(fs_size_mb "$IPFSD_REPO_fe")" "TOTAL_MB vs df of the daemon's repository"
IPFS_REPO_PATH=/dev/shm run_ds monitor "$fx/monitor.xml" 100; assert_success "IPFS_REPO_PATH"
near "$(sed -n 's/^FREE_MB=//p' <<<"$OUT")" "$(avail /dev/shm)" "FREE_MB vs df of IPFS_REPO_PATH"
near "$(sed -n 's/^TOTAL_MB=//p' <<<"$OUT")" "$(fs_size_mb /dev/shm)" "TOTAL_MB vs df of IPFS_REPO_PATH"

t_case "monitor: USED_MB follows the catalog between calls (the memo of entry sizes is keyed by entry CIDs)"
used_mb() { run_ds monitor "$fx/monitor.xml" 100; assert_success "monitor"; sed -n 's/^USED_MB=//p' <<<"$OUT"; }
assert_ne "$(ls "$T_ROOT"/one-ipfs-entry-sizes-* 2>/dev/null)" "" "the earlier calls left their memo (IPFS_TMPDIR)"
head -c $((9 * 1048576)) /dev/urandom > "$T_ROOT/nine.img"
nine=$(ipfs_add fe "$T_ROOT/nine.img")
u0=$(used_mb)
doc cp.xml 90 IMAGE/PATH "/ipfs/$nine"; run_ds cp "$T_ROOT/doc.xml" 90; assert_success; src90=${OUT%% *}
u1=$(used_mb); assert_eq "$u1" "$((u0 + 9))" "a new image counts"
ipfs_rpc fe files/cp "arg=/ipfs/$nine&arg=${src90#mfs:}/2" >/dev/null  # as a save-back adds a version
u2=$(used_mb); assert_eq "$u2" "$((u1 + 9))" "a new version of a known entry counts"
doc rm.xml 90 IMAGE/SOURCE "$src90"; run_ds rm "$T_ROOT/doc.xml" 90; assert_success
u3=$(used_mb); assert_eq "$u3" "$u0" "a removed image no longer counts"

t_case "image snapshots: delete, revert, flatten on the entry's saved snapshots"
other=$(ipfs_add fe "$fx/vm.xml")
ipfs_rpc fe files/cp "arg=/ipfs/$other&arg=$dir5/snap-0" >/dev/null
ipfs_rpc fe files/cp "arg=/ipfs/$cid&arg=$dir5/snap-1" >/dev/null
doc rm.xml 5 IMAGE/SOURCE "$src5" IMAGE/TARGET_SNAPSHOT 0; run_ds snap_revert "$T_ROOT/doc.xml" 5; assert_success
assert_eq "$(mfs_hash "$dir5/2")" "$(mfs_hash "$dir5/snap-0")" "revert: the snapshot is the new current version"
assert_eq "$(mfs_hash "$dir5/1")" "$(mfs_hash "/ipfs/$cid" 2>/dev/null || echo "$cid")" "history kept"
doc rm.xml 5 IMAGE/SOURCE "$src5" IMAGE/TARGET_SNAPSHOT 1; run_ds snap_delete "$T_ROOT/doc.xml" 5; assert_success
assert_eq "$(mfs_ls "$dir5")" "1 2 snap-0"
doc rm.xml 5 IMAGE/SOURCE "$src5" IMAGE/TARGET_SNAPSHOT 7; run_ds snap_revert "$T_ROOT/doc.xml" 5; assert_fail_one_line; assert_contains "$ERR" "no snapshot 7"
doc rm.xml 5 IMAGE/SOURCE "$src5" IMAGE/TARGET_SNAPSHOT 0; run_ds snap_flatten "$T_ROOT/doc.xml" 5; assert_success
assert_eq "$(mfs_ls "$dir5")" "1 2 3"

t_case "rm drops exactly one image's entry; the clone still reads back"
doc rm.xml 5 IMAGE/SOURCE "$src5"; run_ds rm "$T_ROOT/doc.xml" 5; assert_success; assert_eq "$OUT" ""
exists "$dir5" && { echo "FAIL rm left $dir5" >&2; exit 1; }; T_CHECKS=$((T_CHECKS + 1))
ipfs_gc fe
ipfs_cat fe "$(mfs_hash "${src7#mfs:}/1")" > "$T_ROOT/back"; assert_file_eq "$T_ROOT/back" "$T_ROOT/img" "clone survives rm + gc"
run_ds rm "$T_ROOT/doc.xml" 5; assert_success "already gone is not an error"
doc rm.xml 30 IMAGE/SOURCE "/ipfs/$cid"; run_ds rm "$T_ROOT/doc.xml" 30; assert_success; assert_contains "$ERR" "nothing removed"
doc rm.xml 31 IMAGE/SOURCE ""; run_ds rm "$T_ROOT/doc.xml" 31; assert_success "no SOURCE"
ipfsd_stop fe
doc rm.xml 7 IMAGE/SOURCE "$src7"; run_ds rm "$T_ROOT/doc.xml" 7; assert_fail_one_line; assert_contains "$ERR" "not reachable"

t_done
