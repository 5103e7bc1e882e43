// one-ipfs-doctor: health check of a one-ipfs front end and its hosts.
//
//   one-ipfs-doctor [--remotes DIR] [--oned-conf PATH | --no-oned-conf]
//                   [--no-round-trip] [HOST...]
//
// Front end: ipfs.conf, the daemon at IPFS_API (reachable with the configured
// auth, its version), its kind (kubo/js-ipfs) and whether kubo < 0.43 runs
// with automatic GC (kubo #10842), StorageMax against the registered content,
// its API on loopback only, every action installed and
// executable under DIR/{datastore,tm}/ipfs, oned.conf registration.
// Each HOST (default: every host `onehost list -x` knows, when onehost is on
// PATH): ssh reachable, the helper present with our version, the host's IPFS
// daemon running, peering to the front end, a 64 KiB round trip (front end
// adds a random block, the host daemon reads it back; nothing is written on
// the host).
// Prints a PASS/WARN/FAIL table with the fix under every WARN/FAIL; exit 0
// when nothing failed, 1 otherwise, 2 on bad usage.
// DIR defaults to $ONE_LOCATION/var/remotes or /var/lib/one/remotes; oned.conf
// to $ONE_LOCATION/etc/oned.conf or /etc/one/oned.conf. Settings (IPFS_API,
// IPFS_API_AUTH, IPFS_SSH, IPFS_REMOTE_DIR, IPFS_HOST_API, ...) come from
// ipfs.conf ($ONE_IPFS_CONF or DIR/etc/datastore/ipfs/ipfs.conf) and the
// environment, as for the transfer actions.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/one/config.h"
#include "common/admin/doctor.h"
#include "common/one/driver.h"
#include "common/one/oned_conf.h"
#include "common/base/remote.h"
#include "common/base/text.h"
#include "common/one/tm.h"

namespace oneipfs {
namespace {

const char* kUsage =
    "Usage: one-ipfs-doctor [--remotes DIR] [--oned-conf PATH | --no-oned-conf] [--no-round-trip] [HOST...]\n"
    "Checks the one-ipfs front end (IPFS daemon, API exposure, installed actions, oned.conf)\n"
    "and each HOST (ssh, helper, host daemon, peering, a small round trip); with no HOST,\n"
    "every host `onehost list -x` reports. Prints the fix for each failure; exit 1 if any.\n";

struct Options {
  std::string remotes;
  std::string oned_conf;
  bool round_trip = true;
  std::vector<std::string> hosts;
};

Result<Options> ParseArgs(int argc, char** argv) {
  const char* loc = std::getenv("ONE_LOCATION");
  bool self_contained = loc && *loc;
  Options o;
  o.remotes = self_contained ? std::string(loc) + "/var/remotes" : "/var/lib/one/remotes";
  o.oned_conf = DefaultOnedConfPath();
  std::vector<std::string> a(argv + 1, argv + argc);
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= a.size()) return Status::Invalid(fmt::format("{} needs a value", a[i]));
      return a[++i];
    };
    if (a[i] == "--remotes") {
      ASSIGN_OR_RETURN(o.remotes, value());
    } else if (a[i] == "--oned-conf") {
      ASSIGN_OR_RETURN(o.oned_conf, value());
    } else if (a[i] == "--no-oned-conf") {
      o.oned_conf.clear();
    } else if (a[i] == "--no-round-trip") {
      o.round_trip = false;
    } else if (a[i].starts_with("-")) {
      return Status::Invalid(fmt::format("unknown option {}", a[i]));
    } else {
      o.hosts.push_back(a[i]);
    }
  }
  return o;
}

// The hosts oned knows, when no HOST was given.
Result<std::vector<std::string>> OnedHosts() {
  auto local = MakeLocalRunner();
  RemoteCommand cmd;
  cmd.argv = {"onehost", "list", "-x"};
  cmd.timeout = std::chrono::seconds(60);
  ASSIGN_OR_RETURN(RemoteResult r, local->Run("", cmd));
  if (r.exit_code != 0) return Status::Failed(fmt::format("`onehost list -x` exited {}: {}", r.exit_code, r.err));
  return ParseHostPool(r.out);
}

int Run(int argc, char** argv) {
  auto opts = ParseArgs(argc, argv);
  if (!opts.ok()) {
    std::cerr << "one-ipfs-doctor: " << opts.status().message() << "\n" << kUsage;
    return 2;
  }
  FrontEndFacts facts;
  facts.conf_path = DefaultConfPath(std::getenv, opts->remotes);
  facts.remotes = opts->remotes;
  facts.oned_conf = opts->oned_conf;
  facts.ds_actions = SplitWords(ONEIPFS_DS_ACTIONS);
  facts.tm_actions = SplitWords(ONEIPFS_TM_ACTIONS);

  auto config = Config::Load({facts.conf_path, {}, std::getenv});
  if (!config.ok()) {
    std::cerr << "one-ipfs-doctor: " << config.status().message() << "\n";
    return 1;
  }
  auto client = MakeIpfsClient(*config);
  if (!client.ok()) {
    std::cerr << "one-ipfs-doctor: " << client.status().message() << "\n";
    return 1;
  }
  (*client)->set_timeout(std::chrono::seconds(30));
  std::cout << fmt::format("one-ipfs-doctor {}: front end (remotes {})\n\n", ONEIPFS_VERSION, facts.remotes);

  Report report;
  bool up = CheckFrontEnd(facts, *config, **client, report);

  std::vector<std::string> hosts = opts->hosts;
  if (hosts.empty()) {
    auto known = OnedHosts();
    if (!known.ok())
      report.Warn("hosts", "host list", known.status().message(),
                  "name the hypervisor hosts on the command line: one-ipfs-doctor HOST...");
    else if (known->empty())
      report.Warn("hosts", "host list", "oned knows no hosts", "add hosts with `onehost create`, or name them");
    else
      hosts = *known;
  }
  std::optional<ProbeBlock> probe;
  if (up && opts->round_trip && !hosts.empty()) {
    auto block = AddProbeBlock(**client);
    if (block.ok()) probe = *block;
    else report.Fail("front end", "test block", block.status().message(), "check the front-end daemon's log");
  }
  auto remote = MakeSshRunner(SshOptionsFrom(*config));
  Log log("one-ipfs-doctor");
  for (const auto& host : hosts) {
    OneCli one(MakeLocalRunner());
    TmContext ctx{{}, "", *config, **client, *remote, log, one};
    CheckHost(ctx, host, probe ? &*probe : nullptr, report);
  }
  if (hosts.size() >= 2) {
    OneCli one(MakeLocalRunner());
    TmContext ctx{{}, "", *config, **client, *remote, log, one};
    CheckHostPeering(ctx, hosts, report);
  }
  std::cout << report.Table();
  return report.failed() ? 1 : 0;
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (oneipfs::HandleHelpVersion("one-ipfs-doctor", oneipfs::kUsage, argc, argv)) return 0;
  return oneipfs::Run(argc, argv);
}
