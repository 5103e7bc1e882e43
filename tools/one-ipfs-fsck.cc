// one-ipfs-fsck: check (and with --repair, repair) the one-ipfs catalog.
//
//   one-ipfs-fsck [--repair] [--prune-history N] [--timeout SECONDS]
//                 [--hold-age SECONDS] [--no-oned] [--remotes DIR]
//
// Lists catalog entries whose content is not fully in the front-end daemon,
// entries no image in oned names (from `oneimage list -x`, when the command
// is available; otherwise that check is skipped and a note says so; --no-oned
// skips it too; --repair removes such an entry only if it was registered well
// before that listing and a second listing, asked for just before the
// removal, still has no image for it), stale names inside entries, temporary pins left by killed
// actions, and with --prune-history N the versions beyond the last N of each
// image (saved snapshots are kept), and deleted images past IPFS_DELETE_GRACE
// (each purge a "purge" event in the catalog history). See
// common/catalog/fsck.h for each check and its repair. Nothing is changed
// without --repair. A daily cron line for the purge:
//   17 3 * * *  oneadmin  one-ipfs-fsck --repair --no-oned >/dev/null
// Exit 0: nothing found (or everything repaired); 1: problems remain;
// 2: bad usage; 3: the catalog could not be read.
// Settings (IPFS_API, IPFS_API_AUTH, IPFS_CATALOG) come from ipfs.conf
// ($ONE_IPFS_CONF or DIR/etc/datastore/ipfs/ipfs.conf) and the environment.
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/one/config.h"
#include "common/admin/doctor.h"
#include "common/one/driver.h"
#include "common/catalog/fsck.h"
#include "common/catalog/history.h"
#include "common/catalog/retention.h"
#include "common/ipfs/holder_first.h"
#include "common/base/number.h"
#include "common/base/remote.h"
#include "common/trust/signing.h"

