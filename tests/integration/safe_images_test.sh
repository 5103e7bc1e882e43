#!/usr/bin/env bash
# Safe images: a qcow2 whose header names a backing file (and vmdk descriptors
# whose extents live in other files) is refused by ds stat, ds cp and tm clone
# with one stderr line, leaving nothing registered and nothing on the host;
# IPFS_ALLOW_BACKING_FILE=yes lets it through. Real daemon, real sshd host.
# The crafted vmdk/COWD forms (tests/lib/crafted_images.py) are first shown to
# make qemu-img open /etc/hostname, then refused as the format the VM would be
# given (DRIVER). A qcow2 is sized at its real size, and refused where it is
# bigger than the SIZE oned was told (cp's IMAGE/SIZE, the VM disk's SIZE); a
# vmdk whose size is in its footer cannot be sized from its header: refused.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
host_start node1
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"
DS=/var/lib/one//datastores
on() { echo "${HOST_DS_node1}/${1#/var/lib/one//datastores/}"; }

# The issue's example: QEMU would open the host's /etc/hostname for the guest.
qemu-img create -q -f qcow2 -b /etc/hostname -F raw "$T_ROOT/x.qcow2"
qemu-img create -q -f vmdk -o subformat=monolithicFlat "$T_ROOT/flat.vmdk" 1M
qemu-img create -q -f qcow2 "$T_ROOT/plain.qcow2" 1M
x_cid=$(ipfs_add fe "$T_ROOT/x.qcow2")
flat_cid=$(ipfs_add fe "$T_ROOT/flat.vmdk")
plain_cid=$(ipfs_add fe "$T_ROOT/plain.qcow2")

ID=300
stat_of() { doc_from stat "$@"; run_ds stat "$T_ROOT/stat.xml" 901; }  # PATH [XPATH VALUE]...
cp_of() { ID=$((ID + 1)); doc_from cp "$@" IMAGE/ID "$ID"; run_ds cp "$T_ROOT/cp.xml" "$ID"; }
entries() { ipfs_rpc fe files/ls "arg=$IPFS_CATALOG/100&long=true" | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("Entries") or []))' 2>/dev/null || echo 0; }

t_case "stat refuses a qcow2 with a backing file (IPFS path and front-end file)"
stat_of "/ipfs/$x_cid"; assert_fail_one_line
assert_contains "$ERR" "backing file '/etc/hostname'"; assert_contains "$ERR" "IPFS_ALLOW_BACKING_FILE=yes"
stat_of "$T_ROOT/x.qcow2"; assert_fail_one_line; assert_contains "$ERR" "backing file '/etc/hostname'"
stat_of "/ipfs/$flat_cid"; assert_fail_one_line; assert_contains "$ERR" "extent file 'flat-flat.vmdk'"
stat_of "/ipfs/$plain_cid"; assert_success "a self-contained qcow2"; assert_eq "$OUT" "1"

t_case "cp refuses it and registers nothing"
before=$(entries)
cp_of "/ipfs/$x_cid"; assert_fail_one_line; assert_contains "$ERR" "backing file '/etc/hostname'"
cp_of "$T_ROOT/x.qcow2"; assert_fail_one_line; assert_contains "$ERR" "backing file '/etc/hostname'"
cp_of "/ipfs/$flat_cid"; assert_fail_one_line; assert_contains "$ERR" "extent file"
assert_eq "$(entries)" "$before" "no catalog entry left"
cp_of "/ipfs/$plain_cid"; assert_success "a self-contained qcow2 registers"; assert_eq "$(entries)" "$((before + 1))"

t_case "tm clone refuses to deploy it and writes nothing on the host"
run_tm clone "frontend:/ipfs/$x_cid" "node1:$DS/0/60/disk.0" 60 100; assert_fail_one_line
assert_contains "$ERR" "backing file '/etc/hostname'"
assert_missing "$(on $DS/0/60/disk.0)" "no disk on the host"
run_tm ln "frontend:/ipfs/$flat_cid" "node1:$DS/0/61/disk.0" 61 100; assert_fail_one_line
assert_contains "$ERR" "extent file"; assert_missing "$(on $DS/0/61/disk.0)"

