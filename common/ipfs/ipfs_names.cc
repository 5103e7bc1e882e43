// ipfs_names.cc: the IPNS calls of IpfsClient (contract in ipfs.h): keys,
// publishing, resolving with a bound. The calls go through ipfs_call.h's
// Caller, so transport errors, timeouts, retries and the daemon's error
// bodies are handled as for every other call.
#include <algorithm>
#include <optional>

#include "common/ipfs/cid.h"
#include "common/ipfs/ipfs_call.h"

namespace oneipfs {

using namespace ipfs_call;  // Spec, Caller, Small, NotRepeatable
using ipfs_json::Json;
using ipfs_json::Str;

namespace {

bool LooksUnresolved(std::string_view message) {
  std::string m = Lower(message);
  return m.find("not found") != std::string::npos || m.find("could not resolve name") != std::string::npos ||
         m.find("no record") != std::string::npos || m.find("routing: not found") != std::string::npos;
}

}  // namespace

Result<std::vector<IpfsClient::IpnsKey>> IpfsClient::KeyList() {
  Caller c(*transport_, options_);
  Spec s = Small("key/list", "", {});
  std::string what = c.Prefix(s);
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  std::vector<IpnsKey> out;
  const Json* keys = ipfs_json::Find(j, "Keys");
  if (!keys || keys->is_null()) return out;
  if (!keys->is_array()) return Status::Failed(what + ": Keys is not a list");
  for (const auto& k : *keys) {
    if (!k.is_object()) continue;
    IpnsKey key{Str(k, "Name"), Str(k, "Id")};
    if (key.name.empty() || key.id.empty()) continue;
    bool seen = std::any_of(out.begin(), out.end(), [&](const IpnsKey& o) { return o.name == key.name; });
    if (!seen) out.push_back(std::move(key));
  }
  return out;
}

Result<IpfsClient::IpnsKey> IpfsClient::KeyGen(std::string_view name) {
  Caller c(*transport_, options_);
  Spec s = NotRepeatable(Small("key/gen", name, {{"arg", std::string(name)}, {"type", "ed25519"}}));
  std::string what = c.Prefix(s);
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  IpnsKey key{Str(j, "Name"), Str(j, "Id")};
  if (key.id.empty()) return Status::Failed(what + ": the reply has no Id");
  if (key.name.empty()) key.name = std::string(name);
  return key;
}

Result<IpfsClient::IpnsKey> IpfsClient::EnsureKey(std::string_view name) {
  auto find = [&]() -> Result<std::optional<IpnsKey>> {
    ASSIGN_OR_RETURN(auto keys, KeyList());
    for (auto& k : keys)
      if (k.name == name) return std::optional<IpnsKey>(std::move(k));
    return std::optional<IpnsKey>();
  };
  ASSIGN_OR_RETURN(auto found, find());
  if (found) return *found;
  auto made = KeyGen(name);
  if (made.ok()) return made;
  // Another action made it between our list and our gen.
  ASSIGN_OR_RETURN(auto again, find());
  if (again) return *again;
  return made.status();
}

Result<std::string> IpfsClient::NamePublish(std::string_view ipfs_path, std::string_view key,
                                            const PublishOptions& how) {
  std::vector<std::pair<std::string, std::string>> args = {{"arg", std::string(ipfs_path)},
                                                           {"key", std::string(key)},
                                                           {"resolve", "false"},
                                                           {"allow-offline", "true"}};
  if (!how.lifetime.empty()) args.emplace_back("lifetime", how.lifetime);
  if (!how.ttl.empty()) args.emplace_back("ttl", how.ttl);
  Caller c(*transport_, options_);
  Spec s = NotRepeatable(Small("name/publish", fmt::format("{} (key {})", ipfs_path, key), std::move(args)));
  std::string what = c.Prefix(s);
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  std::string name = Str(j, "Name");
  if (name.empty()) return Status::Failed(what + ": the reply has no Name");
  return name;
}

Result<std::string> IpfsClient::ResolveNameWithin(std::string_view ipns_path, std::chrono::seconds limit, bool fresh) {
  std::string path(ipns_path);
  if (path.starts_with("/ipns/")) {
    // js-ipfs 0.66 takes a key only as a base58btc peer id (it reads k51...
    // as a DNSLink domain); kubo takes both.
    std::string rest = path.substr(6);
    size_t slash = rest.find('/');
    std::string name = rest.substr(0, slash);
    path = "/ipns/" + PeerIdBase58(name) + (slash == std::string::npos ? "" : rest.substr(slash));
  }
  if (limit.count() <= 0) limit = std::chrono::seconds(1);
  std::vector<std::pair<std::string, std::string>> args = {
      {"arg", path}, {"recursive", "true"}, {"dht-timeout", fmt::format("{}s", limit.count())}};
  if (fresh) args.emplace_back("nocache", "true");
  Caller c(*transport_, options_);
  Spec s = Small("name/resolve", path, std::move(args));
  s.limit = limit;
  std::string what = c.Prefix(s);
  auto j = c.SendJson(s);
  if (!j.ok()) {
    const Status& st = j.status();
    if (st.code() != Status::Code::kTimeout && st.code() != Status::Code::kUnavailable &&
        LooksUnresolved(st.message()))
      return Status::NotFound(st.message());
    return st;
  }
  std::string p = Str(*j, "Path");
  if (p.empty()) return Status::Failed(what + ": the reply has no Path");
  return p;
}

}  // namespace oneipfs
