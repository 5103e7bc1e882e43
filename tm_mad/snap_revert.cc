// snap_revert: revert a powered-off VM's disk to the snapshot DISK.snap/SNAP_ID
//
// argv: HOST:DISK SNAP_ID VMID DSID
// Snapshots are whole sparse copies kept beside the disk (as the ssh TM
// does); mvds/cpds, mv and the migration actions carry the .snap directory.
#include <cstdlib>

#include <fmt/format.h>

#include "common/host_ops.h"
#include "common/tm.h"

namespace oneipfs {
namespace {

const char* kScript = R"(set -eu; d=$1; s=$2; [ -f "$d.snap/$s" ] || { echo "snapshot $s of $d does not exist" >&2; exit 1; }; cp --sparse=always -- "$d.snap/$s" "$d.one-ipfs-revert"; sync; mv -f -- "$d.one-ipfs-revert" "$d")";

Status Action(TmContext& ctx) {
  ASSIGN_OR_RETURN(HostPath disk, SplitHostPath(ctx.args[0]));
  char* end = nullptr;
  long id = std::strtol(ctx.args[1].c_str(), &end, 10);
  if (ctx.args[1].empty() || *end || id < 0)
    return Status::Invalid(fmt::format("SNAP_ID '{}' is not a snapshot id", ctx.args[1]));
  auto r = RunHostScript(ctx, disk.host, kScript, {disk.path, std::to_string(id)});
  if (!r.ok()) return r.status().Prefixed(fmt::format("snap_revert {} {}", ctx.args[0], id));
  return Status::Ok();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"snap_revert", "HOST:DISK SNAP_ID VMID DSID", "revert a powered-off VM's disk to the snapshot DISK.snap/SNAP_ID", 4, 4}, argc, argv, Action);
}
