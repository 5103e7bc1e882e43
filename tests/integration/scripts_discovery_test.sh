#!/usr/bin/env bash
# Where the composition tests (one_*_test.sh, market*_test.sh) find OpenNebula's scripts
# (tests/lib/one_scripts.sh), and that a clone without them passes: with
# every place hidden, each composition test exits 77 (CTest: skipped) after
# one line saying how to provide the scripts, and the CTest tests CMake made
# for them all report skipped, exit 0. Then the order (ONE_REFERENCE_DIR,
# then an installed OpenNebula: $ONE_LOCATION or the system layout, then
# ../shared/opennebula) and the releases each test picks, on stand-in trees;
# and, when real scripts are found, one composition test against them laid
# out as an installed OpenNebula (self-contained and system layout).
source "$(dirname "$0")/../lib/harness.sh"
lib="$ONEIPFS_SOURCE_DIR/tests/lib"
nowhere="$T_ROOT/nowhere"
mkdir -p "$T_ROOT/empty-root"
# nothing anywhere: no reference tree, nothing installed, no ../shared
hidden() { env -u ONE_LOCATION -u ONE_RELEASES ONE_REFERENCE_DIR="$nowhere" ONE_SHARED="$nowhere" \
  ONE_SYSTEM_ROOT="$T_ROOT/empty-root" "$@"; }
capture() { set +e; out=$("$@" 2>&1); rc=$?; set -e; }  # CMD... -> out (stdout and stderr), rc

t_case "nothing found: every composition test exits 77 after one line"
n=0
for script in "$ONEIPFS_SOURCE_DIR"/tests/integration/{one_*,market*}_test.sh; do
  name=$(basename "$script" _test.sh)
  for rel in "" 7.0.0; do
    capture hidden ${rel:+ONE_RELEASES=$rel} TMPDIR="$T_ROOT" timeout 60 bash "$script"
    assert_eq "$rc" 77 "$name${rel:+ (ONE_RELEASES=$rel)}: the skip code"
    assert_eq "$(grep -c . <<<"$out")" 1 "$name: one line, got: $out"
    assert_contains "$out" "SKIP: OpenNebula's own driver scripts were not found" "$name"
    assert_contains "$out" "ONE_REFERENCE_DIR=$nowhere" "$name: the line says what was looked at"
    assert_contains "$out" "set ONE_REFERENCE_DIR to OpenNebula's source" "$name: and how to provide the scripts"
  done
  n=$((n + 1))
done
((n >= 6)) && _t_ok || _t_fail "expected the composition tests (one_ds, one_ds_stress, one_tm_ssh, one_tm_shared, market, market_gateway), found $n"

t_case "nothing found: the CTest tests of the composition tests are all skipped, ctest exits 0"
# The build's test list, run from a copy so this nested ctest keeps its
# Testing/ records apart from the run that runs this test; -FA: the
# install_tree fixture is not run again (the tree is installed).
if [[ -f ${ONEIPFS_BUILD_DIR:-}/CTestTestfile.cmake ]]; then
  mkdir -p "$T_ROOT/ctest"
  cp "$ONEIPFS_BUILD_DIR/CTestTestfile.cmake" "$T_ROOT/ctest/"
  capture hidden TMPDIR="$T_ROOT" ctest --test-dir "$T_ROOT/ctest" -R '^it_one_' -FA '.*' --output-on-failure
  assert_eq "$rc" 0 "ctest exit code; its output: $out"
  total=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: it_one_' <<<"$out" || true)
  skipped=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: it_one_.*Skipped' <<<"$out" || true)
  ((total >= 4)) && _t_ok || _t_fail "ran $total composition tests: $out"
  assert_eq "$skipped" "$total" "every composition test reported skipped"
  assert_contains "$out" "100% tests passed" "ctest counts skips as passed"
else
  echo "scripts_discovery: no ONEIPFS_BUILD_DIR/CTestTestfile.cmake (run through ctest for this check)"
