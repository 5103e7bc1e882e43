# one_scripts.sh: where the composition tests find OpenNebula's own scripts
# (the driver front ends one_tm and one_datastore, the Ruby libraries they
# load, the system TMs) and which releases each test runs against. Sourced
# by one_tree.sh; also run by CMake at configure time (--matrix, below).
#
# Searched in this order; the first place that has them is used:
#   1. $ONE_REFERENCE_DIR: an OpenNebula source tree (src/tm_mad/one_tm.rb,
#      src/datastore_mad/one_datastore.rb, src/mad/ruby/...): a checkout of
#      OpenNebula's repository at a release tag, or one release directory of
#      ../shared/opennebula. A directory of such trees, one per release, works
#      too. The release: REF ("release-X.Y.Z ..."), else
#      src/im_mad/remotes/VERSION, else the directory's name.
#   2. the OpenNebula installed on this machine: $ONE_LOCATION (a
#      self-contained install: lib/mads, lib/ruby, lib/sh, etc, var/remotes),
#      else the system layout /usr/lib/one/{mads,ruby,sh}, /etc/one and
#      /var/lib/one/remotes (under $ONE_SYSTEM_ROOT, default /). The release
#      is the one in remotes/VERSION: on a front end the tests compose with
#      that cloud's own scripts.
#   3. $ONE_SHARED (default <repo>/../shared/opennebula): one source tree per
#      release (5.12.13 ... 7.4.0).
# Nothing found: one_scripts_require prints one line saying how to provide
# the scripts and exits 77, which CTest reports as skipped (tests.cmake sets
# SKIP_RETURN_CODE), never as failed.
#
# Releases a test runs (one_scripts_matrix TEST): the one release of places
# 1 and 2; from a directory of releases, the test's choice in
# ONE_MATRIX_<test> below (each word picks the newest release it prefixes;
# "all" is every release); ONE_RELEASES="X Y" overrides both. CMake makes
# one CTest test per (test, release), named it_<test>_<release>, which sets
# ONE_RELEASES to its release; they run in parallel.
#
#   one_scripts_matrix TEST       the releases TEST runs, one a line
#   one_scripts_require REL       REL is available, or the skip line + exit 77
#   one_scripts_path REL WHAT     a file or directory of release REL, by role:
#     ruby one_tm one_datastore one_market madcommon scripts_common tmrc defaultrc
#     tm xpath datastore_conf ds_remotes version
#   one_release_at_least REL MIN  REL >= MIN (versions: 6.8.2 >= 6.8)
#   one_scripts_layout REL        source | installed
#   one_scripts_where REL         where it comes from, for messages
#
#   bash one_scripts.sh --matrix TEST...   "TEST RELEASE" lines (CMake)
#   bash one_scripts.sh --find             what was found, one line per release

# The composition tests' releases from a directory of releases (see above).
# 5.12 and 6.6: the argv form (<= 6.6; 5.12 also wants the ERROR MESSAGE
# markers), 6.10: the stdin form, 7.0: load_opennebula_paths, 7.4: newest.
ONE_MATRIX_one_ds=all
ONE_MATRIX_one_tm_ssh=all
ONE_MATRIX_one_tm_shared="5.12 6.10 7.4"
ONE_MATRIX_one_ds_stress="6.6 7.0"

_one_scripts_src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
declare -gA _ONE_ROOT=() _ONE_LAYOUT=()
declare -ga _ONE_RELS=()
_ONE_FROM=
_ONE_TRIED=()

_one_version_sort() { sort -t. -k1,1n -k2,2n -k3,3n; }
_one_is_version() { [[ $1 =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]]; }

