# one_lifecycles.sh: whole VM lifecycles of a VM with one-ipfs disks, played
# as oned plays them: transfer files with the lines in the order
# TransferManager.cc writes them (prolog, migrate, system-DS migrate, stop,
# undeploy, resume, disk_resize, disk_saveas, epilog), run through
# OpenNebula's real one_tm.rb, and live migration's PREMIGRATE/POSTMIGRATE/
# FAILMIGRATE run on the real system TM through one_tm.rb's
# do_transfer_action (as the VMM driver calls them), for the releases
# one_scripts.sh finds (one_scripts_matrix one_tm_$SYS_TM; one CTest test per
# release). The system datastore's TM is OpenNebula's own $SYS_TM (ssh or
# shared, set by the test that sources this); its scripts run on the same
# VM directories as ours, on real sshd hosts. After each step: every disk
# byte-identical where it must be, nothing left where it must not; a failed
# line's message reaches oned in every release (up to 6.0 only inside the
# ERROR MESSAGE markers, which our actions write when remotes/VERSION says so).
#
# What stands in for the rest of OpenNebula: the oneadmin CLI (onevm /
# onedatastore show -x print documents written here) and, in live
# migration, the hypervisor's own copy of the disks (kvm/migrate's local
# migration on a non-shared system datastore), done with tar between hosts.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
source "$(dirname "${BASH_SOURCE[0]}")/one_tree.sh"
: "${SYS_TM:?SYS_TM must be ssh or shared}"
releases=$(one_scripts_matrix "one_tm_$SYS_TM")
one_scripts_require "${releases%%$'\n'*}"
for ver in $releases; do one_scripts_require "$ver"; done

ipfsd_start fe
# hosts get a virsh stand-in (tests/lib/virsh_standin.sh) first in root's PATH
mkdir -p "$T_ROOT/hostbin"; cp "$ONEIPFS_SOURCE_DIR/tests/lib/virsh_standin.sh" "$T_ROOT/hostbin/virsh"
echo none >"$T_ROOT/hostbin/mode"
export HOST_BIN="$T_ROOT/hostbin"
[[ $SYS_TM == shared ]] && export HOST_DATASTORES="$T_ROOT/shared-datastores"
host_start node1
host_start node2
host_start node3
host_start frontend --no-ipfs  # the front end as a host: stop/undeploy target
ds_env
DS=/var/lib/one//datastores
on() { local h="HOST_DS_$1"; echo "${!h}/${2#/var/lib/one//datastores/}"; }  # host path -> test-visible path
for h in node1 node2 node3 frontend; do mkdir -p "$(on $h $DS/0)" "$(on $h $DS/1)"; done
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"

