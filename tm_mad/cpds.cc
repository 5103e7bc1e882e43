// cpds: save a disk (or one of its snapshots) into a new image (disk-saveas)
//
// argv: HOST:DISK NEW_SOURCE SNAP_ID VMID DSID
// NEW_SOURCE is what mkfs save_as reserved; SNAP_ID -1 is the disk itself,
// otherwise the snapshot HOST:DISK.snap/SNAP_ID. Same guarantees as mvds.

#include <fmt/format.h>

#include "common/number.h"
#include "common/tm_disk.h"

namespace oneipfs {
namespace {
Status Action(TmContext& ctx) {
  // -1: the disk itself; otherwise one of its snapshots.
  auto id = ParseCount(ctx.args[2], std::numeric_limits<long>::max());
  if (!id && ctx.args[2] != "-1")
    return Status::Invalid(fmt::format("SNAP_ID '{}' is not -1 or a snapshot id", ctx.args[2]));
  return SaveDisk(ctx, ctx.args[0], ctx.args[1], id ? static_cast<long>(*id) : -1);
}
}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"cpds", "HOST:DISK NEW_SOURCE SNAP_ID VMID DSID", "save a disk (or one of its snapshots) into a new image (disk-saveas)", 5, 5}, argc, argv, Action);
}
