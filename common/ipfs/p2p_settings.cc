// p2p_settings.cc: see p2p_settings.h.
#include "common/ipfs/p2p_settings.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace oneipfs {

Result<P2pSettings> ParseP2pSettings(std::string_view config_json, std::string_view agent_version) {
  P2pSettings s;
  s.js = agent_version.starts_with("js-ipfs/");
  s.routing = s.js ? "dhtclient" : "auto";
  try {
    auto j = nlohmann::json::parse(config_json, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return Status::Invalid("the daemon's config/show is not a JSON object");
    if (auto r = j.find("Routing"); r != j.end() && r->is_object())
      if (auto t = r->find("Type"); t != r->end() && t->is_string() && !t->get_ref<const std::string&>().empty()) {
        s.routing = t->get<std::string>();
        s.routing_set = true;
      }
    if (auto sw = j.find("Swarm"); sw != j.end() && sw->is_object())
      if (auto cm = sw->find("ConnMgr"); cm != sw->end() && cm->is_object())
        if (auto lw = cm->find("LowWater"); lw != cm->end() && lw->is_number_integer())
          s.low_water = lw->get<long long>();
    return s;
  } catch (const std::exception& e) {
    return Status::Invalid(fmt::format("the daemon's config/show: {}", e.what()));
  }
}

Result<P2pSettings> ReadP2pSettings(IpfsClient& ipfs) {
  ASSIGN_OR_RETURN(PeerInfo id, ipfs.Id());
  ASSIGN_OR_RETURN(std::string body, ipfs.Call("config/show", {}));
  return ParseP2pSettings(body, id.agent_version);
}

std::vector<P2pProblem> P2pProblems(const P2pSettings& s) {
  std::vector<P2pProblem> out;
  if (s.routing != "none")
    out.push_back({fmt::format("content routing is on (Routing.Type {}{}): daemons find providers by themselves "
                               "and fetch from the front end besides the one source a deploy chose",
                               s.routing, s.routing_set ? "" : ", the default"),
                   "ipfs config Routing.Type none"});
  if (s.js && s.low_water.value_or(1) > 0)
    out.push_back({s.low_water ? fmt::format("Swarm.ConnMgr.LowWater is {}: js-libp2p re-dials known peers, the "
                                             "front end included, up to that many connections",
                                             *s.low_water)
                               : std::string("Swarm.ConnMgr.LowWater is unset: js-libp2p re-dials known peers, the "
                                             "front end included"),
                   "ipfs config --json Swarm.ConnMgr.LowWater 0"});
  return out;
}

std::string P2pSummary(const P2pSettings& s) {
  std::string out = fmt::format("Routing.Type {}", s.routing);
  if (s.js) out += fmt::format(", Swarm.ConnMgr.LowWater {}", s.low_water ? std::to_string(*s.low_water) : "unset");
  return out;
}

}  // namespace oneipfs
