#include "common/catalog/image_snapshot.h"

#include <fmt/format.h>

#include "common/base/log.h"
#include "common/base/number.h"
#include "common/catalog/history.h"
#include "common/catalog/retention.h"
#include "common/catalog/source.h"

namespace oneipfs {

Result<SnapshotTarget> ImageSnapshotTarget(const DsContext& ctx, std::string_view action) {
  const ImageDoc& img = ctx.action.image;
  if (!img.present) return Status::Invalid("the action document has no IMAGE");
  SnapshotTarget t;
  t.what = fmt::format("cannot {} image {} snapshot {}", action, img.id, img.target_snapshot);
  auto id = ParseCount(img.target_snapshot);
  if (!id)
    return Status::Invalid(fmt::format("{}: TARGET_SNAPSHOT is not a snapshot id", t.what));
  auto entry = ParseCatalogSource(StripHostPrefix(img.source));
  if (!entry)
    return Status::Invalid(fmt::format("{}: SOURCE '{}' is not a one-ipfs catalog entry", t.what, img.source));
  // Only the image's own entry: never an alias of another image's.
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  CatalogEntry own = catalog.EntryFor(ctx.action.datastore.id, img.id, img.regtime);
  if (entry->dir != own.dir)
    return Status::Invalid(fmt::format("{}: SOURCE {} is not the image's own catalog entry ({}); an alias's "
                                       "snapshots are its original's",
                                       t.what, QuoteForMessage(img.source, 200), own.Source()));
  t.entry = *entry;
  t.id = *id;
  return t;
}

Result<Reverted> RevertToSnapshot(Catalog& catalog, const SnapshotTarget& t) {
  ASSIGN_OR_RETURN(auto snaps, catalog.Snapshots(t.entry));
  for (const auto& s : snaps) {
    if (s.number != t.id) continue;
    Reverted r{0, s.cid, "", s.size};
    if (auto now = catalog.Current(t.entry); now.ok()) r.old_cid = now->cid;
    auto v = catalog.AddVersion(t.entry, s.cid);
    if (!v.ok()) return v.status().Prefixed(t.what);
    r.version = *v;
    return r;
  }
  return Status::NotFound(fmt::format("{}: the image has no snapshot {}", t.what, t.id));
}

void RecordSnapshotEvent(DsContext& ctx, Catalog& catalog, const SnapshotTarget& t, std::string_view action,
                         const Reverted& r, std::string detail) {
  RecordDsEvent(ctx, NewEvent(std::string(action), r.version, r.cid, r.old_cid, r.size, std::move(detail)));
  if (r.version == 0) return;
  std::string problem;
  auto keep = HistoryKeep(ctx.config, &problem);
  if (!problem.empty()) ctx.log.Warn(problem);
  if (!keep) return;
  std::vector<CatalogVersion> pruned;
  auto st = PruneVersions(catalog, t.entry, *keep, &pruned);
  if (!st.ok()) ctx.log.Warn(st.status().message());
  for (const auto& v : pruned)
    RecordDsEvent(ctx, NewEvent("prune", v.number, "", v.cid, v.size, fmt::format("IPFS_HISTORY_KEEP {}", *keep)));
}

}  // namespace oneipfs
