// p2p_settings.h: whether a daemon's own peer-to-peer settings defeat the
// one-source policy of deploys (deploy/host_deploy.cc, catalog/providers.h:
// the helper connects its host's daemon to one chosen source at a time).
//
// Two settings do, measured with bench/p2p-egress (docs/performance.md):
// with default settings the front end sent 3.09x the image deploying to 4
// hosts one after another and 3.92x all at once; with both off, 1.00x.
//  - Content routing (`Routing.Type`, anything but "none"; the default is
//    "auto" on kubo, "dhtclient" on js-ipfs): a host's daemon finds the front
//    end as a provider by itself and asks it for every block as well.
//  - On js-ipfs, `Swarm.ConnMgr.LowWater` above 0 (or unset): js-libp2p's
//    connection manager re-dials known peers up to that many connections,
//    the front end included. kubo's connection manager only trims, so the
//    value does not matter there.
//
// ReadP2pSettings asks the daemon (`id` for the implementation,
// `config/show` for the settings); the rest is pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/ipfs/ipfs.h"

namespace oneipfs {

struct P2pSettings {
  bool js = false;                         // js-ipfs (js-libp2p): LowWater matters
  std::string routing = "auto";            // Routing.Type, or the implementation's default
  bool routing_set = false;                // false: Routing.Type is not in the config
  std::optional<long long> low_water;      // Swarm.ConnMgr.LowWater; nullopt: unset
};

struct P2pProblem {
  std::string what;  // "content routing is on (Routing.Type dhtclient, the default)"
  std::string fix;   // the exact `ipfs config` command
};

// The settings from `config/show`'s body and `id`'s AgentVersion. Never
// throws; a body that is not a JSON object is Invalid.
Result<P2pSettings> ParseP2pSettings(std::string_view config_json, std::string_view agent_version);

// Asks the daemon.
Result<P2pSettings> ReadP2pSettings(IpfsClient& ipfs);

// What defeats the one-source policy, each with its fix; empty when nothing.
std::vector<P2pProblem> P2pProblems(const P2pSettings& s);

// "Routing.Type none, Swarm.ConnMgr.LowWater 0" (what was read).
std::string P2pSummary(const P2pSettings& s);

}  // namespace oneipfs
