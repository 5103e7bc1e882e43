# harness.sh: sourced by every integration test (and the demo).
#
# Real parts only: js-ipfs daemons started from tests/ipfsd, and "hypervisor
# hosts" that are real sshd processes on loopback, each with its own port,
# host key, IPFS daemon and system-datastore directory. Everything a test
# starts is stopped by PID when it exits (parallel tests never touch each
# other's processes). Ports are reserved across parallel tests (see "ports"
# below; ONEIPFS_PORT_DIR moves the reservations). KEEP=1 keeps the scratch
# directory.
#
# Exports/provides:
#   T_ROOT                      scratch directory of this run
#   ipfsd_start NAME            daemon -> IPFSD_API_<NAME> (URL), IPFSD_MADDR_<NAME>,
#                               IPFSD_SWARM_<NAME>, IPFSD_PID_<NAME>, IPFSD_REPO_<NAME>, IPFSD_ID_<NAME>
#                               (IPFSD_QUIET=1: a new daemon without content routing
#                               or auto-dialling, as README's p2p setup advises;
#                               IPFSD_FLAGS="...": more daemon flags, e.g.
#                               --enable-namesys-pubsub for IPNS between daemons,
#                               kept for its restarts)
#   ipfs_connect NAME OTHER     swarm-connects daemon NAME to daemon OTHER
#   ipfsd_stop|ipfsd_kill|ipfsd_restart NAME
#   ipfs_rpc NAME CMD [QUERY]   POST /api/v0/CMD?QUERY, prints the body
#   ipfs_add NAME FILE [BASE]   prints the CIDv1 (raw leaves, 1 MiB chunks, unpinned; base32 by default)
#   ipfs_cat NAME PATH          bytes on stdout
#   ipfs_gc NAME                repo gc
#   ipfs_publish NAME PATH      publishes PATH under a new key; prints the key's peer id
#   host_start NAME [--no-ipfs] sshd host -> HOST_DS_<NAME>: the directory that host sees
#                               as /var/lib/one/datastores (own mount namespace); IPFS_SSH set.
#                               With HOST_DATASTORES=DIR set, the host sees DIR there
#                               instead (hosts of a shared system datastore). With
#                               HOST_BIN=DIR, the host sees DIR as /usr/local/sbin
#                               (first in root's PATH): stand-ins for hypervisor tools;
#                               HOST_ENV="K=V ...": more environment for its sessions
#   host_stop NAME              the host vanishes (sshd and its daemon stop)
#   host_kill NAME              the host loses power: sshd, every session it runs
#                               (commands in flight) and its daemon are killed
#   http_serve DIR              a loopback HTTP server -> HTTP_URL
#   ds_env                      ipfs.conf + environment for the drivers (IPFS_API -> daemon "fe")
#   run_ds ACTION XML ID [--argv]  as oned runs datastore actions -> OUT ERR RC
#   run_tm ACTION ARGS...       as one_tm runs transfer actions -> OUT ERR RC (stdin: $TM_STDIN file)
#   run_raw TEXT CMD ARGS...    any command with TEXT on stdin -> OUT ERR RC
#   xml_set FILE PATH VALUE     set IMAGE/... or DATASTORE/... (TEMPLATE children are created)
#   doc_from FIXTURE PATH [XPATH VALUE]...  tests/fixtures/FIXTURE.xml with IMAGE/PATH, SAFE_DIRS=$T_ROOT
#                               and the pairs -> $T_ROOT/FIXTURE.xml
#   register_file ID FILE       ds cp of FILE as image ID (must succeed) -> SOURCE in $SRC
#   t_case, assert_*, t_done    checks; t_done fails a test that checked nothing
#                               (T_KEEP_GOING=1: report every failed check, fail at t_done)
set -euo pipefail

: "${ONEIPFS_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${ONE_REMOTES:=}"
IPFS_CLI="$ONEIPFS_SOURCE_DIR/tests/ipfsd/node_modules/ipfs/src/cli.js"
ONE_DATASTORES=/var/lib/one/datastores  # as hosts see it (see host_start)
T_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/one-ipfs-test.XXXXXX")
T_CHECKS=0
T_PIDS=()
T_PORTS=()
T_NAME=$(basename "${0%.sh}")
export NO_UPDATE_NOTIFIER=1
# The front end's runtime directory (base/private_dir.h: holder-first notes,
# peer marks) is the test's own: tests run side by side.
mkdir -m 700 "$T_ROOT/run"
export XDG_RUNTIME_DIR="$T_ROOT/run"

