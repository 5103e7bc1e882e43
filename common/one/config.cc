#include "common/one/config.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/base/number.h"
#include "common/base/log.h"
#include "common/base/text.h"

namespace oneipfs {
namespace {

const std::string kEmpty;

}  // namespace

// Every setting, with its default and who may set it. README.md's
// configuration table and install/ipfs.conf list the same keys.
const std::vector<Config::KeySpec>& Config::Keys() {
  using enum KeyScope;
  static const std::vector<KeySpec> kKeys = {
      // front-end daemon
      {"IPFS_API", "/ip4/127.0.0.1/tcp/5001", kDatastore},  // checked against IPFS_API_ALLOW
      {"IPFS_API_ALLOW", "", kOperator},
      {"IPFS_API_AUTH", "", kOperator},
      {"IPFS_TIMEOUT", "300", kDatastore},
      {"IPFS_STAT_TIMEOUT", "20", kDatastore},
      {"IPFS_REPO_PATH", "", kOperator},
      // import parameters (they decide the CID of imported content)
      {"IPFS_CID_VERSION", "1", kDatastore},
      {"IPFS_RAW_LEAVES", "yes", kDatastore},
      {"IPFS_CHUNKER", "size-1048576", kDatastore},
      {"IPFS_HASH", "sha2-256", kDatastore},
      // catalog and naming
      {"IPFS_CATALOG", "/one-ipfs", kDatastore},
      {"IPFS_IPNS_FOLLOW", "no", kDatastore},
      {"IPFS_ALLOW_BACKING_FILE", "no", kOperator},
      {"IPFS_IMPORT_MAX_MB", "", kOperator},
      {"IPFS_MFS_LOCK", "", kOperator},
      // history and undelete (history.h, retention.h); the signing key
      // (trust/signing.h, "" = DefaultSigningKeyPath) signs the marketplace's records too
      {"IPFS_DELETE_GRACE", "604800", kOperator},
      {"IPFS_HISTORY_KEEP", "all", kOperator},
      {"IPFS_HISTORY_APPEND", "background", kOperator},
      {"IPFS_SIGNING_KEY", "", kOperator},
      // OpenNebula
      {"ONE_VERSION", "", kOperator},
      {"RESTRICTED_DIRS", "", kDatastore},
      {"SAFE_DIRS", "", kDatastore},
      {"DRIVER", "", kDatastore},
      {"IPFS_TMPDIR", "/var/tmp", kOperator},
      // hosts (transfer driver)
      {"IPFS_SSH", "ssh", kOperator},
      {"IPFS_SSH_OPTS", "", kOperator},
      {"IPFS_SSH_CONTROL_PERSIST", "60", kOperator},
      {"IPFS_SSH_CONTROL_DIR", "", kOperator},
      {"IPFS_REMOTE_DIR", "/var/tmp/one", kOperator},
      {"IPFS_HOST_API", "/ip4/127.0.0.1/tcp/5001", kOperator},
      {"IPFS_FRONTEND_SWARM", "", kDatastore},
      // peer-to-peer distribution between hosts (providers.h, host_ops.h)
      {"IPFS_P2P_PEERS", "3", kDatastore},
      {"IPFS_P2P_STALL", "10", kDatastore},
      {"IPFS_PROVIDER_TTL", "604800", kDatastore},
      {"IPFS_HOST_CACHE_MB", "10240", kDatastore},
      {"IPFS_FETCH_STREAMS", "4", kDatastore},
      {"IPFS_HOST_MFS_LOCK", "", kOperator},
      {"IPFS_TM_DATASTORE", "auto", kOperator},
      {"IPFS_LIBVIRT_URI", "qemu:///system", kOperator},
      // marketplace (MARKET_MAD=ipfs; the marketplace template is the
      // template layer, market/market_config.h)
      {"IPFS_MARKET_KEY", "", kDatastore},
      {"IPFS_MARKET_FOLLOW", "", kDatastore},
      {"IPFS_MARKET_TRUST", "", kDatastore},
      {"IPFS_MARKET_GATEWAY", "", kDatastore},
      {"IPFS_MARKET_RESOLVE_TIMEOUT", "15", kDatastore},
      // ds cp of an app that followed mirrors hold: from them (ipfs/holder_first.h)
      {"IPFS_MIRROR_FIRST", "yes", kOperator},
  };
  return kKeys;
}

const Config::KeySpec* Config::FindKey(std::string_view key) {
  for (const auto& k : Keys())
    if (k.key == key) return &k;
  return nullptr;
}

bool Config::IsKnownKey(std::string_view key) { return FindKey(key) != nullptr; }

bool Config::IsOperatorOnly(std::string_view key) {
  const KeySpec* k = FindKey(key);
  return k && k->scope == KeyScope::kOperator;
}

Config::Config() {
  for (const auto& k : Keys()) values_[k.key] = Entry{k.default_value, "default"};
  operator_values_ = values_;
}

const std::string& Config::Get(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? kEmpty : it->second.value;
}

const std::string& Config::Origin(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? kEmpty : it->second.origin;
}

void Config::Set(std::string_view key, std::string value, std::string origin) {
  Entry e{std::move(value), std::move(origin)};
  if (!e.origin.ends_with(" template")) operator_values_[std::string(key)] = e;
  values_[std::string(key)] = std::move(e);
}

bool Config::GetBool(std::string_view key) const {
  std::string v = Get(key);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "yes" || v == "true" || v == "1" || v == "on";
}

long Config::GetInt(std::string_view key, long fallback) const {
  const std::string& v = Get(key);
  if (v.empty()) return fallback;
  auto n = ParseCount(v, std::numeric_limits<long>::max());
  return n ? static_cast<long>(*n) : fallback;
}

std::chrono::seconds Config::GetSeconds(std::string_view key) const {
  long fallback = 300;
  if (const KeySpec* k = FindKey(key))
    fallback = static_cast<long>(ParseCount(k->default_value, std::numeric_limits<long>::max()).value_or(300));
  long n = GetInt(key, fallback);
  return std::chrono::seconds(n > 0 ? n : fallback);
}

Result<std::vector<std::pair<std::string, std::string>>> ParseConfText(std::string_view text,
                                                                      std::string_view name) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in{std::string(text)};
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::string t(Trim(line));
    if (t.empty() || t[0] == '#') continue;
    size_t eq = t.find('=');
    std::string key = eq == std::string::npos ? "" : std::string(Trim(std::string_view(t).substr(0, eq)));
    bool key_ok = !key.empty();
    for (char c : key)
      if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
        key_ok = false;
    if (!key_ok)
      return Status::Invalid(fmt::format("{} line {}: expected KEY = VALUE, got '{}'", name, lineno, t));
    std::string value(Trim(std::string_view(t).substr(eq + 1)));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    out.emplace_back(key, value);
  }
  return out;
}

