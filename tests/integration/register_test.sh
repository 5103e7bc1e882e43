#!/usr/bin/env bash
# one-ipfs-register on copies of the real oned.conf files in
# tests/fixtures/oned.conf: --check fails before and passes after; --dry-run
# prints the diff GNU diff would and writes nothing; a run registers, keeps a
# backup identical to the original and the file's mode and owner; a second
# run changes nothing and makes no backup; --unregister gives back the
# original bytes. Refused files (unparseable, unreadable, unwritable) get one
# stderr line and stay as they were. ONE_LOCATION picks the default path.
# No IPFS daemon or sshd: the tool only edits a file.
source "$(dirname "$0")/../lib/harness.sh"
REGISTER="${ONEIPFS_BUILD_DIR:?}/tools/one-ipfs-register"
FIXTURES="$ONEIPFS_SOURCE_DIR/tests/fixtures/oned.conf"
T_ROOT=$(realpath "$T_ROOT")  # the tool prints resolved paths
chmod 755 "$T_ROOT"  # the unprivileged run below must reach its files

reg() { run_raw "" "$REGISTER" "$@"; }
backups() { ls -1 "$(dirname "$1")" | grep -c "^$(basename "$1")\.one-ipfs\.bak\." || true; }
leftovers() { ls -1 "$(dirname "$1")" | grep -c "one-ipfs-register\." || true; }
owner() { stat -c %u:%g "$1"; }
if [[ $(id -u) == 0 ]]; then OWNER=65534:65534; else OWNER=$(id -u):$(id -g); fi

