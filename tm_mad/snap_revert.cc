// snap_revert: revert a powered-off VM's disk to the snapshot DISK.snap/SNAP_ID
//
// argv: HOST:DISK SNAP_ID VMID DSID
// Snapshots are whole sparse copies kept beside the disk (as the ssh TM
// does); mvds/cpds, mv and the migration actions carry the .snap directory.
#include "common/one/tm.h"
#include "common/deploy/tm_disk.h"

namespace oneipfs {
namespace {

const char* kScript = R"(set -eu; d=$1; s=$2; [ -f "$d.snap/$s" ] || { echo "snapshot $s of $d does not exist" >&2; exit 1; }; cp --sparse=always -- "$d.snap/$s" "$d.one-ipfs-revert"; sync; mv -f -- "$d.one-ipfs-revert" "$d")";

Status Action(TmContext& ctx) { return RunDiskSnapshotScript(ctx, "snap_revert", kScript); }

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"snap_revert", "HOST:DISK SNAP_ID VMID DSID", "revert a powered-off VM's disk to the snapshot DISK.snap/SNAP_ID", 4, 4}, argc, argv, Action);
}