# ssh connection sharing (IPFS_SSH_CONTROL_PERSIST): each test keeps its
# masters in its own directory, so a later test whose host reuses a port never
# meets a master of ours; they are stopped with the hosts and at the end.
export IPFS_SSH_CONTROL_DIR="$T_ROOT/ssh-ctl"
_ssh_masters_stop() { # OP [HOST]: -O OP to the master of HOST, or of every host
  local s
  if [[ -n ${2:-} ]]; then
    [[ -f $T_ROOT/ssh_config ]] || return 0
    timeout 10 ssh -F "$T_ROOT/ssh_config" -o ControlPath="$IPFS_SSH_CONTROL_DIR/%C" -O "$1" "$2" >/dev/null 2>&1 || true
    return 0
  fi
  for s in "$IPFS_SSH_CONTROL_DIR"/*; do
    [[ -S $s ]] && { timeout 10 ssh -S "$s" -O "$1" _ >/dev/null 2>&1 || true; }
  done
  return 0
}
# The background flushes of the catalog history (history_background.h) of
# this test's daemons, as a pgrep pattern ("" when it has no daemon).
_history_flushers_pattern() {
  local v apis=()
  for v in ${!IPFSD_API_@}; do [[ -n ${!v} ]] && apis+=("${!v}"); done
  ((${#apis[@]})) || return 0
  local IFS='|'
  echo "one-ipfs-history-flush --api (${apis[*]}) "
}
# Waits (up to 10 s) for them to end; 1 when some still run. A raw `repo gc`
# (ipfs_gc) waits too: js-ipfs's GC races MFS writes (catalog.h), and a
# flush writes MFS after the action that started it has returned.
history_flushers_wait() {
  local pat; pat=$(_history_flushers_pattern)
  [[ -n $pat ]] || return 0
  for _ in $(seq 100); do pgrep -f -- "$pat" >/dev/null || return 0; sleep 0.1; done
  return 1
}
# ... and kills what is left, before the daemons stop and T_ROOT goes.
_history_flushers_stop() {
  history_flushers_wait && return 0
  pkill -KILL -f -- "$(_history_flushers_pattern)" || true
}
_t_cleanup() {
  local pid
  _history_flushers_stop
  _ssh_masters_stop exit
  for pid in "${T_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${T_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  local port
  for port in "${T_PORTS[@]}"; do rm -rf "${T_PORT_DIR:?}/$port"; done
  if [[ ${KEEP:-0} == 1 ]]; then echo "harness: kept $T_ROOT" >&2; else rm -rf "$T_ROOT"; fi
}
trap _t_cleanup EXIT
# An unexpected failing command ends the test (set -e): say which.
trap 'echo "FAIL ${BASH_SOURCE[0]##*/}:$LINENO: unexpected failure of: $BASH_COMMAND" >&2' ERR

# --- ports -------------------------------------------------------------------
# Tests run in parallel (ctest -j) and a daemon binds its port seconds after
# the port was found free, so a port is reserved across processes before use:
# mkdir of $T_PORT_DIR/<port> is atomic, the directory holds the owner's PID
# and is removed when the test exits (a dead owner's reservation is taken
# over). Ports come from below the kernel's ephemeral range, so the local end
# of an outgoing connection never takes a port a daemon is about to bind.
T_PORT_DIR=${ONEIPFS_PORT_DIR:-/tmp/one-ipfs-ports}
mkdir -p "$T_PORT_DIR" && chmod 1777 "$T_PORT_DIR" 2>/dev/null || true
read -r _T_EPH_LO _T_EPH_HI </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || { _T_EPH_LO=32768; _T_EPH_HI=60999; }
if ((_T_EPH_LO - 1 - 10000 >= 2000)); then _T_PORT_LO=10000 _T_PORT_HI=$((_T_EPH_LO - 1))
else _T_PORT_LO=$((_T_EPH_HI + 1)) _T_PORT_HI=65535; fi
_T_PORT=$((_T_PORT_LO + (RANDOM * 32768 + RANDOM + $$) % (_T_PORT_HI - _T_PORT_LO + 1)))
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
_port_reserve() {
  local d="$T_PORT_DIR/$1" owner
  if ! mkdir "$d" 2>/dev/null; then
    owner=$(cat "$d/pid" 2>/dev/null) || return 1  # being reserved right now
    [[ -n $owner ]] && ! kill -0 "$owner" 2>/dev/null || return 1
    rm -rf "$d"; mkdir "$d" 2>/dev/null || return 1  # owner gone: take over
  fi
  echo $$ >"$d/pid"; T_PORTS+=("$1")
}
# free_port VAR: a free loopback port, reserved for this test, into VAR (no
# subshell, so the counter advances and two calls never return the same port).
free_port() {
  local tries=0
  while :; do
    ((++tries < 20000)) || { echo "harness: no free port in $_T_PORT_LO-$_T_PORT_HI" >&2; exit 1; }
    _T_PORT=$((_T_PORT + 1)); ((_T_PORT <= _T_PORT_HI)) || _T_PORT=$_T_PORT_LO
    port_free "$_T_PORT" && _port_reserve "$_T_PORT" || continue
    printf -v "$1" '%s' "$_T_PORT"; return
  done
}

