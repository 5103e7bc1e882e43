// clone: deploy a non-persistent image disk to a host
//
// argv: SRC HOST:DST VMID DSID
// SRC is any SOURCE the datastore driver printed (mfs:...) or a user wrote
// (/ipfs/, /ipns/, ipfs://, with or without "<frontend>:"). The host gets an
// immutable CID: its own daemon fetches it (peer to peer), written atomically,
// then grown to the disk's SIZE and the .monitor marker set (DeploySource in
// tm_disk.h). Daemon settings come from the image datastore's template.
#include "common/deploy/tm_disk.h"

namespace oneipfs {
namespace {
Status Action(TmContext& ctx) { return DeploySource(ctx, DeployMode::kClone); }
}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"clone", "SRC HOST:DST VMID DSID", "deploy a non-persistent image disk to a host", 4, 4, true, 2},
                     argc, argv, Action);
}