# The VM documents `onevm show -x` prints for tm clone/ln (vm_doc.py), through
# a stand-in that is on PATH only for the calls that name it (vm_tm).
mkdir -p "$T_ROOT/bin" "$T_ROOT/docs"
printf '%s\n' '#!/bin/sh' 'f="$VM_DOCS/vm-$3.xml"' \
  '[ -f "$f" ] || { echo "[one.vm.info] Error getting virtual machine [$3]." >&2; exit 255; }' 'cat "$f"' \
  >"$T_ROOT/bin/onevm"
chmod +x "$T_ROOT/bin/onevm"
vm_disk() { # VMID DISK_SPEC: VM VMID with one disk (disk.0) beside the ssh system TM
  python3 "$ONEIPFS_SOURCE_DIR/tests/lib/vm_doc.py" "$T_ROOT/docs/vm-$1.xml" "$1" 1 node1 ssh 0 \
    "DISK_ID=0;TM_MAD=ipfs;TM_MAD_SYSTEM=ssh;DATASTORE_ID=100;TARGET=vda;$2"
}
vm_tm() { VM_DOCS="$T_ROOT/docs" PATH="$T_ROOT/bin:$PATH" run_tm "$@"; }  # ACTION ARGS...

mkdir -p "$T_ROOT/crafted"
python3 "$ONEIPFS_SOURCE_DIR/tests/lib/crafted_images.py" "$T_ROOT/crafted" /etc/hostname
declare -A cid
for f in desc-version desc-bare kdmv-desc0 kdmv-past kdmv-wrap cowd-parent; do
  cid[$f]=$(ipfs_add fe "$T_ROOT/crafted/$f.vmdk")
done

t_case "qemu-img opens /etc/hostname through each crafted vmdk/COWD image (given vmdk)"
for f in "${!cid[@]}"; do
  info=$(qemu-img info -f vmdk "$T_ROOT/crafted/$f.vmdk" 2>&1) || _t_fail "qemu-img cannot open $f: $info"
  [[ $info =~ (filename|backing\ file):\ /etc/hostname ]] && _t_ok || _t_fail "$f: qemu-img info shows no /etc/hostname: $info"
done
# QEMU's own probe calls all but desc-bare vmdk: they are vmdk with no DRIVER at all.
for f in desc-version kdmv-desc0 kdmv-past kdmv-wrap cowd-parent; do
  assert_contains "$(qemu-img info "$T_ROOT/crafted/$f.vmdk")" "file format: vmdk" "$f probed"
done
assert_contains "$(qemu-img info "$T_ROOT/crafted/desc-bare.vmdk")" "file format: raw" "desc-bare probed"

t_case "stat refuses each crafted image (desc-bare: when the datastore's DRIVER is vmdk)"
for f in desc-version kdmv-desc0 kdmv-past kdmv-wrap cowd-parent; do
  stat_of "/ipfs/${cid[$f]}"; assert_fail_one_line "stat $f"; assert_contains "$ERR" "/etc/hostname" "stat $f"
  stat_of "$T_ROOT/crafted/$f.vmdk"; assert_fail_one_line "stat the file $f"; assert_contains "$ERR" "/etc/hostname"
done
stat_of "/ipfs/${cid[desc-bare]}" DATASTORE/TEMPLATE/DRIVER vmdk; assert_fail_one_line "stat desc-bare as vmdk"
assert_contains "$ERR" "extent file '/etc/hostname'"
stat_of "/ipfs/${cid[desc-bare]}"; assert_success "desc-bare given raw opens nothing else"; assert_eq "$OUT" "1"

