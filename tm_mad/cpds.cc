// cpds: save a disk (or one of its snapshots) into a new image (disk-saveas)
//
// argv: HOST:DISK NEW_SOURCE SNAP_ID VMID DSID
// NEW_SOURCE is what mkfs save_as reserved; SNAP_ID -1 is the disk itself,
// otherwise the snapshot HOST:DISK.snap/SNAP_ID. Same guarantees as mvds.
#include <cstdlib>

#include <fmt/format.h>

#include "common/tm_disk.h"

namespace oneipfs {
namespace {
Status Action(TmContext& ctx) {
  char* end = nullptr;
  long snap = std::strtol(ctx.args[2].c_str(), &end, 10);
  if (ctx.args[2].empty() || *end || snap < -1)
    return Status::Invalid(fmt::format("SNAP_ID '{}' is not -1 or a snapshot id", ctx.args[2]));
  return SaveDisk(ctx, ctx.args[0], ctx.args[1], snap);
}
}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"cpds", "HOST:DISK NEW_SOURCE SNAP_ID VMID DSID", "save a disk (or one of its snapshots) into a new image (disk-saveas)", 5, 5}, argc, argv, Action);
}
