#!/usr/bin/env bash
# oned runs up to 15 datastore actions at once: 15 parallel cp and rm on one
# datastore, then the catalog and the daemon agree.
source "$(dirname "$0")/../lib/harness.sh"

ipfsd_start fe
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"

for i in $(seq 1 30); do
  head -c $((256 * 1024 + i)) /dev/urandom > "$T_ROOT/img$i"
  cp "$fx/cp.xml" "$T_ROOT/cp$i.xml"; xml_set "$T_ROOT/cp$i.xml" IMAGE/ID "$i"
  xml_set "$T_ROOT/cp$i.xml" IMAGE/PATH "$T_ROOT/img$i"; xml_set "$T_ROOT/cp$i.xml" DATASTORE/TEMPLATE/SAFE_DIRS "$T_ROOT"
done
cp_bg() { base64 -w0 "$T_ROOT/cp$1.xml" | "$ONE_REMOTES/datastore/ipfs/cp" "$1" >"$T_ROOT/out$1" 2>"$T_ROOT/err$1"; echo $? >"$T_ROOT/rc$1"; }
rm_bg() { base64 -w0 "$T_ROOT/rm$1.xml" | "$ONE_REMOTES/datastore/ipfs/rm" "$1" >/dev/null 2>"$T_ROOT/rmerr$1"; echo $? >"$T_ROOT/rmrc$1"; }

t_case "15 images registered at once"
# (wait on these PIDs only: a bare `wait` would also wait for the daemon)
pids=(); for i in $(seq 1 15); do cp_bg "$i" & pids+=("$!"); done; wait "${pids[@]}"
for i in $(seq 1 15); do assert_eq "$(cat "$T_ROOT/rc$i")" "0" "cp $i: $(cat "$T_ROOT/err$i")"; done

t_case "15 more registered while the first 15 are removed"
for i in $(seq 1 15); do
  cp "$fx/rm.xml" "$T_ROOT/rm$i.xml"; xml_set "$T_ROOT/rm$i.xml" IMAGE/ID "$i"
  xml_set "$T_ROOT/rm$i.xml" IMAGE/SOURCE "$(cut -d' ' -f1 "$T_ROOT/out$i")"
done
pids=(); for i in $(seq 1 15); do rm_bg "$i" & pids+=("$!"); cp_bg $((i + 15)) & pids+=("$!"); done; wait "${pids[@]}"
for i in $(seq 1 15); do assert_eq "$(cat "$T_ROOT/rmrc$i")" "0" "rm $i: $(cat "$T_ROOT/rmerr$i")"; done
for i in $(seq 16 30); do assert_eq "$(cat "$T_ROOT/rc$i")" "0" "cp $i: $(cat "$T_ROOT/err$i")"; done

t_case "the catalog holds exactly images 16-30, each reading back its own bytes"
listing=$(ipfs_rpc fe files/ls "arg=$IPFS_CATALOG/100&long=true" |
  python3 -c 'import json,sys; print(" ".join(sorted((e["Name"].split("-")[0] for e in json.load(sys.stdin)["Entries"]), key=int)))')
assert_eq "$listing" "$(seq -s' ' 16 30)"
ipfs_gc fe
for i in $(seq 16 30); do
  src=$(cut -d' ' -f1 "$T_ROOT/out$i")
  h=$(ipfs_rpc fe files/stat "arg=${src#mfs:}/1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Hash"])')
  ipfs_cat fe "$h" > "$T_ROOT/back"; assert_file_eq "$T_ROOT/back" "$T_ROOT/img$i" "image $i"
done

t_done