t_case "cp refuses each crafted image and registers nothing (desc-bare: with the image's DRIVER vmdk)"
before=$(entries)
for f in desc-version kdmv-desc0 kdmv-past kdmv-wrap cowd-parent; do
  cp_of "/ipfs/${cid[$f]}"; assert_fail_one_line "cp $f"; assert_contains "$ERR" "/etc/hostname" "cp $f"
  cp_of "$T_ROOT/crafted/$f.vmdk"; assert_fail_one_line "cp the file $f"; assert_contains "$ERR" "/etc/hostname"
done
cp_of "/ipfs/${cid[desc-bare]}" IMAGE/TEMPLATE/DRIVER vmdk; assert_fail_one_line "cp desc-bare, DRIVER=vmdk"
assert_contains "$ERR" "extent file '/etc/hostname'"
cp_of "$T_ROOT/crafted/desc-bare.vmdk" DATASTORE/TEMPLATE/DRIVER vmdk; assert_fail_one_line "cp desc-bare, datastore DRIVER=vmdk"
assert_eq "$(entries)" "$before" "no catalog entry left"
cp_of "/ipfs/${cid[desc-bare]}"; assert_success "desc-bare registers as raw"; assert_eq "${OUT#* }" "raw"
BARE=${OUT%% *}

t_case "tm clone/ln refuse each crafted image given vmdk, writing nothing on the host"
vm=70
for f in "${!cid[@]}"; do
  vm=$((vm + 1)); vm_disk "$vm" "DRIVER=vmdk;FORMAT=vmdk;SIZE=16;ORIGINAL_SIZE=16;SOURCE=/ipfs/${cid[$f]}"
  vm_tm clone "frontend:/ipfs/${cid[$f]}" "node1:$DS/0/$vm/disk.0" "$vm" 100; assert_fail_one_line "clone $f"
  assert_contains "$ERR" "/etc/hostname" "clone $f"; assert_missing "$(on $DS/0/$vm/disk.0)" "clone $f: no disk"
  vm_tm ln "frontend:/ipfs/${cid[$f]}" "node1:$DS/0/$vm/disk.0" "$vm" 100; assert_fail_one_line "ln $f"
  assert_missing "$(on $DS/0/$vm/disk.0)" "ln $f: no disk"
done
vm_disk 80 "DRIVER=vmdk;FORMAT=vmdk;SIZE=16;ORIGINAL_SIZE=16;SOURCE=$BARE"
vm_tm clone "frontend:$BARE" "node1:$DS/0/80/disk.0" 80 100; assert_fail_one_line "clone of the raw-registered desc-bare as vmdk"
assert_contains "$ERR" "extent file '/etc/hostname'"; assert_missing "$(on $DS/0/80/disk.0)"
vm_disk 81 "DRIVER=raw;FORMAT=raw;SIZE=16;ORIGINAL_SIZE=16;SOURCE=$BARE"
vm_tm clone "frontend:$BARE" "node1:$DS/0/81/disk.0" 81 100; assert_success "the same content given raw deploys"
assert_file_eq "$(on $DS/0/81/disk.0)" "$T_ROOT/crafted/desc-bare.vmdk"

t_case "the forms qemu-img itself makes: qcow2 data file, QED backing file, vmdk parent"
head -c 1M /dev/zero >"$T_ROOT/base.raw"; qemu-img create -q -f vmdk "$T_ROOT/base.vmdk" 1M
qemu-img create -q -f qcow2 -o data_file="$T_ROOT/base-data.raw" "$T_ROOT/data.qcow2" 1M  # creates base-data.raw
qemu-img create -q -f qed -b "$T_ROOT/base.raw" -F raw "$T_ROOT/child.qed"
qemu-img create -q -f vmdk -b "$T_ROOT/base.vmdk" -F vmdk "$T_ROOT/child.vmdk"
for f in data.qcow2 child.qed child.vmdk; do
  assert_contains "$(qemu-img info "$T_ROOT/$f")" "$T_ROOT/base" "qemu-img info $f names the other file"
  stat_of "$T_ROOT/$f"; assert_fail_one_line "stat $f"; assert_contains "$ERR" "$T_ROOT/base"
  c=$(ipfs_add fe "$T_ROOT/$f")
  cp_of "/ipfs/$c"; assert_fail_one_line "cp $f"
  run_tm clone "frontend:/ipfs/$c" "node1:$DS/0/69/disk.0" 69 100; assert_fail_one_line "clone $f"
  assert_missing "$(on $DS/0/69/disk.0)"
