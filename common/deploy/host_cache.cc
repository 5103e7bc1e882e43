#include "common/deploy/host_cache.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "common/ipfs/content_hold.h"
#include "common/base/number.h"
#include "common/deploy/peer_sources.h"
#include "common/catalog/providers.h"

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

std::string HostCache::LeasePath(const std::string& cid) const {
  if (lease_dir_.empty() || !SafeProviderName(cid)) return {};
  return fmt::format("{}/lease-{}", lease_dir_, cid);
}

int HostCache::OpenLease(const std::string& cid) const {
  std::string path = LeasePath(cid);
  return path.empty() ? -1 : OpenLockFile(path);
}

Status HostCache::Lease(const std::string& cid) {
  Release();
  if (!SafeProviderName(cid)) return Status::Invalid(fmt::format("'{}' is not a CID", cid));
  if (lease_dir_.empty()) return Status::Failed("no private directory for lease files on this host");
  const std::string path = LeasePath(cid);
  for (;;) {
    int fd = OpenLease(cid);
    if (fd < 0)
      return Status::Io(fmt::format("cannot open the lease file {}: {}", path, std::strerror(errno)));
    int rc;
    while ((rc = ::flock(fd, LOCK_SH)) != 0 && errno == EINTR) {
    }  // waits out an eviction of `cid`
    if (rc != 0) {
      int e = errno;
      ::close(fd);
      return Status::Io(fmt::format("cannot lock the lease file {}: {}", path, std::strerror(e)));
    }
    // An eviction unlinks the file before it lets go: the lock must be on
    // the file the path names now, or an eviction would not see it.
    struct stat held {}, named {};
    if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev) {
      lease_fd_ = fd;
      return Status::Ok();
    }
    ::close(fd);
  }
}

void HostCache::Release() {
  if (lease_fd_ >= 0) ::close(lease_fd_);  // closing drops the flock
  lease_fd_ = -1;
}

Result<std::vector<CachedImage>> HostCache::List() {
  std::vector<CachedImage> out;
  auto dirs = ipfs_.FilesLs(kHostCacheRoot);
  if (!dirs.ok()) {
    if (dirs.status().code() == Status::Code::kNotFound) return out;
    return dirs.status();
  }
  for (const auto& d : *dirs) {
    if (d.name == ".leases") legacy_leases_ = true;
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
  if (legacy_leases_) (void)ipfs_.FilesRm(fmt::format("{}/.leases", kHostCacheRoot), true);
  // The content is read: our own lease ends here (see host_cache.h). Every
  // other cached CID whose lease file we can take exclusively is not being
  // read, and cannot start to be until we let go (after the removals).
  Release();
  std::set<std::string> leased;
  std::map<std::string, int> held;  // not leased: their lease files are ours until the end
  struct CloseAll {
    std::map<std::string, int>& fds;
    ~CloseAll() {
      for (const auto& [cid, fd] : fds) ::close(fd);
    }
  } close_all{held};
  for (const auto& c : cached) {
    int fd = OpenLease(c.cid);
    if (fd < 0) continue;  // no lease file to ask: not counted as leased
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      held[c.cid] = fd;
      continue;
    }
    ::close(fd);
    leased.insert(c.cid);
  }
  // The just-deployed image goes last: give it the newest time.
  for (auto& c : cached)
    if (c.cid == cid) c.used = std::max(c.used, now);
  auto evict = ChooseEvictions(cached, leased, budget);
  std::vector<std::string> evicted;
  for (const auto& e : evict) {
    Status st = ipfs_.FilesRm(fmt::format("{}/{}", kHostCacheRoot, e), true);
    if (st.ok() || st.code() == Status::Code::kNotFound) {
      evicted.push_back(e);
      // Gone from the cache: its lease file too (a deploy waiting on it
      // finds it unlinked and opens a new one, see Lease).
      if (held.count(e)) (void)::unlink(LeasePath(e).c_str());
    } else log_.Warn(fmt::format("cannot evict /ipfs/{} from the host cache: {}", e, st.message()));
  }
  return evicted;
}

}  // namespace oneipfs
