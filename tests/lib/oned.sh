# oned.sh: a real OpenNebula oned for the oned_* tests (the real-oned tier).
# Sourced after harness.sh.
#
# The tier builds OpenNebula's core (oned, onemonitord, the drivers and the
# CLI) from an OpenNebula source tarball or tree, unmodified, once per source:
# the install is cached outside the build tree, keyed by the source's hash,
# so only the first run pays the build (about 4 minutes on 2 cores). Each test
# then gets its own oned: its own ONE_LOCATION (etc/ and var/ copied, bin/,
# lib/ and share/ linked to the cached install), its own database, loopback
# ports from free_port, our drivers installed into its remotes and registered
# with our own one-ipfs-register. oned runs in a mount namespace whose
# /etc/ssh/ssh_config is the harness's (as one_tree.sh's front end does), so
# OpenNebula's drivers reach the test hosts with plain `ssh <host>`.
#
#   oned_require                  the source, else exit 77 (CTest's SKIP) with one
#                                 line saying how to enable the tier
#   oned_build                    -> ONED_INSTALL: the cached install (built under a
#                                 flock when missing; concurrent tests wait for it)
#   oned_start [VMM...]           ipfs.conf, oned.conf (dummy IM and VMM, plus the
#                                 VMMs named: kvm), starts oned -> ONE_LOCATION,
#                                 ONE_XMLRPC, ONE_AUTH, PATH, RUBYLIB; stopped by PID
#                                 at exit. A second cloud in the same test:
#                                 ONED_NAME (its directory, default "one"), ONED_IPFSD
#                                 (its front-end daemon, default "fe"), ONED_FRONTEND
#                                 (its front end as hosts reach it, default "frontend")
#   oned_use NAME                 the CLI talks to that cloud's oned from now on
#   one CMD ARGS...               the CLI as the operator runs it -> OUT ERR RC
#   one_ok CMD ARGS...            same, and the test fails unless it exits 0
#   one_xpath KIND ID XPATH       one value of `one<KIND> show -x ID`
#   oned_sync_hosts HOST...       what `onehost sync --force` does (that command
#                                 refuses to run as root): the remotes to each host
#   vm_wait ID STATE [SECONDS]    until `onevm show` gives STATE (STATE or LCM_STATE
#                                 name, e.g. RUNNING, POWEROFF, UNDEPLOYED); a
#                                 FAILURE state or the time running out fails the test
#   image_wait ID STATE [SECONDS] until the image is READY/USED/ERROR/...
#
# Source: ONE_SOURCE (a tarball or an unpacked tree), else the newest
# ../shared/opennebula-src/opennebula-*.tar.gz beside the repository (which a
# user's clone does not have). Cache: ONEIPFS_ONED_CACHE (default
# /var/cache/one-ipfs/oned), one directory per source hash.
: "${ONEIPFS_ONED_CACHE:=/var/cache/one-ipfs/oned}"
ONED_STARTED=0

# --- source and build ------------------------------------------------------------
# oned_source: the source to build from, or nothing (-> ONED_SOURCE)
oned_source() {
  ONED_SOURCE=
  if [[ -n ${ONE_SOURCE:-} ]]; then
    [[ -e $ONE_SOURCE ]] || { echo "oned: ONE_SOURCE=$ONE_SOURCE does not exist" >&2; exit 1; }
    ONED_SOURCE=$(realpath "$ONE_SOURCE")
    return 0
  fi
  local f
  f=$(ls -1 "$ONEIPFS_SOURCE_DIR"/../shared/opennebula-src/opennebula-*.tar.gz 2>/dev/null | sort -V | tail -1 || true)
  [[ -n $f ]] && ONED_SOURCE=$(realpath "$f")
  return 0
}

oned_require() {
  oned_source
  if [[ -z $ONED_SOURCE ]]; then
    echo "SKIP $T_NAME: the real-oned tier needs OpenNebula's source: ONE_SOURCE=/path/to/opennebula-7.0.0.tar.gz (or an unpacked tree) make test"
    exit 77
  fi
  return 0
}

