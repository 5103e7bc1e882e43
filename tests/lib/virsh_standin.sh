#!/bin/sh
# A stand-in for libvirt's virsh on the test hosts (no hypervisor runs here),
# for the consistent-copy path of disk-saveas on a running VM. It keeps the
# calls in <its dir>/virsh.log and behaves as <its dir>/mode says:
#   blockcopy  blockcopy works (copies the disk named by <dir>/disk-<dom>-<target>)
#   freeze     blockcopy fails, domfsfreeze/domfsthaw work
#   suspend    blockcopy and domfsfreeze fail, suspend/resume work
#   none       everything fails
# When the guest is thawed or resumed it writes to its disk again (the text
# "written after the copy" at offset 4096), so a test can tell whether the
# copy was taken while the guest stood still.
here=$(dirname "$0")
[ "$1" = -c ] && shift 2
echo "$*" >>"$here/virsh.log"
mode=$(cat "$here/mode" 2>/dev/null || echo none)
action=$1 dom=$2
disk_of() { cat "$here/disk-$1-$2"; }
guest_writes() { for f in "$here"/disk-"$dom"-*; do printf 'written after the copy' | dd of="$(cat "$f")" bs=1 seek=4096 conv=notrunc status=none; done; }
case $action in
  blockcopy) [ "$mode" = blockcopy ] || exit 1; cp --sparse=always "$(disk_of "$dom" "$3")" "$4" ;;
  domfsfreeze) [ "$mode" = freeze ] || exit 1 ;;
  domfsthaw) [ "$mode" = freeze ] || exit 1; guest_writes ;;
  suspend) [ "$mode" = suspend ] || exit 1 ;;
  resume) [ "$mode" = suspend ] || exit 1; guest_writes ;;
  *) exit 1 ;;
esac
