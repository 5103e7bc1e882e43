// snap_create: snapshot a powered-off VM's disk into DISK.snap/SNAP_ID
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

const char* kScript = R"(set -eu; d=$1; s=$2; [ -f "$d" ] || { echo "$d does not exist" >&2; exit 1; }; mkdir -p -- "$d.snap"; cp --sparse=always -- "$d" "$d.snap/.$s.tmp"; sync; mv -f -- "$d.snap/.$s.tmp" "$d.snap/$s")";

Status Action(TmContext& ctx) {
  ASSIGN_OR_RETURN(HostPath disk, SplitHostPath(ctx.args[0]));
  char* end = nullptr;
  long id = std::strtol(ctx.args[1].c_str(), &end, 10);
  if (ctx.args[1].empty() || *end || id < 0)
    return Status::Invalid(fmt::format("SNAP_ID '{}' is not a snapshot id", ctx.args[1]));
  auto r = RunHostScript(ctx, disk.host, kScript, {disk.path, std::to_string(id)});
  if (!r.ok()) return r.status().Prefixed(fmt::format("snap_create {} {}", ctx.args[0], id));
  return Status::Ok();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"snap_create", "HOST:DISK SNAP_ID VMID DSID", "snapshot a powered-off VM's disk into DISK.snap/SNAP_ID", 4, 4}, argc, argv, Action);
}
