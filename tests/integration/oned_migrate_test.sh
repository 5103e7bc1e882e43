#!/usr/bin/env bash
# it_oned_migrate: live migration under a real oned with OpenNebula's own KVM
# VMM driver (one_vmm_exec with the kvm remotes, run on the test hosts over
# ssh) and a virsh stand-in on the hosts (tests/lib/virsh_kvm_standin.sh: no
# hypervisor; a live migration copies the disks to the destination as
# libvirt's --copy-storage-all does). Unlike the dummy VMM, this driver calls
# the TM: tm_context at deploy (the context ISO) and premigrate/postmigrate
# around `onevm migrate --live`, with the ssh and the shared system datastore. Checked by
# the disks' bytes on each host and the VM's host and state.
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/oned.sh"
oned_require

ipfsd_start fe
mkdir -p "$T_ROOT/hostbin"
cp "$ONEIPFS_SOURCE_DIR/tests/lib/virsh_kvm_standin.sh" "$T_ROOT/hostbin/virsh"
export HOST_BIN="$T_ROOT/hostbin"
oned_start
# what OpenNebula's node package puts on a KVM host: its Ruby libraries
# (vmm/kvm/migrate requires load_opennebula_paths)
export HOST_ENV="RUBYLIB=$ONED_INSTALL/lib/ruby"
host_start node1
host_start node2
one_host_add node1 kvm
one_host_add node2 kvm
oned_sync_hosts node1 node2

sed "s|^SAFE_DIRS .*|SAFE_DIRS       = \"$T_ROOT\"|" "$ONEIPFS_SOURCE_DIR/install/templates/image-ds-ipfs.tmpl" >"$T_ROOT/ds.tmpl"
one_ok onedatastore create "$T_ROOT/ds.tmpl"; DS=${OUT##*: }
one_ds_monitored "$DS"
one_ok onedatastore create "$ONEIPFS_SOURCE_DIR/install/templates/system-ds-ssh.tmpl"; SYS=${OUT##*: }
head -c 3145728 /dev/urandom >"$T_ROOT/os.img"
head -c 2097152 /dev/urandom >"$T_ROOT/data.img"
one_ok oneimage create -d "$DS" --name os --path "ipfs://$(ipfs_add fe "$T_ROOT/os.img")"; OS=${OUT##*: }
one_ok oneimage create -d "$DS" --name data --path "$T_ROOT/data.img" --persistent; DATA=${OUT##*: }
one_wait image "$OS" READY 60
one_wait image "$DATA" READY 60
disk_on() { local v="HOST_DS_$(_var "$1")"; echo "${!v}/$SYS/$2/disk.$3"; }
host_of() { one_xpath vm "$1" 'HISTORY_RECORDS/HISTORY[last()]/HOSTNAME'; }

t_case "kvm: deploy (the VMM driver's tm_context makes the context ISO beside our disks)"
cat >"$T_ROOT/vm.tmpl" <<TMPL
NAME = "live"
CPU = "0.1"
MEMORY = "64"
DISK = [ IMAGE_ID = "$OS" ]
DISK = [ IMAGE_ID = "$DATA" ]
CONTEXT = [ NETWORK = "NO", SET_HOSTNAME = "live" ]
TMPL
one_ok onevm create --hold "$T_ROOT/vm.tmpl"; VM=${OUT##*: }
one_ok onevm deploy "$VM" node1 "$SYS"; one_wait vm "$VM" RUNNING 240
assert_file_eq "$(disk_on node1 "$VM" 0)" "$T_ROOT/os.img" "disk.0 on node1"
assert_file_eq "$(disk_on node1 "$VM" 1)" "$T_ROOT/data.img" "disk.1 on node1"
grep -aq 'SET_HOSTNAME=.live' "$(disk_on node1 "$VM" 2)" && _t_ok || _t_fail "the context ISO on node1 holds the context"
assert_contains "$(cat "$T_ROOT/hostbin/virsh-kvm.log")" "create $ONE_DATASTORES/$SYS/$VM/deployment.0" "the KVM driver created the domain"

t_case "kvm: onevm migrate --live to node2 (premigrate, the disks copied, postmigrate)"
printf 'written by the guest before the migration' | dd of="$(disk_on node1 "$VM" 1)" bs=1 conv=notrunc status=none
cp "$(disk_on node1 "$VM" 1)" "$T_ROOT/data.expected"
one_ok onevm migrate --live "$VM" node2; one_wait vm "$VM" RUNNING 240
assert_eq "$(host_of "$VM")" "node2" "the VM runs on node2"
assert_contains "$(cat "$T_ROOT/hostbin/virsh-kvm.log")" "migrate --live" "virsh migrate --live"
assert_file_eq "$(disk_on node2 "$VM" 0)" "$T_ROOT/os.img" "disk.0 on node2"
assert_file_eq "$(disk_on node2 "$VM" 1)" "$T_ROOT/data.expected" "disk.1 on node2, with the guest's writes"
assert_missing "$(dirname "$(disk_on node1 "$VM" 1)")" "ssh/postmigrate removed the VM directory from node1"

t_case "kvm: terminate saves the persistent disk from node2"
one_ok onevm terminate "$VM"; one_wait vm "$VM" DONE 240
one_wait image "$DATA" READY 60
src=$(one_xpath image "$DATA" SOURCE)
ipfs_rpc fe files/read "arg=${src#mfs:}/2" >"$T_ROOT/saved"
assert_file_eq "$T_ROOT/saved" "$T_ROOT/data.expected" "version 2 is the migrated disk"

t_case "kvm, shared system datastore: onevm migrate --live (both hosts open the same file)"
mkdir -p "$T_ROOT/shared-ds"
HOST_DATASTORES="$T_ROOT/shared-ds" host_start node3
HOST_DATASTORES="$T_ROOT/shared-ds" host_start node4
one_host_add node3 kvm
one_host_add node4 kvm
oned_sync_hosts node3 node4
one_ok onedatastore create "$ONEIPFS_SOURCE_DIR/install/templates/system-ds-shared.tmpl"; SHARED=${OUT##*: }
one_ok onevm create --hold --name shared --cpu 0.1 --memory 64 --disk "$OS"; VM2=${OUT##*: }
one_ok onevm deploy "$VM2" node3 "$SHARED"; one_wait vm "$VM2" RUNNING 240
disk="$T_ROOT/shared-ds/$SHARED/$VM2/disk.0"
assert_file_eq "$disk" "$T_ROOT/os.img" "disk.0 in the shared directory"
ino=$(stat -c %i "$disk")
one_ok onevm migrate --live "$VM2" node4; one_wait vm "$VM2" RUNNING 240
assert_eq "$(host_of "$VM2")" "node4" "the VM runs on node4"
assert_eq "$(stat -c %i "$disk")" "$ino" "the disk was neither copied nor replaced"
assert_file_eq "$disk" "$T_ROOT/os.img" "disk.0 unchanged"
one_ok onevm terminate "$VM2"; one_wait vm "$VM2" DONE 240
assert_missing "$disk" "terminate removed the disk"

t_done
