#include "common/catalog/catalog.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "common/ipfs/cid.h"
#include "common/ipfs/content_hold.h"
#include "common/base/log.h"
#include "common/base/number.h"

namespace oneipfs {
namespace {

bool SafeMfsPath(std::string_view p) {
  if (p.size() < 2 || p[0] != '/' || p.back() == '/') return false;
  for (char c : p)
    if (std::isspace(static_cast<unsigned char>(c)) || c == '\0') return false;
  size_t i = 1;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view seg = p.substr(i, j - i);
    if (seg.empty() || seg == "." || seg == "..") return false;
    i = j + 1;
  }
  return true;
}

std::optional<std::uint64_t> VersionNumber(std::string_view name) {
  return ParseCount(name);
}

}  // namespace

std::optional<CatalogEntry> ParseCatalogSource(std::string_view source) {
  size_t at = source.find("mfs:");
  if (at == std::string_view::npos) return std::nullopt;
  if (at != 0) {
    // "<host>:mfs:/..." as oned writes it when it prefixes the front end.
    std::string_view host = source.substr(0, at);
    if (host.size() < 2 || host.back() != ':' || host.substr(0, host.size() - 1).find(':') != std::string_view::npos)
      return std::nullopt;
  }
  std::string_view path = source.substr(at + 4);
  if (!SafeMfsPath(path)) return std::nullopt;
  return CatalogEntry{std::string(path)};
}

std::optional<EntryName> EntryShape(const CatalogEntry& e, std::string_view root) {
  std::string_view dir = e.dir;
  if (root.empty() || !SafeMfsPath(dir) || (root != "/" && !SafeMfsPath(root))) return std::nullopt;
  std::string_view prefix = root == "/" ? std::string_view() : root;
  if (!dir.starts_with(prefix) || dir.size() <= prefix.size() || dir[prefix.size()] != '/') return std::nullopt;
  std::string_view rest = dir.substr(prefix.size() + 1);  // "<ds>/<image>-<regtime>"
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.find('/', slash + 1) != std::string_view::npos) return std::nullopt;
  std::string_view ds = rest.substr(0, slash), name = rest.substr(slash + 1);
  size_t dash = name.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view image = name.substr(0, dash), regtime = name.substr(dash + 1);
  if (!ParseCount(ds) || !ParseCount(image) || !ParseCount(regtime)) return std::nullopt;
  return EntryName{std::string(root), std::string(ds), std::string(image), std::string(regtime)};
}

Status CheckEntryOf(const CatalogEntry& e, std::string_view root, std::string_view ds_id,
                    std::string_view image_id, std::string_view what) {
  auto shape = EntryShape(e, root);
  if (!shape)
    return Status::Invalid(fmt::format("{}: SOURCE {} is not a catalog entry ({}/<datastore>/<image>-<regtime>)",
                                       what, QuoteForMessage(e.Source(), 120), root));
  if (shape->datastore != ds_id)
    return Status::Invalid(fmt::format("{}: SOURCE {} is an entry of datastore {}, not of datastore {}", what,
                                       e.Source(), shape->datastore, ds_id));
  if (!image_id.empty() && shape->image != image_id)
    return Status::Invalid(fmt::format("{}: SOURCE {} is image {}'s entry, not image {}'s (an alias is read only)",
                                       what, e.Source(), shape->image, image_id));
  return Status::Ok();
}

std::string Catalog::DatastoreDir(std::string_view ds_id) const { return fmt::format("{}/{}", root_, ds_id); }

CatalogEntry Catalog::EntryFor(std::string_view ds_id, std::string_view image_id, std::string_view regtime) const {
  return CatalogEntry{fmt::format("{}/{}/{}-{}", root_, ds_id, image_id, regtime.empty() ? "0" : regtime)};
}

Status Catalog::Reserve(const CatalogEntry& e) {
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
  return ipfs_.FilesMkdir(e.dir);
}

Result<std::vector<CatalogVersion>> Catalog::Versions(const CatalogEntry& e) {
  ASSIGN_OR_RETURN(auto entries, ipfs_.FilesLs(e.dir));
  std::vector<CatalogVersion> out;
  for (const auto& d : entries) {
    auto n = VersionNumber(d.name);
    if (!n || d.is_dir) continue;
    out.push_back(CatalogVersion{*n, d.cid, d.size});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.number < b.number; });
  return out;
}

