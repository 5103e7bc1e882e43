#!/usr/bin/env bash
# one-ipfs-fsck --repair while an image is registered (issue 17): fsck lists
# oned's images (`oneimage list -x`, a stand-in here that prints a pool the
# test keeps), then walks the catalog. An image registered right after that
# listing (the real ds cp, run by the stand-in as soon as it has answered,
# as oned would run it for a `oneimage create` arriving then) has an entry
# the listing does not name: --repair must keep it, and the image reads
# back. An image oned lists without a SOURCE (its cp still running) keeps
# its entry too. An entry whose image oned deleted long ago is removed.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
ds_env
FSCK="$ONEIPFS_BUILD_DIR/tools/one-ipfs-fsck"
NOW=$(date +%s)

register() { # ID REGTIME -> SOURCE in $SRC
  head -c $((1048576 + $1)) /dev/urandom >"$T_ROOT/img$1"
  doc_from cp "$T_ROOT/img$1" IMAGE/ID "$1" IMAGE/REGTIME "$2"
  run_ds cp "$T_ROOT/cp.xml" "$1"; assert_success "register image $1: $ERR"; SRC=${OUT%% *}
}
exists() { ipfs_rpc fe files/stat "arg=${1#mfs:}" | grep -q '"Hash"' && echo yes || echo no; }

# oned's images: "ID REGTIME SOURCE" lines the stand-in prints as IMAGE_POOL.
export ONEIMAGE_DB="$T_ROOT/images.txt"
mkdir -p "$T_ROOT/bin"
cat >"$T_ROOT/bin/oneimage" <<'SH'
#!/usr/bin/env bash
# oneimage stand-in: only `list -x`, from $ONEIMAGE_DB. After answering its
# first call it runs $ONEIMAGE_HOOK: what happens in oned right after.
[ "$1" = list ] && [ "$2" = -x ] || { echo "oneimage stand-in: only 'list -x'" >&2; exit 1; }
n=$(( $(cat "$ONEIMAGE_DB.calls" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$ONEIMAGE_DB.calls"
out="<IMAGE_POOL>"
while read -r id regtime source; do
  out+="<IMAGE><ID>$id</ID><REGTIME>$regtime</REGTIME><SOURCE><![CDATA[$source]]></SOURCE></IMAGE>"
done <"$ONEIMAGE_DB"
out+="</IMAGE_POOL>"
if [ "$n" = 1 ] && [ -n "${ONEIMAGE_HOOK:-}" ]; then "$ONEIMAGE_HOOK" >&2 || exit 1; fi
printf '%s\n' "$out"
SH
chmod +x "$T_ROOT/bin/oneimage"

t_case "catalog: images oned has, one being registered, one it deleted long ago"
register 5 $((NOW - 86400)); S5=$SRC
register 6 $((NOW - 86400)); S6=$SRC   # deleted in oned; its rm never reached the catalog
register 9 $((NOW - 3600)); S9=$SRC    # oned shows it LOCKED, without a SOURCE: its cp "still runs"
printf '5 %s %s\n9 %s \n' $((NOW - 86400)) "$S5" $((NOW - 3600)) >"$ONEIMAGE_DB"

# Image 8 arrives right after fsck listed oned's images: oned allocates it
# (REGTIME now), runs the real ds cp, then records its SOURCE.
head -c 1048583 /dev/urandom >"$T_ROOT/img8"
doc_from cp "$T_ROOT/img8" IMAGE/ID 8 IMAGE/REGTIME @NOW@
cp "$T_ROOT/cp.xml" "$T_ROOT/cp8.xml"
cat >"$T_ROOT/register8" <<SH
#!/usr/bin/env bash
set -e
now=\$(date +%s)
out=\$(sed "s/@NOW@/\$now/" "$T_ROOT/cp8.xml" | base64 -w0 | "$ONE_REMOTES/datastore/ipfs/cp" 8)
echo "8 \$now \${out%% *}" >>"$ONEIMAGE_DB"
echo "\${out%% *}" >"$T_ROOT/S8"
SH
chmod +x "$T_ROOT/register8"

t_case "fsck --repair while image 8 is registered: its entry survives, the stale one goes"
PATH="$T_ROOT/bin:$PATH" ONEIMAGE_HOOK="$T_ROOT/register8" run_raw "" timeout -k 5 240 "$FSCK" --repair
echo "$OUT"
assert_exists "$T_ROOT/S8" "image 8 registered during the run ($ERR)"
S8=$(cat "$T_ROOT/S8")
assert_contains "$(grep '^8 ' "$ONEIMAGE_DB")" "$S8" "oned recorded image 8's SOURCE"
assert_eq "$(exists "$S8")" yes "image 8's entry $S8, registered while fsck ran (oned shows it READY)"
ipfs_cat fe "$(ipfs_rpc fe files/stat "arg=${S8#mfs:}/1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')" >"$T_ROOT/back8"
assert_file_eq "$T_ROOT/back8" "$T_ROOT/img8" "image 8 reads back"
assert_eq "$(exists "$S9")" yes "image 9's entry $S9 (oned lists it without a SOURCE yet)"
assert_eq "$(exists "$S5")" yes "image 5's entry $S5"
assert_eq "$(exists "$S6")" no "the entry of the image oned deleted long ago ($S6)"
assert_contains "$OUT" "orphan     ${S6#mfs:}"
assert_contains "$OUT" "[repaired]"
assert_contains "$OUT" "${S8#mfs:}: registered around or after"
assert_eq "$(cat "$ONEIMAGE_DB.calls")" 2 "oned listed again just before the removal"
assert_success "fsck --repair: $OUT $ERR"

t_case "a second run: image 8 is oned's now; nothing to repair"
PATH="$T_ROOT/bin:$PATH" run_raw "" timeout -k 5 240 "$FSCK" --repair
assert_success "second fsck: $OUT $ERR"
assert_contains "$OUT" "0 problem(s)"
assert_eq "$(exists "$S8")" yes "image 8's entry after the second run"

t_done
