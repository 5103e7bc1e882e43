// resize: grow a VM disk to SIZE_MB (raw or qcow2)
//
// argv: HOST:DISK SIZE_MB VMID DSID
// qcow2 (by its header magic) grows with qemu-img resize, anything else with
// truncate; shrinking is refused. Runs on the host as a fixed script with the
// path and size as parameters (ResizeOnHost in tm_disk.h).

#include <fmt/format.h>

#include "common/base/number.h"
#include "common/one/tm.h"
#include "common/deploy/tm_disk.h"

namespace oneipfs {
namespace {

Status Action(TmContext& ctx) {
  ASSIGN_OR_RETURN(HostPath disk, SplitHostPath(ctx.args[0]));
  std::uint64_t mb = ParseCount(ctx.args[1], kMaxMegabytes).value_or(0);
  if (mb == 0)
    return Status::Invalid(fmt::format("SIZE '{}' is not a positive number of MB", ctx.args[1]));
  RETURN_IF_ERROR(ResizeOnHost(ctx, disk, mb));
  ctx.log.Info(fmt::format("{} is now {} MB", ctx.args[0], mb));
  return Status::Ok();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"resize", "HOST:DISK SIZE_MB VMID DSID", "grow a VM disk to SIZE_MB (raw or qcow2)", 4, 4}, argc, argv, Action);
}