_var() { printf '%s' "${1//[^A-Za-z0-9_]/_}"; }  # NAME -> shell-safe suffix

# --- IPFS daemons --------------------------------------------------------------
# _ipfsd_ports NAME: new reserved API and swarm ports into the repo's config
_ipfsd_ports() {
  local name=$1 v; v=$(_var "$1")
  local repo="$T_ROOT/ipfs-$name" api swarm gw=
  free_port api; free_port swarm
  [[ ${IPFSD_GATEWAY:-0} == 1 ]] && free_port gw
  python3 - "$repo/config" "$api" "$swarm" "${IPFSD_QUIET:-0}" "$gw" <<'PY'
import json, sys
path, api, swarm, quiet, gw = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
c = json.load(open(path))
if quiet == "1":
    # talks only to the peers it is told to connect to: no content routing,
    # and no auto-dialling of known peers (js-libp2p dials up to LowWater)
    c.setdefault("Routing", {})["Type"] = "none"
    c.setdefault("Swarm", {}).setdefault("ConnMgr", {})["LowWater"] = 0
c["Addresses"]["API"] = f"/ip4/127.0.0.1/tcp/{api}"
c["Addresses"]["Swarm"] = [f"/ip4/127.0.0.1/tcp/{swarm}"]
c["Addresses"]["Gateway"] = f"/ip4/127.0.0.1/tcp/{gw}" if gw else ""
c["Addresses"]["RPC"] = ""
c["Addresses"]["Delegates"] = []
c["Bootstrap"] = []
d = c.setdefault("Discovery", {})
d.setdefault("MDNS", {})["Enabled"] = False
d.setdefault("webRTCStar", {})["Enabled"] = False
json.dump(c, open(path, "w"), indent=2)
PY
  printf -v "IPFSD_API_$v" 'http://127.0.0.1:%s' "$api"
  printf -v "IPFSD_MADDR_$v" '/ip4/127.0.0.1/tcp/%s' "$api"
  printf -v "IPFSD_SWARM_$v" '/ip4/127.0.0.1/tcp/%s' "$swarm"
  printf -v "IPFSD_REPO_$v" '%s' "$repo"
  printf -v "IPFSD_GATEWAY_$v" '%s' "${gw:+http://127.0.0.1:$gw}"
  export "IPFSD_API_$v" "IPFSD_MADDR_$v" "IPFSD_SWARM_$v" "IPFSD_REPO_$v" "IPFSD_GATEWAY_$v"
}