fixtures=("$FIXTURES"/*.conf)
((${#fixtures[@]} >= 5)) || { echo "FAIL: fewer than 5 fixtures in $FIXTURES" >&2; exit 1; }

for fixture in "${fixtures[@]}"; do
  name=$(basename "$fixture" .conf)
  dir="$T_ROOT/$name"
  mkdir -p "$dir"
  conf="$dir/oned.conf"
  cp "$fixture" "$conf"
  chmod 640 "$conf"
  chown "$OWNER" "$conf"

  t_case "$name: --check reports the registration missing"
  reg --oned-conf "$conf" --check
  assert_rc 1
  assert_contains "$OUT" "ipfs in the DATASTORE_MAD -d list:  no"
  assert_contains "$OUT" "TM_MAD_CONF with NAME = \"ipfs\":     no"
  assert_contains "$OUT" "$conf does not fully register ipfs"

  t_case "$name: --dry-run prints the diff and writes nothing"
  reg --oned-conf "$conf" --dry-run
  assert_success
  dry="$OUT"
  assert_contains "$dry" "--- $conf"$'\n'"+++ $conf (registered)"$'\n'"@@ -"
  assert_eq "$(grep -cE '^\+.*,ipfs([ "]|$)' <<<"$dry")" 3 "the two -d lists and the MARKET_MAD -m list in the diff"
  marker='# one-ipfs: IPFS datastore and transfer drivers (added by one-ipfs-register)'
  assert_contains "$dry" $'\n'"+$marker"$'\n''+DS_MAD_CONF = ['
  assert_contains "$dry" $'\n''+    NAME = "ipfs",'
  assert_contains "$dry" $'\n''+MARKET_MAD_CONF = ['
  removed=3
  [[ -n $(tail -c 1 "$fixture") ]] && removed=4  # the last line gains its newline
  assert_eq "$(grep -c '^-[^-]' <<<"$dry")" "$removed" "lines the diff removes"
  assert_file_eq "$conf" "$fixture" "after --dry-run"
  assert_eq "$(backups "$conf")" 0 "backups after --dry-run"

  t_case "$name: a run registers, keeps a backup, the mode and the owner"
  reg --oned-conf "$conf"
  assert_success
  assert_contains "$OUT" "$dry"
  assert_contains "$OUT" "$conf: ipfs registered (backup $conf.one-ipfs.bak."
  assert_contains "$(tail -n 1 <<<"$OUT")" "restart oned"
  assert_contains "$(tail -n 1 <<<"$OUT")" "onehost sync --force"
  assert_eq "$(backups "$conf")" 1 "backups after the run"
  backup=$(ls -1 "$conf".one-ipfs.bak.*)
  [[ $backup =~ \.one-ipfs\.bak\.[0-9]{14}$ ]] && T_CHECKS=$((T_CHECKS + 1)) ||
    { echo "FAIL: backup name $backup" >&2; exit 1; }
  assert_file_eq "$backup" "$fixture" "the backup"
  assert_eq "$(stat -c %a "$backup")" 640 "backup mode"
  assert_eq "$(owner "$backup")" "$OWNER" "backup owner"
  assert_eq "$(stat -c %a "$conf")" 640 "oned.conf mode"
  assert_eq "$(owner "$conf")" "$OWNER" "oned.conf owner"
  assert_eq "$(leftovers "$conf")" 0 "temporary files"
  # The diff printed is the one GNU diff makes of the two files.
  gnu=$(diff -u "$fixture" "$conf" | tail -n +3 || true)
  assert_eq "$(tail -n +3 <<<"$dry")" "$gnu" "the diff against GNU diff -u"
  cp "$conf" "$dir/registered"

  t_case "$name: --check passes after"
  reg --oned-conf "$conf" --check
  assert_success
  assert_contains "$OUT" "ipfs in the TM_MAD -d list:         yes"
  assert_contains "$OUT" "DS_MAD_CONF with NAME = \"ipfs\":     yes"
  assert_contains "$OUT" "ipfs in the MARKET_MAD -m list:     yes"
  assert_contains "$OUT" "MARKET_MAD_CONF with NAME = \"ipfs\": yes"
  assert_contains "$OUT" "export in ipfs MARKETPLACE_ACTIONS: yes"
  assert_contains "$OUT" "$conf registers ipfs"

  t_case "$name: a second run changes nothing and makes no backup"
  reg --oned-conf "$conf"
  assert_success
  assert_eq "$OUT" "oned.conf already registers ipfs: nothing changed"
  assert_file_eq "$conf" "$dir/registered" "after the second run"
  assert_eq "$(backups "$conf")" 1 "backups after the second run"

  t_case "$name: --unregister gives back the original bytes"
  reg --oned-conf "$conf" --unregister --no-backup
  assert_success
  assert_contains "$OUT" "$conf: ipfs unregistered (no backup)"
  assert_file_eq "$conf" "$fixture" "after --unregister"
  assert_eq "$(backups "$conf")" 1 "backups after --unregister --no-backup"
  assert_eq "$(stat -c %a "$conf")" 640 "mode after --unregister"
  reg --oned-conf "$conf" --unregister
  assert_success
  assert_eq "$OUT" "oned.conf does not register ipfs: nothing changed"
done

t_case "an unparseable file is refused with one line and left alone"
bad="$T_ROOT/bad/oned.conf"
mkdir -p "$(dirname "$bad")"
sed '/^DATASTORE_MAD = \[/,/^\]/{/^\]/d}' "$FIXTURES/oned-6.10.conf" > "$bad"
cp "$bad" "$T_ROOT/bad.orig"
line=$(grep -n '^DATASTORE_MAD = \[' "$bad" | cut -d: -f1)
for mode in "" --dry-run --unregister; do
  reg --oned-conf "$bad" $mode
  assert_rc 1
  assert_fail_one_line "unterminated [ ($mode)"
  assert_contains "$ERR" "one-ipfs-register: refusing to edit $bad: line $line: DATASTORE_MAD = [ is not closed"
  assert_eq "$OUT" "" "stdout of a refused run"
done
reg --oned-conf "$bad" --check
assert_rc 1
assert_fail_one_line "--check of an unparseable file"
assert_contains "$ERR" "one-ipfs-register: cannot check $bad: line $line:"
printf '%s\n' 'TM_MAD = [ EXECUTABLE = "one_tm", ARGUMENTS = "-t 15 -d ssh" ]' \
  'DATASTORE_MAD = [ ARGUMENTS = "-t 15 -d fs' ']' > "$T_ROOT/quote.conf"
reg --oned-conf "$T_ROOT/quote.conf"
assert_rc 1
assert_fail_one_line "unterminated string"
assert_contains "$ERR" "one-ipfs-register: refusing to edit $T_ROOT/quote.conf: line 2: unterminated string"
assert_file_eq "$bad" "$T_ROOT/bad.orig" "the refused file"
assert_eq "$(backups "$bad")" 0 "backups of the refused file"
assert_eq "$(leftovers "$bad")" 0 "temporary files of the refused file"

t_case "an unreadable file and bad usage"
reg --oned-conf "$T_ROOT/missing/oned.conf"
assert_rc 1
assert_fail_one_line "missing file"
assert_contains "$ERR" "one-ipfs-register: cannot read $T_ROOT/missing/oned.conf: No such file or directory"
reg --oned-conf "$T_ROOT"
assert_rc 1
assert_fail_one_line "a directory"
reg --frobnicate
assert_rc 2
assert_fail_one_line "unknown option"
assert_contains "$ERR" "one-ipfs-register: unknown argument --frobnicate"

t_case "a write failure leaves the file as it was"
ro="$T_ROOT/readonly"
mkdir -p "$ro"
cp "$FIXTURES/oned-7.x.conf" "$ro/oned.conf"
chmod 644 "$ro/oned.conf"
mkdir -p "$T_ROOT/bin"
cp "$REGISTER" "$T_ROOT/bin/"  # runnable by nobody whatever the build dir's modes
if [[ $(id -u) == 0 ]]; then
  as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }  # root may write anywhere
else
  as_user() { "$@"; }
  chmod 555 "$ro"
fi
run_raw "" as_user "$T_ROOT/bin/one-ipfs-register" --oned-conf "$ro/oned.conf"
assert_rc 1
assert_fail_one_line "unwritable directory (backup)"
assert_contains "$ERR" "one-ipfs-register: cannot write the backup $ro/oned.conf.one-ipfs.bak."
run_raw "" as_user "$T_ROOT/bin/one-ipfs-register" --oned-conf "$ro/oned.conf" --no-backup
assert_rc 1
assert_fail_one_line "unwritable directory"
assert_contains "$ERR" "one-ipfs-register: cannot write $ro/oned.conf: cannot create a file in $ro: Permission denied"
assert_eq "$OUT" "" "stdout of a failed write"
chmod 755 "$ro"
assert_file_eq "$ro/oned.conf" "$FIXTURES/oned-7.x.conf" "the unwritable file"
assert_eq "$(ls -1 "$ro")" "oned.conf" "nothing left next to it"

t_case "the default path: \$ONE_LOCATION/etc/oned.conf, else /etc/one/oned.conf"
loc="$T_ROOT/one"
mkdir -p "$loc/etc"
cp "$FIXTURES/oned-5.12.conf" "$loc/etc/oned.conf"
ONE_LOCATION="$loc" run_raw "" "$REGISTER" --check
assert_rc 1
assert_contains "$OUT" "$loc/etc/oned.conf does not fully register ipfs"
ONE_LOCATION="$loc" run_raw "" "$REGISTER"
assert_success
assert_contains "$OUT" "$loc/etc/oned.conf: ipfs registered (backup $loc/etc/oned.conf.one-ipfs.bak."
assert_eq "$(backups "$loc/etc/oned.conf")" 1 "backups under ONE_LOCATION"
ONE_LOCATION="$loc" run_raw "" "$REGISTER" --check
assert_success
ONE_LOCATION="$loc" run_raw "" "$REGISTER" --unregister --no-backup
assert_success
assert_file_eq "$loc/etc/oned.conf" "$FIXTURES/oned-5.12.conf" "ONE_LOCATION file after --unregister"
# Without ONE_LOCATION the system path is used (--check only reads it).
ONE_LOCATION="" run_raw "" "$REGISTER" --check
assert_contains "$OUT$ERR" "/etc/one/oned.conf"

t_case "a symlinked oned.conf: the file it names is edited, the link stays"
mkdir -p "$T_ROOT/link"
cp "$FIXTURES/oned-6.6.conf" "$T_ROOT/link/real.conf"
ln -s real.conf "$T_ROOT/link/oned.conf"
reg --oned-conf "$T_ROOT/link/oned.conf" --no-backup
assert_success
[[ -L $T_ROOT/link/oned.conf ]] && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: the symlink was replaced" >&2; exit 1; }
reg --oned-conf "$T_ROOT/link/real.conf" --check
assert_success

t_case "--help and --version touch no file"
cp "$FIXTURES/oned-6.10.conf" "$T_ROOT/help.conf"
for flag in --help --version; do
  reg --oned-conf "$T_ROOT/help.conf" $flag
  assert_success
  assert_contains "$OUT" "one-ipfs-register"
  assert_file_eq "$T_ROOT/help.conf" "$FIXTURES/oned-6.10.conf" "after $flag"
  assert_eq "$(backups "$T_ROOT/help.conf")" 0 "backups after $flag"
done
reg --help
assert_contains "$OUT" "Usage: one-ipfs-register [--oned-conf PATH] [--dry-run] [--check] [--unregister] [--no-backup]"

t_done
