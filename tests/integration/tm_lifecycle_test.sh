#!/usr/bin/env bash
# Whole VM lifecycles through the transfer driver, with the transfer lines of
# tests/fixtures/*.xfr run as one_tm runs them (our lines only), on two real
# sshd hosts (each its own IPFS daemon and its own /var/lib/one/datastores).
# it_one_tm_ssh / it_one_tm_shared run whole transfer files through
# OpenNebula's real one_tm with its ssh and shared system TMs.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
host_start node1
host_start node2
host_start frontend --no-ipfs   # the front end as a host: stop/undeploy target
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"
DS=/var/lib/one//datastores
on() { local h="HOST_DS_$1"; echo "${!h}/${2#/var/lib/one//datastores/}"; }  # host path -> test-visible path

# A transfer file line as one_tm runs it: ACTION[.suffix] TM ARGS... ->
# tm/ipfs/<action>, falling back from clone.ssh to clone.
xfr() {
  local action=${1,,} tm=$2; shift 2
  [[ $tm == ipfs ]] || { echo "xfr: not an ipfs line" >&2; exit 1; }
  [[ -x $ONE_REMOTES/tm/ipfs/$action ]] || action=${action%%.*}
  run_tm "$action" "$@"
}

# Images: 6 MiB of random data with a 4 MiB run of zeros (sparse on hosts),
# and a persistent datablock.
{ head -c 3M /dev/urandom; head -c 4M /dev/zero; head -c 3M /dev/urandom; } > "$T_ROOT/os.img"
head -c 2M /dev/urandom > "$T_ROOT/data.img"
register_file 5 "$T_ROOT/os.img"; OS=$SRC
register_file 6 "$T_ROOT/data.img"; DATA=$SRC
os_cid=$(ipfs_add fe "$T_ROOT/os.img")

t_case "prolog: CLONE.ssh and LN.ssh lines (the fixture file, SOURCEs swapped for real ones)"
while read -r line; do
  [[ -z $line || $line == \#* ]] && continue
  set -- $line
  [[ $2 == ipfs ]] || continue
  case $1 in CLONE*) xfr "$1" ipfs "$OS" "${@:4}";; LN*) xfr "$1" ipfs "$DATA" "${@:4}";; esac
  assert_success "$line"
done < "$fx/prolog.xfr"
assert_file_eq "$(on node1 $DS/0/42/disk.0)" "$T_ROOT/os.img" "clone on node1"
assert_file_eq "$(on node1 $DS/0/42/disk.1)" "$T_ROOT/data.img" "ln on node1"
alloc=$(du -k "$(on node1 $DS/0/42/disk.0)" | cut -f1)
((alloc < 9 * 1024)) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: disk.0 is not sparse ($alloc KiB)" >&2; exit 1; }
ls -A "$(on node1 $DS/0/42)" | grep -q one-ipfs && { echo "FAIL: temporary files left" >&2; exit 1; }
assert_contains "$(ipfs_rpc host-node1 swarm/peers)" "$IPFSD_ID_fe" "node1's daemon peered with the front end"

t_case "every SOURCE form deploys"
for s in "frontend:/ipfs/$os_cid" "/ipfs/$os_cid" "ipfs://$os_cid" "frontend:$OS"; do
  run_tm clone "$s" "node2:$DS/0/50/disk.0" 50 100; assert_success "clone $s"
  assert_file_eq "$(on node2 $DS/0/50/disk.0)" "$T_ROOT/os.img" "$s"
done

t_case "resize and snapshots of the powered-off VM"
run_tm resize "node1:$DS/0/42/disk.0" 16 42 100; assert_success
assert_eq "$(stat -c %s "$(on node1 $DS/0/42/disk.0)")" "$((16 * 1048576))"
run_tm resize "node1:$DS/0/42/disk.0" 8 42 100; assert_fail_one_line "no shrinking"; assert_contains "$ERR" "shrink"
qemu-img create -q -f qcow2 "$T_ROOT/q.qcow2" 32M
register_file 7 "$T_ROOT/q.qcow2"; Q=$SRC
run_tm clone "$Q" "node1:$DS/0/42/disk.5" 42 100; assert_success
run_tm resize "node1:$DS/0/42/disk.5" 64 42 100; assert_success "qcow2 resize"
assert_contains "$(qemu-img info "$(on node1 $DS/0/42/disk.5)")" "virtual size: 64 MiB"
printf 'before snapshot' | dd of="$(on node1 $DS/0/42/disk.1)" bs=1 seek=100 conv=notrunc status=none
xfr SNAP_CREATE.ssh ipfs "node1:$DS/0/42/disk.1" 0 42 100; assert_success
printf 'after  snapshot' | dd of="$(on node1 $DS/0/42/disk.1)" bs=1 seek=100 conv=notrunc status=none
cp "$(on node1 $DS/0/42/disk.1)" "$T_ROOT/data.v2"
run_tm snap_revert "node1:$DS/0/42/disk.1" 0 42 100; assert_success
assert_eq "$(dd if="$(on node1 $DS/0/42/disk.1)" bs=1 skip=100 count=15 status=none)" "before snapshot"
cp "$T_ROOT/data.v2" "$(on node1 $DS/0/42/disk.1)"
run_tm snap_create "node1:$DS/0/42/disk.1" 1 42 100; assert_success
run_tm snap_delete "node1:$DS/0/42/disk.1" 1 42 100; assert_success
assert_missing "$(on node1 $DS/0/42/disk.1.snap/1)"
run_tm snap_revert "node1:$DS/0/42/disk.1" 9 42 100; assert_fail_one_line; assert_contains "$ERR" "does not exist"

