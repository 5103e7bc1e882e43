#include "common/market/market_monitor.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "common/ipfs/cid.h"
#include "common/market/app_listing.h"
#include "common/market/market_follow.h"
#include "common/market/market_mirror.h"
#include "common/market/market_sources.h"
#include "common/market/market_tree.h"
#include "common/one/driver.h"
#include "common/trust/signing.h"

namespace oneipfs {

namespace {

// Which mirrors hold which apps, for this front end's imports (market_sources.h).
void KeepSourceHints(MarketContext& ctx, IpfsClient& follower, const TreeListing& listing, const TrustFn& trusted) {
  const MarketSettings& s = ctx.settings;
  std::string self;
  if (auto own = OwnPeer(ctx.ipfs); own.ok()) self = own->id;
  follower.set_deadline_in(s.resolve_timeout * static_cast<int>(s.follow.size()) + std::chrono::seconds(5));
  SourceHints hints = GatherSourceHints(follower, s.follow, listing, s.resolve_timeout, trusted, self, ctx.log);
  if (Status st = SaveSourceHints(ctx.ipfs, "market-" + MarketFileId(ctx.action.market.id), hints); !st.ok())
    ctx.log.Info(fmt::format("which mirrors hold which apps is not kept: {}", st.message()));
}

}  // namespace

Result<MonitorApps> ListMarketApps(MarketContext& ctx) {
  const MarketSettings& s = ctx.settings;
  // This front end's publisher id: its own apps are listed under their names.
  std::optional<SigningKey> key;
  if (s.writable()) {
    ASSIGN_OR_RETURN(key, SigningKey::LoadOrCreate(s.signing_key_path));
  } else {
    auto loaded = SigningKey::Load(s.signing_key_path);
    if (loaded.ok())
      key = std::move(*loaded);
    else if (loaded.status().code() != Status::Code::kNotFound)
      return loaded.status();
  }
  const std::string self = key ? key->PublisherId() : std::string();
  TrustFn trusted = [&](std::string_view p) {
    return (!self.empty() && p == self) || std::find(s.trust.begin(), s.trust.end(), p) != s.trust.end();
  };

  std::vector<AppRecord> records;
  std::set<std::pair<std::string, std::string>> seen;  // (publisher, id)
  auto add = [&](const AppRecord& r) {
    if (seen.emplace(r.publisher, r.id).second) records.push_back(r);
  };
  MonitorApps out;

  std::optional<MarketTree> tree;
  std::vector<TreeApp> own;
  if (s.writable()) {
    tree.emplace(ctx.ipfs, s.key);
    ASSIGN_OR_RETURN(own, tree->Apps());
    // A publish that failed earlier: the tree is published again.
    auto root = tree->RootCid();
    auto last = tree->LastPublished();
    if (root.ok() && last.ok() && !CidEqual(*root, *last) && !own.empty()) {
      auto published = tree->Publish(PublishLockPath(s.signing_key_path, s.key), ctx.log);
      if (!published.ok()) ctx.log.Warn(published.status().message());
    }
  }

  if (!s.follow.empty()) {
    // A client of its own: its deadline bounds the follow, not what follows.
    ASSIGN_OR_RETURN(auto follower, ctx.new_client ? ctx.new_client() : MakeIpfsClient(ctx.config));
    follower->set_timeout(s.resolve_timeout);
    follower->set_deadline_in(s.resolve_timeout * static_cast<int>(s.follow.size()) + std::chrono::seconds(5));
    auto listing = Follow(*follower, s.follow, s.resolve_timeout, trusted);
    bool fresh = listing.ok();
    if (!fresh) {
      ctx.log.Warn(fmt::format("no followed marketplace answered within {} s ({}); the previous listing stays",
                               s.resolve_timeout.count(), listing.status().message()));
      listing = LoadListing(ctx.ipfs, ctx.action.market.id, trusted);
      if (!listing.ok() && listing.status().code() != Status::Code::kNotFound) return listing.status();
    } else if (Status saved = SaveListing(ctx.ipfs, ctx.action.market.id, *listing); !saved.ok()) {
      ctx.log.Warn(fmt::format("the listing of /ipns/{} is not kept: {}", listing->name, saved.message()));
    }
    if (listing.ok()) {
      for (const auto& w : listing->warnings) ctx.log.Warn(w);
      if (fresh && tree && key) {
        ASSIGN_OR_RETURN(auto held, CatalogCids(ctx.ipfs, ctx.config.Get("IPFS_CATALOG")));
        auto changed = MirrorFollowed(ctx.ipfs, *tree, *key, self, *listing, own, held, ctx.log);
        if (!changed.ok()) {
          ctx.log.Warn(fmt::format("mirroring /ipns/{} failed: {}", listing->name, changed.status().message()));
        } else if (*changed) {
          auto published = tree->Publish(PublishLockPath(s.signing_key_path, s.key), ctx.log);
          if (!published.ok()) ctx.log.Warn(published.status().message());
          ASSIGN_OR_RETURN(own, tree->Apps());
        }
      }
      if (fresh) KeepSourceHints(ctx, *follower, *listing, trusted);
      for (const auto& a : listing->apps) add(a.record);
    }
  }
  // The tree's apps (own and mirrored) before the followed ones: both lists
  // hold the same records, so either gives the same line.
  std::vector<AppRecord> followed = std::move(records);
  records.clear();
  seen.clear();
  for (const auto& a : own) {
    if (!a.record) {
      ctx.log.Warn(fmt::format("app {} of this marketplace's tree is not listed: {}", a.dir, a.problem));
      continue;
    }
    if (!trusted(a.record->publisher)) {
      ctx.log.Warn(fmt::format("app {} ({}) of this marketplace's tree is not listed: signed by {}, not in "
                               "IPFS_MARKET_TRUST",
                               a.dir, a.record->name, a.record->publisher));
      continue;
    }
    if (a.record->publisher == self) out.own_bytes += a.record->bytes;
    add(*a.record);
  }
  for (const auto& r : followed) add(r);

  auto names = ListedNames(records, self);
  for (std::size_t i = 0; i < records.size(); ++i)
    out.lines.push_back(AppLine(records[i], names[i], AppSource(s, records[i].cid)));
  return out;
}

}  // namespace oneipfs
