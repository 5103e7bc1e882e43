// market_follow.h: reading another publisher's marketplace by its IPNS name.
//
// Follow resolves the names of IPFS_MARKET_FOLLOW in order (name/resolve
// with nocache, each within `limit`; IPNS stays here, at monitor time, and
// never reaches a VM's start: apps carry /ipfs/<cid>). The first name that
// resolves and whose tree can be read is the listing; a name that does not
// resolve, or whose tree cannot be read in time, is one warning and the
// next name (a mirror) is tried.
//
// Reading a published tree (ReadPublishedTree): `ls` of /ipfs/<root>/apps
// (links only), then `cat` of each /ipfs/<root>/apps/<dir>/record (at most
// kMaxRecordBytes). Each record is opened (app_record.h: signature, shape)
// and its publisher checked with `trusted`; a record that does not open, or
// whose publisher is not trusted, is left out with one warning naming the
// app directory and the reason. Mirrors serve the same signed records, so
// trust never depends on who serves them. Everything is bounded by the
// client's timeout and deadline (the caller sets them).
//
// The last good listing of a marketplace is kept in the front-end daemon's
// MFS (SaveListing: /one-ipfs-market/.follow/<marketplace id>, the sealed
// records as JSON); when no name answers, LoadListing gives it back, its
// records opened and checked against today's trust again.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/ipfs/ipfs.h"
#include "common/market/app_record.h"

namespace oneipfs {

inline constexpr std::size_t kMaxRecordBytes = 256 * 1024;

using TrustFn = std::function<bool(std::string_view publisher)>;

struct ListedApp {
  std::string dir;
  std::string sealed;
  AppRecord record;
};

struct TreeListing {
  std::string name;  // the IPNS name that answered ("" for a tree read by CID)
  std::string root;  // its root CID
  std::vector<ListedApp> apps;
  std::vector<std::string> warnings;
};

Result<TreeListing> ReadPublishedTree(IpfsClient& ipfs, std::string_view root_cid, const TrustFn& trusted);

// Resolves "/ipns/<name>" within `limit` and returns the root CID.
Result<std::string> ResolveRoot(IpfsClient& ipfs, std::string_view name, std::chrono::seconds limit);

// The first of `names` that resolves and reads; warnings about the ones
// before it are in the result. Failed (with every reason) when none does.
Result<TreeListing> Follow(IpfsClient& ipfs, const std::vector<std::string>& names, std::chrono::seconds limit,
                           const TrustFn& trusted);

// A marketplace id as a file name: [A-Za-z0-9_] ("unknown" when empty).
std::string MarketFileId(std::string_view market_id);

Status SaveListing(IpfsClient& ipfs, std::string_view market_id, const TreeListing& listing);
// The saved listing, records checked again with `trusted`; NotFound when none.
Result<TreeListing> LoadListing(IpfsClient& ipfs, std::string_view market_id, const TrustFn& trusted);

}  // namespace oneipfs
