// market_sources.cc: the mirrors' holdings, for holder-first imports (market_sources.h).
#include "common/market/market_sources.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/ipfs/cid.h"

namespace oneipfs {

Result<PeerAddrs> ReadTreePeer(IpfsClient& ipfs, std::string_view root) {
  ASSIGN_OR_RETURN(std::string text, ipfs.CatRange(fmt::format("/ipfs/{}/peer", root), 0, kMaxPeerFileBytes + 1));
  if (text.size() > kMaxPeerFileBytes)
    return Status::Invalid(fmt::format("the peer file of /ipfs/{} is larger than {} bytes", root, kMaxPeerFileBytes));
  return ParsePeerAddrs(text);
}

SourceHints GatherSourceHints(IpfsClient& ipfs, const std::vector<std::string>& follow, const TreeListing& listing,
                              std::chrono::seconds limit, const TrustFn& trusted, std::string_view self_peer,
                              const Log& log) {
  SourceHints hints;
  std::string origin;
  if (auto peer = ReadTreePeer(ipfs, listing.root); peer.ok()) {
    origin = peer->id;
    if (peer->id != self_peer) hints.avoid.push_back(std::move(*peer));
  } else {
    log.Debug(fmt::format("/ipns/{} has no peer file: {}", listing.name, peer.status().message()));
  }
  for (const auto& name : follow) {
    if (name == listing.name) continue;
    auto root = ResolveRoot(ipfs, name, limit);
    if (!root.ok()) {
      log.Debug(fmt::format("mirror /ipns/{} did not resolve: {}", name, root.status().message()));
      continue;
    }
    auto peer = ReadTreePeer(ipfs, *root);
    if (!peer.ok()) {
      log.Debug(fmt::format("mirror /ipns/{} has no usable peer file: {}", name, peer.status().message()));
      continue;
    }
    if (peer->id == self_peer || peer->id == origin) continue;
    auto tree = ReadPublishedTree(ipfs, *root, trusted);
    if (!tree.ok()) {
      log.Debug(fmt::format("mirror /ipns/{} could not be read: {}", name, tree.status().message()));
      continue;
    }
    for (const auto& app : tree->apps) {
      auto it = std::find_if(hints.holders.begin(), hints.holders.end(),
                             [&](const auto& h) { return CidEqual(h.first, app.record.cid); });
      if (it == hints.holders.end()) {
        hints.holders.emplace_back(app.record.cid, std::vector<PeerAddrs>{});
        it = std::prev(hints.holders.end());
      }
      if (std::none_of(it->second.begin(), it->second.end(), [&](const PeerAddrs& p) { return p.id == peer->id; }))
        it->second.push_back(*peer);
    }
  }
  return hints;
}

}  // namespace oneipfs
