// host_cache.h: the host daemon's cache of deployed images, so a host can
// serve what it deployed to its peers (providers.h) and its daemon's GC
// keeps the blocks.
//
// Layout in the HOST daemon's MFS (MFS entries are GC roots in kubo and
// js-ipfs):
//
//   /one-ipfs-cache/<cid>/<unix time of the last deploy>   files/cp of /ipfs/<cid>
//
// Leases, on the host's file system, not in MFS (no daemon call on a
// deploy's path): <lease dir>/lease-<cid>, the private directory of
// peer_sources.h SourceLockDir(). A deploy that reads <cid> holds a shared
// flock on it from before it asks whether the cache holds <cid> until the
// content is on disk. An eviction takes the file exclusively without
// waiting (taken: the CID is leased and stays) and keeps it until the entry
// is removed, so a deploy that starts meanwhile waits for that removal and
// then finds the CID gone. The kernel drops a crashed helper's lock: no
// expiry. (Earlier helpers kept leases as MFS directories under
// /one-ipfs-cache/.leases, two daemon writes per deploy; Keep removes it.)
//
// Budget: the cached files' sizes add up to at most `budget` bytes after each
// deploy; the least recently deployed go first. A leased CID is never
// evicted, even when that leaves the cache over budget for a while. The
// host's disk cost of a cached image is its blocks in the daemon's
// repository, in addition to the VM's disk file. Budget 0 = no cache:
// nothing is kept.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/ipfs/content_hold.h"
#include "common/ipfs/ipfs.h"
#include "common/base/log.h"
#include "common/base/status.h"

namespace oneipfs {

inline constexpr const char* kHostCacheRoot = "/one-ipfs-cache";

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
  // `lease_dir`: where leases live (SourceLockDir()); "" = no leases: Lease
  // fails and an eviction cannot see a running deploy.
  HostCache(IpfsClient& ipfs, const Log& log, std::string lease_dir = {})
      : ipfs_(ipfs), log_(log), lease_dir_(std::move(lease_dir)) {}
  ~HostCache() { Release(); }
  HostCache(const HostCache&) = delete;
  HostCache& operator=(const HostCache&) = delete;

  // Marks `cid` as read by this process until Release: waits while an
  // eviction of `cid` runs. No daemon call.
  Status Lease(const std::string& cid);
  void Release();
  // Every cached image (damaged entries skipped).
  Result<std::vector<CachedImage>> List();
  // The time stamp of `cid`'s cache entry (its newest), or nullopt when the
  // cache does not hold it. A held CID is fully local (Keep runs only after a
  // complete fetch, and MFS keeps it from GC): one files/ls.
  Result<std::optional<std::int64_t>> Holds(const std::string& cid);
  // A re-deploy of a held CID: its stamp `from` becomes `now` (one files/mv);
  // the cache's size is unchanged, so nothing is evicted.
  Status Refresh(const std::string& cid, std::int64_t from, std::int64_t now);
  // Keeps /ipfs/<cid> (already fully local) as the most recently deployed
  // and evicts down to `budget`; returns the evicted CIDs. Ends this
  // process's own lease first (the content is read): it protects <cid> from
  // other deploys' budgets, not from this one's, so an image larger than the
  // whole budget is not kept.
  Result<std::vector<std::string>> Keep(const std::string& cid, std::int64_t now, std::uint64_t budget);

 private:
  // Every MFS write here holds the host's MFS lock shared (the client's
  // mfs_lock: `fetch --mfs-lock`, IPFS_HOST_MFS_LOCK), as the catalog does on
  // the front end (content_hold.h MfsWriteLock): on js-ipfs and kubo < 0.43 a
  // write racing the host's `repo gc` loses the directory nodes it made.
  Result<MfsWriteLock> WriteLock();
  // `cid`'s lease file ("" without a lease directory or for an unsafe name),
  // and an open descriptor of it, or -1.
  std::string LeasePath(const std::string& cid) const;
  int OpenLease(const std::string& cid) const;
  IpfsClient& ipfs_;
  const Log& log_;
  std::string lease_dir_;
  int lease_fd_ = -1;
  bool legacy_leases_ = false;  // List saw /one-ipfs-cache/.leases
};

}  // namespace oneipfs
