// resize: grow a VM disk to SIZE_MB (raw or qcow2)
//
// argv: HOST:DISK SIZE_MB VMID DSID
// qcow2 (by its header magic) grows with qemu-img resize, anything else with
// truncate; shrinking is refused. Runs on the host as a fixed script with the
// path and size as parameters.

#include <fmt/format.h>

#include "common/host_ops.h"
#include "common/number.h"
#include "common/tm.h"

namespace oneipfs {
namespace {

const char* kResize = R"(set -eu
f=$1; mb=$2
[ -f "$f" ] || { echo "$f does not exist" >&2; exit 1; }
new=$((mb * 1048576))
magic=$(head -c 4 -- "$f" | od -An -tx1 | tr -d " \n")
if [ "$magic" = "514649fb" ]; then
  qemu-img resize -q -f qcow2 -- "$f" "$new"
else
  cur=$(stat -c %s -- "$f")
  if [ "$new" -lt "$cur" ]; then echo "cannot shrink $f from $cur to $new bytes" >&2; exit 1; fi
  truncate -s "$new" -- "$f"
fi
)";

Status Action(TmContext& ctx) {
  ASSIGN_OR_RETURN(HostPath disk, SplitHostPath(ctx.args[0]));
  std::uint64_t mb = ParseCount(ctx.args[1], kMaxMegabytes).value_or(0);
  if (mb == 0)
    return Status::Invalid(fmt::format("SIZE '{}' is not a positive number of MB", ctx.args[1]));
  auto r = RunHostScript(ctx, disk.host, kResize, {disk.path, std::to_string(mb)});
  if (!r.ok()) return r.status().Prefixed(fmt::format("cannot resize {}", ctx.args[0]));
  ctx.log.Info(fmt::format("{} is now {} MB", ctx.args[0], mb));
  return Status::Ok();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"resize", "HOST:DISK SIZE_MB VMID DSID", "grow a VM disk to SIZE_MB (raw or qcow2)", 4, 4}, argc, argv, Action);
}
