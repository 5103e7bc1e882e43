# oned_vm_day.sh: a VM's day under a real oned with the dummy VMM, through
# OpenNebula's CLI, on a system datastore whose TM is $SYS_TM (ssh or
# shared). Sourced by oned_vm_ssh_test.sh and oned_vm_shared_test.sh after
# harness.sh and oned.sh. Every step is checked by its effect: the VM's
# state, the bytes of each disk on the host that runs it, the catalog's
# versions of the persistent image (through the daemon's API).
#
# Under the dummy VMM oned runs every transfer action for real (prolog,
# epilog, mv for undeploy/stop/resume and cold migration, snapshots, resize,
# saveas); only the hypervisor calls do nothing. Live migration needs the
# VMM driver to call the TM (oned_migrate_test.sh, KVM driver).
oned_require

ipfsd_start fe
mkdir -p "$T_ROOT/hostbin"
cp "$ONEIPFS_SOURCE_DIR/tests/lib/virsh_standin.sh" "$T_ROOT/hostbin/virsh"
echo blockcopy >"$T_ROOT/hostbin/mode"
export HOST_BIN="$T_ROOT/hostbin"
if [[ $SYS_TM == shared ]]; then
  # one directory that the front end and both hosts see as /var/lib/one/datastores
  mkdir -p "$T_ROOT/shared-ds"
  export HOST_DATASTORES="$T_ROOT/shared-ds" ONED_FE_DATASTORES="$T_ROOT/shared-ds"
fi
oned_start
host_start node1
host_start node2
one_host_add node1
one_host_add node2
oned_sync_hosts node1 node2
CATALOG=$(sed -n 's/^IPFS_CATALOG = "\(.*\)"$/\1/p' "$ONE_LOCATION/var/remotes/etc/datastore/ipfs/ipfs.conf")

