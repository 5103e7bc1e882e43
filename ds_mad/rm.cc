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
//
// Undelete (retention.h): with IPFS_DELETE_GRACE > 0 (the default, 7 days)
// the entry is moved, whole, to <IPFS_CATALOG>/.deleted/<ds>/<image>-<regtime>-<now>
// (one files/mv), from where `one-ipfs-image restore` can register it again
// until `one-ipfs-fsck --repair` purges it after the grace period; with 0 it
// is removed at once. Either way an "rm" event goes into the catalog history
// (history.h) with the content it had and what restore needs (name, type,
// persistence, format).
#include <ctime>

#include <fmt/format.h>

#include "common/catalog/catalog.h"
#include "common/catalog/history.h"
#include "common/catalog/retention.h"
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
  auto shape = EntryShape(*entry, catalog.root());
  // What the event records: the content the image had.
  auto versions = catalog.Versions(*entry);
  if (!versions.ok() && versions.status().code() == Status::Code::kNotFound) {
    ctx.log.Info(fmt::format("{} was already gone", img.source));
    return std::string();
  }
  CatalogEvent ev = NewEvent("rm");
  if (versions.ok() && !versions->empty()) {
    ev.version = versions->back().number;
    ev.old_cid = versions->back().cid;
    ev.size = versions->back().size;
  }
  std::string problem;
  std::int64_t grace = DeleteGrace(ctx.config, &problem);
  if (!problem.empty()) ctx.log.Warn(problem);
  if (grace > 0 && shape) {
    auto now = static_cast<std::int64_t>(std::time(nullptr));
    auto moved = MoveToDeleted(ctx.ipfs, *entry, *shape, now);
    if (!moved.ok() && moved.status().code() == Status::Code::kNotFound) {
      ctx.log.Info(fmt::format("{} was already gone", img.source));
      return std::string();
    }
    if (!moved.ok()) return moved.status().Prefixed(fmt::format("cannot remove image {} ({})", img.id, img.source));
    ev.detail = fmt::format("kept as {} until {} (IPFS_DELETE_GRACE {} s)", moved->Label(), now + grace, grace);
    std::string driver;
    if (auto it = img.tmpl.find("DRIVER"); it != img.tmpl.end()) driver = it->second;
    ev.image_info = {{"name", img.name},   {"type", img.type},     {"persistent", img.persistent},
                     {"format", img.format}, {"driver", driver},     {"deleted", moved->Label()}};
    ctx.log.Info(fmt::format("removed {}: kept in the deleted area as {} for {} s (one-ipfs-image restore {})",
                             img.source, moved->dir, grace, moved->Label()));
  } else {
    auto removed = catalog.Remove(*entry);
    if (!removed.ok()) return removed.status().Prefixed(fmt::format("cannot remove image {} ({})", img.id, img.source));
    if (!*removed) {
      ctx.log.Info(fmt::format("{} was already gone", img.source));
      return std::string();
    }
    ev.detail = grace > 0 ? "removed at once (an entry name the deleted area cannot take)"
                          : "removed at once (IPFS_DELETE_GRACE 0)";
    ctx.log.Info(fmt::format("removed {}", img.source));
  }
  RecordDsEvent(ctx, std::move(ev));
  return std::string();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("rm", "remove an image's own catalog entry (its content stays if others need it)", argc,
                              argv, oneipfs::Rm);
}