Result<std::uint64_t> Catalog::AddVersion(const CatalogEntry& e, std::string_view cid) {
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
  std::uint64_t next = 1;
  auto versions = Versions(e);
  if (versions.ok()) {
    if (!versions->empty()) next = versions->back().number + 1;
  } else if (versions.status().code() != Status::Code::kNotFound) {
    return versions.status();
  }
  RETURN_IF_ERROR(ipfs_.FilesCp(fmt::format("/ipfs/{}", cid), fmt::format("{}/{}", e.dir, next)));
  return next;
}

Result<std::uint64_t> Catalog::AddFirstVersion(const CatalogEntry& e, std::string_view cid) {
  {
    ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
    if (ipfs_.FilesCp(fmt::format("/ipfs/{}", cid), fmt::format("{}/1", e.dir)).ok()) return std::uint64_t{1};
  }
  return AddVersion(e, cid);
}

Result<CatalogVersion> Catalog::Current(const CatalogEntry& e) {
  ASSIGN_OR_RETURN(auto versions, Versions(e));
  if (versions.empty())
    return Status::Failed(fmt::format("image {} has no content yet (a save-as that was never written)", e.Source()));
  return versions.back();
}

Result<std::vector<CatalogVersion>> Catalog::Snapshots(const CatalogEntry& e) {
  ASSIGN_OR_RETURN(auto entries, ipfs_.FilesLs(e.dir));
  std::vector<CatalogVersion> out;
  for (const auto& d : entries) {
    if (d.is_dir || d.name.rfind("snap-", 0) != 0) continue;
    if (auto n = VersionNumber(std::string_view(d.name).substr(5))) out.push_back(CatalogVersion{*n, d.cid, d.size});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.number < b.number; });
  return out;
}

Status Catalog::PutSnapshot(const CatalogEntry& e, std::uint64_t id, std::string_view cid) {
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
  std::string path = fmt::format("{}/snap-{}", e.dir, id);
  Status rm = ipfs_.FilesRm(path, false);
  if (!rm.ok() && rm.code() != Status::Code::kNotFound) return rm;
  return ipfs_.FilesCp(fmt::format("/ipfs/{}", cid), path);
}

Status Catalog::RemoveSnapshot(const CatalogEntry& e, std::uint64_t id) {
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
  return ipfs_.FilesRm(fmt::format("{}/snap-{}", e.dir, id), false);
}

Status Catalog::RemoveVersion(const CatalogEntry& e, std::uint64_t number) {
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
  return ipfs_.FilesRm(fmt::format("{}/{}", e.dir, number), false);
}

Result<bool> Catalog::Remove(const CatalogEntry& e) {
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
  Status st = ipfs_.FilesRm(e.dir, true);
  if (st.ok()) return true;
  if (st.code() == Status::Code::kNotFound) return false;
  return st;
}

Result<std::uint64_t> Catalog::DatastoreBytes(std::string_view ds_id, EntrySizeMemo* memo) {
  // Summed entry by entry: js-ipfs does not report a directory's
  // CumulativeSize with its children (files/cp links a child with the size
  // of its root block only).
  auto images = ipfs_.FilesLs(DatastoreDir(ds_id));
  if (!images.ok()) {
    if (images.status().code() == Status::Code::kNotFound) return std::uint64_t{0};
    return images.status();
  }
  std::uint64_t total = 0;
  for (const auto& image : *images) {
    if (!image.is_dir) continue;
    if (memo && !image.cid.empty()) {
      if (auto it = memo->known.find(image.cid); it != memo->known.end()) {
        total += it->second;
        memo->seen[image.cid] = it->second;
        continue;
      }
    }
    std::string dir = fmt::format("{}/{}", DatastoreDir(ds_id), image.name);
    auto files = ipfs_.FilesLs(dir);
    if (!files.ok()) {
      if (files.status().code() == Status::Code::kNotFound) continue;  // removed meanwhile
      return files.status();
    }
    std::uint64_t bytes = 0;
    for (const auto& f : *files) bytes += f.size;
    total += bytes;
    if (memo && !image.cid.empty()) {
      auto now = ipfs_.Stat(dir);
      if (now.ok() && CidEqual(now->cid, image.cid)) memo->seen[image.cid] = bytes;
    }
  }
  return total;
}

}  // namespace oneipfs
