// failmigrate: after a failed live migration: the VM's IPFS disks are left to the system TM
//
// argv: SRC_HOST DST_HOST VM_DIR VMID DSID CALLER_TM  (base64 VM XML on stdin)
// The VMM driver calls the *system* TM's failmigrate; its migrate_other
// (tm_common.sh) calls ours with the same arguments plus its own name. The
// disks are in the VM directory, which the hypervisor copies itself during a
// live migration on a non-shared system datastore (kvm/migrate: local
// migration with its storage) and the system TM cleans up (ssh/postmigrate),
// or which is the same shared file on both hosts (shared): there is nothing
// for us to copy or delete, as in OpenNebula's common/prepostmigrate. Without
// CALLER_TM ipfs would be the system TM, which it cannot be: one error line.
#include "common/one/tm.h"
#include "common/deploy/tm_disk.h"

namespace oneipfs {
namespace {

Status Action(TmContext& ctx) { return FollowSystemTm(ctx, "failmigrate", ctx.args.size() == 6 && !ctx.args[5].empty()); }

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"failmigrate", "SRC_HOST DST_HOST VM_DIR VMID DSID CALLER_TM",
                      "after a failed live migration: the VM's IPFS disks are left to the system TM", 5, 6},
                     argc, argv, Action);
}
