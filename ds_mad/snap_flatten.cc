// snap_flatten: make an image snapshot the current content and drop all snapshots (oneimage snapshot-flatten).
//
// Like snap_revert, then every snapshot of the image is removed (oned drops
// the snapshot list after a flatten).
// Snapshots of a persistent image are the disk snapshots its VM took, saved
// into the catalog entry by the transfer driver's mvds.
#include <cstdlib>

#include <fmt/format.h>

#include "common/catalog.h"
#include "common/driver.h"
#include "common/source.h"

namespace oneipfs {
namespace {

[[maybe_unused]] Result<CatalogVersion> FindSnapshot(Catalog& catalog, const CatalogEntry& entry, std::uint64_t id,
                                                     const std::string& what) {
  ASSIGN_OR_RETURN(auto snaps, catalog.Snapshots(entry));
  for (const auto& s : snaps)
    if (s.number == id) return s;
  return Status::NotFound(fmt::format("{}: the image has no snapshot {}", what, id));
}

Result<std::string> Action(DsContext& ctx) {
  const ImageDoc& img = ctx.action.image;
  if (!img.present) return Status::Invalid("the action document has no IMAGE");
  std::string what = fmt::format("cannot snap_flatten image {} snapshot {}", img.id, img.target_snapshot);
  char* end = nullptr;
  long id = std::strtol(img.target_snapshot.c_str(), &end, 10);
  if (img.target_snapshot.empty() || *end || id < 0)
    return Status::Invalid(fmt::format("{}: TARGET_SNAPSHOT is not a snapshot id", what));
  auto entry = ParseCatalogSource(StripHostPrefix(img.source));
  if (!entry) return Status::Invalid(fmt::format("{}: SOURCE '{}' is not a one-ipfs catalog entry", what, img.source));
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  ASSIGN_OR_RETURN(CatalogVersion snap, FindSnapshot(catalog, *entry, id, what));
  auto v = catalog.AddVersion(*entry, snap.cid);
  if (!v.ok()) return v.status().Prefixed(what);
  ASSIGN_OR_RETURN(auto all, catalog.Snapshots(*entry));
  for (const auto& s : all) {
    Status st = catalog.RemoveSnapshot(*entry, s.number);
    if (!st.ok()) return st.Prefixed(what);
  }
  ctx.log.Info(fmt::format("{} flattened to snapshot {} (version {})", img.source, id, *v));
  return std::string();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("snap_flatten", "make an image snapshot the current content and drop all snapshots", argc, argv, oneipfs::Action);
}
