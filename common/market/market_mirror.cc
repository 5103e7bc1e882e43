#include "common/market/market_mirror.h"

#include <fmt/format.h>

#include "common/base/number.h"
#include "common/ipfs/cid.h"

namespace oneipfs {
namespace {

std::string Canonical(std::string_view cid) {
  auto c = ParseCid(cid);
  return c.ok() ? c->ToString() : std::string(cid);
}

}  // namespace

Result<std::set<std::string>> CatalogCids(IpfsClient& ipfs, std::string_view catalog_root) {
  std::set<std::string> out;
  auto datastores = ipfs.FilesLs(catalog_root);
  if (!datastores.ok()) {
    if (datastores.status().code() == Status::Code::kNotFound) return out;
    return datastores.status();
  }
  for (const auto& ds : *datastores) {
    if (!ds.is_dir || !ParseCount(ds.name)) continue;
    std::string ds_dir = fmt::format("{}/{}", catalog_root, ds.name);
    ASSIGN_OR_RETURN(auto entries, ipfs.FilesLs(ds_dir));
    for (const auto& e : entries) {
      if (!e.is_dir) continue;
      auto versions = ipfs.FilesLs(fmt::format("{}/{}", ds_dir, e.name));
      if (!versions.ok()) continue;  // removed meanwhile
      for (const auto& v : *versions)
        if (!v.is_dir && ParseCount(v.name) && !v.cid.empty()) out.insert(Canonical(v.cid));
    }
  }
  return out;
}

Result<bool> MirrorFollowed(IpfsClient& ipfs, MarketTree& tree, const SigningKey& key, std::string_view self,
                            const TreeListing& followed, const std::vector<TreeApp>& own,
                            const std::set<std::string>& held, const Log& log) {
  bool changed = false;
  std::set<std::string> held_here = held;
  std::set<std::string> in_tree;
  for (const auto& a : own) {
    in_tree.insert(a.dir);
    if (a.record) held_here.insert(Canonical(a.record->cid));
  }
  std::set<std::string> listed;
  for (const auto& app : followed.apps) {
    if (app.record.publisher == self) continue;
    std::string dir = AppDirName(app.record);
    listed.insert(dir);
    bool same = false;
    for (const auto& a : own)
      if (a.dir == dir && a.sealed == app.sealed) same = true;
    if (same || !held_here.count(Canonical(app.record.cid))) continue;
    if (Status st = tree.PutApp(dir, app.sealed, app.record.cid); !st.ok()) {
      log.Warn(fmt::format("app {} ({}) is not mirrored: {}", dir, app.record.name, st.message()));
      continue;
    }
    (void)tree.Record(key, {{"event", "mirror"},
                            {"app", dir},
                            {"name", app.record.name},
                            {"cid", app.record.cid},
                            {"publisher", app.record.publisher},
                            {"from", followed.name}});
    log.Info(fmt::format("mirroring app {} ({}) of {}", dir, app.record.name, app.record.publisher));
    changed = true;
  }
  for (const auto& a : own) {
    if (!a.record || a.record->publisher == self || listed.count(a.dir)) continue;
    ASSIGN_OR_RETURN(bool removed, tree.RemoveApp(a.dir));
    if (!removed) continue;
    (void)tree.Record(key, {{"event", "unmirror"}, {"app", a.dir}, {"name", a.record->name}, {"from", followed.name}});
    log.Info(fmt::format("app {} ({}) is no longer published by {}: it leaves the mirror", a.dir, a.record->name,
                         a.record->publisher));
    changed = true;
  }
  return changed;
}

}  // namespace oneipfs