std::string NormalizeApiAddress(std::string_view addr) {
  std::string a(Trim(addr));
  while (a.size() > 1 && a.back() == '/') a.pop_back();
  std::vector<std::string> parts;
  for (size_t i = 1; a.size() > 1 && a[0] == '/' && i <= a.size();) {
    size_t j = a.find('/', i);
    if (j == std::string::npos) j = a.size();
    parts.push_back(a.substr(i, j - i));
    i = j + 1;
  }
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  if (parts.size() == 4 && parts[2] == "tcp") {
    if (parts[0] == "ip4" || parts[0] == "dns" || parts[0] == "dns4" || parts[0] == "dns6")
      return fmt::format("http://{}:{}", lower(parts[1]), parts[3]);
    if (parts[0] == "ip6") return fmt::format("http://[{}]:{}", lower(parts[1]), parts[3]);
  }
  size_t scheme = a.find("://");
  if (scheme != std::string::npos) {
    size_t host_end = a.find('/', scheme + 3);
    return lower(a.substr(0, host_end)) + (host_end == std::string::npos ? "" : a.substr(host_end));
  }
  return a;
}

bool Config::ApiIsOperators(std::string_view key) const {
  return NormalizeApiAddress(Get(key)) == NormalizeApiAddress(OperatorValue(key));
}

const std::string& Config::OperatorValue(std::string_view key) const {
  auto it = operator_values_.find(key);
  return it == operator_values_.end() ? kEmpty : it->second.value;
}

Result<Config> Config::Load(const Sources& src) {
  Config cfg;
  if (!src.conf_path.empty()) {
    std::ifstream f(src.conf_path);
    if (f) {
      std::stringstream ss;
      ss << f.rdbuf();
      ASSIGN_OR_RETURN(auto pairs, ParseConfText(ss.str(), src.conf_path));
      for (auto& [k, v] : pairs) {
        if (!IsKnownKey(k)) {
          cfg.warnings_.push_back(fmt::format("{}: unknown key {} ignored", src.conf_path, k));
          continue;
        }
        cfg.Set(k, v, "ipfs.conf");
      }
    }
  }
  // The operator's own layers (ipfs.conf, then the environment), without the
  // datastore template: what operator-only keys and the API check read.
  std::map<std::string, std::string> env;
  if (src.getenv) {
    for (const auto& k : Keys()) {
      const char* v = src.getenv(k.key);
      if (v && *v) env[k.key] = v;
    }
  }
  for (const auto& [k, v] : env) cfg.operator_values_[k] = Entry{v, "environment"};

  std::vector<std::string> refused;
  for (const auto& [k, v] : src.ds_template) {
    if (!IsKnownKey(k) || v.empty()) continue;
    if (env.count(k)) continue;  // the environment wins anyway
    if (IsOperatorOnly(k)) {
      refused.push_back(k);
      continue;
    }
    if (k == "IPFS_API" && NormalizeApiAddress(v) != NormalizeApiAddress(cfg.OperatorValue("IPFS_API"))) {
      bool allowed = false;
      for (const auto& a : SplitWords(cfg.OperatorValue("IPFS_API_ALLOW")))
        if (NormalizeApiAddress(a) == NormalizeApiAddress(v)) allowed = true;
      if (!allowed) {
        cfg.warnings_.push_back(fmt::format(
            "the {}'s IPFS_API {} is not in IPFS_API_ALLOW (ipfs.conf): ignored, using {}", src.template_name,
            QuoteForMessage(v, 120), cfg.OperatorValue("IPFS_API")));
        continue;
      }
    }
    cfg.Set(k, v, src.template_name);
  }
  if (!refused.empty())
    cfg.warnings_.push_back(fmt::format(
        "the {} sets {}: ignored; these settings choose commands, files or secrets and are "
        "read only from ipfs.conf and the environment",
        src.template_name, fmt::join(refused, ", ")));
  for (const auto& [k, v] : env) cfg.Set(k, v, "environment");
  return cfg;
}

std::string RemotesDirOfSelf() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  std::string exe(buf, static_cast<size_t>(n));
  for (int i = 0; i < 3; ++i) {
    size_t slash = exe.rfind('/');
    if (slash == std::string::npos || slash == 0) return "";
    exe.resize(slash);
  }
  return exe;
}

std::string DefaultConfPath(const Config::Getenv& getenv, const std::string& remotes) {
  if (getenv) {
    const char* p = getenv("ONE_IPFS_CONF");
    if (p && *p) return p;
  }
  return remotes.empty() ? "" : remotes + "/etc/datastore/ipfs/ipfs.conf";
}

}  // namespace oneipfs
