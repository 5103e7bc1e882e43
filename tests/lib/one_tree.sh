# one_tree.sh: OpenNebula's own driver front ends (one_tm, one_datastore) and
# system TMs, laid out as a ONE_LOCATION tree beside our drivers, for tests
# that run the drivers the way oned composes them. Sourced after harness.sh.
#
# The files are OpenNebula's, unmodified, from wherever one_scripts.sh finds
# them (ONE_REFERENCE_DIR, the OpenNebula installed here, ../shared/opennebula;
# source or installed layout). What this file adds is only what an installed
# front end has around them: the directory layout, remotes/VERSION (the
# release, which our drivers read), the link files a reference tree stores
# as text (ssh/ln -> ./clone, shared -> qcow2), a three-line
# load_opennebula_paths.rb (7.0 requires it), var/config, an empty kvmrc,
# and stand-ins for the oneadmin CLI (onevm/onedatastore show -x print the
# documents a test wrote with one_vm_doc/one_ds_doc) and for ssh (the test
# hosts' ssh config, on the front end and on the hosts alike).
#
#   one_tree RELEASE              -> ONE_LOCATION=$T_ROOT/one-RELEASE, PATH, SSH
#   one_vm_doc VMID FILE          the document `onevm show -x VMID` prints
#   one_ds_doc DSID FILE          the document `onedatastore show -x DSID` prints
#   one_transfer VMID FILE        oned's TRANSFER through the real one_tm
#                                 (INIT, TRANSFER, FINALIZE on its stdin) ->
#                                 XFR_RESULT (SUCCESS/FAILURE), XFR_INFO, XFR_LOG
#   one_datastore FILE            oned's datastore requests (one a line, e.g.
#                                 "STAT  7 <base64>") through the real
#                                 one_datastore (-t $ONE_DS_THREADS, default
#                                 15, as oned.conf has it), all at once -> $T_ROOT/one_ds.out
#                                 (every line it wrote; one_ds.log: of every
#                                 session); one_ds_reply TYPE ID ->
#                                 DS_RESULT, DS_INFO, DS_LOG (its LOG lines)
# The front end runs in its own mount namespace whose /etc/ssh/ssh_config is
# the test hosts' config, as oneadmin's ssh config knows the hypervisors
# in production (the scripts call plain `ssh host`, with a PATH they set).
#
#   one_vmm_tm ACTION TM ARGS...  a VMM-driven TM call (pre/post/failmigrate):
#                                 one_tm.rb's do_transfer_action, as
#                                 one_vmm_exec.rb calls it, stdin from $VMM_STDIN
#                                 -> XFR_RESULT, XFR_INFO, XFR_LOG
source "$(dirname "${BASH_SOURCE[0]}")/one_scripts.sh"
ONE_TM_DRIVERS=dummy,shared,ssh,qcow2,local,ipfs