ipfsd_start() {
  local name=$1 v; v=$(_var "$1")
  local repo="$T_ROOT/ipfs-$name" fresh=0 attempt
  [[ -f $IPFS_CLI ]] || { echo "harness: js-ipfs missing; run scripts/install-deps" >&2; exit 1; }
  if [[ ! -d $repo ]]; then
    IPFS_PATH=$repo node "$IPFS_CLI" init --profile test --emptyRepo >"$T_ROOT/ipfs-$name.init.log" 2>&1
    _ipfsd_ports "$name"; fresh=1
  fi
  for attempt in 1 2 3; do
    _ipfsd_launch "$name" && return 0
    # A new daemon whose port was taken by something outside the harness gets
    # new ports; a restarted one keeps its addresses (peers know them).
    if ((fresh)) && grep -q EADDRINUSE "$T_ROOT/ipfs-$name.log" && ((attempt < 3)); then
      echo "harness: daemon $name: port in use, retrying with new ports" >&2
      : >"$T_ROOT/ipfs-$name.log"; _ipfsd_ports "$name"; continue
    fi
    break
  done
  echo "harness: IPFS daemon $name did not start; its log:" >&2
  cat "$T_ROOT/ipfs-$name.log" >&2
  exit 1
}
_ipfsd_launch() {
  local name=$1 v; v=$(_var "$1")
  local repo="$T_ROOT/ipfs-$name"
  rm -rf "$repo/repo.lock" "$repo/api"
  local flags_var="IPFSD_FLAGS_$v"
  [[ -n ${!flags_var+x} ]] || printf -v "$flags_var" '%s' "${IPFSD_FLAGS:-}"
  # shellcheck disable=SC2086 # flags are words
  IPFS_PATH=$repo node "$IPFS_CLI" daemon --enable-preload=false ${!flags_var} >>"$T_ROOT/ipfs-$name.log" 2>&1 &
  local pid=$!
  T_PIDS+=("$pid")
  printf -v "IPFSD_PID_$v" '%s' "$pid"; export "IPFSD_PID_$v"
  # Ready when the API answers with this repo's own peer id (not another
  # process that happens to hold the port).
  local url_var="IPFSD_API_$v" i own id
  own=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Identity"]["PeerID"])' "$repo/config")
  for i in $(seq 900); do
    if curl -sf --max-time 5 -X POST "${!url_var}/api/v0/id" -o "$T_ROOT/ipfs-$name.id" 2>/dev/null; then
      id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ID"])' "$T_ROOT/ipfs-$name.id" 2>/dev/null) || id=
      if [[ $id == "$own" ]]; then
        printf -v "IPFSD_ID_$v" '%s' "$id"; export "IPFSD_ID_$v"
        return 0
      fi
    fi
    kill -0 "$pid" 2>/dev/null || break
    grep -q EADDRINUSE "$T_ROOT/ipfs-$name.log" && break  # js-ipfs may linger
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  return 1
}

_ipfsd_pid() { local v="IPFSD_PID_$(_var "$1")"; echo "${!v:-}"; }
ipfsd_stop() {
  local pid; pid=$(_ipfsd_pid "$1")
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local repo_v="IPFSD_REPO_$(_var "$1")"
  rm -rf "${!repo_v}/repo.lock" "${!repo_v}/api"
}
ipfsd_kill() {
  local pid; pid=$(_ipfsd_pid "$1")
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local repo_v="IPFSD_REPO_$(_var "$1")"
  rm -rf "${!repo_v}/repo.lock" "${!repo_v}/api"
}
ipfsd_restart() { ipfsd_stop "$1"; ipfsd_start "$1"; }

_api() { local v="IPFSD_API_$(_var "$1")"; echo "${!v}"; }
ipfs_rpc() { curl -sS -X POST "$(_api "$1")/api/v0/$2${3:+?$3}"; }
ipfs_add() { # NAME FILE [BASE]: CIDv1 in base32 (or BASE, e.g. base58btc)
  curl -sS -X POST -F "file=@$2" \
    "$(_api "$1")/api/v0/add?cid-version=1&raw-leaves=true&chunker=size-1048576&pin=false&cid-base=${3:-base32}" |
    python3 -c 'import json,sys; print([json.loads(l) for l in sys.stdin if l.strip()][-1]["Hash"])'
}
ipfs_cat() { curl -sS -f -X POST "$(_api "$1")/api/v0/cat?arg=$2"; }
ipfs_connect() { # NAME OTHER
  local sw="IPFSD_SWARM_$(_var "$2")" id="IPFSD_ID_$(_var "$2")" attempt
  # js-libp2p refuses a sixth inbound connection from one address within
  # about a second ("All promises were rejected"): all of ours are 127.0.0.1.
  for attempt in 1 2 3; do
    ipfs_rpc "$1" swarm/connect "arg=${!sw}/p2p/${!id}" | grep -q success && return 0
    sleep 1.2
  done
  echo "harness: daemon $1 cannot connect to $2" >&2; exit 1
}
ipfs_gc() { history_flushers_wait || true; ipfs_rpc "$1" repo/gc >/dev/null; }
ipfs_publish() {
  local key="k$RANDOM$RANDOM"
  ipfs_rpc "$1" key/gen "arg=$key&type=ed25519" >/dev/null
  ipfs_rpc "$1" name/publish "arg=$2&key=$key&allow-offline=true&resolve=false" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Name"])'
}

