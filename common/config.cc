#include "common/config.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/number.h"

namespace oneipfs {
namespace {

const std::string kEmpty;

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

// Every setting, with its default. README.md's configuration table and
// install/ipfs.conf list the same keys.
const std::vector<std::pair<std::string, std::string>>& Config::Defaults() {
  static const std::vector<std::pair<std::string, std::string>> kDefaults = {
      // front-end daemon
      {"IPFS_API", "/ip4/127.0.0.1/tcp/5001"},
      {"IPFS_API_AUTH", ""},
      {"IPFS_TIMEOUT", "300"},
      {"IPFS_STAT_TIMEOUT", "20"},
      {"IPFS_REPO_PATH", ""},
      // import parameters (they decide the CID of imported content)
      {"IPFS_CID_VERSION", "1"},
      {"IPFS_RAW_LEAVES", "yes"},
      {"IPFS_CHUNKER", "size-1048576"},
      {"IPFS_HASH", "sha2-256"},
      // catalog and naming
      {"IPFS_CATALOG", "/one-ipfs"},
      {"IPFS_IPNS_FOLLOW", "no"},
      {"IPFS_ALLOW_BACKING_FILE", "no"},
      {"IPFS_MFS_LOCK", ""},
      // OpenNebula
      {"ONE_VERSION", ""},
      {"RESTRICTED_DIRS", ""},
      {"SAFE_DIRS", ""},
      {"DRIVER", ""},
      {"IPFS_TMPDIR", "/var/tmp"},
      // hosts (transfer driver)
      {"IPFS_SSH", "ssh"},
      {"IPFS_SSH_OPTS", ""},
      {"IPFS_SSH_CONTROL_PERSIST", "60"},
      {"IPFS_SSH_CONTROL_DIR", ""},
      {"IPFS_REMOTE_DIR", "/var/tmp/one"},
      {"IPFS_HOST_API", "/ip4/127.0.0.1/tcp/5001"},
      {"IPFS_FRONTEND_SWARM", ""},
      // peer-to-peer distribution between hosts (providers.h, host_ops.h)
      {"IPFS_P2P_PEERS", "3"},
      {"IPFS_P2P_STALL", "10"},
      {"IPFS_PROVIDER_TTL", "604800"},
      {"IPFS_HOST_CACHE_MB", "10240"},
      {"IPFS_FETCH_STREAMS", "4"},
      {"IPFS_HOST_MFS_LOCK", ""},
      {"IPFS_TM_DATASTORE", "auto"},
      {"IPFS_LIBVIRT_URI", "qemu:///system"},
  };
  return kDefaults;
}

bool Config::IsKnownKey(std::string_view key) {
  for (const auto& [k, v] : Defaults())
    if (k == key) return true;
  return false;
}

Config::Config() {
  for (const auto& [k, v] : Defaults()) values_[k] = Entry{v, "default"};
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
  values_[std::string(key)] = Entry{std::move(value), std::move(origin)};
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
  for (const auto& [k, v] : Defaults())
    if (k == key) fallback = static_cast<long>(ParseCount(v, std::numeric_limits<long>::max()).value_or(300));
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
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#') continue;
    size_t eq = t.find('=');
    std::string key = eq == std::string::npos ? "" : Trim(t.substr(0, eq));
    bool key_ok = !key.empty();
    for (char c : key)
      if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
        key_ok = false;
    if (!key_ok)
      return Status::Invalid(fmt::format("{} line {}: expected KEY = VALUE, got '{}'", name, lineno, t));
    std::string value = Trim(t.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    out.emplace_back(key, value);
  }
  return out;
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
  for (const auto& [k, v] : src.ds_template)
    if (IsKnownKey(k) && !v.empty()) cfg.Set(k, v, "datastore template");
  if (src.getenv) {
    for (const auto& [k, def] : Defaults()) {
      const char* v = src.getenv(k.c_str());
      if (v && *v) cfg.Set(k, v, "environment");
    }
  }
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
