// ln: deploy a persistent image disk (or a CDROM) to a host
//
// argv: SRC HOST:DST VMID DSID
// The host gets the image's current content (the catalog entry's highest
// version) as a private file, with its saved snapshots; mvds saves it back as
// a new version. A persistent disk whose SOURCE is immutable (/ipfs/...) is
// refused here, before anything is written (DeploySource in tm_disk.h).
#include "common/deploy/tm_disk.h"

namespace oneipfs {
namespace {
Status Action(TmContext& ctx) { return DeploySource(ctx, DeployMode::kLn); }
}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"ln", "SRC HOST:DST VMID DSID", "deploy a persistent image disk to a host", 4, 4, true, 2}, argc,
                     argv, Action);
}