namespace oneipfs {
namespace {

const char* kUsage =
    "Usage: one-ipfs-fsck [--repair] [--prune-history N] [--timeout SECONDS] [--hold-age SECONDS]\n"
    "                     [--no-oned] [--remotes DIR]\n"
    "Checks the one-ipfs catalog: content not fully local, entries of images oned no longer has,\n"
    "stale names, temporary pins of killed actions, (--prune-history N) old versions, and\n"
    "deleted images past IPFS_DELETE_GRACE.\n"
    "Changes nothing without --repair. Exit 1 when problems remain.\n";

struct Options {
  FsckOptions fsck;
  bool use_oned = true;
  std::string remotes;
};

Result<Options> ParseArgs(int argc, char** argv) {
  const char* loc = std::getenv("ONE_LOCATION");
  Options o;
  o.remotes = loc && *loc ? std::string(loc) + "/var/remotes" : "/var/lib/one/remotes";
  std::vector<std::string> a(argv + 1, argv + argc);
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto number = [&]() -> Result<std::uint64_t> {
      if (i + 1 >= a.size()) return Status::Invalid(fmt::format("{} needs a value", a[i]));
      auto n = ParseCount(a[i + 1]);
      if (!n) return Status::Invalid(fmt::format("{}: '{}' is not a number", a[i], a[i + 1]));
      ++i;
      return *n;
    };
    if (a[i] == "--repair") {
      o.fsck.repair = true;
    } else if (a[i] == "--prune-history") {
      ASSIGN_OR_RETURN(auto n, number());
      if (n == 0) return Status::Invalid("--prune-history must keep at least 1 version");
      o.fsck.prune_history = n;
    } else if (a[i] == "--timeout") {
      ASSIGN_OR_RETURN(auto n, number());
      o.fsck.local_timeout = std::chrono::seconds(n);
    } else if (a[i] == "--hold-age") {
      ASSIGN_OR_RETURN(auto n, number());
      o.fsck.hold_max_age = std::chrono::seconds(n);
    } else if (a[i] == "--no-oned") {
      o.use_oned = false;
    } else if (a[i] == "--remotes") {
      if (i + 1 >= a.size()) return Status::Invalid("--remotes needs a value");
      o.remotes = a[++i];
    } else {
      return Status::Invalid(fmt::format("unknown argument {}", a[i]));
    }
  }
  return o;
}

// oned's images (`oneimage list -x`), with the time just before it was asked.
Result<OnedImages> ListOnedImages() {
  auto local = MakeLocalRunner();
  RemoteCommand cmd;
  cmd.argv = {"oneimage", "list", "-x"};
  cmd.timeout = std::chrono::seconds(120);
  auto asked = static_cast<std::int64_t>(std::time(nullptr));
  auto r = local->Run("", cmd);
  if (!r.ok()) return r.status();
  if (r->exit_code == 127) return Status::NotFound("the oneimage command is not available");
  if (r->exit_code != 0) return Status::Failed(fmt::format("`oneimage list -x` exited {}", r->exit_code));
  return ParseImagePool(r->out, asked);
}

int Run(int argc, char** argv) {
  auto opts = ParseArgs(argc, argv);
  if (!opts.ok()) {
    std::cerr << "one-ipfs-fsck: " << opts.status().message() << "\n" << kUsage;
    return 2;
  }
  auto config = Config::Load({DefaultConfPath(std::getenv, opts->remotes), {}, std::getenv});
  if (!config.ok()) {
    std::cerr << "one-ipfs-fsck: " << config.status().message() << "\n";
    return 3;
  }
  if (opts->fsck.repair) {  // repairs are signed history events: not as root on oneadmin's key
    if (Status who = CheckKeyUser(HistorySettingsFrom(*config).key_path); !who.ok()) {
      std::cerr << "one-ipfs-fsck: " << who.message() << "\n";
      return 3;
    }
  }
  auto client = MakeIpfsClient(*config);
  if (!client.ok()) {
    std::cerr << "one-ipfs-fsck: " << client.status().message() << "\n";
    return 3;
  }
  std::string why = "--no-oned";
  if (opts->use_oned) {
    auto oned = ListOnedImages();
    if (oned.ok()) {
      opts->fsck.oned = std::move(*oned);
      // Orphans are removed only if a listing asked for just before still has no image for them (fsck.h).
      opts->fsck.relist_oned = ListOnedImages;
    } else {
      why = oned.status().message();
    }
  }
  Log log("one-ipfs-fsck");
  if (opts->fsck.repair) ReconnectAvoided(**client, log);  // --repair fetches (holder_first.h)
  std::string problem;
  opts->fsck.delete_grace = DeleteGrace(*config, &problem);
  if (!problem.empty()) log.Warn(problem);
  auto report = RunFsck(**client, config->Get("IPFS_CATALOG"), opts->fsck, log);
  if (!report.ok()) {
    std::cerr << "one-ipfs-fsck: " << report.status().message() << "\n";
    return 3;
  }
  if (!opts->fsck.oned)
    for (auto& n : report->notes)
      if (n.starts_with("orphaned entries not checked")) n += " (" + why + ")";
  std::cout << FormatFsckReport(*report, opts->fsck.repair);
  std::cout.flush();
  // Each repair that changed an image's entry is an event of its
  // datastore's history: "purge" for a deleted entry, "fsck" otherwise.
  const std::string root = config->Get("IPFS_CATALOG");
  for (const auto& f : report->findings) {
    if (!f.repaired || f.kind == FsckFinding::Kind::kStaleHold || f.kind == FsckFinding::Kind::kUnknownPin) continue;
    CatalogEvent ev;
    if (f.kind == FsckFinding::Kind::kExpired) {
      auto d = ParseDeletedLabel(root, f.subject);
      if (!d) continue;
      ev = NewEvent("purge", 0, "", "", 0, f.detail);
      ev.datastore = d->datastore;
      ev.image = d->image;
      ev.entry = d->name;
    } else {
      // <root>/<ds>/<image>-<regtime>[/<name>]
      std::string path = f.subject;
      auto shape = EntryShape(CatalogEntry{path}, root);
      if (!shape) shape = EntryShape(CatalogEntry{path.substr(0, path.rfind('/'))}, root);
      if (!shape) continue;
      ev = NewEvent("fsck", 0, "", "", 0, fmt::format("{} {}: {}", FsckKindName(f.kind), f.subject, f.detail));
      ev.datastore = shape->datastore;
      ev.image = shape->image;
      ev.entry = shape->image + "-" + shape->regtime;
    }
    ev.user = OperatorLogin();
    RecordCatalogEvent(*config, log, std::move(ev));
  }
  return report->open() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  if (oneipfs::HandleHelpVersion("one-ipfs-fsck", oneipfs::kUsage, argc, argv)) return 0;
  return oneipfs::Run(argc, argv);
}
