// one-ipfs-market: the operator's side of the ipfs marketplace.
//
//   one-ipfs-market id
//       prints this front end's publisher id (did:key:z6Mk..., one line): the
//       value another cloud puts in IPFS_MARKET_TRUST. Creates the signing
//       key (IPFS_SIGNING_KEY, 0600) at first use.
//   one-ipfs-market log <IPNS name | /ipns/<name> | /ipfs/<root>> [--publisher ID]
//       prints the marketplace's event log, oldest first, verifying every
//       signature and hash link (common/market/market_log.h); exit 1 when
//       anything does not verify, naming the event.
//   one-ipfs-market list <IPNS name | /ipfs/<root>> [--trust ID]...
//       prints the apps the marketplace publishes: name, version, CID, size,
//       publisher, and whether its record verifies (and is trusted, with
//       --trust); exit 1 when a record does not verify.
//
// Settings (IPFS_API, IPFS_API_AUTH, IPFS_SIGNING_KEY, IPFS_TIMEOUT,
// IPFS_MARKET_RESOLVE_TIMEOUT) come from ipfs.conf ($ONE_IPFS_CONF or
// <remotes>/etc/datastore/ipfs/ipfs.conf; --remotes DIR) and the
// environment. Failures: one stderr line "one-ipfs-market: ...", exit 3;
// bad usage exit 2.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/base/log.h"
#include "common/market/market_config.h"
#include "common/market/market_follow.h"
#include "common/market/market_log.h"
#include "common/one/config.h"
#include "common/one/driver.h"
#include "common/trust/signing.h"

namespace oneipfs {
namespace {

const char* kUsage =
    "Usage: one-ipfs-market id\n"
    "       one-ipfs-market log <IPNS name | /ipfs/<root>> [--publisher ID]\n"
    "       one-ipfs-market list <IPNS name | /ipfs/<root>> [--trust ID]...\n"
    "       (each also takes --remotes DIR: where ipfs.conf is, <DIR>/etc/datastore/ipfs/ipfs.conf)\n"
    "id: this front end's publisher id, for other clouds' IPFS_MARKET_TRUST.\n"
    "log: the marketplace's event log, every signature and link verified (exit 1 on a break).\n"
    "list: the apps it publishes, each record verified.\n";

struct Options {
  std::string command, target, publisher, remotes;
  std::vector<std::string> trust;
};

Result<Options> ParseArgs(int argc, char** argv) {
  Options o;
  const char* loc = std::getenv("ONE_LOCATION");
  o.remotes = loc && *loc ? std::string(loc) + "/var/remotes" : "/var/lib/one/remotes";
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.empty()) return Status::Invalid("a command is needed: id, log or list");
  o.command = a[0];
  if (o.command != "id" && o.command != "log" && o.command != "list")
    return Status::Invalid(fmt::format("unknown command {}", a[0]));
  for (std::size_t i = 1; i < a.size(); ++i) {
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= a.size()) return Status::Invalid(fmt::format("{} needs a value", a[i]));
      return a[++i];
    };
    if (a[i] == "--publisher") {
      ASSIGN_OR_RETURN(o.publisher, value());
    } else if (a[i] == "--trust") {
      ASSIGN_OR_RETURN(std::string t, value());
      o.trust.push_back(t);
    } else if (a[i] == "--remotes") {
      ASSIGN_OR_RETURN(o.remotes, value());
    } else if (o.target.empty() && !a[i].starts_with("--") && o.command != "id") {
      o.target = a[i];
    } else {
      return Status::Invalid(fmt::format("unexpected argument {}", a[i]));
    }
  }
  if (o.command != "id" && o.target.empty()) return Status::Invalid(o.command + " needs an IPNS name or /ipfs/<root>");
  for (const auto& id : o.trust)
    if (!ParsePublisherId(id).ok()) return Status::Invalid(fmt::format("--trust {} is not a publisher id", id));
  if (!o.publisher.empty() && !ParsePublisherId(o.publisher).ok())
    return Status::Invalid(fmt::format("--publisher {} is not a publisher id", o.publisher));
  return o;
}

// "/ipfs/<cid>" -> cid; a name (or /ipns/<name>) -> its current root.
Result<std::string> RootOf(IpfsClient& ipfs, std::string target, std::chrono::seconds limit) {
  if (target.starts_with("/ipfs/")) return target.substr(6);
  if (target.starts_with("/ipns/")) target = target.substr(6);
  return ResolveRoot(ipfs, target, limit);
}

int Fail(const Status& st) {
  std::cerr << "one-ipfs-market: " << st.message() << "\n";
  return 3;
}

int Run(int argc, char** argv) {
  if (HandleHelpVersion("one-ipfs-market", kUsage, argc, argv)) return 0;
  auto opts = ParseArgs(argc, argv);
  if (!opts.ok()) {
    std::cerr << "one-ipfs-market: " << opts.status().message() << "\n" << kUsage;
    return 2;
  }
  auto config = Config::Load({DefaultConfPath(std::getenv, opts->remotes), {}, std::getenv});
  if (!config.ok()) return Fail(config.status());
  auto settings = MarketSettingsFrom(*config, std::getenv("ONE_LOCATION"));
  if (!settings.ok()) return Fail(settings.status());
  // `id` creates the signing key at first use: not as root on oneadmin's.
  if (Status who = CheckKeyUser(settings->signing_key_path); !who.ok()) return Fail(who);
  if (opts->command == "id") {
    auto key = SigningKey::LoadOrCreate(settings->signing_key_path);
    if (!key.ok()) return Fail(key.status());
    std::cout << key->PublisherId() << "\n";
    return 0;
  }
  auto client = MakeIpfsClient(*config);
  if (!client.ok()) return Fail(client.status());
  IpfsClient& ipfs = **client;
  auto root = RootOf(ipfs, opts->target, settings->resolve_timeout);
  if (!root.ok()) return Fail(root.status());
  if (opts->command == "log") {
    auto v = VerifyPublishedLog(ipfs, *root, opts->publisher);
    if (!v.ok()) return Fail(v.status());
    std::cout << "marketplace /ipfs/" << *root << "\n" << FormatLog(*v);
    return v->report.ok() ? 0 : 1;
  }
  // list
  TrustFn trusted = nullptr;
  if (!opts->trust.empty())
    trusted = [&](std::string_view p) {
      for (const auto& t : opts->trust)
        if (t == p) return true;
      return false;
    };
  auto listing = ReadPublishedTree(ipfs, *root, trusted);
  if (!listing.ok()) return Fail(listing.status());
  std::cout << "marketplace /ipfs/" << *root << "\n";
  for (const auto& a : listing->apps)
    std::cout << fmt::format("{} {} version={} cid={} size_mb={} format={} publisher={} verified\n", a.dir,
                             QuoteForMessage(a.record.name, 80), QuoteForMessage(a.record.version, 40), a.record.cid,
                             a.record.size_mb, a.record.format, a.record.publisher);
  for (const auto& w : listing->warnings) std::cout << "NOT LISTED: " << w << "\n";
  std::cout << fmt::format("{} apps verified, {} not\n", listing->apps.size(), listing->warnings.size());
  return listing->warnings.empty() ? 0 : 1;
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) { return oneipfs::Run(argc, argv); }
