// mvds: save a persistent disk back into its image
//
// argv: HOST:DISK SOURCE VMID DSID
// The disk is added to IPFS, the front-end daemon fetches every block, and
// only then the image's catalog entry gets it as its new current version (the
// previous one stays as history). Any failure leaves the disk on the host
// and exits non-zero, so the epilog does not delete it. SOURCE must be the
// image's own catalog entry (the disk's IMAGE_ID in the VM document).
// The save is an "mvds" event in the catalog history, with the VM and its owner.
#include "common/deploy/tm_disk.h"

namespace oneipfs {
namespace {
Status Action(TmContext& ctx) {
  return SaveDisk(ctx, "mvds", ctx.args[2], ctx.args[0], ctx.args[1], -1, DiskImageId(ctx, ctx.args[0], ctx.args[2]),
                  true);
}
}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"mvds", "HOST:DISK SOURCE VMID DSID", "save a persistent disk back into its image", 4, 4, true, 2}, argc, argv, Action);
}
