#!/usr/bin/env bash
# one-ipfs-doctor against real parts: a front-end daemon, three loopback
# hosts (node1 healthy, node2 with its daemon stopped, node3 without the
# helper), real and broken installs, registered and unregistered oned.conf.
# Every failure row must carry a fix and make the exit status non-zero.
source "$(dirname "$0")/../lib/harness.sh"
DOCTOR="$ONEIPFS_BUILD_DIR/tools/one-ipfs-doctor"
REGISTER="$ONEIPFS_BUILD_DIR/tools/one-ipfs-register"

# the daemon settings README recommends (no content routing, LowWater 0);
# the p2p settings case below changes them
export IPFSD_QUIET=1
ipfsd_start fe
host_start node1
host_start node2
host_start node3
ds_env
ipfsd_stop host-node2
# Each host sees its own /var/lib/one/datastores, so the helper is "synced"
# there on node1 and node2 and missing on node3.
export IPFS_REMOTE_DIR=/var/lib/one/datastores/.one
for h in node1 node2; do
  v="HOST_DS_$h"; mkdir -p "${!v}/.one/tm/ipfs"
  cp "$ONE_REMOTES/tm/ipfs/one-ipfs-host" "${!v}/.one/tm/ipfs/"
done
fixture=$(ls "$ONEIPFS_SOURCE_DIR"/tests/fixtures/oned.conf/*.conf | tail -1)
cp "$fixture" "$T_ROOT/oned.conf"
cp "$fixture" "$T_ROOT/oned-registered.conf"
"$REGISTER" --oned-conf "$T_ROOT/oned-registered.conf" --no-backup >/dev/null
doctor() { run_raw "" "$DOCTOR" --remotes "$ONE_REMOTES" "$@"; }
row() { printf '%s\n' "$OUT" | grep -E "^$1 +$2 +$3 " || true; }  # OUTCOME SUBJECT CHECK

head -c 2M /dev/urandom >"$T_ROOT/img"
register_file 7 "$T_ROOT/img"; IMG=$SRC

t_case "a healthy front end and host: every check passes"
doctor --oned-conf "$T_ROOT/oned-registered.conf" node1
assert_success "$OUT"
for c in "front end +IPFS daemon" "front end +API on loopback only" "front end +actions installed" \
         "front end +oned.conf registration" "node1 +helper" "node1 +IPFS daemon" "node1 +peering" \
         "node1 +round trip"; do
  assert_ne "$(row PASS "${c% +*}" "${c#* +}")" "" "PASS row for $c"
done
assert_contains "$OUT" "0 failed"
assert_contains "$(row PASS node1 "round trip")" "read back intact"
assert_contains "$(row PASS "front end" "daemon kind")" "js-ipfs 0."
assert_contains "$(row PASS "front end" StorageMax)" "no StorageMax; the catalog references"
assert_contains "$(row PASS "front end" "catalog \\(fsck\\)")" "1 entries, 1 versions: nothing found"
# PASS, or WARN when this loaded machine takes over 2 s for one ssh command
assert_contains "$(row '(PASS|WARN)' node1 ssh)" "reachable, a command takes"

t_case "daemons whose settings defeat the one-source policy: FAIL rows with the exact fix, and a deploy says so"
assert_contains "$(row PASS "front end" "p2p settings")" "Routing.Type none, Swarm.ConnMgr.LowWater 0"
assert_contains "$(row PASS node1 "p2p settings")" "Routing.Type none, Swarm.ConnMgr.LowWater 0"
# what a new user's daemon has: routing on (js-ipfs: dhtclient), LowWater 50
# (read by config/show; the running daemons keep their settings)
for d in fe host-node1; do
  ipfs_rpc $d config "arg=Routing.Type&arg=dhtclient" >/dev/null
  ipfs_rpc $d config "arg=Swarm.ConnMgr.LowWater&arg=50&json=true" >/dev/null
done
doctor --oned-conf "$T_ROOT/oned-registered.conf" node1
assert_rc 1
assert_contains "$(row FAIL "front end" "p2p settings")" "content routing is on (Routing.Type dhtclient)"
assert_contains "$(row FAIL node1 "p2p settings")" "Swarm.ConnMgr.LowWater is 50"
assert_contains "$OUT" "fix: run \`ipfs config Routing.Type none\` and \`ipfs config --json Swarm.ConnMgr.LowWater 0\` on node1"
assert_contains "$OUT" "2 failed"
run_tm clone "$IMG" "node1:/var/lib/one/datastores/0/41/disk.0" 41 100; assert_success "$ERR"
assert_eq "$(grep -c "this host's IPFS daemon may fetch" <<<"$ERR")" 1 "one INFO line: $ERR"
assert_contains "$ERR" "run \`ipfs config Routing.Type none\` and \`ipfs config --json Swarm.ConnMgr.LowWater 0\` on this host"
for d in fe host-node1; do
  ipfs_rpc $d config "arg=Routing.Type&arg=none" >/dev/null
  ipfs_rpc $d config "arg=Swarm.ConnMgr.LowWater&arg=0&json=true" >/dev/null
done
run_tm clone "$IMG" "node1:/var/lib/one/datastores/0/42/disk.0" 42 100; assert_success "$ERR"
assert_not_contains "$ERR" "this host's IPFS daemon may fetch"
doctor --oned-conf "$T_ROOT/oned-registered.conf" node1
assert_success "settings restored: $OUT"

t_case "a stale name inside a catalog entry (a writer killed mid-way) is a warning naming one-ipfs-fsck"
ipfs_rpc fe files/mkdir "arg=${IMG#mfs:}/.staging-123" >/dev/null
doctor --oned-conf "$T_ROOT/oned-registered.conf" node1
assert_success "warnings alone do not fail: $OUT"
assert_contains "$(row WARN "front end" "catalog \\(fsck\\)")" "1 stale"
assert_contains "$OUT" "one-ipfs-fsck --repair"
ipfs_rpc fe files/rm "arg=${IMG#mfs:}/.staging-123&recursive=true" >/dev/null

t_case "a host whose ssh commands are slow is a warning with the fix"
printf '#!/bin/sh\nsleep 2.5\nexec ssh -F %s "$@"\n' "$T_ROOT/ssh_config" > "$T_ROOT/slow-ssh"; chmod +x "$T_ROOT/slow-ssh"
IPFS_SSH="$T_ROOT/slow-ssh" doctor --no-oned-conf node1
assert_success "warnings alone do not fail: $OUT"
assert_ne "$(row WARN node1 ssh)" "" "slow ssh is a WARN row"
assert_contains "$OUT" "sources ~/.bashrc for ssh commands"
assert_ne "$(row PASS node1 "round trip")" "" "and the host still works"

t_case "a host whose daemon is stopped, a host without the helper, an unknown host"
doctor --oned-conf "$T_ROOT/oned-registered.conf" node1 node2 node3 nosuchhost
assert_rc 1
assert_ne "$(row PASS node1 "round trip")" "" "the healthy host still passes"
assert_ne "$(row PASS node2 helper)" ""
assert_ne "$(row FAIL node2 "IPFS daemon")" "" "node2's daemon"
assert_contains "$OUT" "fix: start an IPFS daemon on node2"
assert_ne "$(row FAIL node3 helper)" "" "node3's helper"
assert_contains "$(row FAIL node3 helper)" "no helper at /var/lib/one/datastores/.one/tm/ipfs/one-ipfs-host"
assert_contains "$OUT" "fix: run \`onehost sync --force\`"
assert_ne "$(row FAIL nosuchhost ssh)" "" "an unknown host"
assert_contains "$OUT" "3 failed"

t_case "a helper of another version is reported"
printf '#!/bin/sh\necho 0.0.1\n' > "$HOST_DS_node1/.one/tm/ipfs/one-ipfs-host.new"
chmod +x "$HOST_DS_node1/.one/tm/ipfs/one-ipfs-host.new"
mv "$HOST_DS_node1/.one/tm/ipfs/one-ipfs-host" "$T_ROOT/helper.saved"
mv "$HOST_DS_node1/.one/tm/ipfs/one-ipfs-host.new" "$HOST_DS_node1/.one/tm/ipfs/one-ipfs-host"
doctor --no-oned-conf node1
assert_rc 1
assert_contains "$(row FAIL node1 helper)" "is version 0.0.1"
mv "$T_ROOT/helper.saved" "$HOST_DS_node1/.one/tm/ipfs/one-ipfs-host"

t_case "oned.conf without the registration, and one that does not parse"
doctor --oned-conf "$T_ROOT/oned.conf"
assert_rc 1
assert_contains "$(row FAIL "front end" "oned.conf registration")" "lacks ipfs in DATASTORE_MAD -d"
assert_contains "$OUT" "one-ipfs-register"
printf 'DATASTORE_MAD = [\n  EXECUTABLE = "one_datastore",\n' > "$T_ROOT/broken.conf"
doctor --oned-conf "$T_ROOT/broken.conf"
assert_rc 1
assert_ne "$(row FAIL "front end" "oned.conf registration")" ""
doctor --oned-conf "$T_ROOT/missing.conf"
assert_contains "$(row FAIL "front end" "oned.conf registration")" "cannot read"

t_case "an incomplete install names what is missing"
cp -a "$ONE_REMOTES" "$T_ROOT/remotes"
rm "$T_ROOT/remotes/datastore/ipfs/stat"; chmod -x "$T_ROOT/remotes/tm/ipfs/mvds"
run_raw "" "$DOCTOR" --remotes "$T_ROOT/remotes" --no-oned-conf
assert_rc 1
assert_contains "$(row FAIL "front end" "actions installed")" "datastore/ipfs/stat"
assert_contains "$(row FAIL "front end" "actions installed")" "tm/ipfs/mvds"

t_case "an API that listens beyond loopback fails"
ipfs_rpc fe config "arg=Addresses.API&arg=/ip4/0.0.0.0/tcp/5001" >/dev/null
doctor --no-oned-conf
assert_rc 1
assert_contains "$(row FAIL "front end" "API on loopback only")" "/ip4/0.0.0.0/tcp/5001"
ipfs_rpc fe config "arg=Addresses.API&arg=/ip4/127.0.0.1/tcp/5001" >/dev/null
doctor --no-oned-conf
assert_success

t_case "the front-end daemon down: said, with the fix; hosts are still checked"
free_port closed
IPFS_API="/ip4/127.0.0.1/tcp/$closed" doctor --no-oned-conf node1
assert_rc 1
assert_contains "$(row FAIL "front end" "IPFS daemon")" "127.0.0.1:$closed"
assert_contains "$OUT" "fix: start the front end's IPFS daemon"
assert_ne "$(row PASS node1 ssh)" ""

t_case "without HOST arguments the hosts come from onehost list -x"
mkdir -p "$T_ROOT/bin"
cat > "$T_ROOT/bin/onehost" <<'SH'
#!/bin/sh
[ "$1 $2" = "list -x" ] || exit 2
echo '<HOST_POOL><HOST><ID>0</ID><NAME>node1</NAME></HOST><HOST><ID>1</ID><NAME>node3</NAME></HOST></HOST_POOL>'
SH
chmod +x "$T_ROOT/bin/onehost"
PATH="$T_ROOT/bin:$PATH" doctor --no-oned-conf
assert_rc 1
assert_ne "$(row PASS node1 "round trip")" ""
assert_ne "$(row FAIL node3 helper)" ""
PATH=/usr/bin:/bin doctor --no-oned-conf
assert_success
assert_ne "$(row WARN hosts "host list")" "" "no onehost: a warning, not a failure"

t_case "--help and --version touch nothing"
IPFS_API=/ip4/127.0.0.1/tcp/1 run_raw "" "$DOCTOR" --version; assert_success; assert_contains "$OUT" "one-ipfs"
run_raw "" "$DOCTOR" --bogus; assert_rc 2

t_done
