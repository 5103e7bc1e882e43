// delete: `onemarketapp delete` in an ipfs marketplace: the app leaves the
// marketplace's tree, the event "delete" is logged and the tree published
// (common/market/market_import.h DeleteApp); subscribers stop listing it at
// their next monitor. The content is not unpinned (images that use it keep
// it). An app that is not there is success; a read-only marketplace and a
// mirrored app (another publisher's) fail with one line. Prints nothing.
#include "common/market/market_import.h"

int main(int argc, char** argv) {
  return oneipfs::RunMarketAction("delete", "remove an app from the marketplace and publish the change", argc, argv,
                                  oneipfs::DeleteApp);
}
