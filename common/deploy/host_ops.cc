// host_ops.cc: what every host operation shares (the helper's argv, its
// forwarded log lines, the front end's peer addresses) and the host cache's
// provider bookkeeping (ForgetUncached); see host_ops.h. Deploying a disk:
// host_deploy.cc; saving one back: host_save.cc.
#include "common/deploy/host_ops.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/base/text.h"
#include "common/catalog/providers.h"

namespace oneipfs {

std::string HelperPath(const Config& config) { return config.Get("IPFS_REMOTE_DIR") + "/tm/ipfs/one-ipfs-host"; }

std::vector<std::string> HelperArgv(const TmContext& ctx, std::vector<std::string> args) {
  std::vector<std::string> argv;
  const bool api = ctx.config.Origin("IPFS_HOST_API") != "default";
  const bool debug = std::getenv("ONE_IPFS_DEBUG") != nullptr;  // the helper's DEBUG lines come back too
  if (api || debug) argv.push_back("env");
  if (api) argv.push_back("IPFS_HOST_API=" + ctx.config.Get("IPFS_HOST_API"));
  if (debug) argv.push_back("ONE_IPFS_DEBUG=1");
  argv.push_back(HelperPath(ctx.config));
  for (auto& a : args) argv.push_back(std::move(a));
  return argv;
}

std::string ForwardRemoteLog(const std::string& err) {
  std::istringstream in(err);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.rfind("INFO:", 0) == 0 || line.rfind("WARN:", 0) == 0 || line.rfind("DEBUG:", 0) == 0) {
      std::fprintf(stderr, "%s\n", line.c_str());
    } else if (!line.empty()) {
      last = line;
    }
  }
  std::fflush(stderr);
  return last.empty() ? "no error message" : last;
}

Result<RemoteResult> RunHostScript(TmContext& ctx, const std::string& host, const std::string& script,
                                   const std::vector<std::string>& args) {
  RemoteCommand cmd;
  cmd.argv = {"sh", "-c", script, "one-ipfs"};
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  ASSIGN_OR_RETURN(RemoteResult r, ctx.remote.Run(host, cmd));
  std::string last = ForwardRemoteLog(r.err);
  if (r.exit_code != 0) return Status::Failed(fmt::format("on {}: {}", host, last));
  return r;
}

Result<std::vector<std::string>> FrontendPeers(TmContext& ctx) {
  std::vector<std::string> peers = SplitWords(ctx.config.Get("IPFS_FRONTEND_SWARM"));
  if (!peers.empty()) return peers;
  ASSIGN_OR_RETURN(PeerInfo id, ctx.ipfs.Id());
  for (const auto& a : id.addresses)
    peers.push_back(a.find("/p2p/") == std::string::npos ? a + "/p2p/" + id.id : a);
  return peers;
}

Status ForgetUncached(TmContext& ctx, const std::string& host) {
  if (!SafeProviderName(host)) return Status::Ok();
  ProviderStore providers(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"), ctx.config.GetInt("IPFS_PROVIDER_TTL", 604800));
  ASSIGN_OR_RETURN(auto cids, providers.CidsOf(host));
  if (cids.empty()) return Status::Ok();
  RemoteCommand cmd;
  cmd.argv = HelperArgv(ctx, {"cached"});
  ASSIGN_OR_RETURN(RemoteResult r, ctx.remote.Run(host, cmd));
  std::string last = ForwardRemoteLog(r.err);
  std::vector<std::string> cached;
  if (r.exit_code == 0) {
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("cids") || !j["cids"].is_array())
      return Status::Failed(fmt::format("unexpected answer from one-ipfs-host cached on {}", host));
    for (const auto& c : j["cids"])
      if (c.is_string()) cached.push_back(c.get<std::string>());
  } else if (r.exit_code != kHelperExitMissing && r.exit_code != kHelperExitNoDaemon) {
    return Status::Failed(fmt::format("one-ipfs-host cached on {}: {}", host, last));
  }
  for (const auto& c : cids)
    if (std::find(cached.begin(), cached.end(), c) == cached.end()) RETURN_IF_ERROR(providers.Remove(c, host));
  return Status::Ok();
}

}  // namespace oneipfs
