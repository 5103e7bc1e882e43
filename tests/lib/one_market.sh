# one_market.sh: clouds whose front ends are OpenNebula's own marketplace and
# datastore drivers (one_market.rb, one_datastore.rb), each beside its own
# IPFS daemon, for the marketplace tests. Sourced after harness.sh.
#
# The scripts are OpenNebula's, unmodified, from the reference tree
# ($ONE_REFERENCE_DIR/<release>, default <repo>/../shared/opennebula). The
# marketplace front end also needs OpenNebula's Ruby API (OCA: require
# 'opennebula', for OpenNebula::XMLElement), which the reference tree does
# not carry: it comes from an installed OpenNebula (/usr/lib/one/ruby), else
# from OpenNebula's source (ONE_SOURCE, or ../shared/opennebula-src, as the
# real-oned tier finds it: tests/lib/oned.sh), only its src/oca/ruby.
#
#   market_require RELEASE      the scripts and the OCA, else exit 77 (CTest's
#                               SKIP) with one line saying how to provide them
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
: "${ONE_REFERENCE_DIR:=$ONEIPFS_SOURCE_DIR/../shared/opennebula}"

market_require() {
  local ver=$1 ref="$ONE_REFERENCE_DIR/$1" f
  for f in src/market_mad/one_market.rb src/datastore_mad/one_datastore.rb src/datastore_mad/remotes/fs/export; do
    if [[ ! -f $ref/$f ]]; then
      echo "SKIP $T_NAME: needs OpenNebula $ver's driver scripts: ONE_REFERENCE_DIR=/path/to/opennebula-scripts (with $ver/$f)"
      exit 77
    fi
  done
  command -v ruby >/dev/null || { echo "SKIP $T_NAME: needs ruby (scripts/install-deps)"; exit 77; }
  MARKET_REF=$ref
  MARKET_OCA=
  if [[ -f $ref/src/oca/ruby/opennebula.rb ]]; then
    MARKET_OCA=$ref/src/oca/ruby
  elif [[ -f /usr/lib/one/ruby/opennebula.rb ]]; then
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
  local name=$1 daemon=$2 one="$T_ROOT/one-$1" ref=$MARKET_REF
  rm -rf "$one"
  mkdir -p "$one"/{lib/ruby,lib/mads,lib/sh,etc,var/remotes/market,var/remotes/datastore/fs,var/remotes/etc/datastore/fs,var/remotes/etc/market/http,var/datastores}
  cp "$ref"/src/mad/ruby/*.rb "$one/lib/ruby/"
  cp -r "$MARKET_OCA"/opennebula.rb "$MARKET_OCA"/opennebula "$one/lib/ruby/"
  printf '%s\n' "# test stand-in for the installed helper: OpenNebula's ruby libraries" \
    "\$LOAD_PATH << File.join(ENV['ONE_LOCATION'], 'lib/ruby')" >"$one/lib/ruby/load_opennebula_paths.rb"
  cp "$ref"/src/mad/sh/madcommon.sh "$one/lib/mads/"
  cp "$ref"/src/market_mad/one_market "$ref"/src/market_mad/one_market.rb "$one/lib/mads/"
  cp "$ref"/src/datastore_mad/one_datastore "$ref"/src/datastore_mad/one_datastore.rb "$one/lib/mads/"
  [[ -f $ref/src/datastore_mad/one_datastore_exec.rb ]] && cp "$ref"/src/datastore_mad/one_datastore_exec.rb "$one/lib/mads/"
  cp "$ref"/src/mad/sh/scripts_common.sh "$one/lib/sh/"
  cp "$ref"/share/etc/defaultrc "$one/etc/"
  local r="$one/var/remotes"
  for f in libfs.sh xpath.rb downloader.sh; do cp "$ref/src/datastore_mad/remotes/$f" "$r/datastore/"; done
  for f in "$ref"/src/datastore_mad/remotes/fs/*; do [[ -f $f && -x $f ]] && cp "$f" "$r/datastore/fs/"; done
  cp "$ref"/src/datastore_mad/remotes/datastore.conf "$r/etc/datastore/" 2>/dev/null || true
  cp "$ref"/src/datastore_mad/remotes/fs/fs.conf "$r/etc/datastore/fs/" 2>/dev/null || true
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
  ONE_LOCATION="$one" ONE_IPFS_CONF="$one/ipfs.conf" RUBYLIB="$one/lib/ruby" ONE_AUTH="$one/one_auth" \
    IPFS_API= IPFS_CATALOG= IPFS_TMPDIR= ONE_VERSION= "$@"
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
