// snap_create: snapshot a powered-off VM's disk into DISK.snap/SNAP_ID
//
// argv: HOST:DISK SNAP_ID VMID DSID
// Snapshots are whole sparse copies kept beside the disk (as the ssh TM
// does); mvds/cpds, mv and the migration actions carry the .snap directory.
#include "common/one/tm.h"
#include "common/deploy/tm_disk.h"

namespace oneipfs {
namespace {

const char* kScript = R"(set -eu; d=$1; s=$2; [ -f "$d" ] || { echo "$d does not exist" >&2; exit 1; }; mkdir -p -- "$d.snap"; cp --sparse=always -- "$d" "$d.snap/.$s.tmp"; sync; mv -f -- "$d.snap/.$s.tmp" "$d.snap/$s")";

Status Action(TmContext& ctx) { return RunDiskSnapshotScript(ctx, "snap_create", kScript); }

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"snap_create", "HOST:DISK SNAP_ID VMID DSID", "snapshot a powered-off VM's disk into DISK.snap/SNAP_ID", 4, 4}, argc, argv, Action);
}
