// one-ipfs-image: an image's history, revert and undelete (the operator's
// side of the catalog history; common/admin/image_history.h).
//
//   one-ipfs-image history <image id>
//   one-ipfs-image verify [<datastore id>]
//   one-ipfs-image revert <image id> <version>
//   one-ipfs-image deleted
//   one-ipfs-image restore <datastore id>/<image id>-<regtime>-<deleted at>
//   (each takes --trust did:key:... [repeated]: publishers trusted besides
//    the front end's own key, e.g. a former key)
//
// Exit 0: done (verify: every chain intact); 1: verify found a break, or
// the command was refused or failed (one line on stderr says why); 2: bad
// usage; 3: the settings or the daemon could not be read.
// Settings (IPFS_API, IPFS_CATALOG, IPFS_SIGNING_KEY, IPFS_DELETE_GRACE,
// IPFS_HISTORY_KEEP) come from ipfs.conf ($ONE_IPFS_CONF or
// DIR/etc/datastore/ipfs/ipfs.conf, DIR from --remotes or ONE_LOCATION) and
// the environment. revert and restore ask oned (oneimage show / create) as
// the user running the tool.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/admin/image_history.h"
#include "common/base/number.h"
#include "common/base/remote.h"
#include "common/catalog/history.h"
#include "common/one/config.h"
#include "common/one/driver.h"
#include "common/one/one_cli.h"
#include "common/trust/signing.h"

namespace oneipfs {
namespace {

const char* kUsage =
    "Usage: one-ipfs-image history <image id>\n"
    "       one-ipfs-image verify [<datastore id>]\n"
    "       one-ipfs-image revert <image id> <version>\n"
    "       one-ipfs-image deleted\n"
    "       one-ipfs-image restore <datastore id>/<image id>-<regtime>-<deleted at>\n"
    "Options: --trust did:key:... (repeatable), --remotes DIR\n"
    "The catalog's signed history of every image, revert to an earlier version,\n"
    "and deleted images kept for IPFS_DELETE_GRACE.\n";

int Fail(const std::string& message, int code = 1) {
  std::cerr << "one-ipfs-image: " << message << "\n";
  return code;
}

int Run(int argc, char** argv) {
  const char* loc = std::getenv("ONE_LOCATION");
  std::string remotes = loc && *loc ? std::string(loc) + "/var/remotes" : "/var/lib/one/remotes";
  std::vector<std::string> trusted, words;
  std::vector<std::string> a(argv + 1, argv + argc);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "--trust" || a[i] == "--remotes") {
      if (i + 1 >= a.size()) return Fail(fmt::format("{} needs a value\n{}", a[i], kUsage), 2);
      (a[i] == "--trust" ? trusted.push_back(a[i + 1]) : (void)(remotes = a[i + 1]));
      ++i;
    } else if (a[i].starts_with("--")) {
      return Fail(fmt::format("unknown option {}\n{}", a[i], kUsage), 2);
    } else {
      words.push_back(a[i]);
    }
  }
  if (words.empty()) return Fail(std::string("no command\n") + kUsage, 2);
  const std::string& cmd = words[0];
  std::size_t want_min = 1, want_max = 1;
  if (cmd == "history") want_min = want_max = 2;
  else if (cmd == "verify") want_max = 2;
  else if (cmd == "revert") want_min = want_max = 3;
  else if (cmd == "restore") want_min = want_max = 2;
  else if (cmd != "deleted") return Fail(fmt::format("unknown command '{}'\n{}", cmd, kUsage), 2);
  if (words.size() < want_min || words.size() > want_max)
    return Fail(fmt::format("wrong number of arguments for {}\n{}", cmd, kUsage), 2);

  auto config = Config::Load({DefaultConfPath(std::getenv, remotes), {}, std::getenv});
  if (!config.ok()) return Fail(config.status().message(), 3);
  // Every command may append spooled events (signing them): not as root on oneadmin's key.
  if (Status who = CheckKeyUser(HistorySettingsFrom(*config).key_path); !who.ok()) return Fail(who.message(), 3);
  auto client = MakeIpfsClient(*config);
  if (!client.ok()) return Fail(client.status().message(), 3);
  Log log("one-ipfs-image");
  OneCli one(MakeLocalRunner(), std::chrono::seconds(120));
  ImageToolContext ctx{**client, *config, log, one, std::cout, trusted, 0};

  Status st = Status::Ok();
  if (cmd == "history") {
    st = ImageHistory(ctx, words[1]);
  } else if (cmd == "verify") {
    auto breaks = VerifyHistory(ctx, words.size() > 1 ? words[1] : "");
    if (!breaks.ok()) return Fail(breaks.status().message(), 3);
    return *breaks == 0 ? 0 : 1;
  } else if (cmd == "revert") {
    auto v = ParseCount(words[2]);
    if (!v || *v == 0) return Fail(fmt::format("'{}' is not a version number", words[2]), 2);
    st = RevertImage(ctx, words[1], *v);
  } else if (cmd == "deleted") {
    st = ListDeletedImages(ctx);
  } else {
    auto id = RestoreImage(ctx, words[1]);
    st = id.status();
  }
  if (!st.ok()) return Fail(st.message());
  return 0;
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  if (oneipfs::HandleHelpVersion("one-ipfs-image", oneipfs::kUsage, argc, argv)) return 0;
  return oneipfs::Run(argc, argv);
}
