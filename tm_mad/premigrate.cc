// premigrate: copy the VM's IPFS disks to the destination host before a live migration
//
// argv: SRC_HOST DST_HOST VM_DIR VMID DSID [CALLER_TM]  (base64 VM XML on stdin)
// Called by the VMM driver on the system TM, which runs it for the other TMs
// of the VM's disks with a 6th argument (the caller's TM name): then only the
// disks whose TM_MAD is ipfs are handled; without it (ipfs as the system TM)
// the whole VM directory is (see MigrationTargets in tm_disk.h).
#include "common/tm.h"
#include "common/tm_disk.h"

namespace oneipfs {
namespace {

Status Action(TmContext& ctx) {
  ASSIGN_OR_RETURN(MigrationSet m, MigrationTargets(ctx));
  if (m.names.empty()) return Status::Ok();
  return CopyBetweenHosts(ctx, m.src_host, m.dst_host, m.dir, m.dir, m.names);
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"premigrate", "SRC_HOST DST_HOST VM_DIR VMID DSID [CALLER_TM]",
                      "copy the VM's IPFS disks to the destination host before a live migration", 5, 6},
                     argc, argv, Action);
}