one_tree() {
  local ver=$1 layout
  one_scripts_require "$ver"
  layout=$(one_scripts_layout "$ver")
  command -v ruby >/dev/null || { echo "one_tree: ruby is missing; run scripts/install-deps" >&2; exit 1; }
  echo "one_tree: OpenNebula $ver from $(one_scripts_where "$ver")"
  local one="$T_ROOT/one-$ver" p d f
  rm -rf "$one"
  mkdir -p "$one"/{lib/ruby,lib/mads,lib/sh,etc,bin,var/remotes/tm,var/remotes/datastore,var/remotes/etc/vmm/kvm,var/remotes/etc/datastore,var/vms,var/datastores,docs}
  cp "$(one_scripts_path "$ver" ruby)"/*.rb "$one/lib/ruby/"
  printf '%s\n' "# test stand-in for the installed helper: OpenNebula's ruby libraries" \
    "\$LOAD_PATH << File.join(ENV['ONE_LOCATION'], 'lib/ruby')" >"$one/lib/ruby/load_opennebula_paths.rb"
  cp "$(one_scripts_path "$ver" madcommon)" "$one/lib/mads/"
  for f in one_tm one_datastore; do
    cp "$(one_scripts_path "$ver" $f)/$f" "$(one_scripts_path "$ver" $f)/$f.rb" "$one/lib/mads/"
  done
  cp "$(one_scripts_path "$ver" scripts_common)" "$one/lib/sh/"
  cp "$(one_scripts_path "$ver" tmrc)" "$(one_scripts_path "$ver" defaultrc)" "$one/etc/"
  p=$(one_scripts_path "$ver" tm)
  for d in "$p"/*/; do
    d=${d%/}; [[ -d $d && $(basename "$d") != ipfs ]] && cp -a "$d" "$one/var/remotes/tm/"
  done
  cp "$p/tm_common.sh" "$one/var/remotes/tm/"
  cp "$(one_scripts_path "$ver" xpath)" "$one/var/remotes/datastore/"
  cp "$(one_scripts_path "$ver" datastore_conf)" "$one/var/remotes/etc/datastore/" 2>/dev/null || true
  chmod -R u+w "$one"
  if [[ $layout == source ]]; then
    # The reference tree keeps symlinks as small text files holding the target.
    local target
    while IFS= read -r -d '' f; do
      [[ -x $f ]] && continue
      target=$(head -c 200 "$f")
      [[ $target != *$'\n'* && $target =~ ^[./A-Za-z0-9_-]+$ ]] || continue
      [[ -e $(dirname "$f")/$target ]] || continue
      rm -f "$f"; ln -s "$target" "$f"
    done < <(find "$one/var/remotes/tm" -type f -size -200c -print0)
    # tm/shared is a link to qcow2 (since 6.2), stored as a file naming it
    if [[ -f $p/shared && ! -d $one/var/remotes/tm/shared ]]; then
      ln -s "$(head -c 200 "$p/shared")" "$one/var/remotes/tm/shared"
    fi
  fi
  [[ -d $one/var/remotes/tm/shared ]] || { echo "one_tree: tm/shared is not a directory" >&2; exit 1; }
  # The release, as OpenNebula installs it; our drivers read it (driver.h)
  # to choose the failure format (the ERROR MESSAGE markers up to 6.0).
  echo "$ver" >"$one/var/remotes/VERSION"
  # our drivers, installed as tm/ipfs and datastore/ipfs beside OpenNebula's
  cp -r "$ONE_REMOTES/tm/ipfs" "$one/var/remotes/tm/ipfs"
  cp -r "$ONE_REMOTES/datastore/ipfs" "$one/var/remotes/datastore/ipfs"
  : >"$one/var/remotes/etc/vmm/kvm/kvmrc"
  echo "SCRIPTS_REMOTE_DIR=/var/tmp/one" >"$one/var/config"
  # oneadmin CLI stand-ins
  cat >"$one/bin/onevm" <<'SH'
#!/bin/sh
[ "$1" = show ] && [ "$2" = -x ] || { echo "onevm stand-in: only 'show -x ID'" >&2; exit 1; }
# ONE_CLI_DELAY: seconds the call takes (the real CLI is a Ruby program and an
# XML-RPC call); ONE_CLI_LOG: a file that gets "onevm start|end <time>".
[ -z "${ONE_CLI_LOG:-}" ] || echo "onevm start $(date +%s.%N)" >>"$ONE_CLI_LOG"
[ -z "${ONE_CLI_DELAY:-}" ] || sleep "$ONE_CLI_DELAY"
[ -z "${ONE_CLI_LOG:-}" ] || echo "onevm end $(date +%s.%N)" >>"$ONE_CLI_LOG"
f="$ONE_LOCATION/docs/vm-$3.xml"
[ -f "$f" ] || { echo "[one.vm.info] Error getting virtual machine [$3]." >&2; exit 255; }
cat "$f"
SH
  sed -e 's/onevm/onedatastore/g; s/vm-/ds-/; s/virtual machine/datastore/; s/one.vm.info/one.datastore.info/' \
    "$one/bin/onevm" >"$one/bin/onedatastore"
  # ssh as OpenNebula's scripts use it: `ssh host`, $SSH on the front end and
  # inside the commands they send to hosts (ssh/mv pipes host to host).
  printf '#!/bin/sh\nexec /usr/bin/ssh -F %q "$@"\n' "$T_ROOT/ssh_config" >"$one/bin/ssh"
  chmod +x "$one/bin/"*
  export ONE_LOCATION="$one" PATH="$one/bin:$PATH" SSH="$one/bin/ssh" RUBYLIB="$one/lib/ruby"
  unset ONE_VERSION  # the release comes from remotes/VERSION, as on a front end
}

one_vm_doc() { cp "$2" "$ONE_LOCATION/docs/vm-$1.xml"; }
one_ds_doc() { cp "$2" "$ONE_LOCATION/docs/ds-$1.xml"; }

