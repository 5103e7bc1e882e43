// monitor: what an ipfs marketplace lists, every monitor interval.
// Prints one APP="<base64 app template>" line per app (this front end's own
// apps under the names they were created with, the followed publisher's
// trusted apps under "<name> (<publisher tag>)": common/market/app_listing.h)
// and USED_MB (this front end's apps), FREE_MB and TOTAL_MB of the
// front-end daemon's repository (catalog/capacity.h). A followed name that
// does not resolve within IPFS_MARKET_RESOLVE_TIMEOUT is one WARN line and
// the previous listing stays; a record that does not verify, or whose
// publisher is not trusted, is not listed and is one WARN line naming it
// (common/market/market_monitor.h).
#include <fmt/format.h>

#include "common/catalog/capacity.h"
#include "common/market/market_monitor.h"

namespace oneipfs {
namespace {

Result<std::string> Monitor(MarketContext& ctx) {
  ASSIGN_OR_RETURN(MonitorApps apps, ListMarketApps(ctx));
  std::string out;
  for (const auto& line : apps.lines) out += line + "\n";
  ctx.ipfs.set_timeout(ctx.config.GetSeconds("IPFS_STAT_TIMEOUT"));
  auto c = MeasureCapacity(ctx.ipfs, apps.own_bytes, ctx.config.Get("IPFS_REPO_PATH"),
                           RepoPathCacheFile(ctx.config.Get("IPFS_TMPDIR"), ctx.config.Get("IPFS_API")));
  if (c.ok()) {
    out += fmt::format("USED_MB={}\nFREE_MB={}\nTOTAL_MB={}\n", c->used_mb, c->free_mb, c->total_mb);
  } else {
    ctx.log.Warn(fmt::format("capacity not reported: {}", c.status().message()));
    out += fmt::format("USED_MB={}\n", apps.own_bytes / 1048576 + (apps.own_bytes % 1048576 != 0));
  }
  out.pop_back();
  return out;
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunMarketAction("monitor", "list the marketplace's apps and capacity", argc, argv,
                                  oneipfs::Monitor);
}
