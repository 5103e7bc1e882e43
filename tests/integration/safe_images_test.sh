#!/usr/bin/env bash
# Safe images: a qcow2 whose header names a backing file (and vmdk descriptors
# whose extents live in other files) is refused by ds stat, ds cp and tm clone
# with one stderr line, leaving nothing registered and nothing on the host;
# IPFS_ALLOW_BACKING_FILE=yes lets it through. Real daemon, real sshd host.
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
