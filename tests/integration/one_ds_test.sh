#!/usr/bin/env bash
# Our datastore actions behind OpenNebula's real datastore front end
# (one_datastore, one_datastore.rb of each release: -t 15 -d ipfs), driven
# as oned drives it (INIT, the requests, FINALIZE): cp, stat, clone, mkfs,
# monitor, rm, snap_delete and a failure, checking the reply line oned would
# receive in each release's form (docs: opennebula-driver-protocol.md §3.2,
# §5, §8):
#   - the document in argv up to 6.6, on stdin from 6.8 (the front end's choice);
#   - CP "SOURCE FORMAT", MKFS "SOURCE", STAT "<MB>", MONITOR base64 of the
#     USED_MB/FREE_MB/TOTAL_MB lines, RM and SNAP_DELETE "-";
#   - CLONE "SOURCE FORMAT" from 6.6 (the format overrides the copied one),
#     "SOURCE" before (6.0-6.4 store the whole line as SOURCE);
#   - a failure's INFO: up to 6.0 only the text between the ERROR MESSAGE
#     markers (our drivers read the release from remotes/VERSION), 6.2-6.10
#     all of stderr on one line, from 7.0 the lines that are not
#     INFO:/WARN:/DEBUG: (those become LOG messages).
# Releases: every one found (one_scripts.sh); one CTest test per release.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/one_tree.sh"
releases=$(one_scripts_matrix one_ds)
one_scripts_require "${releases%%$'\n'*}"
for ver in $releases; do one_scripts_require "$ver"; done

ipfsd_start fe
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"
head -c $((3 * 1048576)) /dev/urandom >"$T_ROOT/img"
cid=$(ipfs_add fe "$T_ROOT/img")
mfs_ls() { ipfs_rpc fe files/ls "arg=$1" | python3 -c 'import json,sys; print(" ".join(sorted(e["Name"] for e in (json.load(sys.stdin).get("Entries") or []))))'; }
exists() { curl -s -X POST "$IPFSD_API_fe/api/v0/files/stat?arg=$1" | grep -q '"Hash"'; }
# The failing request: a PATH outside SAFE_DIRS, in a datastore whose
# template sets an operator-only key. Its stderr, run directly (plain form):
# a WARN line (that key is ignored), then the one error line.
fail_path=/etc/passwd
doc_from stat "$fail_path" DATASTORE/TEMPLATE/IPFS_MFS_LOCK /tmp/x
ONE_VERSION=7.0 run_ds stat "$T_ROOT/stat.xml" 950
assert_rc 1 "the failing stat fails when run directly"
err_line=$(grep -v -E '^(INFO|WARN|DEBUG):' <<<"$ERR")
warn_lines=$(grep -E '^(INFO|WARN|DEBUG):' <<<"$ERR" || true)
assert_eq "$(grep -c . <<<"$err_line")" "1" "one error line"
assert_ne "$warn_lines" "" "a WARN line before it (the template's IPFS_MFS_LOCK)"

id=0
for ver in $releases; do
  one_tree "$ver"
  id=$((id + 100))
  t_case "$ver: cp, stat, mkfs, monitor and a failing stat at once through one_datastore"
  python3 "$ONEIPFS_SOURCE_DIR/tests/lib/ds_requests.py" "$fx" "$ver" >"$T_ROOT/requests" <<REQ
