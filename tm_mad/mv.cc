// mv: a VM disk moves with its VM directory (cold migration, stop, undeploy, resume)
//
// argv: SRC_HOST:PATH DST_HOST:PATH VMID DSID
// oned writes "MV.<sys> ipfs PH:SYS/disk.N H:SYS/disk.N" and, right after it,
// "MV <sys> PH:SYS H:SYS" for the system datastore's TM (ssh, shared, local),
// which moves the whole directory, disks included (TransferManager.cc). Like
// OpenNebula's own ssh/mv and qcow2/mv, a disk path is therefore left to the
// system TM: exit 0 without touching anything (moving it here would take the
// disk out of the directory the system TM then moves, or tar a shared file
// while it is in use). A VM directory would mean ipfs is the system TM, which
// it cannot be: one error line (see FollowSystemTm in tm_disk.h).
#include "common/one/tm.h"
#include "common/deploy/tm_disk.h"

namespace oneipfs {
namespace {

Status Action(TmContext& ctx) {
  ASSIGN_OR_RETURN(HostPath src, SplitHostPath(ctx.args[0]));
  ASSIGN_OR_RETURN(HostPath dst, SplitHostPath(ctx.args[1]));
  return FollowSystemTm(ctx, "mv", IsDiskPath(src.path) && IsDiskPath(dst.path));
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"mv", "SRC_HOST:PATH DST_HOST:PATH VMID DSID",
                      "leave a VM disk to the system datastore's TM, which moves the VM directory", 4, 4},
                     argc, argv, Action);
}
