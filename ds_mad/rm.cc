// rm: delete an image; prints nothing.
//
// Drops exactly this image's catalog entry (all its versions). Content that
// another image (same CID, its own entry) or the operator (their own pins)
// still references is untouched: the catalog never pins or unpins. An entry
// that is already gone is not an error. An image registered with
// `oneimage create --source /ipfs/...` never had an entry: nothing is removed.
#include <fmt/format.h>

#include "common/catalog.h"
#include "common/driver.h"
#include "common/source.h"

namespace oneipfs {
namespace {

Result<std::string> Rm(DsContext& ctx) {
  const ImageDoc& img = ctx.action.image;
  if (!img.present) return Status::Invalid("the action document has no IMAGE");
  if (img.source.empty()) {
    ctx.log.Info(fmt::format("image {} has no SOURCE: nothing to remove", img.id));
    return std::string();
  }
  auto entry = ParseCatalogSource(StripHostPrefix(img.source));
  if (!entry) {
    ctx.log.Info(fmt::format("SOURCE {} is not a one-ipfs catalog entry (registered with --source?): nothing removed",
                             img.source));
    return std::string();
  }
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  auto removed = catalog.Remove(*entry);
  if (!removed.ok()) return removed.status().Prefixed(fmt::format("cannot remove image {} ({})", img.id, img.source));
  ctx.log.Info(*removed ? fmt::format("removed {}", img.source)
                        : fmt::format("{} was already gone", img.source));
  return std::string();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("rm", "remove an image's catalog entry (its content stays if others need it)", argc,
                              argv, oneipfs::Rm);
}