# --- hosts --------------------------------------------------------------------
host_start() {
  local name=$1 v; v=$(_var "$1")
  local dir="$T_ROOT/host-$name" port api
  local dsdir=${HOST_DATASTORES:-$dir/datastores}
  mkdir -p "$dir" "$dsdir" /run/sshd
  # The host's own runtime directory, as pam_systemd gives each machine's
  # user (/run/user/<uid>): the helper's lease and peer-mark files live there
  # (peer_sources.h SourceLockDir), so hosts on this one machine do not share them.
  mkdir -p -m 0700 "$dir/run"
  if [[ ! -f $T_ROOT/client_key ]]; then
    ssh-keygen -q -t ed25519 -N '' -f "$T_ROOT/client_key"
    : >"$T_ROOT/ssh_config"
  fi
  ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
  free_port port
  if [[ ${2:-} == --no-ipfs ]]; then
    local closed; free_port closed
    api="http://127.0.0.1:$closed"
  else
    ipfsd_start "host-$name"
    api=$(_api "host-$name")
  fi
  cat >"$dir/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
PidFile $dir/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AuthorizedKeysFile $T_ROOT/client_key.pub
SetEnv IPFS_HOST_API=$api XDG_RUNTIME_DIR=$dir/run ${HOST_ENV:-}
PrintMotd no
Subsystem sftp internal-sftp
CFG
  # sftp as a distribution's sshd has it: scp uses it (OpenSSH >= 9), and
  # OpenNebula 5.12's ssh/context copies the context ISO with scp.
  # Each host sees its own directory at /var/lib/one/datastores (a private
  # mount namespace), so transfer arguments use the real OpenNebula paths and
  # two hosts never share a disk file, as on separate machines. The login
  # user's ~/.bashrc is hidden there too: bash sources it for every command
  # sshd runs, and a developer's interactive setup (pyenv, nvm...) would add
  # its start-up time to every transfer, as it would not on a hypervisor's
  # oneadmin account.
  mkdir -p "$ONE_DATASTORES"
  local rc; rc="$(getent passwd root | cut -d: -f6)/.bashrc"
  [[ -f $rc ]] || rc=
  # Its /etc/ssh/ssh_config is the test's: a host reaches the other hosts (and
  # the front end) by name with plain ssh, as hypervisors do (OpenNebula's
  # ssh/mv pipes host to host, kvm/migrate rsyncs to the destination).
  unshare -m --propagation private sh -c '
    mount --bind "$1" "$2" || exit 1
    [ -z "$4" ] || mount --bind /dev/null "$4" || exit 1
    [ -z "$5" ] || { mkdir -p /usr/local/sbin && mount --bind "$5" /usr/local/sbin; } || exit 1
    mount --bind "$6" /etc/ssh/ssh_config || exit 1
    exec /usr/sbin/sshd -D -e -f "$3"' \
    host-sshd "$dsdir" "$ONE_DATASTORES" "$dir/sshd_config" "$rc" "${HOST_BIN:-}" "$T_ROOT/ssh_config" 2>"$dir/sshd.log" &
  T_PIDS+=("$!")
  printf -v "HOST_SSHD_PID_$v" '%s' "$!"
  printf -v "HOST_DS_$v" '%s' "$dsdir"
  export "HOST_DS_$v"
  cat >>"$T_ROOT/ssh_config" <<CFG
Host $name
  HostName 127.0.0.1
  Port $port
  User root
  IdentityFile $T_ROOT/client_key
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
CFG
  export IPFS_SSH="ssh -F $T_ROOT/ssh_config"
  for _ in $(seq 100); do
    ssh -F "$T_ROOT/ssh_config" "$name" true 2>/dev/null && return 0
    sleep 0.1
  done
  echo "harness: sshd for host $name did not start:" >&2; cat "$dir/sshd.log" >&2; exit 1
}
host_stop() {
  local v="HOST_SSHD_PID_$(_var "$1")"
  _ssh_masters_stop stop "$1"  # no new command reaches it; commands in flight finish
  kill -TERM "${!v}" 2>/dev/null || true
  wait "${!v}" 2>/dev/null || true
  [[ -n $(_ipfsd_pid "host-$1") ]] && ipfsd_stop "host-$1"
  return 0
}