one_transfer() { # VMID FILE
  local out="$T_ROOT/one_tm.out"
  mkdir -p "$ONE_LOCATION/var/vms/$1"
  _one_frontend python3 "$ONEIPFS_SOURCE_DIR/tests/lib/one_mad.py" "$ONE_LOCATION/lib/mads/one_tm" "-t 15 -d $ONE_TM_DRIVERS" \
    "TRANSFER  $1 $2" >"$out" 2>"$T_ROOT/one_tm.err" || {
    echo "one_transfer: the front end did not answer:" >&2; cat "$out" "$T_ROOT/one_tm.err" >&2; exit 1; }
  { echo "# TRANSFER $1 $2"; cat "$2" "$out"; } >>"$T_ROOT/one_tm.log"  # every transfer, for a look (KEEP=1)
  _one_result "$out" TRANSFER "$1"
}

one_vmm_tm() { # ACTION TM ARGS...
  local out="$T_ROOT/one_vmm.out"
  _one_frontend ruby "$ONEIPFS_SOURCE_DIR/tests/lib/tm_direct.rb" "$ONE_TM_DRIVERS" "$@" <"${VMM_STDIN:-/dev/null}" >"$out" 2>"$T_ROOT/one_vmm.err" || {
    echo "one_vmm_tm: do_transfer_action did not answer:" >&2; cat "$out" "$T_ROOT/one_vmm.err" >&2; exit 1; }
  _one_result "$out" RESULT -
}

one_datastore() { # FILE: datastore requests, one a line -> $T_ROOT/one_ds.out
  python3 "$ONEIPFS_SOURCE_DIR/tests/lib/one_mad.py" "$ONE_LOCATION/lib/mads/one_datastore" \
    "-t ${ONE_DS_THREADS:-15} -d ipfs -s shared,ssh" -f "$1" >"$T_ROOT/one_ds.out" 2>"$T_ROOT/one_ds.err" || {
    echo "one_datastore: the front end did not answer every request:" >&2; cat "$T_ROOT/one_ds.err" >&2; exit 1; }
  cat "$T_ROOT/one_ds.out" >>"$T_ROOT/one_ds.log"  # every session, for a look (KEEP=1)
}
one_ds_reply() { # TYPE ID: its reply in $T_ROOT/one_ds.out -> DS_RESULT DS_INFO DS_LOG
  local line
  DS_RESULT= DS_INFO= DS_LOG=
  DS_LOG=$(grep "^LOG . $2 " "$T_ROOT/one_ds.out" || true)
  line=$(grep -E "^$1 (SUCCESS|FAILURE) $2( |\$)" "$T_ROOT/one_ds.out" | tail -1)
  [[ -n $line ]] || { echo "one_ds_reply: no $1 reply for $2 in:" >&2; cat "$T_ROOT/one_ds.out" >&2; exit 1; }
  DS_RESULT=$(cut -d' ' -f2 <<<"$line")
  DS_INFO=$(cut -d' ' -f4- <<<"$line")
}

_one_frontend() { # CMD...: in the front end's mount namespace
  unshare -m --propagation private sh -c 'mount --bind "$1" /etc/ssh/ssh_config || exit 1; shift; exec "$@"' \
    one-frontend "$T_ROOT/ssh_config" "$@"
}

_one_result() { # FILE TYPE ID: the reply line and the LOG lines before it
  local line
  XFR_RESULT= XFR_INFO= XFR_LOG=
  XFR_LOG=$(grep '^LOG ' "$1" || true)
  line=$(grep -E "^$2 (SUCCESS|FAILURE) $3( |\$)" "$1" | tail -1)
  [[ -n $line ]] || { echo "_one_result: no $2 reply in:" >&2; cat "$1" >&2; exit 1; }
  XFR_RESULT=$(cut -d' ' -f2 <<<"$line")
  XFR_INFO=$(cut -d' ' -f4- <<<"$line")
}

# Checks on a transfer's outcome.
assert_xfr_ok() {
  [[ $XFR_RESULT == SUCCESS ]] && _t_ok || { printf '%s\n' "$XFR_LOG" >&2; _t_fail "${1:-} transfer failed: $XFR_INFO"; }
}
assert_xfr_failed() {
  [[ $XFR_RESULT == FAILURE ]] && _t_ok || _t_fail "${1:-} transfer succeeded, expected a failure"
}
