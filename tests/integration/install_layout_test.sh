#!/usr/bin/env bash
# make install / uninstall put the actions in OpenNebula's layout, with
# ONE_LOCATION set or not, honouring DESTDIR; an edited ipfs.conf survives;
# every executable answers --help and --version without touching IPFS;
# make deb packages the same files, with dependencies and a conffile.
source "$(dirname "$0")/../lib/harness.sh"
build=${ONEIPFS_BUILD_DIR:?}
mk() { make -s -C "$ONEIPFS_SOURCE_DIR" BUILD="$build" "$@" >"$T_ROOT/make.log" 2>&1 || { cat "$T_ROOT/make.log" >&2; exit 1; }; }

t_case "system layout (/var/lib/one/remotes) under DESTDIR"
mk install DESTDIR="$T_ROOT/root"
r="$T_ROOT/root/var/lib/one/remotes"
for a in cp stat rm monitor clone mkfs snap_delete snap_revert snap_flatten export one-ipfs-history-flush; do assert_exists "$r/datastore/ipfs/$a"; done
for a in import delete monitor; do assert_exists "$r/market/ipfs/$a"; done
for a in clone ln mvds cpds delete mv premigrate postmigrate failmigrate resize snap_create snap_delete snap_revert context one-ipfs-host; do
  assert_exists "$r/tm/ipfs/$a"
done
assert_exists "$r/etc/datastore/ipfs/ipfs.conf"
for f in usr/bin/one-ipfs-register usr/bin/one-ipfs-doctor usr/bin/one-ipfs-fsck usr/bin/one-ipfs-image usr/bin/one-ipfs-market \
         usr/share/one-ipfs/oned.conf.ipfs usr/share/one-ipfs/oned.conf.ipfs-market \
         usr/share/one-ipfs/ipfs.conf.default usr/share/one-ipfs/templates/image-ds-ipfs.tmpl \
         usr/share/one-ipfs/templates/system-ds-ssh.tmpl usr/share/one-ipfs/templates/system-ds-shared.tmpl; do
  assert_exists "$T_ROOT/root/$f"
done
assert_contains "$(cat "$T_ROOT/make.log")" "oned.conf was not changed"
[[ -x $r/datastore/ipfs/cp && -x $r/tm/ipfs/clone ]] && T_CHECKS=$((T_CHECKS + 1))

t_case "the installed drivers are stripped: onehost sync copies megabytes to each host, not hundreds"
kib=$(du -sk "$r/tm/ipfs" "$r/datastore/ipfs" | awk '{s += $1} END {print s}')
echo "installed drivers: $kib KiB"
(( kib < 64 * 1024 )) && T_CHECKS=$((T_CHECKS + 1)) || { echo "FAIL: the installed drivers take $kib KiB" >&2; exit 1; }
for f in "$r/tm/ipfs/clone" "$r/tm/ipfs/one-ipfs-host" "$r/datastore/ipfs/cp"; do
  assert_not_contains "$(objdump -h "$f")" ".debug_info" "$f carries no debug info"
done

t_case "an edited ipfs.conf is kept on reinstall"
echo 'IPFS_API = "/ip4/127.0.0.1/tcp/9999"' >> "$r/etc/datastore/ipfs/ipfs.conf"
mk install DESTDIR="$T_ROOT/root"
assert_contains "$(cat "$r/etc/datastore/ipfs/ipfs.conf")" "tcp/9999"
assert_exists "$r/etc/datastore/ipfs/ipfs.conf.new"

t_case "self-contained layout (ONE_LOCATION)"
mk install DESTDIR="$T_ROOT/root2" ONE_LOCATION=/opt/one
assert_exists "$T_ROOT/root2/opt/one/var/remotes/datastore/ipfs/cp"
assert_exists "$T_ROOT/root2/opt/one/var/remotes/tm/ipfs/mvds"
assert_exists "$T_ROOT/root2/opt/one/bin/one-ipfs-doctor"
assert_exists "$T_ROOT/root2/opt/one/share/one-ipfs/oned.conf.ipfs"
assert_missing "$T_ROOT/root2/usr"

t_case "--help and --version work without a daemon"
export IPFS_API=/ip4/127.0.0.1/tcp/1
for exe in "$r"/datastore/ipfs/* "$r"/tm/ipfs/* "$r"/market/ipfs/* "$T_ROOT"/root/usr/bin/*; do
  out=$("$exe" --version </dev/null) || { echo "FAIL: $exe --version" >&2; exit 1; }
  assert_contains "$out" "one-ipfs"
  out=$("$exe" --help </dev/null) || { echo "FAIL: $exe --help" >&2; exit 1; }
  assert_contains "$out" "$(basename "$exe")"
done

t_case "uninstall removes the drivers and keeps the configuration"
mk uninstall DESTDIR="$T_ROOT/root"
assert_missing "$r/datastore/ipfs"; assert_missing "$r/tm/ipfs"; assert_missing "$r/market/ipfs"
assert_exists "$r/etc/datastore/ipfs/ipfs.conf"
assert_missing "$T_ROOT/root/usr/bin/one-ipfs-doctor"; assert_missing "$T_ROOT/root/usr/bin/one-ipfs-fsck"; assert_missing "$T_ROOT/root/usr/bin/one-ipfs-image"; assert_missing "$T_ROOT/root/usr/bin/one-ipfs-market"; assert_missing "$T_ROOT/root/usr/share/one-ipfs"

t_case "make deb: the same files as make install, dependencies declared, ipfs.conf a conffile"
mk deb
deb=$(ls "$build"/deb/one-ipfs_*.deb)
mk install DESTDIR="$T_ROOT/root3"
(cd "$T_ROOT/root3" && find . -type f | sed 's|^\.||' | sort) > "$T_ROOT/installed.list"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $NF}' | sed 's|^\.||' | sort > "$T_ROOT/deb.list"
assert_file_eq "$T_ROOT/deb.list" "$T_ROOT/installed.list" "package vs make install file lists"
assert_contains "$(cat "$T_ROOT/deb.list")" "/var/lib/one/remotes/tm/ipfs/one-ipfs-host"
assert_contains "$(cat "$T_ROOT/deb.list")" "/var/lib/one/remotes/datastore/ipfs/one-ipfs-history-flush"
depends=$(dpkg-deb -f "$deb" Depends)
assert_contains "$depends" "libcurl"; assert_contains "$depends" "libtinyxml2"; assert_contains "$depends" "openssh-client"
assert_eq "$(dpkg-deb -f "$deb" Package)" "one-ipfs"
dpkg-deb -e "$deb" "$T_ROOT/control"
assert_eq "$(cat "$T_ROOT/control/conffiles")" "/var/lib/one/remotes/etc/datastore/ipfs/ipfs.conf"
assert_contains "$(sh "$T_ROOT/control/postinst" configure)" "one-ipfs-register"
dpkg-deb -x "$deb" "$T_ROOT/unpacked"
run_raw "" "$T_ROOT/unpacked/usr/bin/one-ipfs-doctor" --version; assert_success; assert_contains "$OUT" "one-ipfs"
[[ $(stat -c %a "$T_ROOT/unpacked/var/lib/one/remotes/tm/ipfs/clone") == 755 ]] && T_CHECKS=$((T_CHECKS + 1)) \
  || { echo "FAIL: tm/ipfs/clone is not 0755 in the package" >&2; exit 1; }

t_done
