#!/usr/bin/env bash
# it_oned_failures: what the user sees under a real oned (dummy VMM, ssh
# system datastore) when a host is not what it should be, and that nothing
# is lost: a host whose IPFS daemon is down (the deploy streams from the
# front end and says so in oned's log), a host that vanishes in the middle
# of a deploy (PROLOG_FAILURE with a message naming the host; the image and
# its catalog entry untouched, the VM deployable elsewhere).
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/oned.sh"
oned_require

ipfsd_start fe
oned_start
host_start nodaemon --no-ipfs
host_start vanishing
host_start spare
for h in nodaemon vanishing spare; do one_host_add "$h"; done
oned_sync_hosts nodaemon vanishing spare

sed "s|^SAFE_DIRS .*|SAFE_DIRS       = \"$T_ROOT\"|" "$ONEIPFS_SOURCE_DIR/install/templates/image-ds-ipfs.tmpl" >"$T_ROOT/ds.tmpl"
one_ok onedatastore create "$T_ROOT/ds.tmpl"; DS=${OUT##*: }
one_ds_monitored "$DS"
one_ok onedatastore create "$ONEIPFS_SOURCE_DIR/install/templates/system-ds-ssh.tmpl"; SYS=${OUT##*: }
disk_on() { local v="HOST_DS_$(_var "$1")"; echo "${!v}/$SYS/$2/disk.$3"; }

head -c 3145728 /dev/urandom >"$T_ROOT/small.img"
one_ok oneimage create -d "$DS" --name small --path "/ipfs/$(ipfs_add fe "$T_ROOT/small.img")"; SMALL=${OUT##*: }
head -c $((192 << 20)) /dev/urandom >"$T_ROOT/big.img"
one_ok oneimage create -d "$DS" --name big --path "$T_ROOT/big.img"; BIG=${OUT##*: }
one_wait image "$SMALL" READY 60
one_wait image "$BIG" READY 300
BIG_ENTRY=$(one_xpath image "$BIG" SOURCE); BIG_ENTRY=${BIG_ENTRY#mfs:}

t_case "a host whose IPFS daemon is down: the deploy streams from the front end and oned's log says so"
one_ok onevm create --hold --name nodaemon --cpu 0.1 --memory 64 --disk "$SMALL"; VM=${OUT##*: }
one_ok onevm deploy "$VM" nodaemon "$SYS"; one_wait vm "$VM" RUNNING 120
assert_file_eq "$(disk_on nodaemon "$VM" 0)" "$T_ROOT/small.img" "the disk on the host"
assert_contains "$(grep '\[TrM\]\[I\]' "$ONE_LOCATION/var/oned.log")" "no IPFS daemon on nodaemon" "the INFO line in oned's log"
one_ok onevm terminate "$VM"; one_wait vm "$VM" DONE 120

t_case "a host that vanishes mid-deploy: PROLOG_FAILURE naming the host, nothing lost"
one_ok onevm create --hold --name vanish --cpu 0.1 --memory 64 --disk "$BIG"; VM=${OUT##*: }
one_ok onevm deploy "$VM" vanishing "$SYS"
# wait until the helper is writing the disk (its hidden temporary beside disk.0 has bytes)
t0=$SECONDS
until tmp=$(compgen -G "$HOST_DS_vanishing/$SYS/$VM/.disk.0.one-ipfs-*") && [[ -s ${tmp%%$'\n'*} ]]; do
  ((SECONDS - t0 < 120)) || _t_fail "the deploy never started writing on the host"
  sleep 0.05
done
host_kill vanishing
assert_missing "$HOST_DS_vanishing/$SYS/$VM/disk.0" "no half-written disk.0 where a VM would boot it"
one_wait vm "$VM" PROLOG_FAILURE 120
one_xml vm "$VM"
err=$(python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print(r.findtext("USER_TEMPLATE/ERROR") or "")' "$XML")
echo "  the user sees: $err"
assert_contains "$err" "cannot reach host vanishing" "the error names the host"
assert_not_contains "$err" "INFO:" "the reason is ssh's, not the helper's last progress line"
assert_eq "$(one_xpath image "$BIG" STATE)" "2" "the image is still USED by the failed VM, not in ERROR"
ipfs_rpc fe files/read "arg=$BIG_ENTRY/1" >"$T_ROOT/back.img"
assert_file_eq "$T_ROOT/back.img" "$T_ROOT/big.img" "the catalog still holds the image"
one_ok onevm recover --delete "$VM"; one_wait vm "$VM" DONE 120
one_wait image "$BIG" READY 60

t_case "the same image deploys on another host afterwards"
one_ok onevm create --hold --name again --cpu 0.1 --memory 64 --disk "$BIG"; VM=${OUT##*: }
one_ok onevm deploy "$VM" spare "$SYS"; one_wait vm "$VM" RUNNING 300
assert_file_eq "$(disk_on spare "$VM" 0)" "$T_ROOT/big.img" "the disk on the spare host"
one_ok onevm terminate "$VM"; one_wait vm "$VM" DONE 120

t_done