t_case "epilog: MVDS saves the persistent disk before the directory goes"
while read -r line; do
  [[ -z $line || $line == \#* ]] && continue
  set -- $line
  case $1 in
    MVDS*) xfr "$1" ipfs "$3" "$DATA" "${@:5}"; assert_success "$line";;
    DELETE*) [[ $2 == ipfs ]] && { xfr "$1" ipfs "${@:3}"; assert_success "$line"; };;
  esac
done < "$fx/epilog.xfr"
run_tm delete "node1:$DS/0/42" 42 0; assert_success "VM directory"
assert_missing "$(on node1 $DS/0/42)"
vers=$(ipfs_rpc fe files/ls "arg=${DATA#mfs:}" | python3 -c 'import json,sys; print(" ".join(sorted(e["Name"] for e in json.load(sys.stdin)["Entries"])))')
assert_eq "$vers" "1 2 snap-0" "a new version, the old one kept, the snapshot saved"

t_case "the persistent image redeploys on the other host with its data"
xfr LN.ssh ipfs "$DATA" "node2:$DS/0/43/disk.0" 43 100; assert_success
assert_file_eq "$(on node2 $DS/0/43/disk.0)" "$T_ROOT/data.v2" "written data intact on node2"
assert_eq "$(dd if="$(on node2 $DS/0/43/disk.0.snap/0)" bs=1 skip=100 count=15 status=none)" "before snapshot" "snapshot restored"

t_case "disk-saveas (mkfs save_as + CPDS) then deploy of the new image"
cp "$fx/mkfs.xml" "$T_ROOT/mkfs.xml"; xml_set "$T_ROOT/mkfs.xml" IMAGE/ID 9; xml_set "$T_ROOT/mkfs.xml" IMAGE/FORMAT save_as
run_ds mkfs "$T_ROOT/mkfs.xml" 9; assert_success; NEW=$OUT
run_tm clone "$NEW" "node1:$DS/0/60/disk.0" 60 100; assert_fail_one_line "an unfilled save-as cannot deploy"; assert_contains "$ERR" "no content yet"
set -- $(grep -v '^#' "$fx/saveas.xfr")
xfr "$1" ipfs "node2:$DS/0/43/disk.0" "$NEW" -1 43 100; assert_success "CPDS -1"
run_tm clone "$NEW" "node1:$DS/0/60/disk.0" 60 100; assert_success
assert_file_eq "$(on node1 $DS/0/60/disk.0)" "$T_ROOT/data.v2"
cp "$fx/mkfs.xml" "$T_ROOT/mkfs.xml"; xml_set "$T_ROOT/mkfs.xml" IMAGE/ID 10; xml_set "$T_ROOT/mkfs.xml" IMAGE/FORMAT save_as
run_ds mkfs "$T_ROOT/mkfs.xml" 10; assert_success; SNAPIMG=$OUT
run_tm cpds "node2:$DS/0/43/disk.0" "$SNAPIMG" 0 43 100; assert_success "CPDS of snapshot 0"
run_tm clone "$SNAPIMG" "node1:$DS/0/61/disk.0" 61 100; assert_success
assert_eq "$(dd if="$(on node1 $DS/0/61/disk.0)" bs=1 skip=100 count=15 status=none)" "before snapshot"
run_tm cpds "node2:$DS/0/43/disk.0" "$SNAPIMG" 7 43 100; assert_fail_one_line "missing snapshot"

