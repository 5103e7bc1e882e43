# one_market.sh: clouds whose front ends are OpenNebula's own marketplace and
# datastore drivers (one_market.rb, one_datastore.rb), each beside its own
# IPFS daemon, for the marketplace tests. Sourced after harness.sh.
#
# The scripts are OpenNebula's, unmodified, found as the composition tests
# find them (tests/lib/one_scripts.sh: ONE_REFERENCE_DIR, an installed
# OpenNebula, ONE_SHARED). The marketplace front end also needs OpenNebula's
# Ruby API (OCA: require 'opennebula', for OpenNebula::XMLElement), which the
# reference tree does not carry: it comes from an installed OpenNebula
# (/usr/lib/one/ruby), else from OpenNebula's source (ONE_SOURCE, or
# ../shared/opennebula-src, as the real-oned tier finds it: tests/lib/oned.sh),
# only its src/oca/ruby.
#
#   market_require RELEASE      the scripts (RELEASE when found, else the newest
#                               >= 6.0 found) and the OCA, else exit 77 (CTest's
#                               SKIP) with one line saying how to provide them;
#                               MARKET_REL is the release used
#   market_cloud NAME DAEMON    a ONE_LOCATION tree $T_ROOT/one-NAME: lib/mads
#                               (one_market, one_datastore), lib/ruby (the
#                               drivers' libraries + OCA), var/remotes with our
#                               market/ipfs and datastore/ipfs (installed tree)
#                               beside OpenNebula's datastore/fs; an ipfs.conf
#                               naming DAEMON's API, the cloud's own signing key
#                               and catalog
#   on_cloud NAME CMD...        CMD in that cloud's environment (ONE_LOCATION,
#                               ONE_IPFS_CONF, RUBYLIB, ONE_AUTH)
#   market_call NAME "ACTION ID DOC64"   oned's request through the real
#                               one_market (INIT, the request, FINALIZE) ->
#                               MKT_RESULT (SUCCESS/FAILURE), MKT_INFO, MKT_LOG
#   datastore_call NAME "ACTION ID DOC64"   the same through one_datastore
#   market_doc ...              python3 tests/lib/market_doc.py (the documents
#                               oned's MarketPlaceManager sends)
source "$(dirname "${BASH_SOURCE[0]}")/one_scripts.sh"

market_require() {
  local ver=$1 f r
  one_scripts_require ""
  if [[ -z ${_ONE_ROOT[$ver]:-} ]]; then
    ver=
    for r in "${_ONE_RELS[@]}"; do one_release_at_least "$r" 6.0 && ver=$r; done
    [[ -n $ver ]] || { echo "SKIP $T_NAME: needs OpenNebula >= 6.0's driver scripts (found: ${_ONE_RELS[*]})"; exit 77; }
  fi
  MARKET_REL=$ver
  for f in "$(one_scripts_path "$ver" one_market)/one_market.rb" "$(one_scripts_path "$ver" one_datastore)/one_datastore.rb" \
           "$(one_scripts_path "$ver" ds_remotes)/fs/export"; do
    [[ -f $f ]] || { echo "SKIP $T_NAME: OpenNebula $ver's scripts ($(one_scripts_where "$ver")) have no $f"; exit 77; }
  done
  command -v ruby >/dev/null || { echo "SKIP $T_NAME: needs ruby (scripts/install-deps)"; exit 77; }
  MARKET_OCA=
  if [[ -f /usr/lib/one/ruby/opennebula.rb ]]; then
    MARKET_OCA=/usr/lib/one/ruby
  else
    local src=
    if [[ -n ${ONE_SOURCE:-} && -e $ONE_SOURCE ]]; then
      src=$ONE_SOURCE
    else
      src=$(ls -1 "$ONEIPFS_SOURCE_DIR"/../shared/opennebula-src/opennebula-*.tar.gz 2>/dev/null | sort -V | tail -1 || true)
    fi
    if [[ -d $src && -f $src/src/oca/ruby/opennebula.rb ]]; then
      MARKET_OCA=$src/src/oca/ruby
    elif [[ -f $src ]]; then
      mkdir -p "$T_ROOT/oca"
      tar -xzf "$src" -C "$T_ROOT/oca" --wildcards '*/src/oca/ruby/*' --strip-components=1 2>/dev/null || true
      [[ -f $T_ROOT/oca/src/oca/ruby/opennebula.rb ]] && MARKET_OCA=$T_ROOT/oca/src/oca/ruby
    fi
  fi
  if [[ -z $MARKET_OCA ]]; then
    echo "SKIP $T_NAME: one_market.rb needs OpenNebula's Ruby API: install OpenNebula, or ONE_SOURCE=/path/to/opennebula-$ver.tar.gz"
    exit 77
  fi
}

