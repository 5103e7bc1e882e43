// market_driver.h: the shared main() of the marketplace actions
// (market_mad/<action>.cc, installed as <remotes>/market/ipfs/<action>).
//
// RunMarketAction does, in order: answer --help/--version; read the
// document (market_doc.h: argv, as one_market.rb passes it); load the
// configuration (one/config.h) with MARKETPLACE/TEMPLATE as the template
// layer ("marketplace template": the same operator-only rule and
// IPFS_API_ALLOW check as a datastore template); check the marketplace
// settings (market_config.h); build the IPFS client for IPFS_API; call the
// action; check its payload (market_reply.h); print it followed by one
// newline. Exit 0 on success; on failure exactly one plain stderr line
// (log.h PrintFailure, with the legacy markers when ONE_VERSION < 6.2) and
// exit 1, nothing on stdout.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "common/base/log.h"
#include "common/base/status.h"
#include "common/ipfs/ipfs.h"
#include "common/market/market_config.h"
#include "common/market/market_doc.h"
#include "common/one/config.h"

namespace oneipfs {

struct MarketContext {
  const MarketAction& action;
  const Config& config;
  const MarketSettings& settings;
  IpfsClient& ipfs;
  const Log& log;
  // Another client for IPFS_API, with bounds of its own (monitor's follow);
  // null: MakeIpfsClient(config). Tests give one over their fake daemon.
  std::function<Result<std::unique_ptr<IpfsClient>>()> new_client = nullptr;
};

using MarketActionFn = Result<std::string> (*)(MarketContext& ctx);

int RunMarketAction(std::string_view name, std::string_view summary, int argc, char** argv, MarketActionFn fn);

}  // namespace oneipfs