t_case "MV of a disk and the live-migration hooks leave the disk to the system TM (OpenNebula's rule)"
# The real ssh/shared system TMs run after these lines in it_one_tm_ssh and
# it_one_tm_shared; here: our actions alone touch nothing.
while read -r line; do
  [[ -z $line || $line == \#* ]] && continue
  set -- $line
  [[ $2 == ipfs ]] || continue
  xfr "$1" ipfs "node2:$DS/0/43/disk.0" "node1:$DS/0/43/disk.0" 43 100; assert_success "$line"
  assert_contains "$ERR" "system datastore's TM moves"
done < "$fx/migrate.xfr"
assert_file_eq "$(on node2 $DS/0/43/disk.0)" "$T_ROOT/data.v2" "the disk stays where the system TM will take it from"
assert_exists "$(on node2 $DS/0/43/disk.0.snap/0)"
assert_missing "$(on node1 $DS/0/43/disk.0)" "nothing copied"
run_tm mv "node2:$DS/0/43" "node1:$DS/0/43" 43 0; assert_fail_one_line "a VM directory: ipfs is not a system TM"
assert_contains "$ERR" "not a system datastore driver"
assert_exists "$(on node2 $DS/0/43/disk.0)"
base64 -w0 "$fx/vm.xml" > "$T_ROOT/vm.b64"
for a in premigrate postmigrate failmigrate; do
  TM_STDIN="$T_ROOT/vm.b64" run_tm $a node2 node1 "$DS/0/43" 43 0 ssh; assert_success "$a called by migrate_other"
  TM_STDIN="$T_ROOT/vm.b64" run_tm $a node2 node1 "$DS/0/43" 43 0; assert_fail_one_line "$a without the caller's TM"
done
assert_file_eq "$(on node2 $DS/0/43/disk.0)" "$T_ROOT/data.v2" "the hooks touched nothing on the source"
assert_missing "$(on node1 $DS/0/43/disk.0)" "nor on the destination"

t_case "ssh connections are shared by default (IPFS_SSH_CONTROL_PERSIST): clones finish, one master is reused"
master_pid() { ssh -F "$T_ROOT/ssh_config" -o ControlPath="$1/%C" -O check node1 2>&1 | sed -n 's/.*Master running (pid=\([0-9]*\)).*/\1/p'; }
pids=()
for i in 1 2; do
  rc=0
  timeout 60 "$ONE_REMOTES/tm/ipfs/clone" "$OS" "node1:$DS/0/80/disk.$i" 80 100 2>"$T_ROOT/cm.err" || rc=$?
  assert_eq "$rc" "0" "clone $i over a shared connection (no hang on the persisted master)"
  assert_file_eq "$(on node1 $DS/0/80/disk.$i)" "$T_ROOT/os.img"
  pids+=("$(master_pid "$IPFS_SSH_CONTROL_DIR")")
done
assert_ne "${pids[0]}" "" "a master runs after the first clone"
assert_eq "${pids[1]}" "${pids[0]}" "the second clone reused the first one's master"
assert_eq "$(stat -c %a "$IPFS_SSH_CONTROL_DIR")" "700" "the control directory is private"
rc=0
IPFS_SSH_OPTS="-o ControlPath=none" timeout 60 "$ONE_REMOTES/tm/ipfs/clone" "$OS" "node1:$DS/0/80/disk.3" 80 100 \
  2>"$T_ROOT/cm.err" || rc=$?
assert_eq "$rc" "0" "the operator's -o ControlPath=none wins over ours"
run_tm delete "node1:$DS/0/80" 80 0; assert_success

t_case "IPFS_SSH_CONTROL_PERSIST: 0 shares nothing; a master exits that many seconds after its last command"
ctl0="$T_ROOT/ctl-off"
IPFS_SSH_CONTROL_DIR="$ctl0" IPFS_SSH_CONTROL_PERSIST=0 run_tm clone "$OS" "node1:$DS/0/81/disk.0" 81 100; assert_success
assert_missing "$ctl0" "no control directory without sharing"
ctl2="$T_ROOT/ctl-2s"
IPFS_SSH_CONTROL_DIR="$ctl2" IPFS_SSH_CONTROL_PERSIST=2 run_tm clone "$OS" "node1:$DS/0/81/disk.1" 81 100; assert_success
gone=no
for _ in $(seq 150); do [[ -z $(ls -A "$ctl2") ]] && { gone=yes; break; }; sleep 0.1; done
assert_eq "$gone" "yes" "the master and its socket are gone soon after ControlPersist=2 (waited up to 15 s)"
mkdir -p "$T_ROOT/ctl-open"; chmod 0777 "$T_ROOT/ctl-open"
IPFS_SSH_CONTROL_DIR="$T_ROOT/ctl-open" run_tm clone "$OS" "node1:$DS/0/81/disk.2" 81 100; assert_success "an unusable directory only turns sharing off"
assert_contains "$ERR" "ssh connections are not shared"
assert_eq "$(ls -A "$T_ROOT/ctl-open")" "" "no socket in a directory others can enter"
run_tm delete "node1:$DS/0/81" 81 0; assert_success

t_case "a VM on a vanished host can still be deleted"
run_tm clone "$OS" "node2:$DS/0/70/disk.0" 70 100; assert_success
host_stop node2
run_tm delete "node2:$DS/0/70/disk.0" 70 100; assert_success; assert_contains "$ERR" "not reachable"
run_tm delete "node2:$DS/0/70" 70 0; assert_success
run_tm delete "node1:$DS/0/999/disk.3" 999 100; assert_success "already removed"

t_case "not applicable actions say so"
for a in context mkswap mkimage monitor; do
  run_tm "$a" 1024 "node1:$DS/0/42/disk.2" 42 0; assert_fail_one_line "$a"; assert_contains "$ERR" "does not implement"
done

t_done