_descendants() { local c; for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; _descendants "$c"; done; }
host_kill() {
  local v="HOST_SSHD_PID_$(_var "$1")" pids
  pids="${!v} $(_descendants "${!v}")"
  _ssh_masters_stop exit "$1"
  kill -KILL $pids 2>/dev/null || true
  wait "${!v}" 2>/dev/null || true
  [[ -n $(_ipfsd_pid "host-$1") ]] && ipfsd_kill "host-$1"
  return 0
}

http_serve() {
  local port; free_port port
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$1" >"$T_ROOT/http.log" 2>&1 &
  T_PIDS+=("$!")
  export HTTP_URL="http://127.0.0.1:$port"
  for _ in $(seq 100); do curl -sf -o /dev/null "$HTTP_URL/" && return 0; sleep 0.1; done
  echo "harness: http server did not start" >&2; exit 1
}

# --- drivers -------------------------------------------------------------------
ds_env() {
  export IPFS_API=$(_api fe)
  export IPFS_CATALOG="/one-ipfs-test-$RANDOM$RANDOM"
  export IPFS_TMPDIR="$T_ROOT"
  # hosts run the helper from the installed tree: IPFS_REMOTE_DIR/tm/ipfs/one-ipfs-host
  export IPFS_REMOTE_DIR="${ONE_REMOTES}"
  export ONE_IPFS_CONF="$T_ROOT/ipfs.conf"
  # the catalog history's signing key and spool (history.h): the test's own
  export IPFS_SIGNING_KEY="$T_ROOT/keys/one-ipfs-signing.key"
  cat >"$ONE_IPFS_CONF" <<CFG
# written by the test harness
IPFS_TIMEOUT = "60"
CFG
}

# Appends what the actions spooled for datastore DS's history (default 100)
# now, as the flusher they start does in the background; exit 1 when events
# are left (the reason on stderr).
history_flush() { # [DS]
  "$ONE_REMOTES/datastore/ipfs/one-ipfs-history-flush" --api "$IPFS_API" --catalog "$IPFS_CATALOG" --ds "${1:-100}"
}
run_ds() { # ACTION XML ID [--argv]
  local exe="$ONE_REMOTES/datastore/ipfs/$1" b64 errf="$T_ROOT/stderr.$BASHPID"
  b64=$(base64 -w0 "$2")
  set +e
  if [[ ${4:-} == --argv ]]; then
    OUT=$("$exe" "$b64" "$3" </dev/null 2>"$errf")
  else
    OUT=$(printf '%s' "$b64" | "$exe" "$3" 2>"$errf")
  fi
  RC=$?
  set -e
  ERR=$(cat "$errf")
}

run_raw() { # TEXT CMD ARGS...: CMD with TEXT on stdin (no newline added) -> OUT ERR RC
  local text=$1; shift
  set +e
  local errf="$T_ROOT/stderr.$BASHPID"
  OUT=$(printf '%s' "$text" | "$@" 2>"$errf")
  RC=$?
  set -e
  ERR=$(cat "$errf")
}

run_tm() { # ACTION ARGS...
  local exe="$ONE_REMOTES/tm/ipfs/$1"; shift
  set +e
  local errf="$T_ROOT/stderr.$BASHPID"  # per (sub)shell: tests run actions at once
  OUT=$("$exe" "$@" <"${TM_STDIN:-/dev/null}" 2>"$errf")
  RC=$?
  set -e
  ERR=$(cat "$errf")
}

xml_set() { # FILE IMAGE/X|DATASTORE/X|DATASTORE/TEMPLATE/X VALUE
  python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
path, where, value = sys.argv[1], sys.argv[2], sys.argv[3]
tree = ET.parse(path)
parts = where.split("/")
node = tree.getroot()
for i, p in enumerate(parts):
    child = node.find(p)
    if child is None:
        if i == len(parts) - 1:
            child = ET.SubElement(node, p)
        else:
            raise SystemExit(f"xml_set: no element {where} in {path}")
    node = child
node.text = value
tree.write(path)
PY
}