done

# SIZE: a qcow2 of 1 MiB virtual size with 8 MiB stored after its clusters
# (what it occupies in IPFS and on a host), and a 64 MiB qcow2.
qemu-img create -q -f qcow2 "$T_ROOT/padded.qcow2" 1M
head -c 8M /dev/urandom >>"$T_ROOT/padded.qcow2"
qemu-img create -q -f qcow2 "$T_ROOT/v64.qcow2" 64M
padded_cid=$(ipfs_add fe "$T_ROOT/padded.qcow2"); v64_cid=$(ipfs_add fe "$T_ROOT/v64.qcow2")
padded_mb=$(( ($(stat -c %s "$T_ROOT/padded.qcow2") + 1048575) / 1048576 ))

t_case "stat reports a qcow2 at its real size: the larger of its virtual and stored sizes"
assert_contains "$(qemu-img info "$T_ROOT/padded.qcow2")" "virtual size: 1 MiB" "qemu-img's virtual size"
stat_of "/ipfs/$padded_cid"; assert_success; assert_eq "$OUT" "$padded_mb" "stored bytes, not the header's 1 MiB"
stat_of "$T_ROOT/padded.qcow2"; assert_success; assert_eq "$OUT" "$padded_mb"
stat_of "/ipfs/$v64_cid"; assert_success; assert_eq "$OUT" "64" "virtual size"

t_case "cp refuses content bigger than the SIZE oned was told (IMAGE/SIZE), registering nothing"
before=$(entries)
cp_of "/ipfs/$padded_cid" IMAGE/SIZE 1; assert_fail_one_line "padded qcow2 told 1 MB"; assert_contains "$ERR" "SIZE"
cp_of "$T_ROOT/padded.qcow2" IMAGE/SIZE 1; assert_fail_one_line "padded qcow2 file told 1 MB"
cp_of "/ipfs/$v64_cid" IMAGE/SIZE 63; assert_fail_one_line "64 MiB qcow2 told 63 MB"; assert_contains "$ERR" "64"
assert_eq "$(entries)" "$before" "no catalog entry left"
cp_of "/ipfs/$v64_cid" IMAGE/SIZE 64; assert_success "told its size"

t_case "tm clone refuses a disk whose virtual size exceeds the VM disk's SIZE"
vm_disk 90 "DRIVER=qcow2;FORMAT=qcow2;SIZE=16;ORIGINAL_SIZE=16;SOURCE=/ipfs/$v64_cid"
vm_tm clone "frontend:/ipfs/$v64_cid" "node1:$DS/0/90/disk.0" 90 100; assert_fail_one_line "64 MiB qcow2 for a 16 MB disk"
assert_contains "$ERR" "SIZE"; assert_missing "$(on $DS/0/90/disk.0)" "no disk on the host"
vm_tm ln "frontend:/ipfs/$v64_cid" "node1:$DS/0/90/disk.0" 90 100; assert_fail_one_line "ln"
assert_missing "$(on $DS/0/90/disk.0)"
vm_disk 91 "DRIVER=qcow2;FORMAT=qcow2;SIZE=64;ORIGINAL_SIZE=64;SOURCE=/ipfs/$v64_cid"
vm_tm clone "frontend:/ipfs/$v64_cid" "node1:$DS/0/91/disk.0" 91 100; assert_success "a 64 MB disk"
assert_file_eq "$(on $DS/0/91/disk.0)" "$T_ROOT/v64.qcow2"

