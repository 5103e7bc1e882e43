#!/bin/sh
# A stand-in for libvirt's virsh on the test hosts, for OpenNebula's KVM VMM
# driver (vmm/kvm/deploy, cancel, shutdown, migrate) under a real oned: no
# hypervisor runs, but what the driver asks of a domain is answered from the
# deployment file it created, and a live migration with --copy-storage-all
# copies the disks to the destination host over ssh, as libvirt would. The
# domains live in <its dir>/domains (the hosts share it; a domain is reached
# by name or UUID), every call is logged in <its dir>/virsh-kvm.log.
#   create FILE        defines and "starts" the domain of FILE
#   dominfo D          its UUID (fails for an unknown domain)
#   dumpxml D          the deployment file
#   domblklist D       its file disks (target, source)
#   migrate --live ... D qemu+ssh://HOST/system [--copy-storage-all --migrate-disks DEVS]
#   destroy, shutdown D  the guest is gone; suspend, resume, undefine, snapshot-*: succeed
here=$(dirname "$0")
st=$here/domains
mkdir -p "$st"
while :; do
  case $1 in
    --connect|-c) shift 2 ;;
    --readonly|-r|-q) shift ;;
    *) break ;;
  esac
done
echo "$*" >>"$here/virsh-kvm.log"
cmd=$1; shift
name_of() { # NAME or UUID -> NAME (fails when unknown)
  if [ -f "$st/$1.xml" ]; then echo "$1"; elif [ -f "$st/$1.name" ]; then cat "$st/$1.name"; else return 1; fi
}
disks() { # NAME -> "target path" lines of file disks
  python3 - "$st/$1.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
for d in ET.parse(sys.argv[1]).getroot().iter("disk"):
    s, t = d.find("source"), d.find("target")
    if s is not None and t is not None and s.get("file"):
        print(t.get("dev"), s.get("file"))
PY
}
case $cmd in
  create)
    name=$(python3 -c 'import sys,xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).getroot().findtext("name"))' "$1") || exit 1
    cp "$1" "$st/$name.xml"
    uuid=$(cat /proc/sys/kernel/random/uuid)
    echo "$uuid" >"$st/$name.uuid"; echo "$name" >"$st/$uuid.name"
    echo "Domain '$name' created from $1" ;;
  dominfo)
    n=$(name_of "$1") || { echo "error: failed to get domain '$1'" >&2; exit 1; }
    printf 'Name:           %s\nUUID:           %s\nState:          running\n' "$n" "$(cat "$st/$n.uuid")" ;;
  dumpxml)
    n=$(name_of "$1") || exit 1
    cat "$st/$n.xml" ;;
  domblklist)
    n=$(name_of "$1") || exit 1
    printf ' Target   Source\n------------------------------------\n'
    disks "$n" ;;
  migrate)
    dom= dest= devs=
    while [ $# -gt 0 ]; do
      case $1 in
        --migrate-disks) devs=$2; shift ;;
        qemu+ssh://*) dest=${1#qemu+ssh://}; dest=${dest%%/*} ;;
        --*) ;;
        *) [ -z "$dom" ] && dom=$1 ;;
      esac
      shift
    done
    n=$(name_of "$dom") || exit 1
    disks "$n" | while read -r dev path; do
      case ",$devs," in *",$dev,"*) ssh "$dest" "cat > '$path'" <"$path" || exit 1 ;; esac
    done ;;
  destroy|shutdown)
    n=$(name_of "$1") || exit 1
    rm -f "$st/$(cat "$st/$n.uuid").name" "$st/$n.uuid" "$st/$n.xml" ;;
  suspend|resume|undefine|snapshot-list|snapshot-current|domfsfreeze|domfsthaw) exit 0 ;;
  *) exit 1 ;;
esac
