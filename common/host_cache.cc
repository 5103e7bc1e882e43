#include "common/host_cache.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "common/content_hold.h"
#include "common/number.h"
#include "common/providers.h"

namespace oneipfs {

std::vector<std::string> ChooseEvictions(std::vector<CachedImage> cached, const std::set<std::string>& leased,
                                         std::uint64_t budget) {
  std::uint64_t total = 0;
  for (const auto& c : cached) total += c.bytes;
  std::stable_sort(cached.begin(), cached.end(),
                   [](const CachedImage& a, const CachedImage& b) { return a.used < b.used; });
  std::vector<std::string> out;
  for (const auto& c : cached) {
    if (total <= budget) break;
    if (leased.count(c.cid)) continue;
    out.push_back(c.cid);
    total -= c.bytes;
  }
  return out;
}

Result<MfsWriteLock> HostCache::WriteLock() { return MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()); }

Status HostCache::Lease(const std::string& cid, std::int64_t now) {
  if (!SafeProviderName(cid)) return Status::Invalid(fmt::format("'{}' is not a CID", cid));
  lease_ = fmt::format("{}/.leases/{}.{}.{}", kHostCacheRoot, cid, now, static_cast<long>(::getpid()));
  ASSIGN_OR_RETURN(auto lock, WriteLock());
  return ipfs_.FilesMkdir(lease_);
}

void HostCache::Release() {
  if (lease_.empty()) return;
  if (auto lock = WriteLock(); lock.ok()) (void)ipfs_.FilesRm(lease_, true);  // else it expires
  lease_.clear();
}

Result<std::set<std::string>> HostCache::Leased(std::int64_t now) {
  std::set<std::string> out;
  auto leases = ipfs_.FilesLs(fmt::format("{}/.leases", kHostCacheRoot));
  if (!leases.ok()) {
    if (leases.status().code() == Status::Code::kNotFound) return out;
    return leases.status();
  }
  for (const auto& l : *leases) {
    // <cid>.<time>.<pid>
    size_t pid_dot = l.name.rfind('.');
    if (pid_dot == std::string::npos || pid_dot == 0) continue;
    size_t time_dot = l.name.rfind('.', pid_dot - 1);
    if (time_dot == std::string::npos) continue;
    auto t = ParseCount(l.name.substr(time_dot + 1, pid_dot - time_dot - 1));
    if (!t) continue;
    if (now - static_cast<std::int64_t>(*t) > kLeaseTtl) {
      if (auto lock = WriteLock(); lock.ok())  // a crashed helper's
        (void)ipfs_.FilesRm(fmt::format("{}/.leases/{}", kHostCacheRoot, l.name), true);
      continue;
    }
    out.insert(l.name.substr(0, time_dot));
  }
  return out;
}

Result<std::vector<CachedImage>> HostCache::List() {
  std::vector<CachedImage> out;
  auto dirs = ipfs_.FilesLs(kHostCacheRoot);
  if (!dirs.ok()) {
    if (dirs.status().code() == Status::Code::kNotFound) return out;
    return dirs.status();
  }
  for (const auto& d : *dirs) {
    if (!d.is_dir || !SafeProviderName(d.name)) continue;
    auto files = ipfs_.FilesLs(fmt::format("{}/{}", kHostCacheRoot, d.name));
    if (!files.ok()) continue;
    CachedImage img;
    img.cid = d.name;
    bool any = false;
    for (const auto& f : *files) {
      auto t = ParseCount(f.name);
      if (!t || f.is_dir) continue;
      if (!any || static_cast<std::int64_t>(*t) > img.used) {
        img.used = static_cast<std::int64_t>(*t);
        img.bytes = f.size;
      }
      any = true;
    }
    if (any) out.push_back(img);
  }
  return out;
}

Result<std::optional<std::int64_t>> HostCache::Holds(const std::string& cid) {
  if (!SafeProviderName(cid)) return std::optional<std::int64_t>();
  auto files = ipfs_.FilesLs(fmt::format("{}/{}", kHostCacheRoot, cid));
  if (!files.ok()) {
    if (files.status().code() == Status::Code::kNotFound) return std::optional<std::int64_t>();
    return files.status();
  }
  std::optional<std::int64_t> newest;
  for (const auto& f : *files) {
    auto t = ParseCount(f.name);
    if (!t || f.is_dir) continue;
    if (!newest || static_cast<std::int64_t>(*t) > *newest) newest = static_cast<std::int64_t>(*t);
  }
  return newest;
}

Status HostCache::Refresh(const std::string& cid, std::int64_t from, std::int64_t now) {
  if (!SafeProviderName(cid)) return Status::Invalid(fmt::format("'{}' is not a CID", cid));
  if (now <= from) return Status::Ok();
  std::string dir = fmt::format("{}/{}", kHostCacheRoot, cid);
  ASSIGN_OR_RETURN(auto lock, WriteLock());
  return ipfs_.FilesMv(fmt::format("{}/{}", dir, from), fmt::format("{}/{}", dir, now));
}

Result<std::vector<std::string>> HostCache::Keep(const std::string& cid, std::int64_t now, std::uint64_t budget) {
  if (!SafeProviderName(cid)) return Status::Invalid(fmt::format("'{}' is not a CID", cid));
  std::string dir = fmt::format("{}/{}", kHostCacheRoot, cid);
  ASSIGN_OR_RETURN(auto lock, WriteLock());  // the whole keep-and-evict
  RETURN_IF_ERROR(ipfs_.FilesCp("/ipfs/" + cid, fmt::format("{}/{}", dir, now)).Prefixed("caching /ipfs/" + cid));
  // Older stamps of the same CID: the newest one says when it was last deployed.
  if (auto files = ipfs_.FilesLs(dir); files.ok())
    for (const auto& f : *files)
      if (f.name != std::to_string(now)) (void)ipfs_.FilesRm(fmt::format("{}/{}", dir, f.name), true);
  ASSIGN_OR_RETURN(auto cached, List());
  ASSIGN_OR_RETURN(auto leased, Leased(now));
  // Our own lease protects our CID from other deploys, not from our budget:
  // an image larger than the whole budget is not kept.
  if (!lease_.empty()) {
    bool other = false;
    auto leases = ipfs_.FilesLs(fmt::format("{}/.leases", kHostCacheRoot));
    if (leases.ok())
      for (const auto& l : *leases)
        if (l.name.rfind(cid + ".", 0) == 0 && fmt::format("{}/.leases/{}", kHostCacheRoot, l.name) != lease_)
          other = true;
    if (!other) leased.erase(cid);
  }
  // The just-deployed image goes last: give it the newest time.
  for (auto& c : cached)
    if (c.cid == cid) c.used = std::max(c.used, now);
  auto evict = ChooseEvictions(cached, leased, budget);
  std::vector<std::string> evicted;
  for (const auto& e : evict) {
    Status st = ipfs_.FilesRm(fmt::format("{}/{}", kHostCacheRoot, e), true);
    if (st.ok() || st.code() == Status::Code::kNotFound) evicted.push_back(e);
    else log_.Warn(fmt::format("cannot evict /ipfs/{} from the host cache: {}", e, st.message()));
  }
  return evicted;
}

}  // namespace oneipfs
