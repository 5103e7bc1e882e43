// rm: delete an image; prints nothing.
//
// Drops exactly this image's own catalog entry (all its versions):
// <IPFS_CATALOG>/<DATASTORE/ID>/<IMAGE/ID>-<IMAGE/REGTIME>, and only when
// the image's SOURCE names that entry. Anything else is never removed:
//  - a SOURCE that is not a catalog entry (`oneimage create --source
//    /ipfs/...`): there is nothing of ours to remove;
//  - a SOURCE that names another image's entry (an operator's `--source
//    mfs:...` alias), a path above entries (the catalog root, a datastore
//    directory) or any other MFS path: the image goes, that path stays (an
//    INFO line says so).
// Content that another image (same CID, its own entry) or the operator
// (their own pins) still references is untouched: the catalog never pins or
// unpins. An entry that is already gone is not an error.
#include <fmt/format.h>

#include "common/catalog/catalog.h"
#include "common/one/driver.h"
#include "common/catalog/source.h"

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
  CatalogEntry own = catalog.EntryFor(ctx.action.datastore.id, img.id, img.regtime);
  if (entry->dir != own.dir) {
    ctx.log.Info(fmt::format("SOURCE {} is not image {}'s own catalog entry ({}): an alias; nothing removed",
                             QuoteForMessage(img.source, 200), img.id, own.Source()));
    return std::string();
  }
  auto removed = catalog.Remove(*entry);
  if (!removed.ok()) return removed.status().Prefixed(fmt::format("cannot remove image {} ({})", img.id, img.source));
  ctx.log.Info(*removed ? fmt::format("removed {}", img.source)
                        : fmt::format("{} was already gone", img.source));
  return std::string();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("rm", "remove an image's own catalog entry (its content stays if others need it)", argc,
                              argv, oneipfs::Rm);
}