sed "s|^SAFE_DIRS .*|SAFE_DIRS       = \"$T_ROOT\"|" "$ONEIPFS_SOURCE_DIR/install/templates/image-ds-ipfs.tmpl" >"$T_ROOT/ds.tmpl"
one_ok onedatastore create "$T_ROOT/ds.tmpl"; DS=${OUT##*: }
one_ds_monitored "$DS"
one_ok onedatastore create "$ONEIPFS_SOURCE_DIR/install/templates/system-ds-$SYS_TM.tmpl"; SYS=${OUT##*: }

head -c 3145728 /dev/urandom >"$T_ROOT/os.img"
head -c 2097152 /dev/urandom >"$T_ROOT/data.img"
one_ok oneimage create -d "$DS" --name os --path "ipfs://$(ipfs_add fe "$T_ROOT/os.img")"; OS=${OUT##*: }
one_ok oneimage create -d "$DS" --name data --path "$T_ROOT/data.img" --persistent; DATA=${OUT##*: }
one_wait image "$OS" READY 60
one_wait image "$DATA" READY 60
DATA_ENTRY=$(one_xpath image "$DATA" SOURCE); DATA_ENTRY=${DATA_ENTRY#mfs:}

# disk FILE of VM on HOST: the path on the test machine of what HOST sees
disk_on() { # HOST VM DISK_ID
  local v="HOST_DS_$(_var "$1")"
  echo "${!v}/$SYS/$2/disk.$3"
}
host_of() { one_xpath vm "$1" 'HISTORY_RECORDS/HISTORY[last()]/HOSTNAME'; }
catalog_versions() { ipfs_rpc fe files/ls "arg=$1" | python3 -c '
import json, sys
print(" ".join(sorted((e["Name"] for e in (json.load(sys.stdin).get("Entries") or []) if e["Name"].isdigit()), key=int)))'; }
catalog_read() { ipfs_rpc fe files/read "arg=$1/$(catalog_versions "$1" | awk '{print $NF}')"; }
guest_writes() { # HOST VM DISK_ID TEXT: the guest writes TEXT at offset 0
  printf '%s' "$4" | dd of="$(disk_on "$1" "$2" "$3")" bs=1 conv=notrunc status=none
}
# check_disks HOST VM WHAT: disk.0 is the OS image's bytes (its first 3 MiB:
# a resize may have grown it), disk.1 is $T_ROOT/data.expected
check_disks() {
  cmp -s -n 3145728 "$(disk_on "$1" "$2" 0)" "$T_ROOT/os.img" && _t_ok || _t_fail "$3: disk.0 on $1 is not the image"
  assert_file_eq "$(disk_on "$1" "$2" 1)" "$T_ROOT/data.expected" "$3: disk.1 on $1"
}
cp "$T_ROOT/data.img" "$T_ROOT/data.expected"

t_case "$SYS_TM: deploy a clone and a persistent image beside a volatile disk and a context"
cat >"$T_ROOT/vm.tmpl" <<TMPL
NAME = "day"
CPU = "0.1"
MEMORY = "64"
DISK = [ IMAGE_ID = "$OS" ]
DISK = [ IMAGE_ID = "$DATA" ]
DISK = [ TYPE = "fs", SIZE = "16", FORMAT = "raw" ]
CONTEXT = [ NETWORK = "NO", SET_HOSTNAME = "day" ]
TMPL
one_ok onevm create --hold "$T_ROOT/vm.tmpl"; VM=${OUT##*: }
t0=$SECONDS
one_ok onevm deploy "$VM" node1 "$SYS"
one_wait vm "$VM" RUNNING 120
echo "  deploy to RUNNING: $((SECONDS - t0)) s"
check_disks node1 "$VM" deploy
assert_eq "$(stat -c %s "$(disk_on node1 "$VM" 2)")" "16777216" "the volatile disk (ssh/mkimage) beside ours"
# (the context ISO is made by the VMM driver's deploy, tm_context: the dummy
# VMM makes none; oned_migrate_test.sh checks it under the KVM driver)
assert_eq "$(one_xpath vm "$VM" TEMPLATE/CONTEXT/DISK_ID)" "3" "the context disk beside ours"
assert_eq "$(one_xpath image "$DATA" STATE)" "8" "the persistent image is USED_PERS"

t_case "$SYS_TM: poweroff and resume"
guest_writes node1 "$VM" 1 "guest wrote this before poweroff"
dd if="$(disk_on node1 "$VM" 1)" of="$T_ROOT/data.expected" status=none
one_ok onevm poweroff "$VM"; one_wait vm "$VM" POWEROFF 60
one_ok onevm resume "$VM"; one_wait vm "$VM" RUNNING 60
check_disks node1 "$VM" "after poweroff/resume"

t_case "$SYS_TM: undeploy and resume (the VM directory goes to the front end and back)"
guest_writes node1 "$VM" 1 "guest wrote this before undeploy"
cp "$(disk_on node1 "$VM" 1)" "$T_ROOT/data.expected"
one_ok onevm undeploy "$VM"; one_wait vm "$VM" UNDEPLOYED 120
if [[ $SYS_TM == ssh ]]; then
  assert_missing "$(disk_on node1 "$VM" 1)" "the host's copy is gone"
  assert_file_eq "$HOST_DS_frontend/$SYS/$VM/disk.1" "$T_ROOT/data.expected" "the front end holds the disk"
fi
# resume: PENDING, and the scheduler places it (on either host)
one_ok onevm resume "$VM"; one_wait vm "$VM" RUNNING 180
H=$(host_of "$VM")
check_disks "$H" "$VM" "after undeploy/resume (on $H)"

t_case "$SYS_TM: stop and resume"
guest_writes "$H" "$VM" 1 "guest wrote this before stop"
cp "$(disk_on "$H" "$VM" 1)" "$T_ROOT/data.expected"
one_ok onevm stop "$VM"; one_wait vm "$VM" STOPPED 120
[[ $SYS_TM == ssh ]] && assert_file_eq "$HOST_DS_frontend/$SYS/$VM/disk.1" "$T_ROOT/data.expected" "the front end holds the disk"
# deploy of a STOPPED VM: the operator picks the host
one_ok onevm deploy "$VM" node1 "$SYS"; one_wait vm "$VM" RUNNING 120
check_disks node1 "$VM" "after stop and deploy on node1"

t_case "$SYS_TM: cold migration to node2"
one_ok onevm migrate "$VM" node2; one_wait vm "$VM" RUNNING 120
assert_eq "$(host_of "$VM")" "node2" "the VM runs on node2"
check_disks node2 "$VM" "after cold migration"
[[ $SYS_TM == ssh ]] && assert_missing "$(disk_on node1 "$VM" 1)" "node1 keeps no copy"

t_case "$SYS_TM: disk snapshots on a poweroff VM: create, revert, delete"
one_ok onevm poweroff "$VM"; one_wait vm "$VM" POWEROFF 60
one_ok onevm disk-snapshot-create "$VM" 1 before; one_wait vm "$VM" POWEROFF 60
guest_writes node2 "$VM" 1 "written after the snapshot, lost by the revert"
one_ok onevm disk-snapshot-revert "$VM" 1 0; one_wait vm "$VM" POWEROFF 60
check_disks node2 "$VM" "after the revert"
one_ok onevm disk-snapshot-delete "$VM" 1 0; one_wait vm "$VM" POWEROFF 60
assert_eq "$(one_xpath vm "$VM" 'SNAPSHOTS/SNAPSHOT/ID')" "" "no snapshot left"
check_disks node2 "$VM" "after the snapshot's delete"

t_case "$SYS_TM: disk resize"
one_ok onevm disk-resize "$VM" 0 8M; one_wait vm "$VM" POWEROFF 60
assert_eq "$(stat -c %s "$(disk_on node2 "$VM" 0)")" "8388608" "disk.0 grown to 8 MiB"
check_disks node2 "$VM" "after the resize"

t_case "$SYS_TM: disk-saveas of a poweroff VM"
echo "  image datastore: $(one_xpath datastore "$DS" FREE_MB TOTAL_MB USED_MB | paste -sd' ')"
one_ok onevm disk-saveas "$VM" 1 saved-off; SAVED_OFF=${OUT##*: }
one_wait image "$SAVED_OFF" READY 120
src=$(one_xpath image "$SAVED_OFF" SOURCE)
catalog_read "${src#mfs:}" >"$T_ROOT/saved"
assert_file_eq "$T_ROOT/saved" "$T_ROOT/data.expected" "the saved image"

t_case "$SYS_TM: disk-saveas of a running VM (a consistent copy through virsh blockcopy)"
one_ok onevm resume "$VM"; one_wait vm "$VM" RUNNING 60
read -r target dom < <(one_xpath vm "$VM" "TEMPLATE/DISK[DISK_ID='1']/TARGET" DEPLOY_ID | paste -sd' ')
echo "$ONE_DATASTORES/$SYS/$VM/disk.1" >"$T_ROOT/hostbin/disk-$dom-$target"  # the domain is the DEPLOY_ID
one_ok onevm disk-saveas "$VM" 1 saved-run; SAVED_RUN=${OUT##*: }
one_wait image "$SAVED_RUN" READY 120
one_wait vm "$VM" RUNNING 60
src=$(one_xpath image "$SAVED_RUN" SOURCE)
catalog_read "${src#mfs:}" >"$T_ROOT/saved"
assert_file_eq "$T_ROOT/saved" "$T_ROOT/data.expected" "the copy taken while the guest stood still"
assert_contains "$(cat "$T_ROOT/hostbin/virsh.log")" "blockcopy $dom $target" "virsh blockcopy on the host"
cp "$(disk_on node2 "$VM" 1)" "$T_ROOT/data.expected"  # the stand-in's guest went on writing

t_case "$SYS_TM: terminate saves the persistent disk back"
guest_writes node2 "$VM" 1 "the last thing the guest wrote"
cp "$(disk_on node2 "$VM" 1)" "$T_ROOT/data.expected"
assert_eq "$(catalog_versions "$DATA_ENTRY")" "1" "one version before terminate"
one_ok onevm terminate "$VM"; one_wait vm "$VM" DONE 120
one_wait image "$DATA" READY 60
assert_eq "$(catalog_versions "$DATA_ENTRY")" "1 2" "terminate added version 2"
catalog_read "$DATA_ENTRY" >"$T_ROOT/saved"
assert_file_eq "$T_ROOT/saved" "$T_ROOT/data.expected" "the catalog's current version is the guest's disk"
ipfs_rpc fe files/read "arg=$DATA_ENTRY/1" >"$T_ROOT/v1"
assert_file_eq "$T_ROOT/v1" "$T_ROOT/data.img" "version 1 kept as history"
[[ $SYS_TM == ssh ]] && assert_missing "$(dirname "$(disk_on node2 "$VM" 1)")" "the VM directory is gone from node2"

t_case "$SYS_TM: redeploy elsewhere with the saved data"
sed -i 's/^NAME = .*/NAME = "again"/' "$T_ROOT/vm.tmpl"
one_ok onevm create --hold "$T_ROOT/vm.tmpl"; VM2=${OUT##*: }
one_ok onevm deploy "$VM2" node1 "$SYS"; one_wait vm "$VM2" RUNNING 120
check_disks node1 "$VM2" "redeployed on node1"
one_ok onevm terminate "$VM2"; one_wait vm "$VM2" DONE 120
one_wait image "$DATA" READY 60
assert_eq "$(catalog_versions "$DATA_ENTRY")" "1 2 3" "the second VM's epilog saved version 3"

t_case "$SYS_TM: the saved images deploy"
one_ok onevm create --hold --name saved --cpu 0.1 --memory 64 --disk "$SAVED_OFF"; VM3=${OUT##*: }
one_ok onevm deploy "$VM3" node2 "$SYS"; one_wait vm "$VM3" RUNNING 120
catalog_read "$(one_xpath image "$SAVED_OFF" SOURCE | sed 's/^mfs://')" >"$T_ROOT/saved"
assert_file_eq "$(disk_on node2 "$VM3" 0)" "$T_ROOT/saved" "the saved image's bytes on node2"
one_ok onevm terminate "$VM3"; one_wait vm "$VM3" DONE 120

t_done