doc_from() { # FIXTURE PATH [XPATH VALUE]...
  local doc="$T_ROOT/$1.xml"
  cp "$ONEIPFS_SOURCE_DIR/tests/fixtures/$1.xml" "$doc"
  xml_set "$doc" IMAGE/PATH "$2"
  xml_set "$doc" DATASTORE/TEMPLATE/SAFE_DIRS "$T_ROOT"
  shift 2
  while (($#)); do xml_set "$doc" "$1" "$2"; shift 2; done
}
register_file() { # ID FILE -> SOURCE in $SRC
  doc_from cp "$2" IMAGE/ID "$1"
  run_ds cp "$T_ROOT/cp.xml" "$1"; assert_success "register $2: $ERR"; SRC=${OUT%% *}
}

# --- checks ----------------------------------------------------------------------
t_case() { printf '== %s\n' "$*"; }
T_FAILED=0
_t_fail() {
  # Called from an assert_* (the caller two frames up) or from the test itself.
  local src=${BASH_SOURCE[2]:-${BASH_SOURCE[1]:-?}} line=${BASH_LINENO[1]:-${BASH_LINENO[0]:-?}}
  printf 'FAIL %s:%s: %s\n' "${src##*/}" "$line" "$*" >&2
  [[ -n ${ERR:-} ]] && printf '  last stderr: %s\n' "$ERR" >&2
  # T_KEEP_GOING=1: report every failing check of a run (e.g. to see which
  # attacks an old build falls for), then fail at t_done.
  if [[ ${T_KEEP_GOING:-0} == 1 ]]; then T_FAILED=$((T_FAILED + 1)); return 0; fi
  exit 1
}
_t_ok() { T_CHECKS=$((T_CHECKS + 1)); }
assert_eq() { [[ $1 == "$2" ]] && _t_ok || _t_fail "${3:-} expected '$2', got '$1'"; }
assert_ge() { (($1 >= $2)) && _t_ok || _t_fail "${3:-} expected at least $2, got $1"; }
assert_lt() { (($1 < $2)) && _t_ok || _t_fail "${3:-} expected less than $2, got $1"; }
assert_ne() { [[ $1 != "$2" ]] && _t_ok || _t_fail "${3:-} expected something else than '$2'"; }
assert_contains() { [[ $1 == *"$2"* ]] && _t_ok || _t_fail "${3:-} expected '$1' to contain '$2'"; }
assert_not_contains() { [[ $1 != *"$2"* ]] && _t_ok || _t_fail "${3:-} expected '$1' not to contain '$2'"; }
assert_file_eq() { cmp -s "$1" "$2" && _t_ok || _t_fail "${3:-} files differ: $1 $2"; }
assert_exists() { [[ -e $1 ]] && _t_ok || _t_fail "${2:-} $1 does not exist"; }
assert_missing() { [[ ! -e $1 ]] && _t_ok || _t_fail "${2:-} $1 should not exist"; }
assert_rc() { [[ $RC == "$1" ]] && _t_ok || _t_fail "${2:-} exit code $RC, expected $1"; }
assert_success() { [[ $RC == 0 ]] && _t_ok || _t_fail "${1:-} failed with exit $RC"; }
# Failure as oned needs it: non-zero exit and exactly one line that is not
# an INFO:/WARN:/DEBUG: log line.
assert_fail_one_line() {
  [[ $RC != 0 ]] || _t_fail "${1:-} expected a failure, got success (stdout '$OUT')"
  local lines
  lines=$(printf '%s\n' "$ERR" | grep -v -E '^(INFO|WARN|DEBUG):' | grep -c . || true)
  [[ $lines == 1 ]] && _t_ok || _t_fail "${1:-} expected one error line, got $lines"
}
t_done() {
  ((T_FAILED == 0)) || { echo "$T_NAME: $T_FAILED checks failed" >&2; exit 1; }
  ((T_CHECKS > 0)) || _t_fail "the test checked nothing"
  echo "$T_NAME: $T_CHECKS checks passed"
  echo "1 passed, 0 failed"
}