# _oned_key: the source's hash (a tarball's sha256; for a tree, of its files'
# names, sizes and times, which changes when any file does)
_oned_key() {
  if [[ -f $ONED_SOURCE ]]; then
    sha256sum "$ONED_SOURCE" | cut -d' ' -f1
  else
    (cd "$ONED_SOURCE" && find . -path ./.git -prune -o -type f -printf '%P %s %T@\n' | LC_ALL=C sort | sha256sum | cut -d' ' -f1)
  fi
}

oned_build() {
  [[ -n ${ONED_SOURCE:-} ]] || oned_require
  local key; key=$(_oned_key)
  ONED_INSTALL="$ONEIPFS_ONED_CACHE/$key"
  [[ -x $ONED_INSTALL/bin/oned && -f $ONED_INSTALL/.complete ]] && return 0
  mkdir -p "$ONEIPFS_ONED_CACHE"
  # one build at a time per source: the others wait here, then find it done
  exec {_oned_lock}>"$ONEIPFS_ONED_CACHE/$key.lock"
  flock "$_oned_lock"
  if [[ ! -f $ONED_INSTALL/.complete ]]; then
    _oned_build_locked "$key" || { flock -u "$_oned_lock"; exit 1; }
  fi
  flock -u "$_oned_lock"
  exec {_oned_lock}>&-
}

_oned_build_locked() {
  local key=$1 src="$ONEIPFS_ONED_CACHE/$key.src" tmp="$ONEIPFS_ONED_CACHE/$key.tmp"
  local log="$ONEIPFS_ONED_CACHE/$key.build.log" p missing=() t0=$SECONDS
  # the packages: scripts/install-deps's list (it installs them when a source is present)
  for p in $(bash "$ONEIPFS_SOURCE_DIR/scripts/install-deps" --oned-packages); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "oned: missing Debian packages: ${missing[*]}; run ONE_SOURCE=$ONED_SOURCE scripts/install-deps" >&2
    return 1
  fi
  echo "oned: building OpenNebula from $ONED_SOURCE into $ONED_INSTALL (first run only, about 4 minutes; log: $log)" >&2
  rm -rf "$src" "$tmp"; mkdir -p "$src"
  if [[ -f $ONED_SOURCE ]]; then
    tar -xzf "$ONED_SOURCE" -C "$src" --strip-components=1
  else
    cp -a "$ONED_SOURCE/." "$src/"
  fi
  # No MySQL, FireEdge, svncterm, systemd, gems or downloads; new_xmlrpc=yes for
  # Debian's xmlrpc-c (>= 1.31). Upstream's SConstruct builds -g without -O.
  (cd "$src" && nice -n 19 scons -j"${ONED_JOBS:-2}" mysql=no sqlite=yes new_xmlrpc=yes grpc=no \
      svncterm=no fireedge=no rubygems=no context=no systemd=no download=no) >"$log" 2>&1 ||
    { tail -20 "$log" >&2; echo "oned: the OpenNebula build failed (log: $log)" >&2; return 1; }
  (cd "$src" && nice -n 19 ./install.sh -d "$tmp") >>"$log" 2>&1 ||
    { tail -20 "$log" >&2; echo "oned: OpenNebula's install.sh failed (log: $log)" >&2; return 1; }
  [[ -x $tmp/bin/oned ]] || { echo "oned: no bin/oned after install (log: $log)" >&2; return 1; }
  _oned_patch_install "$tmp"
  cp "$log" "$tmp/build.log"
  rm -rf "$ONED_INSTALL" "$src"
  touch "$tmp/.complete"
  mv "$tmp" "$ONED_INSTALL"
  echo "oned: built $("$ONED_INSTALL/bin/oned" -v | head -1) in $((SECONDS - t0)) s" >&2
}

