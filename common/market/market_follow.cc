// market_follow.cc: nlohmann::json is used without exceptions (parse with
// allow_exceptions=false) or inside try blocks.
#include "common/market/market_follow.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/base/log.h"
#include "common/base/text.h"
#include "common/ipfs/cid.h"
#include "common/ipfs/content_hold.h"
#include "common/market/market_tree.h"

namespace oneipfs {
namespace {

void Add(TreeListing& l, const std::string& dir, const std::string& sealed, const TrustFn& trusted) {
  auto r = OpenAppRecord(sealed);
  if (!r.ok()) {
    l.warnings.push_back(fmt::format("app {} is not listed: its record {}", QuoteForMessage(dir, 80),
                                     r.status().message()));
    return;
  }
  if (trusted && !trusted(r->publisher)) {
    l.warnings.push_back(fmt::format("app {} ({}) is not listed: it is signed by {}, not in IPFS_MARKET_TRUST",
                                     QuoteForMessage(dir, 80), QuoteForMessage(r->name, 60), r->publisher));
    return;
  }
  l.apps.push_back(ListedApp{dir, sealed, std::move(*r)});
}

std::string CacheFile(std::string_view market_id) {
  return fmt::format("{}/.follow/{}", kMarketRoot, MarketFileId(market_id));
}

}  // namespace

std::string MarketFileId(std::string_view market_id) {
  std::string id;
  for (char c : market_id) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return id.empty() ? "unknown" : id;
}

Result<TreeListing> ReadPublishedTree(IpfsClient& ipfs, std::string_view root_cid, const TrustFn& trusted) {
  TreeListing l;
  l.root = std::string(root_cid);
  auto links = ipfs.LsLinks(fmt::format("/ipfs/{}/apps", root_cid));
  if (!links.ok()) {
    if (links.status().code() == Status::Code::kNotFound) return l;  // a tree without apps yet
    return links.status().Prefixed(fmt::format("cannot list the apps of /ipfs/{}", root_cid));
  }
  for (const auto& e : *links) {
    std::string dir = e.name;
    if (dir.empty() || dir.find('/') != std::string::npos) continue;
    std::string path = fmt::format("/ipfs/{}/apps/{}/record", root_cid, dir);
    auto sealed = ipfs.CatRange(path, 0, kMaxRecordBytes + 1);
    if (!sealed.ok()) {
      if (sealed.status().code() == Status::Code::kTimeout || sealed.status().code() == Status::Code::kUnavailable)
        return sealed.status();
      l.warnings.push_back(
          fmt::format("app {} is not listed: its record cannot be read: {}", QuoteForMessage(dir, 80),
                      sealed.status().message()));
      continue;
    }
    if (sealed->size() > kMaxRecordBytes) {
      l.warnings.push_back(fmt::format("app {} is not listed: its record is larger than {} bytes",
                                       QuoteForMessage(dir, 80), kMaxRecordBytes));
      continue;
    }
    Add(l, dir, *sealed, trusted);
  }
  return l;
}

Result<std::string> ResolveRoot(IpfsClient& ipfs, std::string_view name, std::chrono::seconds limit) {
  ASSIGN_OR_RETURN(std::string path, ipfs.ResolveNameWithin(fmt::format("/ipns/{}", name), limit, true));
  if (!path.starts_with("/ipfs/") || path.find('/', 6) != std::string::npos)
    return Status::Invalid(fmt::format("/ipns/{} names {}, not the root of a marketplace", name,
                                       QuoteForMessage(path, 120)));
  std::string root = path.substr(6);
  if (!ParseCid(root).ok()) return Status::Invalid(fmt::format("/ipns/{} names {}, not a CID", name, path));
  return root;
}

Result<TreeListing> Follow(IpfsClient& ipfs, const std::vector<std::string>& names, std::chrono::seconds limit,
                           const TrustFn& trusted) {
  std::vector<std::string> why;
  for (const auto& name : names) {
    auto root = ResolveRoot(ipfs, name, limit);
    if (!root.ok()) {
      why.push_back(fmt::format("/ipns/{} did not resolve: {}", name, root.status().message()));
      continue;
    }
    auto listing = ReadPublishedTree(ipfs, *root, trusted);
    if (!listing.ok()) {
      why.push_back(fmt::format("/ipns/{} (/ipfs/{}) could not be read: {}", name, *root,
                                listing.status().message()));
      continue;
    }
    listing->name = name;
    listing->warnings.insert(listing->warnings.begin(), why.begin(), why.end());
    return listing;
  }
  if (names.empty()) return Status::Invalid("no IPNS name to follow (IPFS_MARKET_FOLLOW is empty)");
  return Status::Failed(fmt::format("{}", fmt::join(why, "; ")));
}

Status SaveListing(IpfsClient& ipfs, std::string_view market_id, const TreeListing& listing) {
  std::string text;
  try {
    nlohmann::json apps = nlohmann::json::array();
    for (const auto& a : listing.apps) apps.push_back({{"dir", a.dir}, {"record", a.sealed}});
    text = nlohmann::json{{"name", listing.name}, {"root", listing.root}, {"apps", apps}}.dump();
  } catch (const std::exception& e) {
    return Status::Invalid(fmt::format("cannot save the listing: {}", e.what()));
  }
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs.mfs_lock(), ipfs.timeout()));
  return ipfs.FilesWrite(CacheFile(market_id), text);
}

Result<TreeListing> LoadListing(IpfsClient& ipfs, std::string_view market_id, const TrustFn& trusted) {
  ASSIGN_OR_RETURN(std::string text, ipfs.FilesRead(CacheFile(market_id)));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("apps") || !j["apps"].is_array())
    return Status::NotFound(fmt::format("the saved listing {} is not readable", CacheFile(market_id)));
  TreeListing l;
  if (j.contains("name") && j["name"].is_string()) l.name = j["name"].get<std::string>();
  if (j.contains("root") && j["root"].is_string()) l.root = j["root"].get<std::string>();
  for (const auto& a : j["apps"]) {
    if (!a.is_object() || !a.contains("dir") || !a["dir"].is_string() || !a.contains("record") ||
        !a["record"].is_string())
      continue;
    Add(l, a["dir"].get<std::string>(), a["record"].get<std::string>(), trusted);
  }
  return l;
}

}  // namespace oneipfs
