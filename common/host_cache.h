// host_cache.h: the host daemon's cache of deployed images, so a host can
// serve what it deployed to its peers (providers.h) and its daemon's GC
// keeps the blocks.
//
// Layout in the HOST daemon's MFS (MFS entries are GC roots in kubo and
// js-ipfs):
//
//   /one-ipfs-cache/<cid>/<unix time of the last deploy>   files/cp of /ipfs/<cid>
//   /one-ipfs-cache/.leases/<cid>.<unix time>.<pid>         a running deploy reads <cid>
//
// Budget: the cached files' sizes add up to at most `budget` bytes after each
// deploy; the least recently deployed go first. A CID with a fresh lease
// (younger than kLeaseTtl; a crashed helper's lease expires) is never evicted,
// even when that leaves the cache over budget for a while. The host's disk
// cost of a cached image is its blocks in the daemon's repository, in
// addition to the VM's disk file. Budget 0 = no cache: nothing is kept.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/content_hold.h"
#include "common/ipfs.h"
#include "common/log.h"
#include "common/status.h"

namespace oneipfs {

inline constexpr const char* kHostCacheRoot = "/one-ipfs-cache";
inline constexpr std::int64_t kLeaseTtl = 6 * 3600;

struct CachedImage {
  std::string cid;
  std::int64_t used = 0;  // unix time of the last deploy
  std::uint64_t bytes = 0;
};

// Which CIDs to evict (oldest first) to bring `cached` within `budget`,
// skipping those in `leased`. Pure: the policy, unit-tested.
std::vector<std::string> ChooseEvictions(std::vector<CachedImage> cached, const std::set<std::string>& leased,
                                         std::uint64_t budget);

class HostCache {
 public:
  HostCache(IpfsClient& ipfs, const Log& log) : ipfs_(ipfs), log_(log) {}

  // Marks `cid` as read by this process (until Release).
  Status Lease(const std::string& cid, std::int64_t now);
  void Release();
  // Every cached image (damaged entries skipped) and the CIDs with fresh leases.
  Result<std::vector<CachedImage>> List();
  Result<std::set<std::string>> Leased(std::int64_t now);
  // The time stamp of `cid`'s cache entry (its newest), or nullopt when the
  // cache does not hold it. A held CID is fully local (Keep runs only after a
  // complete fetch, and MFS keeps it from GC): one files/ls.
  Result<std::optional<std::int64_t>> Holds(const std::string& cid);
  // A re-deploy of a held CID: its stamp `from` becomes `now` (one files/mv);
  // the cache's size is unchanged, so nothing is evicted.
  Status Refresh(const std::string& cid, std::int64_t from, std::int64_t now);
  // Keeps /ipfs/<cid> (already fully local) as the most recently deployed
  // and evicts down to `budget`; returns the evicted CIDs.
  Result<std::vector<std::string>> Keep(const std::string& cid, std::int64_t now, std::uint64_t budget);

 private:
  // Every MFS write here holds the host's MFS lock shared (the client's
  // mfs_lock: `fetch --mfs-lock`, IPFS_HOST_MFS_LOCK), as the catalog does on
  // the front end (content_hold.h MfsWriteLock): on js-ipfs and kubo < 0.43 a
  // write racing the host's `repo gc` loses the directory nodes it made.
  Result<MfsWriteLock> WriteLock();
  IpfsClient& ipfs_;
  const Log& log_;
  std::string lease_;
};

}  // namespace oneipfs