fi

t_case "the order: ONE_REFERENCE_DIR, then \$ONE_LOCATION or the system layout, then ONE_SHARED"
# stand-in trees: the files discovery looks for, nothing else
src_tree() { # DIR REF
  mkdir -p "$1"/src/{tm_mad,datastore_mad,mad/ruby}
  touch "$1"/src/tm_mad/one_tm.rb "$1"/src/datastore_mad/one_datastore.rb "$1"/src/mad/ruby/OpenNebulaDriver.rb
  [[ -z $2 ]] || echo "$2 0123abcd" >"$1/REF"
}
installed_tree() { # LIB REMOTES VERSION
  mkdir -p "$1"/mads "$1"/ruby "$2"/tm
  touch "$1"/mads/one_tm.rb "$1"/mads/one_datastore.rb "$1"/ruby/OpenNebulaDriver.rb
  echo "$3" >"$2/VERSION"
}
src_tree "$T_ROOT/ref" release-6.8.1
installed_tree "$T_ROOT/loc/lib" "$T_ROOT/loc/var/remotes" 6.10.2
installed_tree "$T_ROOT/sys/usr/lib/one" "$T_ROOT/sys/var/lib/one/remotes" 7.2.0
src_tree "$T_ROOT/shared/5.12.13" release-5.12.13
src_tree "$T_ROOT/shared/7.4.0" ""            # no REF: the directory's name
src_tree "$T_ROOT/shared/7.0.0" release-7.0.0
src_tree "$T_ROOT/shared/6.10.5" release-6.10.5
find_() { env -u ONE_RELEASES "$@" bash "$lib/one_scripts.sh" --find; }
assert_eq "$(find_ ONE_REFERENCE_DIR="$T_ROOT/ref" ONE_LOCATION="$T_ROOT/loc" ONE_SYSTEM_ROOT="$T_ROOT/sys" ONE_SHARED="$T_ROOT/shared")" \
  "6.8.1 $T_ROOT/ref (source)" "ONE_REFERENCE_DIR first (the release from REF)"
assert_eq "$(find_ ONE_REFERENCE_DIR="$nowhere" ONE_LOCATION="$T_ROOT/loc" ONE_SYSTEM_ROOT="$T_ROOT/sys" ONE_SHARED="$T_ROOT/shared")" \
  "6.10.2 $T_ROOT/loc (installed-location)" "then \$ONE_LOCATION (the release from var/remotes/VERSION)"
assert_eq "$(find_ -u ONE_LOCATION ONE_REFERENCE_DIR= ONE_SYSTEM_ROOT="$T_ROOT/sys" ONE_SHARED="$T_ROOT/shared")" \
  "7.2.0 $T_ROOT/sys (installed-system)" "or the system layout (usr/lib/one, var/lib/one/remotes/VERSION)"
assert_eq "$(find_ -u ONE_LOCATION ONE_REFERENCE_DIR= ONE_SYSTEM_ROOT="$T_ROOT/empty-root" ONE_SHARED="$T_ROOT/shared" | cut -d' ' -f1 | tr '\n' ' ')" \
  "5.12.13 6.10.5 7.0.0 7.4.0 " "then every release of ONE_SHARED, in order"
assert_eq "$(find_ -u ONE_LOCATION ONE_REFERENCE_DIR="$T_ROOT/shared" ONE_SYSTEM_ROOT="$T_ROOT/empty-root" ONE_SHARED="$nowhere" | wc -l)" \
  "4" "ONE_REFERENCE_DIR may be a directory of releases"
echo "not a release" >"$T_ROOT/loc/var/remotes/VERSION"
capture env -u ONE_RELEASES ONE_REFERENCE_DIR="$nowhere" ONE_LOCATION="$T_ROOT/loc" ONE_SHARED="$nowhere" bash "$lib/one_scripts.sh" --find
assert_eq "$rc" 77 "a VERSION that names no release: nothing usable"
assert_contains "$out" "$T_ROOT/loc/var/remotes/VERSION holds no release"