# What a self-contained install needs around OpenNebula's files (the files
# themselves are not changed):
# - 7.x drivers and CLI `require 'load_opennebula_paths'`, whose installed
#   version calls Gem.use_paths on share/gems (only there when install_gems
#   downloaded gems; it would hide Debian's ruby-* gems): a version that only
#   puts lib/ruby on the load path. The original is kept beside it.
_oned_patch_install() {
  local lop=$1/lib/ruby/load_opennebula_paths.rb
  if [[ -f $lop ]] && grep -q 'Gem.use_paths' "$lop"; then
    mv "$lop" "$lop.orig"
    cat >"$lop" <<'EOF'
# one-ipfs test tier (tests/lib/oned.sh): Debian's ruby-* gems instead of
# share/gems (original: load_opennebula_paths.rb.orig)
ONE_LOCATION = ENV['ONE_LOCATION'] unless defined?(ONE_LOCATION)
if !ONE_LOCATION
    RUBY_LIB_LOCATION ||= '/usr/lib/one/ruby'
    GEMS_LOCATION     ||= '/usr/share/one/gems'
else
    RUBY_LIB_LOCATION ||= ONE_LOCATION + '/lib/ruby'
    GEMS_LOCATION     ||= ONE_LOCATION + '/share/gems'
end
require 'rubygems'
$LOAD_PATH << RUBY_LIB_LOCATION unless $LOAD_PATH.include?(RUBY_LIB_LOCATION)
EOF
  fi
}

