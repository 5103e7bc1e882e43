#include "common/catalog/retention.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include <fmt/format.h>

#include "common/base/number.h"
#include "common/base/text.h"
#include "common/ipfs/content_hold.h"

namespace oneipfs {
namespace {

std::string_view Prefix(std::string_view root) { return root == "/" ? std::string_view() : root; }

}  // namespace

std::string DeletedRoot(std::string_view catalog_root) { return fmt::format("{}/.deleted", Prefix(catalog_root)); }
std::string DeletedDir(std::string_view catalog_root, std::string_view ds_id) {
  return fmt::format("{}/{}", DeletedRoot(catalog_root), ds_id);
}

std::optional<DeletedEntry> ParseDeletedName(std::string_view catalog_root, std::string_view ds_id,
                                             std::string_view name) {
  if (!ParseCount(ds_id)) return std::nullopt;
  auto parts = Split(name, '-');
  if (parts.size() != 3) return std::nullopt;
  for (const auto& p : parts)
    if (!ParseCount(p)) return std::nullopt;
  auto at = ParseCount(parts[2], std::numeric_limits<std::int64_t>::max());
  if (!at) return std::nullopt;
  DeletedEntry e;
  e.datastore = std::string(ds_id);
  e.image = parts[0];
  e.regtime = parts[1];
  e.deleted_at = static_cast<std::int64_t>(*at);
  e.name = std::string(name);
  e.dir = fmt::format("{}/{}", DeletedDir(catalog_root, ds_id), name);
  return e;
}

std::optional<DeletedEntry> ParseDeletedLabel(std::string_view catalog_root, std::string_view label) {
  std::string prefix = DeletedRoot(catalog_root) + "/";
  if (label.starts_with(prefix)) label.remove_prefix(prefix.size());
  auto slash = label.find('/');
  if (slash == std::string_view::npos || label.find('/', slash + 1) != std::string_view::npos) return std::nullopt;
  return ParseDeletedName(catalog_root, label.substr(0, slash), label.substr(slash + 1));
}

Result<DeletedEntry> MoveToDeleted(IpfsClient& ipfs, const CatalogEntry& e, const EntryName& name, std::int64_t now) {
  std::string label = fmt::format("{}-{}-{}", name.image, name.regtime, now);
  auto target = ParseDeletedName(name.root, name.datastore, label);
  if (!target) return Status::Invalid(fmt::format("{} cannot be named in the deleted area", e.Source()));
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs.mfs_lock(), ipfs.timeout()));
  Status mv = ipfs.FilesMv(e.dir, target->dir);
  if (!mv.ok()) {
    // The datastore's deleted directory may not exist yet (files/mv makes
    // no parents, and says "file does not exist" then, as for a missing
    // source): make it, then once more.
    Status made = ipfs.FilesMkdir(DeletedDir(name.root, name.datastore));
    if (made.ok()) mv = ipfs.FilesMv(e.dir, target->dir);
  }
  if (!mv.ok()) {
    // Gone already (kubo and js-ipfs say "file does not exist"/"not found").
    auto still = ipfs.Stat(e.dir);
    if (!still.ok() && still.status().code() == Status::Code::kNotFound)
      return Status::NotFound(fmt::format("{} is gone already", e.Source()));
    return mv.Prefixed(fmt::format("cannot move {} to {}", e.Source(), target->dir));
  }
  return *target;
}

