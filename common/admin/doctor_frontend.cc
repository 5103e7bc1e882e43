// doctor_frontend.cc: one-ipfs-doctor's checks of the front end (see
// doctor.h): ipfs.conf, the daemon and its kind, GC safety, StorageMax, the
// API's exposure, the installed actions, the oned.conf registration and the
// catalog's own checks.
#include "common/admin/doctor.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <tinyxml2.h>

#include "common/catalog/catalog.h"
#include "common/catalog/history.h"
#include "common/catalog/history_background.h"
#include "common/catalog/retention.h"
#include "common/base/digest.h"
#include "common/deploy/host_ops.h"
#include "common/ipfs/http.h"
#include "common/base/log.h"
#include "common/one/oned_conf.h"
#include "common/admin/doctor_market.h"
#include "common/base/text.h"

namespace oneipfs {
namespace {

void CheckConfiguration(const FrontEndFacts& facts, const Config& config, Report& r) {
  struct stat sb {};
  if (facts.conf_path.empty() || ::stat(facts.conf_path.c_str(), &sb) != 0) {
    r.Warn(kFrontEnd, "configuration", fmt::format("no ipfs.conf at '{}': built-in defaults", facts.conf_path),
           "install it with `make install` (or the package) or point ONE_IPFS_CONF at it");
    return;
  }
  std::string detail = facts.conf_path;
  for (const auto& w : config.warnings()) detail += "; " + w;
  if (config.warnings().empty()) r.Pass(kFrontEnd, "configuration", detail);
  else r.Warn(kFrontEnd, "configuration", detail, "remove or correct the unknown keys (README.md lists every key)");
}

bool CheckDaemon(const Config& config, IpfsClient& ipfs, Report& r) {
  auto version = ipfs.Version();
  if (version.ok()) {
    r.Pass(kFrontEnd, "IPFS daemon", fmt::format("version {} at {} (IPFS_API from {})", *version, ipfs.Address(),
                                                 config.Origin("IPFS_API")));
    return true;
  }
  const std::string& msg = version.status().message();
  std::string fix = "start the front end's IPFS daemon (e.g. `systemctl start ipfs`) or set IPFS_API in ipfs.conf";
  if (msg.find("401") != std::string::npos || msg.find("403") != std::string::npos ||
      msg.find("uthoriz") != std::string::npos)
    fix = "set IPFS_API_AUTH in ipfs.conf to a secret the daemon's API.Authorizations accepts";
  else if (version.status().code() == Status::Code::kTimeout)
    fix = "the daemon accepts connections but does not answer: restart it and check its log";
  r.Fail(kFrontEnd, "IPFS daemon", msg, fix);
  return false;
}

// The configured address, and the addresses the daemon says its API listens on.
void CheckApiExposure(const Config& config, IpfsClient& ipfs, bool daemon_up, Report& r) {
  std::vector<std::string> exposed;
  auto host = ApiAddressHost(config.Get("IPFS_API"));
  if (host.ok() && !IsLoopbackHost(*host)) exposed.push_back(fmt::format("IPFS_API {}", config.Get("IPFS_API")));
  std::string listening = "unknown";
  if (daemon_up) {
    auto body = ipfs.Call("config", {{"arg", "Addresses.API"}});
    if (body.ok()) {
      try {
        auto value = nlohmann::json::parse(*body).at("Value");
        std::vector<std::string> addrs;
        if (value.is_string()) addrs.push_back(value.get<std::string>());
        else
          for (const auto& a : value) addrs.push_back(a.get<std::string>());
        listening = fmt::format("{}", fmt::join(addrs, " "));
        for (const auto& a : addrs) {
          auto h = ApiAddressHost(a);
          if (h.ok() && !IsLoopbackHost(*h)) exposed.push_back(fmt::format("the daemon's API listens on {}", a));
        }
      } catch (const std::exception&) {
        listening = "unreadable reply to config Addresses.API";
      }
    }
  }
  if (exposed.empty()) {
    r.Pass(kFrontEnd, "API on loopback only", fmt::format("API listens on {}", listening));
    return;
  }
  std::string detail = fmt::format("{}", fmt::join(exposed, "; "));
  std::string fix =
      "the RPC API is an admin interface: set the daemon's Addresses.API to /ip4/127.0.0.1/tcp/5001 "
      "(hosts reach the front end through the swarm port, not the API)";
  if (config.Get("IPFS_API_AUTH").empty()) r.Fail(kFrontEnd, "API on loopback only", detail, fix);
  else r.Warn(kFrontEnd, "API on loopback only", detail + " (auth is configured)", fix);
}

void CheckActions(const FrontEndFacts& facts, Report& r) {
  std::vector<std::string> missing;
  auto scan = [&](const char* kind, const std::vector<std::string>& actions) {
    for (const auto& a : actions) {
      std::string p = fmt::format("{}/{}/ipfs/{}", facts.remotes, kind, a);
      if (::access(p.c_str(), X_OK) != 0) missing.push_back(fmt::format("{}/ipfs/{}", kind, a));
    }
  };
  scan("datastore", facts.ds_actions);
  scan("tm", facts.tm_actions);
  scan("tm", {"one-ipfs-host"});
  std::size_t total = facts.ds_actions.size() + facts.tm_actions.size() + 1;
  if (missing.empty()) {
    r.Pass(kFrontEnd, "actions installed", fmt::format("{} executables in {}", total, facts.remotes));
    return;
  }
  std::string list;
  for (std::size_t i = 0; i < missing.size() && i < 4; ++i) list += (i ? ", " : "") + missing[i];
  if (missing.size() > 4) list += fmt::format(" and {} more", missing.size() - 4);
  r.Fail(kFrontEnd, "actions installed", fmt::format("missing or not executable in {}: {}", facts.remotes, list),
         "run `make install` (or install the package) as root; with a self-contained OpenNebula set ONE_LOCATION "
         "first, or pass --remotes");
}

void CheckOnedConf(const FrontEndFacts& facts, Report& r) {
  if (facts.oned_conf.empty()) return;
  std::ifstream f(facts.oned_conf);
  if (!f) {
    r.Fail(kFrontEnd, "oned.conf registration", fmt::format("cannot read {}", facts.oned_conf),
           "pass --oned-conf PATH (default /etc/one/oned.conf, $ONE_LOCATION/etc/oned.conf) or run as oneadmin/root");
    return;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  auto reg = InspectOnedConf(ss.str());
  if (!reg.ok()) {
    r.Fail(kFrontEnd, "oned.conf registration", fmt::format("{}: {}", facts.oned_conf, reg.status().message()),
           "fix the syntax error oned itself would refuse, then run one-ipfs-register");
    return;
  }
  std::vector<std::string> missing;
  if (!reg->datastore_mad_listed) missing.push_back("ipfs in DATASTORE_MAD -d");
  if (!reg->tm_mad_listed) missing.push_back("ipfs in TM_MAD -d");
  if (!reg->ds_mad_conf) missing.push_back("DS_MAD_CONF ipfs");
  if (!reg->tm_mad_conf) missing.push_back("TM_MAD_CONF ipfs");
  if (missing.empty()) {
    r.Pass(kFrontEnd, "oned.conf registration", facts.oned_conf);
    return;
  }
  r.Fail(kFrontEnd, "oned.conf registration", fmt::format("{} lacks {}", facts.oned_conf, fmt::join(missing, ", ")),
         "run `one-ipfs-register` (it keeps a backup), then restart oned; otherwise oned says "
         "\"driver 'ipfs' not available\"");
}

// Bytes referenced by every datastore of the catalog (all versions).
Result<std::uint64_t> CatalogBytes(IpfsClient& ipfs, const std::string& root) {
  auto datastores = ipfs.FilesLs(root);
  if (!datastores.ok()) {
    if (datastores.status().code() == Status::Code::kNotFound) return std::uint64_t{0};
    return datastores.status();
  }
  Catalog catalog(ipfs, root);
  std::uint64_t total = 0;
  for (const auto& ds : *datastores) {
    if (!ds.is_dir || ds.name.starts_with(".")) continue;  // .providers (providers.h) is no datastore
    ASSIGN_OR_RETURN(std::uint64_t bytes, catalog.DatastoreBytes(ds.name));
    total += bytes;
  }
  return total;
}

// Daemon kind, version and GC; StorageMax against the catalog.
void CheckDaemonDetails(const Config& config, IpfsClient& ipfs, Report& r) {
  auto version = ipfs.Version();
  auto id = ipfs.Id();
  CheckDaemonKind(ClassifyDaemon(version.ok() ? *version : "", id.ok() ? id->agent_version : ""),
                  DetectAutoGc(ProcessCommandLines()), r);
  CheckP2pSettings(kFrontEnd, ReadP2pSettings(ipfs), r);

  auto repo = ipfs.GetRepoStat(/*size_only=*/true);
  auto bytes = CatalogBytes(ipfs, config.Get("IPFS_CATALOG"));
  if (!repo.ok() || !bytes.ok()) {
    r.Warn(kFrontEnd, "StorageMax",
           fmt::format("cannot compare: {}", (!repo.ok() ? repo.status() : bytes.status()).message()),
           "check the daemon's log; `ipfs repo stat --size-only` and `ipfs files ls " + config.Get("IPFS_CATALOG") +
               "` must answer");
    return;
  }
  CheckStorageMax(*repo, *bytes, r);
}


}  // namespace

bool IsLoopbackHost(std::string_view host) {
  if (host.empty() || host == "::1" || host == "[::1]") return true;
  std::string lower = Lower(host);
  if (lower == "localhost" || lower == "localhost.") return true;
  if (!lower.starts_with("127.")) return false;
  int dots = 0;
  for (char c : lower) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3;
}

Result<std::string> ApiAddressHost(std::string_view address) {
  ASSIGN_OR_RETURN(ApiEndpoint ep, ParseApiAddress(address));
  if (!ep.unix_socket.empty()) return std::string();
  std::string_view url = ep.base_url;
  std::size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  if (rest.starts_with('[')) return std::string(rest.substr(0, rest.find(']') + 1));
  return std::string(rest.substr(0, rest.rfind(':') == std::string_view::npos ? rest.size() : rest.rfind(':')));
}

DaemonKind ClassifyDaemon(std::string_view version, std::string_view agent_version) {
  DaemonKind d;
  std::string agent = Lower(agent_version);
  if (agent.starts_with("kubo/") || agent.starts_with("go-ipfs/")) d.kind = "kubo";
  else if (agent.starts_with("js-ipfs/")) d.kind = "js-ipfs";
  d.version = std::string(version);
  if (d.version.empty()) {  // the version from the agent: "kubo/0.29.0/abc"
    auto parts = Split(agent_version, '/');
    if (parts.size() >= 2) d.version = std::string(parts[1]);
  }
  std::string_view v = d.version;
  if (!v.empty() && (v[0] == 'v' || v[0] == 'V')) v.remove_prefix(1);
  int nums[2] = {0, 0};
  std::size_t i = 0;
  for (int k = 0; k < 2; ++k) {
    std::size_t start = i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9' && i - start < 6) nums[k] = nums[k] * 10 + (v[i++] - '0');
    if (i == start) return d;
    if (k == 0) {
      if (i >= v.size() || v[i] != '.') return d;
      ++i;
    }
  }
  d.parsed = true;
  d.major = nums[0];
  d.minor = nums[1];
  return d;
}

AutoGc DetectAutoGc(const std::vector<std::vector<std::string>>& cmdlines) {
  bool seen = false;
  for (const auto& argv : cmdlines) {
    if (argv.size() < 2) continue;
    std::string_view exe = argv[0];
    if (auto slash = exe.rfind('/'); slash != std::string_view::npos) exe.remove_prefix(slash + 1);
    if (exe != "ipfs" && exe != "kubo") continue;
    if (std::find(argv.begin() + 1, argv.end(), "daemon") == argv.end()) continue;
    seen = true;
    for (const auto& a : argv)
      if (a == "--enable-gc" || a == "--enable-gc=true" || a == "-enable-gc") return AutoGc::kOn;
  }
  return seen ? AutoGc::kOff : AutoGc::kUnknown;
}

std::optional<std::vector<std::string>> ReadCmdline(int fd) {
  // POSIX reads, not an ifstream: a process that exits between open and
  // read fails the read with ESRCH, which libstdc++'s filebuf throws out of
  // istreambuf_iterator. Here that is "no command line", and fd stays open.
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) raw.append(buf, static_cast<std::size_t>(n));
  if (n < 0) return std::nullopt;
  std::vector<std::string> argv;
  for (std::size_t i = 0, j; i < raw.size(); i = j + 1) {
    j = raw.find('\0', i);
    if (j == std::string::npos) j = raw.size();
    argv.push_back(raw.substr(i, j - i));
  }
  return argv;
}

std::vector<std::vector<std::string>> ProcessCommandLines() {
  std::vector<std::vector<std::string>> out;
  DIR* proc = ::opendir("/proc");
  if (!proc) return out;
  while (const dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    int fd = ::open(fmt::format("/proc/{}/cmdline", e->d_name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    auto argv = ReadCmdline(fd);
    ::close(fd);
    if (argv && !argv->empty()) out.push_back(std::move(*argv));
  }
  ::closedir(proc);
  return out;
}

void CheckDaemonKind(const DaemonKind& d, AutoGc gc, Report& r) {
  const char* kGcRow = "GC vs MFS (kubo #10842)";
  std::string what = d.kind == "unknown" ? fmt::format("unknown implementation, version {}", d.version)
                                         : fmt::format("{} {}", d.kind, d.version);
  if (d.kind == "kubo") {
    if (d.parsed && (d.major > 0 || d.minor >= 28)) r.Pass(kFrontEnd, "daemon kind", what);
    else
      r.Warn(kFrontEnd, "daemon kind", what + " (one-ipfs needs kubo 0.28 or later)", "upgrade kubo to 0.43 or later");
  } else if (d.kind == "js-ipfs") {
    r.Pass(kFrontEnd, "daemon kind", what + " (the test daemon; production target: kubo 0.43 or later)");
  } else {
    r.Warn(kFrontEnd, "daemon kind", what, "one-ipfs is tested with kubo and js-ipfs; use kubo 0.43 or later");
  }

  if (d.kind != "kubo") return;
  if (!d.KuboBefore(0, 43)) {
    r.Pass(kFrontEnd, kGcRow, fmt::format("kubo {}: GC and MFS writes are safe together (fixed in 0.43)", d.version));
    return;
  }
  const std::string fix =
      "upgrade kubo to 0.43 or later, or turn automatic GC off: run the daemon without --enable-gc and do not run "
      "`ipfs repo gc` while the drivers run";
  const std::string risk = fmt::format(
      "kubo {} before 0.43: a repo gc concurrent with MFS writes can delete MFS directory nodes (catalog entries "
      "become unreadable)",
      d.version);
  switch (gc) {
    case AutoGc::kOn: r.Fail(kFrontEnd, kGcRow, risk + "; the daemon runs with --enable-gc", fix); break;
    case AutoGc::kUnknown:
      r.Warn(kFrontEnd, kGcRow, risk + "; cannot see whether the daemon runs with --enable-gc (no `ipfs daemon` "
                                      "process visible here)",
             fix);
      break;
    case AutoGc::kOff:
      r.Pass(kFrontEnd, kGcRow, risk + "; automatic GC is off (no --enable-gc): never run `ipfs repo gc` while the "
                                      "drivers run");
      break;
  }
}

void CheckStorageMax(const RepoStat& repo, std::uint64_t catalog_bytes, Report& r) {
  if (!repo.storage_max_limited()) {
    r.Pass(kFrontEnd, "StorageMax", fmt::format("no StorageMax; the catalog references {}", HumanBytes(catalog_bytes)));
    return;
  }
  std::string detail = fmt::format("StorageMax {}, the catalog references {}, the repository holds {}",
                                   HumanBytes(repo.storage_max), HumanBytes(catalog_bytes), HumanBytes(repo.repo_size));
  if (repo.storage_max >= catalog_bytes) {
    r.Pass(kFrontEnd, "StorageMax", detail);
    return;
  }
  r.Warn(kFrontEnd, "StorageMax", detail + ": below the registered content",
         "raise it above the registered content with room to grow (`ipfs config Datastore.StorageMax 500GB`, then "
         "restart the daemon): kubo's GC runs whenever the repository passes it and frees nothing the catalog holds; "
         "monitor's FREE_MB comes from the file system, not StorageMax");
}

void CheckCatalogFsck(const Result<FsckReport>& fsck, Report& r) {
  const std::string fix_run = "run `one-ipfs-fsck` to list the findings, `one-ipfs-fsck --repair` to repair them";
  if (!fsck.ok()) {
    r.Warn(kFrontEnd, "catalog (fsck)", fmt::format("cannot check the catalog: {}", fsck.status().message()),
           "check the front-end daemon; then " + fix_run);
    return;
  }
  std::map<std::string, std::size_t> open;
  bool not_local = false;
  for (const auto& f : fsck->findings) {
    if (f.repaired) continue;
    ++open[std::string(FsckKindName(f.kind))];
    not_local = not_local || f.kind == FsckFinding::Kind::kNotLocal;
  }
  if (open.empty()) {
    r.Pass(kFrontEnd, "catalog (fsck)",
           fmt::format("{} entries, {} versions: nothing found (orphans: see one-ipfs-fsck)", fsck->entries,
                       fsck->versions));
    return;
  }
  std::vector<std::string> parts;
  for (const auto& [kind, n] : open) parts.push_back(fmt::format("{} {}", n, kind));
  std::string detail = fmt::format("{} entries, {} versions: {}", fsck->entries, fsck->versions,
                                   fmt::join(parts, ", "));
  if (not_local)
    r.Fail(kFrontEnd, "catalog (fsck)", detail,
           "content of registered images is not all in the front-end daemon: " + fix_run +
               " (it fetches what any peer still has)");
  else
    r.Warn(kFrontEnd, "catalog (fsck)", detail, fix_run);
}

bool CheckFrontEnd(const FrontEndFacts& facts, const Config& config, IpfsClient& ipfs, Report& report) {
  CheckConfiguration(facts, config, report);
  bool up = CheckDaemon(config, ipfs, report);
  if (up) CheckDaemonDetails(config, ipfs, report);
  if (up) {
    FsckOptions options;  // read only; no orphan check
    options.local_timeout = std::chrono::seconds(10);
    std::int64_t grace = DeleteGrace(config);
    options.delete_grace = grace;
    CheckCatalogFsck(RunFsck(ipfs, config.Get("IPFS_CATALOG"), options, Log("one-ipfs-doctor")), report);
    CheckDeletedArea(MeasureDeletedArea(ipfs, config.Get("IPFS_CATALOG"), grace,
                                        static_cast<std::int64_t>(std::time(nullptr))),
                     grace, report);
  }
  {
    std::string root = HistorySettingsFrom(config).spool_root;
    CheckHistorySpool(MeasureHistorySpool(root, UnixNowNs()), root, report);
  }
  CheckApiExposure(config, ipfs, up, report);
  CheckActions(facts, report);
  CheckOnedConf(facts, report);
  CheckMarketplaces(facts, config, ipfs, up, up ? ListOnedMarketplaces() : Status::NotFound("no daemon"), report);
  return up;
}

}  // namespace oneipfs