# The current content of a catalog SOURCE, on stdout.
catalog_read() {
  local dir=${1#mfs:} top
  top=$(ipfs_rpc fe files/ls "arg=$dir" | python3 -c '
import json, sys
e = json.load(sys.stdin).get("Entries") or []
n = [int(x["Name"]) for x in e if x["Name"].isdigit()]
print(max(n) if n else "")')
  [[ -n $top ]] || return 1
  curl -sS -f -X POST "$IPFSD_API_fe/api/v0/files/read?arg=$dir/$top"
}
catalog_versions() { ipfs_rpc fe files/ls "arg=${1#mfs:}" | python3 -c '
import json, sys
print(sum(1 for x in (json.load(sys.stdin).get("Entries") or []) if x["Name"].isdigit()))'; }

image_ds_doc() { # API: the image datastore 100 as `onedatastore show -x 100` prints it
  cat >"$T_ROOT/ds.xml" <<XML
<DATASTORE><ID>100</ID><NAME>ipfs-images</NAME><DS_MAD><![CDATA[ipfs]]></DS_MAD><TM_MAD><![CDATA[ipfs]]></TM_MAD><TYPE>0</TYPE><TEMPLATE><DS_MAD><![CDATA[ipfs]]></DS_MAD><TM_MAD><![CDATA[ipfs]]></TM_MAD><TM_MAD_SYSTEM><![CDATA[ssh,shared]]></TM_MAD_SYSTEM><IPFS_API><![CDATA[$1]]></IPFS_API><IPFS_TIMEOUT><![CDATA[60]]></IPFS_TIMEOUT></TEMPLATE></DATASTORE>
XML
  one_ds_doc 100 "$T_ROOT/ds.xml"
}
vm_doc() { # VMID LCM_STATE HOST [PERSISTENT_SOURCE]: the VM's document for `onevm show -x`
  python3 "$ONEIPFS_SOURCE_DIR/tests/lib/vm_doc.py" "$T_ROOT/vm.xml" "$1" "$2" "$3" "$SYS_TM" 1 \
    "DISK_ID=0;CLONE=YES;SIZE=16;ORIGINAL_SIZE=10;SOURCE=$OS;TM_MAD=ipfs;TM_MAD_SYSTEM=$SYS_TM;DATASTORE_ID=100;TARGET=vda" \
    "DISK_ID=1;CLONE=NO;PERSISTENT=YES;SAVE=YES;SOURCE=${4:-$DATA};TM_MAD=ipfs;TM_MAD_SYSTEM=$SYS_TM;DATASTORE_ID=100;TARGET=vdb" \
    "DISK_ID=2;TYPE=swap;SIZE=16;TARGET=vdc"
  one_vm_doc "$1" "$T_ROOT/vm.xml"
  base64 -w0 "$T_ROOT/vm.xml" >"$T_ROOT/vm.b64"
}
XFR_SEQ=0
xfr() { # VMID OP LINE... -> XFR: the transfer file oned would write (var/vms/VMID/transfer.N.OP)
  local vm=$1 op=$2; shift 2
  mkdir -p "$ONE_LOCATION/var/vms/$vm"
  XFR="$ONE_LOCATION/var/vms/$vm/transfer.$((XFR_SEQ++)).$op"
  printf '%s\n' "$@" >"$XFR"
}
# The VM's disks, on HOST under DIR: identical to what the guest last wrote.
assert_disks() { # HOST DIR WHAT
  assert_file_eq "$(on "$1" "$2/disk.0")" "$T_ROOT/d0.expected" "$3: disk.0"
  assert_file_eq "$(on "$1" "$2/disk.1")" "$T_ROOT/d1.expected" "$3: disk.1"
  assert_exists "$(on "$1" "$2/disk.2")" "$3: the swap disk"
  assert_exists "$(on "$1" "$2/disk.3")" "$3: the context disk"
}
assert_gone_or_shared() { # HOST DIR WHAT: after a move away from HOST
  if [[ $SYS_TM == ssh ]]; then assert_missing "$(on "$1" "$2")" "$3: the source host keeps nothing"
  else assert_eq "$(stat -c %i "$(on "$1" "$2/disk.1")")" "$INODE1" "$3: the shared file is the same file (inode)"; fi
}
guest_writes() { # HOST DIR TEXT: the VM writes to both image disks
  local f
  for f in disk.0 disk.1; do
    printf '%s' "$3" | dd of="$(on "$1" "$2/$f")" bs=1 seek=4096 conv=notrunc status=none
  done
  cp "$(on "$1" "$2/disk.0")" "$T_ROOT/d0.expected"; cp "$(on "$1" "$2/disk.1")" "$T_ROOT/d1.expected"
}
mv_lines() { # OP FROM_HOST FROM_DIR TO_HOST TO_DIR: a migrate/stop/resume transfer file, TransferManager.cc's order
  xfr "$VM" "$1" \
    "MV.$SYS_TM ipfs $2:$3/disk.0 $4:$5/disk.0 $VM 100" \
    "MV.$SYS_TM ipfs $2:$3/disk.1 $4:$5/disk.1 $VM 100" \
    "MV $SYS_TM $2:$3/disk.2 $4:$5/disk.2 $VM 1" \
    "MV $SYS_TM $2:$3 $4:$5 $VM 1"
}

# Images: 10 MiB with a 4 MiB run of zeros, and a 2 MiB persistent datablock.
{ head -c 3M /dev/urandom; head -c 4M /dev/zero; head -c 3M /dev/urandom; } >"$T_ROOT/os.img"
head -c 2M /dev/urandom >"$T_ROOT/data.img"
register_file 5 "$T_ROOT/os.img"; OS=$SRC
os_cid=$(ipfs_add fe "$T_ROOT/os.img")

VM=40
NODE3_UP=1
IMG=1000
new_saveas() { # -> NEW: a fresh mkfs save_as reservation (a new image id each time)
  IMG=$((IMG + 1))
  cp "$fx/mkfs.xml" "$T_ROOT/mkfs.xml"; xml_set "$T_ROOT/mkfs.xml" IMAGE/ID "$IMG"; xml_set "$T_ROOT/mkfs.xml" IMAGE/FORMAT save_as
  run_ds mkfs "$T_ROOT/mkfs.xml" "$IMG"; assert_success "save_as reservation"; NEW=$OUT
}
for ver in $releases; do
  one_tree "$ver"
  image_ds_doc "$IPFSD_API_fe"
  VM=$((VM + 1)); SYS=$DS/1/$VM
  IMG=$((IMG + 1)); register_file "$IMG" "$T_ROOT/data.img"; DATA=$SRC
  printf 'ONEGATE_ENDPOINT="http://127.0.0.1:1"\n' >"$ONE_LOCATION/var/vms/context.sh"
  printf 'token\n' >"$ONE_LOCATION/var/vms/token.txt"

  t_case "$ver/$SYS_TM: prolog (CLONE, LN, MKSWAP, CONTEXT)"
  vm_doc "$VM" 1 node1
  xfr "$VM" prolog \
    "CLONE.$SYS_TM ipfs $OS node1:$SYS/disk.0 $VM 100" \
    "LN.$SYS_TM ipfs $DATA node1:$SYS/disk.1 $VM 100" \
    "MKSWAP $SYS_TM 16 node1:$SYS/disk.2 $VM 1" \
    "CONTEXT $SYS_TM $ONE_LOCATION/var/vms/context.sh $ONE_LOCATION/var/vms/token.txt node1:$SYS/disk.3 $VM 1"
  one_transfer "$VM" "$XFR"; assert_xfr_ok "prolog"
  d0=$(on node1 "$SYS/disk.0")
  assert_eq "$(stat -c %s "$d0")" "$((16 * 1048576))" "disk.0 grown to the disk's SIZE (16 MB > ORIGINAL_SIZE 10 MB)"
  cmp -s -n $((10 * 1048576)) "$d0" "$T_ROOT/os.img" && _t_ok || _t_fail "disk.0 holds the image"
  assert_file_eq "$(on node1 "$SYS/disk.1")" "$T_ROOT/data.img" "disk.1 (ln)"
  assert_eq "$(dd if="$(on node1 "$SYS/disk.3")" bs=1 skip=32769 count=5 status=none)" "CD001" "the context ISO"
  if [[ $SYS_TM == ssh ]]; then
    assert_eq "$(cat "$(on node1 "$DS/1/.monitor")")" "ssh" "host monitoring marker, as ssh/clone writes it"
  else
    assert_missing "$(on node1 "$DS/1/.monitor")" "no host monitoring marker on a shared system datastore"
  fi
  guest_writes node1 "$SYS" "written on node1 ($ver)"
  INODE1=$(stat -c %i "$(on node1 "$SYS/disk.1")")

  t_case "$ver/$SYS_TM: cold migration node1 -> node2"
  vm_doc "$VM" 9 node2
  mv_lines migrate node1 "$SYS" node2 "$SYS"
  one_transfer "$VM" "$XFR"; assert_xfr_ok "migrate"
  assert_disks node2 "$SYS" "after migrate"
  assert_gone_or_shared node1 "$SYS" "after migrate"
  guest_writes node2 "$SYS" "written on node2 ($ver)"

  t_case "$ver/$SYS_TM: system datastore migration on node2 (1 -> 0 -> 1)"
  xfr "$VM" migrate \
    "MV.$SYS_TM ipfs node2:$SYS/disk.0 node2:$DS/0/$VM/disk.0 $VM 100" \
    "MV.$SYS_TM ipfs node2:$SYS/disk.1 node2:$DS/0/$VM/disk.1 $VM 100" \
    "MV $SYS_TM node2:$SYS/disk.2 node2:$DS/0/$VM/disk.2 $VM 0" \
    "MV $SYS_TM node2:$SYS node2:$DS/0/$VM $VM 0"
  one_transfer "$VM" "$XFR"; assert_xfr_ok "system DS migrate"
  if [[ $SYS_TM == ssh ]] && ! one_release_at_least "$ver" 6.8.2; then
    # OpenNebula's ssh/mv before 6.8.2 takes two directories of one host for
    # one path ("Not moving ..., they are the same path"; fixed by B #6379):
    # the VM stays where it is, and our lines must leave its disks alone.
    assert_disks node2 "$SYS" "left in system DS 1 by this release's ssh/mv"
    assert_missing "$(on node2 "$DS/0/$VM/disk.0")" "nothing in system DS 0"
    mv_lines migrate node2 "$DS/0/$VM" node2 "$SYS"
    one_transfer "$VM" "$XFR"; assert_xfr_ok "system DS migrate back"
    assert_disks node2 "$SYS" "still in system DS 1"
  else
    assert_disks node2 "$DS/0/$VM" "in system DS 0"
    assert_missing "$(on node2 "$SYS")" "nothing left in system DS 1"
    mv_lines migrate node2 "$DS/0/$VM" node2 "$SYS"
    one_transfer "$VM" "$XFR"; assert_xfr_ok "system DS migrate back"
    assert_disks node2 "$SYS" "back in system DS 1"
  fi
  INODE1=$(stat -c %i "$(on node2 "$SYS/disk.1")")

  for op in stop undeploy; do
    t_case "$ver/$SYS_TM: $op to the front end, then resume"
    from=$([[ $op == stop ]] && echo node2 || echo node1)
    to=$([[ $op == stop ]] && echo node1 || echo node2)
    mv_lines "$op" "$from" "$SYS" frontend "$SYS"
    one_transfer "$VM" "$XFR"; assert_xfr_ok "$op"
    assert_disks frontend "$SYS" "$op: on the front end"
    assert_gone_or_shared "$from" "$SYS" "$op"
    vm_doc "$VM" 1 "$to"
    mv_lines resume frontend "$SYS" "$to" "$SYS"
    one_transfer "$VM" "$XFR"; assert_xfr_ok "resume"
    assert_disks "$to" "$SYS" "resumed on $to"
    assert_gone_or_shared frontend "$SYS" "resume"
  done
  guest_writes node2 "$SYS" "written on node2 again ($ver)"

  t_case "$ver/$SYS_TM: live migration node2 -> node1 (PREMIGRATE/POSTMIGRATE on the system TM)"
  vm_doc "$VM" 3 node2,node1  # a live migration's two history records
  VMM_STDIN="$T_ROOT/vm.b64" one_vmm_tm PREMIGRATE "$SYS_TM" node2 node1 "$SYS" "$VM" 1; assert_xfr_ok "premigrate"
  if [[ $SYS_TM == ssh ]]; then
    assert_missing "$(on node1 "$SYS/disk.1")" "premigrate copies nothing (the hypervisor copies the disks once)"
    # the hypervisor's part (kvm/migrate, local migration): the disks cross once
    ssh -F "$T_ROOT/ssh_config" node2 tar -C "$DS/1" -cSf - "$VM" | ssh -F "$T_ROOT/ssh_config" node1 tar -C "$DS/1" -xSf -
  fi
  assert_disks node2 "$SYS" "the source keeps its disks during the migration"
  VMM_STDIN="$T_ROOT/vm.b64" one_vmm_tm POSTMIGRATE "$SYS_TM" node2 node1 "$SYS" "$VM" 1; assert_xfr_ok "postmigrate"
  assert_disks node1 "$SYS" "after live migration"
  if [[ $SYS_TM == ssh ]] && ! one_release_at_least "$ver" 6.0; then
    # before 6.0 ssh/postmigrate is common/prepostmigrate: it calls the
    # other TMs (ours) and removes nothing on the source host
    assert_disks node2 "$SYS" "5.x: the source host keeps its copy"
  else
    assert_gone_or_shared node2 "$SYS" "after live migration"
  fi
  VMM_STDIN="$T_ROOT/vm.b64" one_vmm_tm FAILMIGRATE "$SYS_TM" node1 node2 "$SYS" "$VM" 1
  if ! one_release_at_least "$ver" 6.0 && [[ $XFR_INFO == "Internal error Broken pipe" ]]; then
    # before 6.0 ssh/ and shared/failmigrate are common/failmigrate, `exit 0`
    # without reading its stdin, and the front end (no EPIPE rescue before
    # 6.0) may fail writing the VM document to it: OpenNebula's own race;
    # ours is not called there
    _t_ok
  else
    assert_xfr_ok "failmigrate"
  fi
  assert_disks node1 "$SYS" "a failed migration leaves the running VM's disks alone"
  if [[ $SYS_TM == shared ]]; then
    assert_eq "$(stat -c %i "$(on node1 "$SYS/disk.1")")" "$INODE1" "the running VM's disk is the same inode throughout"
  fi

  t_case "$ver/$SYS_TM: the destination host dies (mid-transfer, or before): nothing is lost, the retried migration works"
  vm_doc "$VM" 9 node3
  mv_lines migrate node1 "$SYS" node3 "$SYS"
  if ((NODE3_UP)) && [[ $SYS_TM == ssh ]]; then
    # a large file in the VM directory (a checkpoint) keeps ssh/mv's tar busy
    head -c 512M /dev/urandom >"$(on node1 "$SYS/checkpoint")"
    (one_transfer "$VM" "$XFR"; echo "$XFR_RESULT" >"$T_ROOT/bg.result") &
    bg=$!
    # the first file tar writes on node3 (5.12's ssh/mv makes the VM
    # directory itself before anything is copied)
    first_file() { find "$(on node3 "$SYS")" -type f -print -quit 2>/dev/null; }
    for _ in $(seq 1500); do [[ -n $(first_file) ]] && break; sleep 0.02; done
    assert_ne "$(first_file)" "" "the copy to node3 started"
    host_kill node3; NODE3_UP=0
    wait "$bg"
    XFR_RESULT=$(cat "$T_ROOT/bg.result")
    rm -f "$(on node1 "$SYS/checkpoint")"
  else
    if ((NODE3_UP)); then host_kill node3; NODE3_UP=0; fi
    one_transfer "$VM" "$XFR"
  fi
  if [[ $SYS_TM == ssh ]]; then
    assert_xfr_failed "ssh/mv cannot finish on node3"; from=node1
  else
    assert_xfr_ok "on shared storage nothing moves"; from=node3
  fi
  assert_disks node1 "$SYS" "the disks are intact where the VM was"
  vm_doc "$VM" 9 node2
  mv_lines migrate "$from" "$SYS" node2 "$SYS"
  one_transfer "$VM" "$XFR"; assert_xfr_ok "migration retried to node2 (onevm recover --retry)"
  HOST=node2
  assert_disks "$HOST" "$SYS" "after the retried migration"

  t_case "$ver/$SYS_TM: disk resize and disk-saveas while powered off"
  vm_doc "$VM" 0 "$HOST"
  xfr "$VM" disk_resize "RESIZE.$SYS_TM ipfs $HOST:$SYS/disk.0 32 $VM 100"
  one_transfer "$VM" "$XFR"; assert_xfr_ok "resize"
  assert_eq "$(stat -c %s "$(on "$HOST" "$SYS/disk.0")")" "$((32 * 1048576))" "disk.0 resized"
  truncate -s 32M "$T_ROOT/d0.expected"
  new_saveas
  xfr "$VM" disk_saveas "CPDS.$SYS_TM ipfs $HOST:$SYS/disk.1 $NEW -1 $VM 100"
  one_transfer "$VM" "$XFR"; assert_xfr_ok "disk-saveas"
  catalog_read "$NEW" >"$T_ROOT/saved"; assert_file_eq "$T_ROOT/saved" "$T_ROOT/d1.expected" "the saved image"

  t_case "$ver/$SYS_TM: disk-saveas of a running VM never reads the live disk"
  vm_doc "$VM" 26 "$HOST"  # HOTPLUG_SAVEAS
  first=$NEW; new_saveas; NEW2=$NEW
  assert_ne "$NEW2" "$first" "a new reservation"
  xfr "$VM" disk_saveas "CPDS.$SYS_TM ipfs $HOST:$SYS/disk.1 $NEW2 -1 $VM 100"
  one_transfer "$VM" "$XFR"; assert_xfr_failed "no virsh on the test hosts: no consistent copy"
  assert_contains "$XFR_INFO" "virsh"
  assert_eq "$(catalog_versions "$NEW2")" "0" "nothing saved"
  assert_disks "$HOST" "$SYS" "the disk is untouched"

  t_case "$ver/$SYS_TM: disk-saveas of a running VM: a consistent copy (blockcopy, fsfreeze, suspend) is saved"
  echo "$SYS/disk.1" >"$T_ROOT/hostbin/disk-one-$VM-vdb"
  for mode in blockcopy freeze suspend; do
    echo "$mode" >"$T_ROOT/hostbin/mode"; : >"$T_ROOT/hostbin/virsh.log"
    new_saveas; NEW3=$NEW
    xfr "$VM" disk_saveas "CPDS.$SYS_TM ipfs $HOST:$SYS/disk.1 $NEW3 -1 $VM 100"
    one_transfer "$VM" "$XFR"; assert_xfr_ok "disk-saveas with $mode"
    catalog_read "$NEW3" >"$T_ROOT/saved"
    assert_file_eq "$T_ROOT/saved" "$T_ROOT/d1.expected" "$mode: the copy taken while the guest stood still"
    assert_missing "$(on "$HOST" "$SYS/disk.1.one-ipfs-saveas")" "$mode: the copy is removed"
    case $mode in
      freeze) assert_contains "$(cat "$T_ROOT/hostbin/virsh.log")" "domfsthaw one-$VM" "thawed";;
      suspend) assert_contains "$(cat "$T_ROOT/hostbin/virsh.log")" "resume one-$VM" "resumed";;
    esac
    cp "$(on "$HOST" "$SYS/disk.1")" "$T_ROOT/d1.expected"  # the guest went on writing
  done
  echo none >"$T_ROOT/hostbin/mode"

  t_case "$ver/$SYS_TM: epilog (DELETE, MVDS, DELETE of the volatile disk and of the directory)"
  vm_doc "$VM" 11 "$HOST"
  xfr "$VM" epilog \
    "DELETE.$SYS_TM ipfs $HOST:$SYS/disk.0 $VM 100" \
    "MVDS.$SYS_TM ipfs $HOST:$SYS/disk.1 $DATA $VM 100" \
    "DELETE $SYS_TM $HOST:$SYS/disk.2 $VM 1" \
    "DELETE $SYS_TM $HOST:$SYS $VM 1"
  one_transfer "$VM" "$XFR"; assert_xfr_ok "epilog"
  catalog_read "$DATA" >"$T_ROOT/saved"; assert_file_eq "$T_ROOT/saved" "$T_ROOT/d1.expected" "the persistent image has the guest's writes"
  assert_missing "$(on "$HOST" "$SYS")" "the VM directory is gone"

  t_case "$ver/$SYS_TM: delete of a VM whose host vanished (epilog_delete): our lines never block it"
  VM3=$((VM + 70))
  vm_doc "$VM3" 11 node3
  xfr "$VM3" delete \
    "DELETE.$SYS_TM ipfs node3:$DS/1/$VM3/disk.0 $VM3 100" \
    "DELETE.$SYS_TM ipfs node3:$DS/1/$VM3/disk.1 $VM3 100" \
    "DELETE $SYS_TM node3:$DS/1/$VM3 $VM3 1"
  one_transfer "$VM3" "$XFR"
  # one_tm logs a command's stderr only when it fails: the system TM's own
  # delete cannot reach node3 (OpenNebula's behaviour), ours went on.
  assert_xfr_failed "the system TM cannot reach node3"
  assert_contains "$XFR_LOG" "/tm/$SYS_TM/delete node3:" "the failing line is the system TM's, after ours"
  assert_not_contains "$XFR_LOG" "/tm/ipfs/" "no ipfs line failed"

  t_case "$ver/$SYS_TM: a persistent disk with an immutable SOURCE is refused at LN, before anything is written"
  VM2=$((VM + 50))
  vm_doc "$VM2" 1 node1 "/ipfs/$os_cid"
  xfr "$VM2" prolog "LN.$SYS_TM ipfs /ipfs/$os_cid node1:$DS/1/$VM2/disk.1 $VM2 100"
  one_transfer "$VM2" "$XFR"; assert_xfr_failed "ln of an immutable persistent disk"
  assert_contains "$XFR_INFO" "immutable"
  assert_missing "$(on node1 "$DS/1/$VM2/disk.1")" "nothing written"

  t_case "$ver/$SYS_TM: transfer actions use the image datastore's IPFS settings (onedatastore show -x)"
  # A datastore may name its own daemon when the operator allows that API
  # (IPFS_API_ALLOW); the operator's secret does not go with it (config.h).
  printf 'IPFS_API = "http://127.0.0.1:9"\nIPFS_API_ALLOW = "%s"\n' "$IPFSD_API_fe" >"$T_ROOT/wrong.conf"
  vm_doc "$VM2" 1 node1
  xfr "$VM2" prolog "CLONE.$SYS_TM ipfs $OS node1:$DS/1/$VM2/disk.0 $VM2 100"
  (unset IPFS_API; ONE_IPFS_CONF="$T_ROOT/wrong.conf" one_transfer "$VM2" "$XFR"
   [[ $XFR_RESULT == SUCCESS ]]) && _t_ok || _t_fail "clone with IPFS_API from the datastore template"
  # The two CLI calls (1 s each here) run side by side, not one after the other.
  rm -rf "$(on node1 "$DS/1/$VM2")"
  : >"$T_ROOT/cli.log"
  (export ONE_CLI_LOG="$T_ROOT/cli.log" ONE_CLI_DELAY=1; one_transfer "$VM2" "$XFR"
   [[ $XFR_RESULT == SUCCESS ]]) && _t_ok || _t_fail "clone with slow CLI calls"
  python3 - "$T_ROOT/cli.log" <<'PY' && _t_ok || _t_fail "onevm and onedatastore show -x overlap: $(cat "$T_ROOT/cli.log")"
import sys
t = {}
for line in open(sys.argv[1]):
    who, what, when = line.split()
    t[(who, what)] = float(when)
sys.exit(0 if t[("onevm", "start")] < t[("onedatastore", "end")] and t[("onedatastore", "start")] < t[("onevm", "end")] else 1)
PY
  rm -f "$ONE_LOCATION/docs/ds-100.xml"
  rm -rf "$(on node1 "$DS/1/$VM2")"
  one_transfer "$VM2" "$XFR"; assert_xfr_failed "onedatastore fails"
  assert_contains "$XFR_INFO" "cannot read the settings of datastore 100"
  assert_missing "$(on node1 "$DS/1/$VM2/disk.0")" "nothing written"
done

t_done