# --- one oned per test ---------------------------------------------------------------
# oned_start [kvm]: this test's oned (ONED_FE_DATASTORES: the directory the
# front end sees as /var/lib/one/datastores, default its own), in its own mount namespace whose ssh
# config is the harness's (hosts started later are in it too), with the front
# end itself reachable as host "frontend". With kvm, OpenNebula's KVM VMM driver is
# configured too (hosts created with -v kvm reach it; see oned_kvm_host_bin).
oned_start() {
  oned_build
  local name=${ONED_NAME:-one} frontend=${ONED_FRONTEND:-frontend}
  local L="$T_ROOT/$name" port mport hmp hml
  [[ -n $ONE_REMOTES && -x $ONE_REMOTES/datastore/ipfs/cp ]] ||
    { echo "oned_start: no installed drivers at ONE_REMOTES=$ONE_REMOTES" >&2; exit 1; }
  free_port port; free_port mport; free_port hmp; free_port hml
  local fe_ds=${ONED_FE_DATASTORES:-$T_ROOT/fe-datastores${ONED_NAME:+-$name}}
  mkdir -p "$L/var" "$fe_ds" "$T_ROOT/remotes-on-hosts"
  # The front end as the hosts reach it (oned.conf HOSTNAME): ssh/mv of
  # undeploy and stop moves VM directories to it and back. Same directory as
  # oned's /var/lib/one/datastores.
  HOST_DATASTORES="$fe_ds" host_start "$frontend" --no-ipfs
  local d
  for d in bin lib share; do ln -s "$ONED_INSTALL/$d" "$L/$d"; done
  cp -a "$ONED_INSTALL/etc" "$L/etc"
  cp -a "$ONED_INSTALL/var/." "$L/var/"
  rm -f "$L/var/build.log" "$L/var/.complete"
  _oned_scope_dummy_drivers "$L"

  # our drivers, as `make install` puts them into a self-contained OpenNebula
  cp -a "$ONE_REMOTES/." "$L/var/remotes/"
  _oned_ipfs_conf "$L/var/remotes/etc/datastore/ipfs/ipfs.conf"

  # oned.conf and monitord.conf from the release's own files
  _oned_conf "$L/etc/oned.conf" "$port" "$hmp" "$hml" "${1:-}" "$frontend"
  _oned_monitord_conf "$L/etc/monitord.conf" "$mport"
  # registration exactly as an operator does it (common/oned_conf.h)
  ONE_LOCATION=$L "$ONEIPFS_BUILD_DIR/tools/one-ipfs-register" --no-backup >"$T_ROOT/register.out" 2>&1 ||
    { cat "$T_ROOT/register.out" >&2; echo "oned_start: one-ipfs-register failed" >&2; exit 1; }

  export ONE_LOCATION=$L PATH="$L/bin:$PATH" RUBYLIB="$L/lib/ruby" ONE_AUTH="$L/var/.one/one_auth"
  export ONE_XMLRPC="http://127.0.0.1:$port/RPC2"
  mkdir -p "$L/var/.one"; chmod 700 "$L/var/.one"
  echo "oneadmin:oneadmin-$RANDOM$RANDOM" >"$ONE_AUTH"; chmod 600 "$ONE_AUTH"
  ONED_PORT=$port

  # oned in the front end's mount namespace: the hosts' ssh config as
  # /etc/ssh/ssh_config (OpenNebula's drivers run plain `ssh <host>`), and its
  # own /var/lib/one/datastores (the fs datastore's BASE_PATH on the front end)
  (cd "$L/var" && exec env -u IPFS_SSH -u IPFS_API unshare -m --propagation private sh -c '
      mount --bind "$1" /etc/ssh/ssh_config && mount --bind "$2" /var/lib/one/datastores || exit 1
      exec "$3" -f' oned-frontend "$T_ROOT/ssh_config" "$fe_ds" "$L/bin/oned") \
    >"$L/var/oned.stdout" 2>&1 </dev/null &
  ONED_PID=$!
  echo "$ONED_PID" >"$L/var/oned.pid"  # the dummy monitor's shepherd looks for it
  T_PIDS+=("$ONED_PID")
  ONED_STARTED=1
  ONED_CLOUDS+=("$L")
  local v
  for v in ONE_LOCATION PATH RUBYLIB ONE_AUTH ONE_XMLRPC ONED_PORT ONED_PID; do
    printf '%s=%q\n' "$v" "${!v}"
  done >"$L/cloud.env"
  local req out
  req="<?xml version=\"1.0\"?><methodCall><methodName>one.system.version</methodName><params><param><value><string>$(cat "$ONE_AUTH")</string></value></param></params></methodCall>"
  # oned creates its database on the first start: on a loaded machine that
  # takes minutes, so the wait is a deadline (ONED_START_WAIT seconds).
  local deadline=$((SECONDS + ${ONED_START_WAIT:-300})) up=0
  while ((SECONDS < deadline)); do
    kill -0 "$ONED_PID" 2>/dev/null || { echo "oned_start: oned exited:" >&2; tail -20 "$L/var/oned.log" "$L/var/oned.stdout" >&2; exit 1; }
    if out=$(curl -sf -m 2 -H 'Content-Type: text/xml' -d "$req" "$ONE_XMLRPC" 2>/dev/null) && [[ $out == *'<boolean>1</boolean>'* ]]; then
      up=1; break
    fi
    sleep 0.2
  done
  ((up)) || { echo "oned_start: oned's API did not answer within ${ONED_START_WAIT:-300} s; the end of $L/var/oned.log:" >&2
              tail -15 "$L/var/oned.log" >&2; exit 1; }
  # the bootstrap enables market 0 (OpenNebula Public): no internet here
  one_ok onemarket disable 0
}

# The dummy drivers keep state in /tmp/one-monitord-<host id>.pid and
# /var/tmp/one_db, and the dummy host's monitoring "shepherd" kills every
# monitord-client.rb of the same host id and name on the machine and lets its
# own live while any process named like oned runs: scoped to this test's tree
# (its own copy of var/remotes), so parallel tests' oneds never meet.
_oned_scope_dummy_drivers() {
  local L=$1 im="$1/var/remotes/im" st="$1/var/dummy_state"
  mkdir -p "$st"
  sed -i "s|/tmp/one-monitord-|$st/one-monitord-|g" "$im/dummy.d/monitord-client_control.sh" \
    "$im/dummy-probes.d/host/beacon/monitord-client-shepherd_local.sh"
  sed -i "s|^DB_PATH = '/var/tmp/one_db'|DB_PATH = '$st/one_db'|" "$im/dummy.d/monitord-client.rb"
  local sh_="$im/dummy-probes.d/host/beacon/monitord-client-shepherd_local.sh"
  sed -i -e "s|grep \"/monitord-client.rb |grep \"$im/dummy.d/monitord-client.rb |" \
    -e "s|^oned=\`ps auxwww .*|oned=\$(kill -0 \"\$(cat $L/var/oned.pid 2>/dev/null)\" 2>/dev/null \&\& echo 1 \|\| echo 0)|" "$sh_"
  grep -q 'kill -0' "$sh_" || { echo "oned: could not scope $sh_ to this test" >&2; exit 1; }
  grep -q "$st" "$im/dummy.d/monitord-client.rb" || { echo "oned: could not scope the dummy monitor's DB" >&2; exit 1; }
}

# ipfs.conf as an operator writes it: the front-end daemon "fe", the catalog,
# hosts' remotes where oned's SCRIPTS_REMOTE_DIR puts them.
_oned_ipfs_conf() {
  cat >"$1" <<CFG
# written by tests/lib/oned.sh
IPFS_API = "$(_api "${ONED_IPFSD:-fe}")"
IPFS_CATALOG = "/one-ipfs-oned-$RANDOM$RANDOM"
IPFS_TMPDIR = "$T_ROOT"
IPFS_REMOTE_DIR = "$T_ROOT/remotes-on-hosts"
IPFS_SSH_CONTROL_DIR = "$T_ROOT/ssh-ctl"
CFG
}

_oned_conf() { # FILE PORT HM_PUB HM_LISTEN [kvm] [FRONTEND]
  local f=$1
  [[ -f $f.dist ]] || cp "$f" "$f.dist"
  sed -E -e "s|^PORT *=.*|PORT = $2|" \
    -e 's|^LISTEN_ADDRESS *=.*|LISTEN_ADDRESS = "127.0.0.1"|' \
    -e "s|^SCRIPTS_REMOTE_DIR *=.*|SCRIPTS_REMOTE_DIR=$T_ROOT/remotes-on-hosts|" \
    -e 's|^MONITORING_INTERVAL_DATASTORE *=.*|MONITORING_INTERVAL_DATASTORE = 15|' \
    -e 's|^MONITORING_INTERVAL_MARKET *=.*|MONITORING_INTERVAL_MARKET = 15|' \
    -e '/^MARKET_MAD *= *\[/,/\]/ s|(ARGUMENTS *= *"-t [0-9]+ -m )[^"]*"|\1http,s3"|' \
    -e "s|-p 2101 -l 2102 -b 127.0.0.1|-p $3 -l $4 -b 127.0.0.1|" \
    "$f.dist" >"$f"
  grep -q "^PORT = $2\$" "$f" && grep -q -- "-p $3 -l $4" "$f" || { echo "oned: cannot set the ports in $f" >&2; exit 1; }
  cat >>"$f" <<EOC

# added by tests/lib/oned.sh
MANAGER_TIMER = 5
HOSTNAME = "${6:-frontend}"
DATASTORE_LOCATION = $ONE_DATASTORES
VM_MAD = [ NAME = "dummy", SUNSTONE_NAME = "Testing", EXECUTABLE = "one_vmm_dummy", TYPE = "xml" ]
EOC
}

_oned_monitord_conf() { # FILE PORT
  local f=$1
  [[ -f $f.dist ]] || cp "$f" "$f.dist"
  sed -E -e 's|^( *)ADDRESS( *)= *"[^"]*"|\1ADDRESS\2= "127.0.0.1"|' \
    -e "s|^( *)PORT( *)= *4124|\1PORT\2= $2|" "$f.dist" >"$f"
  grep -q "= $2" "$f" || { echo "oned: cannot set the port in $f" >&2; exit 1; }
  cat >>"$f" <<EOC

# added by tests/lib/oned.sh
MONITORING_INTERVAL_HOST = 30
IM_MAD = [ NAME = "dummy", SUNSTONE_NAME = "Dummy", EXECUTABLE = "one_im_sh",
           ARGUMENTS = "-r 3 -t 15 -w 90 dummy", THREADS = 0 ]
EOC
}

# Stops oned by PID (and the driver processes it started, and the dummy
# hosts' monitoring clients, which detach from it).
_oned_stop() {
  ((ONED_STARTED)) || return 0
  ONED_STARTED=0
  local L pids p f pid
  for L in "${ONED_CLOUDS[@]}"; do
    pid=$(cat "$L/var/oned.pid" 2>/dev/null) || continue
    pids=$(_descendants "$pid")
    for f in "$L"/var/dummy_state/one-monitord-*.pid; do
      [[ -f $f ]] && pids+=" $(cat "$f")"
    done
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.2
    for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
  done
}
ONED_CLOUDS=()

# oned_use NAME: the CLI (one, one_ok, ...) talks to cloud NAME (ONED_NAME of
# its oned_start; the first cloud is "one")
oned_use() {
  [[ -f $T_ROOT/$1/cloud.env ]] || { echo "oned_use: no cloud $1 started" >&2; exit 1; }
  # shellcheck disable=SC1090
  source "$T_ROOT/$1/cloud.env"
  export ONE_LOCATION PATH RUBYLIB ONE_AUTH ONE_XMLRPC
}
trap '_oned_stop; _t_cleanup' EXIT

# --- the CLI -----------------------------------------------------------------------
one() { # CMD ARGS... -> OUT ERR RC
  local errf="$T_ROOT/one-stderr.$BASHPID"
  set +e
  OUT=$("$@" 2>"$errf" </dev/null)
  RC=$?
  set -e
  ERR=$(cat "$errf")
}
one_ok() {
  one "$@"
  [[ $RC == 0 ]] || _t_fail "$* failed (exit $RC): $ERR $OUT"
  return 0
}
# one_xml KIND ID: `one<KIND> show -x ID` -> $T_ROOT/<KIND>-<ID>.xml (path in XML)
one_xml() {
  one_ok "one$1" show -x "$2"
  XML="$T_ROOT/$1-$2.xml"
  printf '%s\n' "$OUT" >"$XML"
}
# one_xpath KIND ID PATH...: the text of each ElementTree PATH under the root,
# one per line (empty line when absent)
one_xpath() {
  local kind=$1 id=$2; shift 2
  one_xml "$kind" "$id"
  python3 - "$XML" "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
for p in sys.argv[2:]:
    print(root.findtext(p) or "")
PY
}

# --- states ------------------------------------------------------------------------
# one_state KIND ID -> STATE: a VM's state name (the LCM state's while ACTIVE),
# an image's or a host's state name
one_state() {
  one_xml "$1" "$2"
  STATE=$(python3 - "$1" "$XML" <<'PY'
import sys, xml.etree.ElementTree as ET
kind, path = sys.argv[1], sys.argv[2]
r = ET.parse(path).getroot()
vm = "INIT PENDING HOLD ACTIVE STOPPED SUSPENDED DONE FAILED POWEROFF UNDEPLOYED CLONING CLONING_FAILURE".split()
lcm = """LCM_INIT PROLOG BOOT RUNNING MIGRATE SAVE_STOP SAVE_SUSPEND SAVE_MIGRATE PROLOG_MIGRATE
PROLOG_RESUME EPILOG_STOP EPILOG SHUTDOWN CANCEL FAILURE CLEANUP_RESUBMIT UNKNOWN HOTPLUG
SHUTDOWN_POWEROFF BOOT_UNKNOWN BOOT_POWEROFF BOOT_SUSPENDED BOOT_STOPPED CLEANUP_DELETE
HOTPLUG_SNAPSHOT HOTPLUG_NIC HOTPLUG_SAVEAS HOTPLUG_SAVEAS_POWEROFF HOTPLUG_SAVEAS_SUSPENDED
SHUTDOWN_UNDEPLOY EPILOG_UNDEPLOY PROLOG_UNDEPLOY BOOT_UNDEPLOY HOTPLUG_PROLOG_POWEROFF
HOTPLUG_EPILOG_POWEROFF BOOT_MIGRATE BOOT_FAILURE BOOT_MIGRATE_FAILURE PROLOG_MIGRATE_FAILURE
PROLOG_FAILURE EPILOG_FAILURE EPILOG_STOP_FAILURE EPILOG_UNDEPLOY_FAILURE PROLOG_MIGRATE_POWEROFF
PROLOG_MIGRATE_POWEROFF_FAILURE PROLOG_MIGRATE_SUSPEND PROLOG_MIGRATE_SUSPEND_FAILURE
BOOT_UNDEPLOY_FAILURE BOOT_STOPPED_FAILURE PROLOG_RESUME_FAILURE PROLOG_UNDEPLOY_FAILURE
DISK_SNAPSHOT_POWEROFF DISK_SNAPSHOT_REVERT_POWEROFF DISK_SNAPSHOT_DELETE_POWEROFF
DISK_SNAPSHOT_SUSPENDED DISK_SNAPSHOT_REVERT_SUSPENDED DISK_SNAPSHOT_DELETE_SUSPENDED
DISK_SNAPSHOT DISK_SNAPSHOT_REVERT DISK_SNAPSHOT_DELETE PROLOG_MIGRATE_UNKNOWN
PROLOG_MIGRATE_UNKNOWN_FAILURE DISK_RESIZE DISK_RESIZE_POWEROFF DISK_RESIZE_UNDEPLOYED
HOTPLUG_NIC_POWEROFF HOTPLUG_RESIZE HOTPLUG_SAVEAS_UNDEPLOYED HOTPLUG_SAVEAS_STOPPED BACKUP
BACKUP_POWEROFF RESTORE""".split()
image = "INIT READY USED DISABLED LOCKED ERROR CLONE DELETE USED_PERS LOCKED_USED LOCKED_USED_PERS".split()
host = "INIT MONITORING_MONITORED MONITORED ERROR DISABLED MONITORING_ERROR MONITORING_INIT MONITORING_DISABLED OFFLINE".split()
st = int(r.findtext("STATE"))
if kind == "vm":
    print(lcm[int(r.findtext("LCM_STATE"))] if vm[st] == "ACTIVE" else vm[st])
else:
    print((image if kind == "image" else host)[st])
PY
)
}

# one_ds_monitored DS [SECONDS]: until oned has monitored datastore DS
# (TOTAL_MB > 0; default 60 s). Until then its FREE_MB is 0 and oned refuses
# every image with "Not enough space in datastore" (RequestManagerAllocate).
one_ds_monitored() {
  local t0=$SECONDS
  until (($(one_xpath datastore "$1" TOTAL_MB) > 0)); do
    ((SECONDS - t0 < ${2:-60})) || _t_fail "datastore $1 not monitored after ${2:-60} s"
    sleep 1
  done
}

# one_wait KIND ID STATE [SECONDS]: until one_state gives STATE (default 120 s).
# A VM in a *FAILURE state, an image in ERROR or a host in ERROR when that is
# not what is awaited fails the test at once, with the last lines of the log.
one_wait() {
  local kind=$1 id=$2 want=$3 limit=${4:-120} t0=$SECONDS
  while :; do
    one_state "$kind" "$id"
    [[ $STATE == "$want" ]] && { _t_ok; return 0; }
    if [[ $STATE == *FAILURE || ($kind == image && $STATE == ERROR) || ($kind == host && $STATE == ERROR) ]]; then
      _one_dump "$kind" "$id"
      _t_fail "$kind $id is $STATE, expected $want"
    fi
    ((SECONDS - t0 < limit)) || { _one_dump "$kind" "$id"; _t_fail "$kind $id still $STATE after ${limit}s, expected $want"; }
    sleep 0.5
  done
}
_one_dump() {
  case $1 in
    vm) tail -15 "$ONE_LOCATION/var/vms/$2/vm.log" >&2 2>/dev/null || true
        grep -E '\[TrM\]|\[VMM\]' "$ONE_LOCATION/var/oned.log" | tail -10 >&2 || true ;;
    *) python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print("  TEMPLATE/ERROR:", r.findtext("TEMPLATE/ERROR") or "")' "$XML" >&2 || true
       grep -E '\[(ImM|ReM|InM|DiM)\]' "$ONE_LOCATION/var/oned.log" | tail -8 >&2 || true ;;
  esac
}

# one_host_add NAME [VMM]: a host as `onehost create` makes it (dummy IM; the
# dummy VMM or the one named), awaited until MONITORED
one_host_add() {
  one_ok onehost create "$1" -i dummy -v "${2:-dummy}"
  local id=${OUT##*: }
  printf -v "ONE_HOST_ID_$(_var "$1")" '%s' "$id"
  one_wait host "$id" MONITORED 90
}

# oned_sync_hosts HOST...: what `onehost sync --force` does (OpenNebula's
# HostSyncManager: rsync -LRaz --delete of the remotes to SCRIPTS_REMOTE_DIR);
# the command itself refuses to run as root
oned_sync_hosts() {
  local h
  for h in "$@"; do
    ssh -F "$T_ROOT/ssh_config" "$h" mkdir -p "$T_ROOT/remotes-on-hosts"
    (cd "$ONE_LOCATION/var/remotes" && rsync -LRaz --delete -e "ssh -F $T_ROOT/ssh_config" . "$h:$T_ROOT/remotes-on-hosts/")
  done
}