market_cloud() { # NAME DAEMON
  local name=$1 daemon=$2 one="$T_ROOT/one-$1" rel=$MARKET_REL
  local ruby mkt dsm dsr
  ruby=$(one_scripts_path "$rel" ruby); mkt=$(one_scripts_path "$rel" one_market)
  dsm=$(one_scripts_path "$rel" one_datastore); dsr=$(one_scripts_path "$rel" ds_remotes)
  rm -rf "$one"
  mkdir -p "$one"/{lib/ruby,lib/mads,lib/sh,etc,var/remotes/market,var/remotes/datastore/fs,var/remotes/etc/datastore/fs,var/remotes/etc/market/http,var/datastores}
  cp -r "$ruby"/. "$one/lib/ruby/"
  cp -r "$MARKET_OCA"/opennebula.rb "$MARKET_OCA"/opennebula "$one/lib/ruby/"
  [[ -f $one/lib/ruby/load_opennebula_paths.rb ]] ||
    printf '%s\n' "# test stand-in for the installed helper: OpenNebula's ruby libraries" \
      "\$LOAD_PATH << File.join(ENV['ONE_LOCATION'], 'lib/ruby')" >"$one/lib/ruby/load_opennebula_paths.rb"
  cp "$(one_scripts_path "$rel" madcommon)" "$one/lib/mads/"
  cp "$mkt"/one_market "$mkt"/one_market.rb "$one/lib/mads/"
  cp "$dsm"/one_datastore "$dsm"/one_datastore.rb "$one/lib/mads/"
  [[ -f $dsm/one_datastore_exec.rb ]] && cp "$dsm"/one_datastore_exec.rb "$one/lib/mads/"
  cp "$(one_scripts_path "$rel" scripts_common)" "$one/lib/sh/"
  cp "$(one_scripts_path "$rel" defaultrc)" "$one/etc/"
  local r="$one/var/remotes"
  for f in libfs.sh xpath.rb downloader.sh; do cp "$dsr/$f" "$r/datastore/"; done
  for f in "$dsr"/fs/*; do [[ -f $f && -x $f ]] && cp "$f" "$r/datastore/fs/"; done
  cp "$(one_scripts_path "$rel" datastore_conf)" "$r/etc/datastore/" 2>/dev/null || true
  cp "$dsr"/fs/fs.conf "$r/etc/datastore/fs/" 2>/dev/null || true
  cp -r "$ONE_REMOTES/datastore/ipfs" "$r/datastore/ipfs"
  cp -r "$ONE_REMOTES/market/ipfs" "$r/market/ipfs"
  chmod -R u+w "$one"
  echo "SCRIPTS_REMOTE_DIR=/var/tmp/one" >"$one/var/config"
  echo "oneadmin:test" >"$one/one_auth"
  mkdir -p -m 0700 "$one/var/.one"
  cat >"$one/ipfs.conf" <<CFG
# cloud $name (written by the test)
IPFS_API = "$(_api "$daemon")"
IPFS_TIMEOUT = "60"
IPFS_CATALOG = "/one-ipfs-$name"
IPFS_TMPDIR = "$T_ROOT"
IPFS_SIGNING_KEY = "$one/var/.one/one-ipfs-signing.key"
IPFS_MARKET_RESOLVE_TIMEOUT = "5"
CFG
}

on_cloud() { # NAME CMD...
  local one="$T_ROOT/one-$1"; shift
  mkdir -p -m 700 "$one/run"
  ONE_LOCATION="$one" ONE_IPFS_CONF="$one/ipfs.conf" RUBYLIB="$one/lib/ruby" ONE_AUTH="$one/one_auth" \
    XDG_RUNTIME_DIR="$one/run" IPFS_API= IPFS_CATALOG= IPFS_TMPDIR= ONE_VERSION= "$@"
}

_mad_call() { # NAME EXE ARGS REQUEST PREFIX
  local out="$T_ROOT/mad.$BASHPID.out"
  on_cloud "$1" python3 "$ONEIPFS_SOURCE_DIR/tests/lib/one_mad.py" "$T_ROOT/one-$1/lib/mads/$2" "$3" "$4" \
    >"$out" 2>"$T_ROOT/mad.$BASHPID.err" || {
    echo "$2: the front end did not answer:" >&2; cat "$out" "$T_ROOT/mad.$BASHPID.err" >&2; exit 1; }
  local type=${4%% *} rest=${4#* } id line
  id=${rest%% *}
  MKT_LOG=$(grep '^LOG ' "$out" || true)
  line=$(grep -E "^$type (SUCCESS|FAILURE) $id( |\$)" "$out" | tail -1)
  [[ -n $line ]] || { echo "$2: no $type reply in:" >&2; cat "$out" >&2; exit 1; }
  MKT_RESULT=$(cut -d' ' -f2 <<<"$line")
  MKT_INFO=$(cut -d' ' -f4- <<<"$line")
}
market_call() { _mad_call "$1" one_market "-t 15 -m ipfs" "$2"; }
datastore_call() { _mad_call "$1" one_datastore "-t 15 -d dummy,fs,ipfs -s shared,ssh" "$2"; }

market_doc() { python3 "$ONEIPFS_SOURCE_DIR/tests/lib/market_doc.py" "$@"; }
