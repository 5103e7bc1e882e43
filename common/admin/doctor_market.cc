#include "common/admin/doctor_market.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <tinyxml2.h>

#include "common/base/remote.h"
#include "common/ipfs/cid.h"
#include "common/market/market_config.h"
#include "common/market/market_follow.h"
#include "common/market/market_tree.h"
#include "common/one/oned_conf_market.h"
#include "common/trust/signing.h"

namespace oneipfs {
namespace {

void CheckActions(const FrontEndFacts& facts, Report& r) {
  std::vector<std::string> missing;
  for (const char* a : {"import", "delete", "monitor"}) {
    std::string p = fmt::format("{}/market/ipfs/{}", facts.remotes, a);
    if (::access(p.c_str(), X_OK) != 0) missing.push_back(a);
  }
  if (missing.empty())
    r.Pass(kFrontEnd, "marketplace actions", fmt::format("import, delete, monitor in {}/market/ipfs", facts.remotes));
  else
    r.Fail(kFrontEnd, "marketplace actions",
           fmt::format("missing or not executable in {}/market/ipfs: {}", facts.remotes, fmt::join(missing, ", ")),
           "run `make install` (or install the package) as root");
}

void CheckRegistration(const FrontEndFacts& facts, Report& r) {
  if (facts.oned_conf.empty()) return;
  std::ifstream f(facts.oned_conf);
  if (!f) return;  // the drivers' row says it already
  std::stringstream ss;
  ss << f.rdbuf();
  auto reg = InspectOnedConfMarket(ss.str());
  if (!reg.ok()) {
    r.Warn(kFrontEnd, "marketplace registration", fmt::format("{}: {}", facts.oned_conf, reg.status().message()),
           "fix oned.conf, then run one-ipfs-register");
    return;
  }
  std::vector<std::string> missing;
  if (!reg->market_mad_listed) missing.push_back("ipfs in MARKET_MAD -m");
  if (!reg->market_mad_conf) missing.push_back("MARKET_MAD_CONF ipfs");
  if (!reg->ds_exports) missing.push_back("\"export\" in the ipfs DS_MAD_CONF's MARKETPLACE_ACTIONS");
  if (missing.empty())
    r.Pass(kFrontEnd, "marketplace registration", facts.oned_conf);
  else
    r.Warn(kFrontEnd, "marketplace registration",
           fmt::format("{} lacks {}", facts.oned_conf, fmt::join(missing, ", ")),
           "to use MARKET_MAD=ipfs run `one-ipfs-register` (it keeps a backup), then restart oned");
}

void CheckSigningKey(const std::string& path, Report& r) {
  auto key = SigningKey::Load(path);
  if (key.ok()) {
    r.Pass(kFrontEnd, "signing key", fmt::format("{} (0600), publisher id {}", path, key->PublisherId()));
  } else if (key.status().code() == Status::Code::kNotFound) {
    r.Warn(kFrontEnd, "signing key", fmt::format("{} does not exist yet", path),
           "it is created at the first marketplace import; `one-ipfs-market id` creates it now and prints the id "
           "other clouds trust");
  } else {
    r.Fail(kFrontEnd, "signing key", key.status().message(),
           fmt::format("make {} oneadmin's, mode 0600, an ed25519 PKCS#8 PEM key (or remove it: a new one is made, "
                       "and subscribers must trust the new id)",
                       path));
  }
}

void CheckOne(const MarketplaceFacts& m, const FrontEndFacts& facts, IpfsClient& ipfs, Report& r) {
  std::string row = fmt::format("marketplace {} ({})", m.id, m.name);
  auto cfg = Config::Load({facts.conf_path, m.tmpl, std::getenv, "marketplace template"});
  if (!cfg.ok()) {
    r.Fail(kFrontEnd, row, cfg.status().message(), "fix ipfs.conf");
    return;
  }
  auto s = MarketSettingsFrom(*cfg, std::getenv("ONE_LOCATION"));
  if (!s.ok()) {
    r.Fail(kFrontEnd, row, s.status().message(), fmt::format("`onemarket update {}` with a valid setting", m.id));
    return;
  }
  std::vector<std::string> notes;
  if (s->writable()) {
    auto keys = ipfs.KeyList();
    bool has = false;
    if (keys.ok())
      for (const auto& k : *keys) has = has || k.name == s->key;
    MarketTree tree(ipfs, s->key);
    auto apps = tree.Apps();
    bool has_apps = apps.ok() && !apps->empty();
    if (!keys.ok()) {
      r.Fail(kFrontEnd, row, keys.status().message(), "check the front-end daemon");
      return;
    }
    if (!has) {
      if (has_apps)
        r.Fail(kFrontEnd, row, fmt::format("IPFS_MARKET_KEY {} is not in the daemon's keystore, yet the tree has apps",
                                           s->key),
               "restore the key into the daemon's keystore (`ipfs key import`): with a new key the marketplace gets "
               "a new name and subscribers must follow it");
      else
        r.Warn(kFrontEnd, row, fmt::format("IPFS_MARKET_KEY {} is not in the daemon's keystore yet", s->key),
               "it is created (ed25519) at the first `onemarketapp create`");
      return;
    }
    auto root = tree.RootCid();
    std::string id;
    for (const auto& k : *keys)
      if (k.name == s->key) id = k.id;
    auto resolved = ResolveRoot(ipfs, id, s->resolve_timeout);
    if (!resolved.ok()) {
      std::string detail = fmt::format("/ipns/{} does not resolve: {}", id, resolved.status().message());
      if (has_apps)
        r.Fail(kFrontEnd, row, detail,
               "the next marketplace action publishes it again; check that the daemon is online (js-ipfs cannot "
               "publish offline) and, for js-ipfs subscribers, runs with --enable-namesys-pubsub");
      else
        r.Warn(kFrontEnd, row, detail, "nothing is published until the first `onemarketapp create`");
      return;
    }
    if (root.ok() && !CidEqual(*root, *resolved)) {
      r.Warn(kFrontEnd, row, fmt::format("/ipns/{} gives /ipfs/{}, an older root than the tree's /ipfs/{}", id,
                                         *resolved, *root),
             "the next marketplace action (or monitor) publishes the current root");
      return;
    }
    notes.push_back(fmt::format("publishes /ipns/{} = /ipfs/{} ({} apps)", id, *resolved, apps.ok() ? apps->size() : 0));
  }
  if (!s->follow.empty()) {
    std::string answered;
    for (const auto& name : s->follow)
      if (answered.empty() && ResolveRoot(ipfs, name, s->resolve_timeout).ok()) answered = name;
    if (answered.empty()) {
      r.Warn(kFrontEnd, row, fmt::format("no name of IPFS_MARKET_FOLLOW resolves: {}", fmt::join(s->follow, " ")),
             "check the names (`one-ipfs-market list <name>`), that the publisher's daemon is reachable (swarm "
             "connect) and, on js-ipfs, that both daemons run with --enable-namesys-pubsub");
      return;
    }
    notes.push_back(fmt::format("follows /ipns/{}", answered));
  }
  if (notes.empty()) notes.push_back("neither IPFS_MARKET_KEY nor IPFS_MARKET_FOLLOW: it lists nothing");
  r.Pass(kFrontEnd, row, fmt::format("{}", fmt::join(notes, "; ")));
}

}  // namespace

Result<std::vector<MarketplaceFacts>> ParseMarketPool(std::string_view xml) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS)
    return Status::Invalid("`onemarket list -x` printed no well-formed XML");
  const auto* root = doc.RootElement();
  if (!root || std::string_view(root->Name()) != "MARKETPLACE_POOL")
    return Status::Invalid("`onemarket list -x` printed no MARKETPLACE_POOL");
  std::vector<MarketplaceFacts> out;
  auto text = [](const tinyxml2::XMLElement* p, const char* n) {
    const auto* e = p ? p->FirstChildElement(n) : nullptr;
    return std::string(e && e->GetText() ? e->GetText() : "");
  };
  for (auto* m = root->FirstChildElement("MARKETPLACE"); m; m = m->NextSiblingElement("MARKETPLACE")) {
    MarketplaceFacts f{text(m, "ID"), text(m, "NAME"), text(m, "MARKET_MAD"), {}};
    if (const auto* t = m->FirstChildElement("TEMPLATE"))
      for (auto* e = t->FirstChildElement(); e; e = e->NextSiblingElement())
        f.tmpl[e->Name()] = e->GetText() ? e->GetText() : "";
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<MarketplaceFacts>> ListOnedMarketplaces() {
  auto local = MakeLocalRunner();
  RemoteCommand cmd;
  cmd.argv = {"onemarket", "list", "-x"};
  cmd.timeout = std::chrono::seconds(60);
  auto r = local->Run("", cmd);
  if (!r.ok()) return r.status();
  if (r->exit_code == 127) return Status::NotFound("the onemarket command is not available");
  if (r->exit_code != 0) return Status::Failed(fmt::format("`onemarket list -x` exited {}", r->exit_code));
  return ParseMarketPool(r->out);
}

void CheckMarketplaces(const FrontEndFacts& facts, const Config& config, IpfsClient& ipfs, bool daemon_up,
                       const Result<std::vector<MarketplaceFacts>>& markets, Report& r) {
  CheckActions(facts, r);
  CheckRegistration(facts, r);
  std::string key_path = config.Get("IPFS_SIGNING_KEY");
  if (key_path.empty()) key_path = DefaultSigningKeyPath(std::getenv("ONE_LOCATION"));
  CheckSigningKey(key_path, r);
  if (!daemon_up) return;
  if (!markets.ok()) {
    if (markets.status().code() != Status::Code::kNotFound)
      r.Warn(kFrontEnd, "marketplaces", markets.status().message(),
             "run the doctor as oneadmin on the front end to check the ipfs marketplaces");
    return;
  }
  for (const auto& m : *markets)
    if (m.market_mad == "ipfs") CheckOne(m, facts, ipfs, r);
}

}  // namespace oneipfs
