// snap_delete: delete the disk snapshot DISK.snap/SNAP_ID
//
// argv: HOST:DISK SNAP_ID VMID DSID
// Snapshots are whole sparse copies kept beside the disk (as the ssh TM
// does); mvds/cpds, mv and the migration actions carry the .snap directory.
#include "common/one/tm.h"
#include "common/deploy/tm_disk.h"

namespace oneipfs {
namespace {

const char* kScript = R"(set -eu; rm -f -- "$1.snap/$2")";

Status Action(TmContext& ctx) { return RunDiskSnapshotScript(ctx, "snap_delete", kScript); }

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"snap_delete", "HOST:DISK SNAP_ID VMID DSID", "delete the disk snapshot DISK.snap/SNAP_ID", 4, 4}, argc, argv, Action);
}
