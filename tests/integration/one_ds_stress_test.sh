#!/usr/bin/env bash
# Replies survive a busy front end: STRESS_N (default 1000) stat, cp and
# monitor requests at once through OpenNebula's real one_datastore.rb (-t 15:
# 15 actions at a time, the rest queued, as oned sends them), and every reply
# carries its payload: a stat its size in MB, a cp "SOURCE FORMAT", a monitor
# its base64 USED_MB/FREE_MB/TOTAL_MB. CommandManager.rb gives an action's
# output readers 0.1 s after the process exits and then kills them
# (output_drain.h); before the drain a busy front end now and then answered
# "STAT SUCCESS <id> -" (the size lost) or "CP SUCCESS <id> -".
#
# Runs 7.0.0 (the stdin form) and 6.6.3 (the argv form) from a directory of
# releases, or the one release found (one_scripts.sh). Prints the loss count
# and the wall time; with ONE_REMOTES pointing at an older build it shows
# that build's losses (the test then fails).
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/one_tree.sh"
releases=$(one_scripts_matrix one_ds_stress)
for ver in $releases; do one_scripts_require "$ver"; done
[[ -n $releases ]] || one_scripts_require ""
N=${STRESS_N:-1000}
export ONE_DS_THREADS=${STRESS_THREADS:-15}  # bench/ds-replies: -t 1 for the time of one action

ipfsd_start fe
ds_env
fx="$ONEIPFS_SOURCE_DIR/tests/fixtures"
# three images: 1, 2 and 3 MiB -> stat 1, 2, 3 MB
declare -a cid=()
for k in 1 2 3; do head -c $((k * 1048576)) /dev/urandom >"$T_ROOT/img$k"; cid[k]=$(ipfs_add fe "$T_ROOT/img$k"); done

for ver in $releases; do
  one_tree "$ver"
  [[ -z ${STRESS_PRIORITY:-} ]] || sed -i "s/^PRIORITY=.*/PRIORITY=$STRESS_PRIORITY/" "$ONE_LOCATION/etc/defaultrc"
  t_case "$ver: $N stat, cp and monitor requests at once through one_datastore.rb (-t $ONE_DS_THREADS)"
  # ids: stat 10000+i, cp 20000+i (image ids), monitor the datastore 100
  for ((i = 0; i < N; i++)); do
    k=$((i / 3 % 3 + 1))  # the image: stat 10000+i has (i / 3 % 3 + 1) MB
    case $((i % 3)) in
      0) echo "STAT $((10000 + i)) stat IMAGE/PATH=/ipfs/${cid[k]}";;
      1) echo "CP $((20000 + i)) cp IMAGE/ID=$((20000 + i)) IMAGE/PATH=/ipfs/${cid[k]}";;
      2) echo "MONITOR 100 monitor";;
    esac
  done | python3 "$ONEIPFS_SOURCE_DIR/tests/lib/ds_requests.py" "$fx" "$ver" >"$T_ROOT/requests"
  t0=$(date +%s.%N)
  one_datastore "$T_ROOT/requests"
  t1=$(date +%s.%N)
  python3 - "$T_ROOT/one_ds.out" "$N" "$ver" "$t0" "$t1" <<'PY' >"$T_ROOT/stress.summary" || true
import base64, re, sys
out, n, ver, t0, t1 = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
good = {"STAT": 0, "CP": 0, "MONITOR": 0}
lost, bad = [], []
for line in open(out):
    f = line.rstrip("\n").split(" ", 3)
    if len(f) < 4 or f[0] not in good:
        continue
    kind, result, rid, info = f
    if result != "SUCCESS":
        bad.append(line.strip()[:200])
        continue
    # a lost stdout: "-", which MONITOR base64-encodes ("LQ==")
    if info == "-" or (kind == "MONITOR" and info == "LQ=="):
        lost.append(f"{kind} {rid}")
        continue
    if kind == "STAT":
        ok = info == str((int(rid) - 10000) // 3 % 3 + 1)
    elif kind == "CP":
        ok = re.fullmatch(r"mfs:/\S+ raw", info) is not None
    else:
        try:
            text = base64.b64decode(info, validate=True).decode()
        except Exception:
            text = ""
        ok = [l.split("=")[0] for l in text.splitlines()] == ["USED_MB", "FREE_MB", "TOTAL_MB"]
    if ok:
        good[kind] += 1
    else:
        bad.append(line.strip()[:200])
total = sum(good.values())
print(f"{ver}: {n} requests, {total} replies with their payload, {len(lost)} lost "
      f"({', '.join(lost[:10])}{' ...' if len(lost) > 10 else ''}), {len(bad)} wrong; "
      f"loss rate {100 * len(lost) / n:.2f}%; {t1 - t0:.1f} s ({n / (t1 - t0):.1f} requests/s)")
for b in bad[:5]:
    print("  wrong:", b)
sys.exit(0 if total == n and not lost and not bad else 1)
PY
  cat "$T_ROOT/stress.summary"
  assert_contains "$(head -1 "$T_ROOT/stress.summary")" ", 0 lost (), 0 wrong;" "every reply has its payload"
  assert_eq "$(grep -c '^STAT SUCCESS' "$T_ROOT/one_ds.out")" "$(((N + 2) / 3))" "one STAT reply per request"
  assert_eq "$(grep -c '^CP SUCCESS' "$T_ROOT/one_ds.out")" "$(((N + 1) / 3))" "one CP reply per request"
  assert_eq "$(grep -c '^MONITOR SUCCESS' "$T_ROOT/one_ds.out")" "$((N / 3))" "one MONITOR reply per request"
done

t_done