# A source tree's release, or nothing.
_one_source_release() {
  local d=$1 v=
  if [[ -f $d/REF ]]; then read -r v _ <"$d/REF"; v=${v#release-}; fi
  _one_is_version "$v" || { [[ -f $d/src/im_mad/remotes/VERSION ]] && read -r v <"$d/src/im_mad/remotes/VERSION"; }
  _one_is_version "$v" || v=$(basename "$d")
  _one_is_version "$v" && echo "$v"
}
_one_is_source() { [[ -f $1/src/tm_mad/one_tm.rb && -f $1/src/datastore_mad/one_datastore.rb && -f $1/src/mad/ruby/OpenNebulaDriver.rb ]]; }
_one_add() { _ONE_RELS+=("$1"); _ONE_ROOT[$1]=$2; _ONE_LAYOUT[$1]=$3; }

# Source trees: DIR itself, or its subdirectories.
_one_scan_sources() { # DIR WHAT
  local d=$1 sub rel
  [[ -d $d ]] || { _ONE_TRIED+=("$2=$d: no such directory"); return 1; }
  if _one_is_source "$d"; then
    rel=$(_one_source_release "$d") || { _ONE_TRIED+=("$2=$d: cannot tell its release (no REF, no src/im_mad/remotes/VERSION)"); return 1; }
    _one_add "$rel" "$d" source; _ONE_FROM="$2=$d"; return 0
  fi
  for sub in "$d"/*/; do
    sub=${sub%/}
    _one_is_source "$sub" || continue
    rel=$(_one_source_release "$sub") || continue
    _one_add "$rel" "$sub" source
  done
  ((${#_ONE_RELS[@]})) && { _ONE_FROM="$2=$d"; return 0; }
  _ONE_TRIED+=("$2=$d: no src/tm_mad/one_tm.rb in it or its subdirectories")
  return 1
}

# An installed OpenNebula: PREFIX of the form lib/{mads,ruby,sh}, etc, var/remotes
# (self-contained) or usr/lib/one, etc/one, var/lib/one/remotes (system).
_one_scan_installed() { # ROOT KIND(location|system)
  local root=$1 lib remotes rel
  if [[ $2 == location ]]; then lib=$root/lib remotes=$root/var/remotes
  else lib=$root/usr/lib/one remotes=$root/var/lib/one/remotes; fi
  if [[ -f $lib/mads/one_tm.rb && -f $lib/mads/one_datastore.rb && -f $lib/ruby/OpenNebulaDriver.rb && -d $remotes/tm && -f $remotes/VERSION ]]; then
    read -r rel <"$remotes/VERSION"
    if _one_is_version "$rel"; then
      _one_add "$rel" "$root" "installed-$2"; _ONE_FROM="OpenNebula $rel installed at ${root%/}${root:+/}"; return 0
    fi
    _ONE_TRIED+=("$remotes/VERSION holds no release")
    return 1
  fi
  _ONE_TRIED+=("no OpenNebula installed at ${remotes}")
  return 1
}

_one_scripts_scan() {
  _ONE_RELS=() _ONE_ROOT=() _ONE_LAYOUT=() _ONE_TRIED=() _ONE_FROM=
  if [[ -n ${ONE_REFERENCE_DIR:-} ]]; then _one_scan_sources "$ONE_REFERENCE_DIR" ONE_REFERENCE_DIR && return 0
  else _ONE_TRIED+=("ONE_REFERENCE_DIR unset"); fi
  # $ONE_LOCATION as the user's environment had it (one_tree sets its own)
  if [[ -n ${ONE_INSTALLED_LOCATION:-} ]]; then _one_scan_installed "$ONE_INSTALLED_LOCATION" location && return 0
  else _one_scan_installed "${ONE_SYSTEM_ROOT:-}" system && return 0; fi
  _one_scan_sources "${ONE_SHARED:-$_one_scripts_src_dir/../shared/opennebula}" ONE_SHARED && return 0
  return 1
}

one_scripts_matrix() { # TEST
  ((${#_ONE_RELS[@]})) || return 0
  local all want w r pick out=()
  all=$(printf '%s\n' "${_ONE_RELS[@]}" | _one_version_sort)
  if [[ -n ${ONE_RELEASES:-} ]]; then want=$ONE_RELEASES
  elif ((${#_ONE_RELS[@]} == 1)); then want=all
  else local v="ONE_MATRIX_$1"; want=${!v:-all}; fi
  if [[ $want == all ]]; then printf '%s\n' "$all"; return 0; fi
  for w in $want; do
    pick=
    for r in $all; do [[ $r == "$w" || $r == "$w".* ]] && pick=$r; done
    # a release asked for by name that is not here: kept, one_scripts_require says so
    [[ -n $pick ]] || { [[ -n ${ONE_RELEASES:-} ]] && pick=$w; }
    [[ -n $pick ]] && out+=("$pick")
  done
  ((${#out[@]})) && printf '%s\n' "${out[@]}" | _one_version_sort | uniq
  return 0
}

_one_skip_line() {
  local tried; tried=$(printf '%s; ' "${_ONE_TRIED[@]}")
  echo "SKIP: OpenNebula's own driver scripts were not found (${tried%; }): set ONE_REFERENCE_DIR to OpenNebula's source at a release tag (a checkout of OpenNebula/one, e.g. release-7.0.0), or run on an OpenNebula front end"
}

one_scripts_require() { # REL
  if ((${#_ONE_RELS[@]} == 0)); then _one_skip_line; exit 77; fi
  [[ -z ${1:-} || -n ${_ONE_ROOT[$1]:-} ]] && return 0
  echo "SKIP: OpenNebula $1 is not among the scripts found ($_ONE_FROM: $(printf '%s ' "${_ONE_RELS[@]}")); run cmake again (make build) to list the tests of these releases"
  exit 77
}

one_release_at_least() { [[ $(printf '%s\n' "$2" "$1" | sort -V | head -1) == "$2" ]]; }

one_scripts_layout() { [[ ${_ONE_LAYOUT[$1]} == source ]] && echo source || echo installed; }
one_scripts_where() { echo "${_ONE_ROOT[$1]} (${_ONE_LAYOUT[$1]})"; }

one_scripts_path() { # REL WHAT
  local root=${_ONE_ROOT[$1]} lib etc remotes
  case ${_ONE_LAYOUT[$1]} in
    source)
      case $2 in
        ruby) echo "$root/src/mad/ruby";;
        one_tm) echo "$root/src/tm_mad";;                  # one_tm, one_tm.rb
        one_datastore) echo "$root/src/datastore_mad";;    # one_datastore, one_datastore.rb
        madcommon) echo "$root/src/mad/sh/madcommon.sh";;
        scripts_common) echo "$root/src/mad/sh/scripts_common.sh";;
        tmrc) echo "$root/src/tm_mad/tmrc";;
        defaultrc) echo "$root/share/etc/defaultrc";;
        tm) echo "$root/src/tm_mad";;
        xpath) echo "$root/src/datastore_mad/remotes/xpath.rb";;
        datastore_conf) echo "$root/src/datastore_mad/remotes/datastore.conf";;
        one_market) echo "$root/src/market_mad";;           # one_market, one_market.rb
        ds_remotes) echo "$root/src/datastore_mad/remotes";;  # libfs.sh, downloader.sh, fs/
        version) echo "";;
        *) return 1;;
      esac
      return 0;;
    installed-location) lib=$root/lib etc=$root/etc remotes=$root/var/remotes;;
    installed-system) lib=$root/usr/lib/one etc=$root/etc/one remotes=$root/var/lib/one/remotes;;
    *) return 1;;
  esac
  case $2 in
    ruby) echo "$lib/ruby";;
    one_tm|one_datastore|one_market) echo "$lib/mads";;
    ds_remotes) echo "$remotes/datastore";;
    madcommon) echo "$lib/mads/madcommon.sh";;
    scripts_common) echo "$lib/sh/scripts_common.sh";;
    tmrc) echo "$etc/tmrc";;
    defaultrc) echo "$etc/defaultrc";;
    tm) echo "$remotes/tm";;
    xpath) echo "$remotes/datastore/xpath.rb";;
    datastore_conf) echo "$remotes/etc/datastore/datastore.conf";;
    version) echo "$remotes/VERSION";;
    *) return 1;;
  esac
}

: "${ONE_INSTALLED_LOCATION=${ONE_LOCATION:-}}"
_one_scripts_scan || true

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-} in
    --matrix)
      shift
      for t in "$@"; do one_scripts_matrix "$t" | sed "s/^/$t /"; done;;
    --find)
      ((${#_ONE_RELS[@]})) || { _one_skip_line; exit 77; }
      for r in $(printf '%s\n' "${_ONE_RELS[@]}" | _one_version_sort); do echo "$r $(one_scripts_where "$r")"; done;;
    *) echo "usage: one_scripts.sh --matrix TEST... | --find" >&2; exit 2;;
  esac
fi