# A streamOptimized vmdk whose header says 2 MiB and whose footer says
# 512 GiB (grain directory at the end, as VMware writes them): QEMU takes the
# footer's capacity.
qemu-img create -q -f vmdk -o subformat=streamOptimized "$T_ROOT/footer.vmdk" 2M
python3 - "$T_ROOT/footer.vmdk" <<'PY'
import struct, sys
f = sys.argv[1]
h = bytearray(open(f, "rb").read())
gd = struct.unpack_from("<Q", h, 56)[0]
footer = bytearray(h[0:512])
struct.pack_into("<Q", footer, 12, 2**30)         # capacity: 2^30 sectors
struct.pack_into("<Q", h, 56, 0xffffffffffffffff)  # VMDK4_GD_AT_END
marker = bytearray(512); struct.pack_into("<QII", marker, 0, 0, 0, 3)  # footer marker
eos = bytearray(512)                                                      # end of stream
open(f, "wb").write(bytes(h) + bytes(marker) + bytes(footer) + bytes(eos))
PY
footer_cid=$(ipfs_add fe "$T_ROOT/footer.vmdk")

t_case "a vmdk whose size is in its footer: refused by stat, cp and tm clone"
assert_contains "$(qemu-img info "$T_ROOT/footer.vmdk")" "virtual size: 512 GiB" "qemu-img reads the footer"
stat_of "/ipfs/$footer_cid"; assert_fail_one_line "stat"; assert_contains "$ERR" "footer"
before=$(entries)
cp_of "/ipfs/$footer_cid"; assert_fail_one_line "cp"; assert_contains "$ERR" "footer"
cp_of "$T_ROOT/footer.vmdk"; assert_fail_one_line "cp of the file"
assert_eq "$(entries)" "$before" "no catalog entry left"
vm_disk 92 "DRIVER=vmdk;FORMAT=vmdk;SIZE=2;ORIGINAL_SIZE=2;SOURCE=/ipfs/$footer_cid"
vm_tm clone "frontend:/ipfs/$footer_cid" "node1:$DS/0/92/disk.0" 92 100; assert_fail_one_line "clone"
assert_contains "$ERR" "footer"; assert_missing "$(on $DS/0/92/disk.0)" "no disk on the host"

t_case "IPFS_ALLOW_BACKING_FILE=yes lets it through (environment, ipfs.conf; never a datastore template)"
stat_of "/ipfs/$x_cid" DATASTORE/TEMPLATE/IPFS_ALLOW_BACKING_FILE yes; assert_fail_one_line "the template key is ignored"
assert_contains "$ERR" "WARN:"; assert_contains "$ERR" "IPFS_ALLOW_BACKING_FILE"
IPFS_ALLOW_BACKING_FILE=yes stat_of "/ipfs/$x_cid"; assert_success "stat with the environment"
IPFS_ALLOW_BACKING_FILE=yes cp_of "/ipfs/$x_cid"; assert_success "cp"; SRC=${OUT%% *}
assert_contains "$SRC" "mfs:$IPFS_CATALOG/100/$ID-"
IPFS_ALLOW_BACKING_FILE=yes run_tm clone "frontend:$SRC" "node1:$DS/0/62/disk.0" 62 100; assert_success "clone"
assert_file_eq "$(on $DS/0/62/disk.0)" "$T_ROOT/x.qcow2" "deployed byte for byte"
echo 'IPFS_ALLOW_BACKING_FILE = "yes"' >> "$ONE_IPFS_CONF"
run_tm clone "frontend:$SRC" "node1:$DS/0/63/disk.0" 63 100; assert_success "clone with the ipfs.conf key"
assert_file_eq "$(on $DS/0/63/disk.0)" "$T_ROOT/x.qcow2"

t_done