Result<DeletedList> ListDeleted(IpfsClient& ipfs, std::string_view catalog_root, std::string_view ds_id) {
  DeletedList out;
  std::vector<std::string> datastores;
  if (!ds_id.empty()) {
    datastores.emplace_back(ds_id);
  } else {
    auto listed = ipfs.FilesLs(DeletedRoot(catalog_root));
    if (!listed.ok()) {
      if (listed.status().code() == Status::Code::kNotFound) return out;
      return listed.status();
    }
    for (const auto& d : *listed) {
      if (d.is_dir && ParseCount(d.name)) datastores.push_back(d.name);
      else out.odd.push_back(DeletedRoot(catalog_root) + "/" + d.name);
    }
  }
  for (const auto& ds : datastores) {
    auto listed = ipfs.FilesLs(DeletedDir(catalog_root, ds));
    if (!listed.ok()) {
      if (listed.status().code() == Status::Code::kNotFound) continue;
      return listed.status();
    }
    for (const auto& d : *listed) {
      auto e = d.is_dir ? ParseDeletedName(catalog_root, ds, d.name) : std::nullopt;
      if (e) out.entries.push_back(std::move(*e));
      else out.odd.push_back(DeletedDir(catalog_root, ds) + "/" + d.name);
    }
  }
  std::sort(out.entries.begin(), out.entries.end(),
            [](const auto& a, const auto& b) { return a.deleted_at < b.deleted_at; });
  return out;
}

Result<std::uint64_t> DirFileBytes(IpfsClient& ipfs, const std::string& dir) {
  ASSIGN_OR_RETURN(auto files, ipfs.FilesLs(dir));
  std::uint64_t bytes = 0;
  for (const auto& f : files)
    if (!f.is_dir) bytes += f.size;
  return bytes;
}

std::optional<std::int64_t> ParseGrace(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  std::int64_t unit = 1;
  switch (std::tolower(static_cast<unsigned char>(text.back()))) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: unit = 0;
  }
  if (unit) text.remove_suffix(1);
  else unit = 1;
  // At most 100 years: no overflow when added to a time.
  auto n = ParseCount(text, static_cast<std::uint64_t>(100LL * 365 * 86400) / static_cast<std::uint64_t>(unit));
  if (!n) return std::nullopt;
  return static_cast<std::int64_t>(*n) * unit;
}

std::int64_t DeleteGrace(const Config& config, std::string* problem) {
  const std::string& v = config.Get("IPFS_DELETE_GRACE");
  if (Trim(v).empty()) return kDefaultDeleteGrace;
  if (auto g = ParseGrace(v)) return *g;
  if (problem)
    *problem = fmt::format("IPFS_DELETE_GRACE {} is not a number of seconds (or of m, h, d): kept the default of 7 days",
                           QuoteForMessage(v, 40));
  return kDefaultDeleteGrace;
}

std::optional<std::uint64_t> HistoryKeep(const Config& config, std::string* problem) {
  std::string v(Trim(config.Get("IPFS_HISTORY_KEEP")));
  if (v.empty() || Lower(v) == "all") return std::nullopt;
  auto n = ParseCount(v);
  if (n && *n >= 1) return *n;
  if (problem)
    *problem = fmt::format("IPFS_HISTORY_KEEP {} is not \"all\" or a number of versions >= 1: every version is kept",
                           QuoteForMessage(v, 40));
  return std::nullopt;
}

Result<std::vector<CatalogVersion>> PruneVersions(Catalog& catalog, const CatalogEntry& e, std::uint64_t keep,
                                                  std::vector<CatalogVersion>* removed) {
  std::vector<CatalogVersion> out;
  if (keep == 0) keep = 1;  // the current version always stays
  ASSIGN_OR_RETURN(auto versions, catalog.Versions(e));
  if (versions.size() <= keep) return out;
  std::size_t drop = versions.size() - static_cast<std::size_t>(keep);
  for (std::size_t i = 0; i < drop; ++i) {
    Status st = catalog.RemoveVersion(e, versions[i].number);
    if (!st.ok() && st.code() != Status::Code::kNotFound) {
      if (removed) *removed = out;
      return st.Prefixed(fmt::format("cannot prune version {} of {}", versions[i].number, e.Source()));
    }
    out.push_back(versions[i]);
  }
  if (removed) *removed = out;
  return out;
}

}  // namespace oneipfs