CP $((id + 5)) cp IMAGE/ID=$((id + 5)) IMAGE/PATH=/ipfs/$cid
STAT $((id + 90)) stat IMAGE/PATH=/ipfs/$cid
MKFS $((id + 20)) mkfs IMAGE/ID=$((id + 20)) IMAGE/SIZE=8
MONITOR 100 monitor
STAT $((id + 91)) stat IMAGE/PATH=$fail_path DATASTORE/TEMPLATE/SAFE_DIRS=$T_ROOT DATASTORE/TEMPLATE/IPFS_MFS_LOCK=/tmp/x
REQ
  one_datastore "$T_ROOT/requests"
  one_ds_reply CP $((id + 5)); assert_eq "$DS_RESULT" SUCCESS "cp: $DS_INFO"
  [[ $DS_INFO =~ ^mfs:/[^\ ]+\ raw$ ]] && _t_ok || _t_fail "cp: 'SOURCE FORMAT', got '$DS_INFO'"
  src=${DS_INFO%% *}
  exists "${src#mfs:}" && _t_ok || _t_fail "cp: $src is in the catalog"
  one_ds_reply STAT $((id + 90)); assert_eq "$DS_RESULT $DS_INFO" "SUCCESS 3" "stat: the size in MB"
  one_ds_reply MKFS $((id + 20)); assert_eq "$DS_RESULT" SUCCESS "mkfs: $DS_INFO"
  [[ $DS_INFO =~ ^mfs:/[^\ ]+$ ]] && _t_ok || _t_fail "mkfs: SOURCE only, got '$DS_INFO'"
  one_ds_reply MONITOR 100; assert_eq "$DS_RESULT" SUCCESS "monitor"
  mon=$(base64 -d <<<"$DS_INFO" 2>/dev/null || true)
  assert_eq "$(sed 's/=.*//' <<<"$mon" | tr '\n' ' ')" "USED_MB FREE_MB TOTAL_MB " "monitor: base64 of the three lines"
  [[ $(sed -n 's/^USED_MB=//p' <<<"$mon") =~ ^[0-9]+$ ]] && _t_ok || _t_fail "monitor: USED_MB in MB: $mon"

  t_case "$ver: a failure's message as oned receives it"
  one_ds_reply STAT $((id + 91)); assert_eq "$DS_RESULT" FAILURE "the failing stat"
  assert_ne "$DS_INFO" "-" "the failure carries its message"
  if ! one_release_at_least "$ver" 6.2; then
    assert_eq "$DS_INFO" "$err_line" "<= 6.0: the text between the ERROR MESSAGE markers"
  elif ! one_release_at_least "$ver" 7.0; then
    assert_eq "$DS_INFO" "$(printf '%s\n' "$ERR" | tr '\n' ' ' | sed 's/ *$//')" "6.2-6.10: all of stderr on one line"
  else
    assert_eq "$DS_INFO" "$err_line" "7.0+: the lines that are not log lines"
    grep -qxF "LOG W -1 ${warn_lines#WARN: }" "$T_ROOT/one_ds.out" && _t_ok ||
      _t_fail "7.0+: the WARN line became a LOG W message"
  fi
  assert_not_contains "$DS_INFO" "ERROR MESSAGE" "no marker text"
  # the front end logs the command it ran: the document in argv up to 6.6
  failed_cmd=$(grep "^LOG I $((id + 91)) Command execution failed" <<<"$DS_LOG")
  if one_release_at_least "$ver" 6.8; then
    assert_eq "${failed_cmd#*/datastore/ipfs/}" "stat $((id + 91))" ">= 6.8: the document on stdin, the id in argv"
  else
    [[ ${failed_cmd#*/datastore/ipfs/} =~ ^stat\ [A-Za-z0-9+/=]{200,}\ $((id + 91))$ ]] && _t_ok ||
      _t_fail "<= 6.6: the document in argv: ${failed_cmd:0:200}"
  fi

  t_case "$ver: clone, snap_delete and rm of what cp made"
  dir=${src#mfs:}
  ipfs_rpc fe files/cp "arg=/ipfs/$cid&arg=$dir/snap-0" >/dev/null  # a saved snapshot
  python3 "$ONEIPFS_SOURCE_DIR/tests/lib/ds_requests.py" "$fx" "$ver" >"$T_ROOT/requests" <<REQ
CLONE $((id + 7)) clone IMAGE/ID=$((id + 7)) IMAGE/PATH=$src IMAGE/CLONING_ID=$((id + 5))
SNAP_DELETE $((id + 5)) rm IMAGE/ID=$((id + 5)) IMAGE/SOURCE=$src IMAGE/TARGET_SNAPSHOT=0
REQ
  one_datastore "$T_ROOT/requests"
  one_ds_reply CLONE $((id + 7)); assert_eq "$DS_RESULT" SUCCESS "clone: $DS_INFO"
  if one_release_at_least "$ver" 6.6; then
    [[ $DS_INFO =~ ^mfs:/[^\ ]+\ raw$ ]] && _t_ok || _t_fail ">= 6.6: clone prints 'SOURCE FORMAT', got '$DS_INFO'"
  else
    [[ $DS_INFO =~ ^mfs:/[^\ ]+$ ]] && _t_ok || _t_fail "< 6.6: clone prints SOURCE only, got '$DS_INFO'"
  fi
  clone=${DS_INFO%% *}
  assert_ne "$clone" "$src" "the clone is a new catalog entry"
  one_ds_reply SNAP_DELETE $((id + 5)); assert_eq "$DS_RESULT $DS_INFO" "SUCCESS -" "snap_delete"
  assert_eq "$(mfs_ls "$dir")" "1" "the snapshot is gone, the image kept"
  python3 "$ONEIPFS_SOURCE_DIR/tests/lib/ds_requests.py" "$fx" "$ver" >"$T_ROOT/requests" <<REQ
RM $((id + 7)) rm IMAGE/ID=$((id + 7)) IMAGE/SOURCE=$clone
REQ
  one_datastore "$T_ROOT/requests"
  one_ds_reply RM $((id + 7)); assert_eq "$DS_RESULT $DS_INFO" "SUCCESS -" "rm"
  exists "${clone#mfs:}" && _t_fail "rm left ${clone#mfs:}" || _t_ok
  exists "$dir" && _t_ok || _t_fail "rm of the clone left the original"
done

t_done
