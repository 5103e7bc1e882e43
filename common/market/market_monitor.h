// market_monitor.h: what the `monitor` action lists.
//
// MonitorApps gathers, without failing on a followed name that does not
// answer:
//  - with IPFS_MARKET_KEY, the apps of this marketplace's own tree
//    (market_tree.h; this front end's apps and the apps it mirrors). A tree
//    whose root is not the one last published (a publish that failed) is
//    published again;
//  - with IPFS_MARKET_FOLLOW, the followed marketplace (market_follow.h),
//    through a client of its own bounded by IPFS_MARKET_RESOLVE_TIMEOUT per
//    name (a deadline of that many seconds per name, plus 5): a name that
//    does not answer in time costs at most that, one WARN line, and the
//    previous listing (kept in MFS) stays. With both, MirrorFollowed
//    (market_mirror.h) runs on a fresh listing.
// Only records that open and whose publisher is this front end or in
// IPFS_MARKET_TRUST are listed; each other one is one WARN line naming it.
// An app is listed once (by publisher and id) under the NAME of
// app_listing.h, with SOURCE from market_config.h AppSource: /ipfs/<cid>,
// never /ipns/ (IPNS stays off the VM-start path).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/market/market_driver.h"

namespace oneipfs {

struct MonitorApps {
  std::vector<std::string> lines;  // APP="..."
  std::uint64_t own_bytes = 0;     // this front end's apps (USED_MB)
};

Result<MonitorApps> ListMarketApps(MarketContext& ctx);

}  // namespace oneipfs