t_case "the releases each composition test runs"
matrix() { # VAR=VALUE...
  env -u ONE_LOCATION -u ONE_RELEASES ONE_REFERENCE_DIR= ONE_SYSTEM_ROOT="$T_ROOT/empty-root" "$@" \
    bash "$lib/one_scripts.sh" --matrix one_ds one_tm_shared one_ds_stress | tr '\n' ';'
}
assert_eq "$(matrix ONE_SHARED="$T_ROOT/shared")" \
  "one_ds 5.12.13;one_ds 6.10.5;one_ds 7.0.0;one_ds 7.4.0;one_tm_shared 5.12.13;one_tm_shared 6.10.5;one_tm_shared 7.4.0;one_ds_stress 7.0.0;" \
  "from a directory of releases: each test's choice (newest of each prefix; 6.6 missing here)"
assert_eq "$(matrix ONE_RELEASES="7.0.0 6.10" ONE_SHARED="$T_ROOT/shared")" \
  "one_ds 6.10.5;one_ds 7.0.0;one_tm_shared 6.10.5;one_tm_shared 7.0.0;one_ds_stress 6.10.5;one_ds_stress 7.0.0;" "ONE_RELEASES chooses"
assert_eq "$(matrix ONE_SHARED="$nowhere" ONE_LOCATION="$T_ROOT/loc")" "" \
  "(the broken ONE_LOCATION above finds nothing)"
echo 6.10.2 >"$T_ROOT/loc/var/remotes/VERSION"
assert_eq "$(matrix ONE_LOCATION="$T_ROOT/loc" ONE_SHARED="$T_ROOT/shared")" \
  "one_ds 6.10.2;one_tm_shared 6.10.2;one_ds_stress 6.10.2;" "an installed OpenNebula: its one release, for every test"

t_case "real scripts laid out as an installed OpenNebula: a composition test runs against them"
real=$(env -u ONE_RELEASES bash "$lib/one_scripts.sh" --find 2>/dev/null | tail -1 | cut -d' ' -f1) || real=
if [[ -z $real ]]; then
  echo "scripts_discovery: no OpenNebula scripts here; the installed-layout run is left out"
else
  # one_tree's ONE_LOCATION tree is a self-contained install of $real
  (source "$lib/one_tree.sh"; one_tree "$real" >/dev/null; echo "$ONE_LOCATION") >"$T_ROOT/tree"
  tree=$(cat "$T_ROOT/tree")
  rm -rf "$tree/var/remotes/tm/ipfs" "$tree/var/remotes/datastore/ipfs" "$tree/bin"
  sys="$T_ROOT/sysroot"
  mkdir -p "$sys/usr/lib/one" "$sys/var/lib/one" "$sys/etc"
  cp -a "$tree/lib/mads" "$tree/lib/ruby" "$tree/lib/sh" "$sys/usr/lib/one/"
  cp -a "$tree/etc" "$sys/etc/one"
  cp -a "$tree/var/remotes" "$sys/var/lib/one/remotes"
  for how in "ONE_LOCATION=$tree" "ONE_SYSTEM_ROOT=$sys"; do
    capture env -u ONE_RELEASES -u ONE_LOCATION ONE_REFERENCE_DIR= ONE_SHARED="$nowhere" "$how" TMPDIR="$T_ROOT" \
      bash "$ONEIPFS_SOURCE_DIR/tests/integration/one_ds_test.sh"
    assert_eq "$rc" 0 "one_ds against OpenNebula $real installed ($how): $(tail -5 <<<"$out")"
    assert_contains "$out" "== $real: a failure's message as oned receives it" "it ran $real"
    assert_contains "$out" "one_tree: OpenNebula $real from ${how#*=} (installed-" "from the installed layout"
  done
fi

t_done
