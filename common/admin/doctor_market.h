// doctor_market.h: one-ipfs-doctor's marketplace rows (MARKET_MAD=ipfs).
//
// Rows, all for the front end:
//  "marketplace actions"       <remotes>/market/ipfs/{import,delete,monitor}
//                              executable (FAIL when some are missing)
//  "marketplace registration"  oned.conf: ipfs in MARKET_MAD -m,
//                              MARKET_MAD_CONF ipfs, "export" in the ipfs
//                              DS_MAD_CONF's MARKETPLACE_ACTIONS
//                              (oned_conf_market.h); WARN when missing (the
//                              marketplace is optional), with the fix
//  "signing key"               IPFS_SIGNING_KEY: a PASS names the publisher id;
//                              missing is a WARN (created at the first import,
//                              or by `one-ipfs-market id`); a key others may
//                              read, or not ed25519, is a FAIL (signing.h)
//  "marketplace <id>"          for each ipfs marketplace oned has (`onemarket
//                              list -x`, parsed by ParseMarketPool): its
//                              settings check (market_config.h); with
//                              IPFS_MARKET_KEY, the key is in the daemon's
//                              keystore and its name resolves to the tree's
//                              current root (WARN while nothing is published
//                              yet or the name gives an older root, FAIL when
//                              the tree has apps and the name does not
//                              resolve); with IPFS_MARKET_FOLLOW, the first
//                              name that resolves (WARN when none does)
// Resolving is bounded by IPFS_MARKET_RESOLVE_TIMEOUT. Nothing is written.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/admin/doctor.h"
#include "common/base/status.h"

namespace oneipfs {

struct MarketplaceFacts {
  std::string id, name, market_mad;
  std::map<std::string, std::string> tmpl;  // TEMPLATE children
};

// `onemarket list -x` (MARKETPLACE_POOL/MARKETPLACE); Invalid when not that XML.
Result<std::vector<MarketplaceFacts>> ParseMarketPool(std::string_view xml);
// Runs `onemarket list -x`; NotFound when the command is not installed.
Result<std::vector<MarketplaceFacts>> ListOnedMarketplaces();

void CheckMarketplaces(const FrontEndFacts& facts, const Config& config, IpfsClient& ipfs, bool daemon_up,
                       const Result<std::vector<MarketplaceFacts>>& markets, Report& r);

}  // namespace oneipfs
