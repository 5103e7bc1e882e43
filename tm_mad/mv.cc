// mv: move a VM disk or directory between hosts (cold migration, stop, resume)
//
// argv: SRC_HOST:PATH DST_HOST:PATH VMID DSID
// Same host and path: nothing to do. Same host: rename. Different hosts: the
// disk (with its .snap directory) or the directory is streamed host to host
// through the front end (tar, sparse) and removed from the source only after
// the destination has it.
#include <fmt/format.h>

#include "common/host_ops.h"
#include "common/tm.h"
#include "common/tm_disk.h"

namespace oneipfs {
namespace {

std::string Dir(const std::string& p) { return p.substr(0, p.rfind('/')); }
std::string Base(const std::string& p) { return p.substr(p.rfind('/') + 1); }

Status Action(TmContext& ctx) {
  ASSIGN_OR_RETURN(HostPath src, SplitHostPath(ctx.args[0]));
  ASSIGN_OR_RETURN(HostPath dst, SplitHostPath(ctx.args[1]));
  if (src.host == dst.host && src.path == dst.path) {
    ctx.log.Info(fmt::format("{} is already in place", ctx.args[1]));
    return Status::Ok();
  }
  bool disk = IsDiskPath(src.path);
  if (src.host == dst.host) {
    auto r = RunHostScript(ctx, src.host,
                           "set -eu; mkdir -p -- \"${2%/*}\"; mv -f -- \"$1\" \"$2\"; "
                           "if [ -n \"$3\" ] && [ -e \"$1.snap\" ]; then rm -rf -- \"$2.snap\"; mv -f -- \"$1.snap\" \"$2.snap\"; fi",
                           {src.path, dst.path, disk ? "disk" : ""});
    return r.ok() ? Status::Ok() : r.status();
  }
  if (Base(src.path) != Base(dst.path))
    return Status::Invalid(fmt::format("cannot move {} to {}: the names differ", ctx.args[0], ctx.args[1]));
  std::vector<std::string> names = {Base(src.path)};
  if (disk) names.push_back(Base(src.path) + ".snap");
  RETURN_IF_ERROR(CopyBetweenHosts(ctx, src.host, dst.host, Dir(src.path), Dir(dst.path), names));
  std::vector<std::string> remove = {src.path};
  if (disk) remove.push_back(src.path + ".snap");
  return RemoveOnHost(ctx, src.host, remove, false);
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"mv", "SRC_HOST:PATH DST_HOST:PATH VMID DSID", "move a VM disk or directory between hosts (cold migration, stop, resume)", 4, 4}, argc, argv, Action);
}
