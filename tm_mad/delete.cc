// delete: remove a VM disk (and its snapshots) or the VM directory from a host
//
// argv: HOST:PATH VMID DSID
// PATH must be VM VMID's directory or a disk in it (tm_disk.h CheckVmPath);
// anything else is refused before the host is touched.
// Never touches IPFS content; drops the host's provider records of CIDs its
// daemon's cache no longer holds (host_ops.h ForgetUncached). A host that is gone, or a path already removed,
// is not an error (a WARN line says so).
#include "common/deploy/host_ops.h"
#include "common/one/tm.h"
#include "common/deploy/tm_disk.h"

namespace oneipfs {
namespace {
Status Action(TmContext& ctx) {
  ASSIGN_OR_RETURN(HostPath p, SplitHostPath(ctx.args[0]));
  std::vector<std::string> paths = {p.path};
  if (IsDiskPath(p.path)) paths.push_back(p.path + ".snap");
  RETURN_IF_ERROR(RemoveOnHost(ctx, p.host, ctx.args[1], paths, true));
  // Peer-to-peer hints only: a failure here is a WARN, never a failed delete.
  if (Status st = ForgetUncached(ctx, p.host); !st.ok())
    ctx.log.Warn("cannot update the provider records of " + p.host + ": " + st.message());
  ctx.log.Info("removed " + ctx.args[0]);
  return Status::Ok();
}
}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"delete", "HOST:PATH VMID DSID", "remove a VM disk (and its snapshots) or the VM directory from a host", 3, 3}, argc, argv, Action);
}
