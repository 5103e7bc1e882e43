// market_sources.h: which followed mirrors hold which apps, kept for the
// front end's holder-first imports (ipfs/holder_first.h).
//
// After a fresh listing (market_follow.h Follow), GatherSourceHints reads
// the other names of IPFS_MARKET_FOLLOW (the mirrors: clouds that imported
// the publisher's apps and list them in their own trees, market_mirror.h):
// each is resolved within `limit`, its tree's `peer` file read (at most
// 4 KiB, market_tree.h) and its apps listed with their records opened and
// checked against `trusted`, as the listing's own (ReadPublishedTree). Each
// app CID of a mirror gets that mirror's peer as a holder; the peer of the
// tree that answered (the publisher's daemon) is the one to avoid. A mirror
// that does not answer, or has no valid peer file, is a DEBUG line and
// holds nothing (mirrors come and go: no WARN at every monitor). This
// daemon's own peer (`self_peer`) is never a holder or avoided.
// Bounded by the client's deadline (the caller's: `limit` per mirror).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/log.h"
#include "common/ipfs/holder_first.h"
#include "common/ipfs/ipfs.h"
#include "common/market/market_follow.h"

namespace oneipfs {

inline constexpr std::size_t kMaxPeerFileBytes = 4096;

// The `peer` file of the published tree `root` (NotFound when it has none).
Result<PeerAddrs> ReadTreePeer(IpfsClient& ipfs, std::string_view root);

SourceHints GatherSourceHints(IpfsClient& ipfs, const std::vector<std::string>& follow, const TreeListing& listing,
                              std::chrono::seconds limit, const TrustFn& trusted, std::string_view self_peer,
                              const Log& log);

}  // namespace oneipfs
