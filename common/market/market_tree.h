// market_tree.h: a writable marketplace's tree in the front-end daemon's MFS,
// and its publication under the marketplace's IPNS key.
//
//   /one-ipfs-market/<key>/apps/<dir>/record  the sealed app record (app_record.h)
//   /one-ipfs-market/<key>/apps/<dir>/image   the image, linked: files/cp of
//                                             /ipfs/<cid>, no byte copied
//   /one-ipfs-market/<key>/log/1, 2, ...      the signed, hash-linked event log
//                                             (trust/event_chain.h)
//   /one-ipfs-market/<key>/peer               where this daemon is:
//                                             {"id","addrs"} (holder_first.h),
//                                             written at each Publish when it
//                                             changed; subscribers fetch the
//                                             apps it mirrors from there
//   /one-ipfs-market/.staging/...             apps being put
//   /one-ipfs-market/.published/<key>         the root CID last published (a hint)
// <key> is IPFS_MARKET_KEY (market_config.h), <dir> app_record.h AppDirName.
// The tree's root (<key>) is what is published: `name/publish /ipfs/<root
// CID>` under the daemon key <key>; a subscriber resolves the name and
// reads apps/*/record (market_follow.h). The log and the records travel
// with the root, so a mirror that republishes them serves the same signed
// bytes.
//
// GC: the tree is MFS, a GC root in kubo and js-ipfs; PutApp links content
// only once its caller holds every block (content_hold.h) and writes under
// IPFS_MFS_LOCK (MfsWriteLock), like every catalog write. PutApp builds the
// app under .staging and moves it into apps/ with one files/mv, so a reader
// never sees an app without its record; a killed action leaves at most a
// directory under .staging, which nothing reads (outside the published root).
//
// Publishing (Publish): oned runs up to 10 marketplace actions at once, and
// two publishes racing could leave the older root published. So publishing
// holds an exclusive flock on `lock_path` (a file beside the signing key, in
// oneadmin's private directory) and, holding it, publishes the root it reads
// and reads it again until what it published is the current root: the last
// publish of all is then of a root no write has changed since.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/log.h"
#include "common/base/status.h"
#include "common/ipfs/ipfs.h"
#include "common/market/app_record.h"
#include "common/trust/event_chain.h"
#include "common/trust/signing.h"

namespace oneipfs {

inline constexpr std::string_view kMarketRoot = "/one-ipfs-market";

// An app of a tree: its directory, the record's bytes and, when it opens,
// the record (else `problem` says why not).
struct TreeApp {
  std::string dir;
  std::string sealed;
  std::optional<AppRecord> record;
  std::string problem;
};

class MarketTree {
 public:
  MarketTree(IpfsClient& ipfs, std::string key) : ipfs_(ipfs), key_(std::move(key)) {}
  const std::string& key() const { return key_; }
  std::string Dir() const;
  std::string AppsDir() const { return Dir() + "/apps"; }
  std::string LogDir() const { return Dir() + "/log"; }

  // Puts app `dir` (replacing one of that name): its record and a link to
  // `cid`, whose blocks the caller holds.
  Status PutApp(std::string_view dir, std::string_view sealed, std::string_view cid);
  // Removes app `dir`; false when there was none.
  Result<bool> RemoveApp(std::string_view dir);
  // Every app of the tree (none when the tree does not exist yet).
  Result<std::vector<TreeApp>> Apps();
  // The CID of the tree's root (created empty when missing).
  Result<std::string> RootCid();
  // Appends an event (fields + "time") to the log, signed by `key`.
  Result<ChainEvent> Record(const SigningKey& key, nlohmann::json fields);
  // Publishes the current root under the key (see above), creating the key
  // (ed25519, IpfsClient::EnsureKey) at the first publication; returns the name.
  Result<std::string> Publish(const std::string& lock_path, const Log& log);
  // The root CID last published by Publish ("" when none).
  Result<std::string> LastPublished();

 private:
  IpfsClient& ipfs_;
  std::string key_;
};

// The publish lock beside the signing key: "<dir of key>/one-ipfs-market-<key>.lock".
std::string PublishLockPath(std::string_view signing_key_path, std::string_view key);

}  // namespace oneipfs
