// market_mirror.h: a marketplace that both publishes (IPFS_MARKET_KEY) and
// follows (IPFS_MARKET_FOLLOW) republishes what it follows: a mirror.
//
// At each monitor with a fresh listing of the followed marketplace,
// MirrorFollowed puts into this marketplace's tree (market_tree.h) every
// followed, trusted app of another publisher whose content this front end
// already holds in full: a version of an image in its catalog (it imported
// the app) or an app already in its tree. The record is copied byte for
// byte (the publisher's signature, not ours) with a link to the content,
// and the event "mirror" is logged. Content the front end does not hold is
// not linked (never a link to blocks that are not local: js-ipfs's GC walks
// MFS, and mirroring must not download what nobody here imported). Mirrored
// apps that the followed marketplace no longer lists leave the tree
// ("unmirror"). A change publishes the tree. So a cloud that imported an
// app serves it, record and blocks, to subscribers that list its name after
// the publisher's: with the publisher gone, they still list and import it.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/log.h"
#include "common/base/status.h"
#include "common/ipfs/ipfs.h"
#include "common/market/market_follow.h"
#include "common/market/market_tree.h"
#include "common/trust/signing.h"

namespace oneipfs {

// Every CID (canonical text) that is a version of an entry of the image
// catalog under `catalog_root` (<root>/<datastore>/<entry>/<n>).
Result<std::set<std::string>> CatalogCids(IpfsClient& ipfs, std::string_view catalog_root);

// True when the tree changed (it is then published by the caller).
Result<bool> MirrorFollowed(IpfsClient& ipfs, MarketTree& tree, const SigningKey& key, std::string_view self,
                            const TreeListing& followed, const std::vector<TreeApp>& own,
                            const std::set<std::string>& held, const Log& log);

}  // namespace oneipfs
