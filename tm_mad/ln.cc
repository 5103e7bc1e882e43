// ln: deploy a persistent image disk to a host
//
// argv: SRC HOST:DST VMID DSID
// The host gets the image's current content (the catalog entry's highest
// version) as a private file; mvds saves it back as a new version.
#include "common/tm_disk.h"

namespace oneipfs {
namespace {
Status Action(TmContext& ctx) { return DeploySource(ctx, ctx.args[0], ctx.args[1], true); }
}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"ln", "SRC HOST:DST VMID DSID", "deploy a persistent image disk to a host", 4, 4}, argc, argv, Action);
}
