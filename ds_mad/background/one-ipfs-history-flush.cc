// one-ipfs-history-flush: appends the catalog history events that actions
// spooled (common/catalog/history_background.h). Not an OpenNebula action:
// installed beside the datastore actions, started detached by them after
// each event (IPFS_HISTORY_APPEND=background), and safe to run by hand.
//
//   one-ipfs-history-flush --api <IPFS API> --catalog <IPFS_CATALOG> --ds <datastore id>
//
// Settings (IPFS_SIGNING_KEY, where the spool is, IPFS_API_AUTH, IPFS_MFS_LOCK)
// come from ipfs.conf and the environment, as for the actions; --api is the
// daemon the action used (IPFS_API_AUTH goes with it only when it is the
// operator's IPFS_API). Waits up to a minute for the chain's lock and the
// appends. Whatever is left stays spooled with the reason in the spool's
// last-error file; the next event's action reports it in one WARN line.
// Exit 0: nothing left spooled; 1: events left (the reason on stderr, which
// is /dev/null when an action started it); 2: bad usage.
#include <cstdlib>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "common/base/number.h"
#include "common/catalog/history_background.h"
#include "common/one/config.h"
#include "common/one/driver.h"

namespace oneipfs {
namespace {

constexpr const char* kUsage =
    "Usage: one-ipfs-history-flush --api <IPFS API> --catalog <IPFS_CATALOG> --ds <datastore id>\n"
    "Appends the catalog history events spooled for that datastore (the datastore\n"
    "actions start it in the background after each event).\n";

int Fail(const std::string& message, int code) {
  std::cerr << "one-ipfs-history-flush: " << message << "\n";
  return code;
}

int Run(int argc, char** argv) {
  std::string api, catalog, ds;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) return Fail(fmt::format("{} needs a value\n{}", flag, kUsage), 2);
    std::string value = argv[i + 1];
    if (flag == "--api") api = value;
    else if (flag == "--catalog") catalog = value;
    else if (flag == "--ds") ds = value;
    else return Fail(fmt::format("unknown option '{}'\n{}", flag, kUsage), 2);
  }
  if (api.empty() || catalog.empty() || ds.empty()) return Fail(kUsage, 2);
  if (!ParseCount(ds)) return Fail(fmt::format("'{}' is not a datastore id", ds), 2);
  if (catalog[0] != '/') return Fail(fmt::format("'{}' is not an MFS path", catalog), 2);

  auto config = Config::Load({DefaultConfPath(std::getenv), {}, std::getenv});
  if (!config.ok()) return Fail(config.status().message(), 1);
  // As the action had it; a template-level origin, so IPFS_API_AUTH goes
  // with it only when it is the operator's own API (config.h).
  config->Set("IPFS_API", api, "datastore template");
  config->Set("IPFS_CATALOG", catalog, "datastore template");
  auto client = MakeHistoryClient(*config, kFlushBudget);
  if (!client.ok()) return Fail(client.status().message(), 1);
  Log log("history-flush");
  auto left = FlushSpooledEvents(**client, HistorySettingsFrom(*config), catalog, ds, log);
  if (!left.ok()) return Fail(left.status().message(), 1);
  return *left == 0 ? 0 : 1;
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  if (oneipfs::HandleHelpVersion("one-ipfs-history-flush", oneipfs::kUsage, argc, argv)) return 0;
  try {
    return oneipfs::Run(argc, argv);
  } catch (const std::exception& e) {
    return oneipfs::Fail(e.what(), 1);
  }
}
