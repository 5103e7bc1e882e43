#!/usr/bin/env bash
# make install / uninstall put the actions in OpenNebula's layout, with
# ONE_LOCATION set or not, honouring DESTDIR; an edited ipfs.conf survives;
# every executable answers --help and --version without touching IPFS.
source "$(dirname "$0")/../lib/harness.sh"
build=${ONEIPFS_BUILD_DIR:?}
mk() { make -s -C "$ONEIPFS_SOURCE_DIR" BUILD="$build" "$@" >"$T_ROOT/make.log" 2>&1 || { cat "$T_ROOT/make.log" >&2; exit 1; }; }

t_case "system layout (/var/lib/one/remotes) under DESTDIR"
mk install DESTDIR="$T_ROOT/root"
r="$T_ROOT/root/var/lib/one/remotes"
for a in cp stat rm monitor clone mkfs snap_delete snap_revert snap_flatten; do assert_exists "$r/datastore/ipfs/$a"; done
for a in clone ln mvds cpds delete mv premigrate postmigrate failmigrate resize snap_create snap_delete snap_revert context one-ipfs-host; do
  assert_exists "$r/tm/ipfs/$a"
done
assert_exists "$r/etc/datastore/ipfs/ipfs.conf"
[[ -x $r/datastore/ipfs/cp && -x $r/tm/ipfs/clone ]] && T_CHECKS=$((T_CHECKS + 1))

t_case "an edited ipfs.conf is kept on reinstall"
echo 'IPFS_API = "/ip4/127.0.0.1/tcp/9999"' >> "$r/etc/datastore/ipfs/ipfs.conf"
mk install DESTDIR="$T_ROOT/root"
assert_contains "$(cat "$r/etc/datastore/ipfs/ipfs.conf")" "tcp/9999"
assert_exists "$r/etc/datastore/ipfs/ipfs.conf.new"

t_case "self-contained layout (ONE_LOCATION)"
mk install DESTDIR="$T_ROOT/root2" ONE_LOCATION=/opt/one
assert_exists "$T_ROOT/root2/opt/one/var/remotes/datastore/ipfs/cp"
assert_exists "$T_ROOT/root2/opt/one/var/remotes/tm/ipfs/mvds"

t_case "--help and --version work without a daemon"
export IPFS_API=/ip4/127.0.0.1/tcp/1
for exe in "$r"/datastore/ipfs/* "$r"/tm/ipfs/*; do
  out=$("$exe" --version </dev/null) || { echo "FAIL: $exe --version" >&2; exit 1; }
  assert_contains "$out" "one-ipfs"
  out=$("$exe" --help </dev/null) || { echo "FAIL: $exe --help" >&2; exit 1; }
  assert_contains "$out" "$(basename "$exe")"
done

t_case "uninstall removes the drivers and keeps the configuration"
mk uninstall DESTDIR="$T_ROOT/root"
assert_missing "$r/datastore/ipfs"; assert_missing "$r/tm/ipfs"
assert_exists "$r/etc/datastore/ipfs/ipfs.conf"

t_done
