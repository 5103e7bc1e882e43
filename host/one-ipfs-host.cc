// one-ipfs-host: the piece of one-ipfs that runs on a hypervisor host.
//
// Installed with the transfer actions in <remotes>/tm/ipfs/, so `onehost
// sync` puts it on every host (default /var/tmp/one/tm/ipfs/one-ipfs-host).
// The front end runs it over ssh with argv only; it talks to the host's OWN
// IPFS daemon on loopback (IPFS_HOST_API, default /ip4/127.0.0.1/tcp/5001;
// IPFS_API_AUTH and IPFS_TIMEOUT as on the front end).
//
//   one-ipfs-host version
//   one-ipfs-host fetch <cid> <bytes> <dst> [<peer multiaddr>...]
//       connect the host daemon to the given peers (the front end), stream
//       the content into <dst> atomically (temporary file beside it, sparse,
//       byte count checked, fsync, rename; see disk_writer.h). When <cid> is
//       exactly the UnixFS DAG of <bytes> zero bytes (zero_dag.h: an empty
//       datablock from mkfs; only the root block is read), <dst> becomes a
//       sparse file of that size without reading any zeros.
//       Anything else, or any doubt, streams the content with `cat`.
//   one-ipfs-host probe <cid>|- [<peer multiaddr>...]
//       for one-ipfs-doctor: connect to the peers, read <cid> (at most
//       16 MiB) into memory, never onto disk; prints one JSON line
//       {"helper":..., "daemon":..., "peer":..., "connected":[...],
//        "connect_errors":[...], "bytes":..., "sha1":...} ("-": no read).
//   one-ipfs-host add <path>
//       add a disk file to the host daemon under a temporary pin
//       (content_hold.h); prints one JSON line {"cid":..., "bytes":...,
//       "peer":..., "addresses":[...], "hold":...} so the front end can
//       connect to this daemon and fetch the blocks. The pin ("hold") stays
//       until the front end has every block and runs `release`.
//   one-ipfs-host release <hold root>
//       unpin a hold made by `add` ("not pinned" is not an error).
//
// Exit status: 0 ok; 3 the host's IPFS daemon cannot be reached (the front
// end then streams over ssh instead); 1 any other failure, with one plain
// stderr line. Progress goes to stderr as "INFO: one-ipfs-host: ..." lines.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/config.h"
#include "common/digest.h"
#include "common/disk_writer.h"
#include "common/driver.h"
#include "common/host_ops.h"
#include "common/importer.h"
#include "common/ipfs.h"
#include "common/log.h"
#include "common/number.h"
#include "common/zero_dag.h"

namespace oneipfs {
namespace {

const char* kUsage =
    "Usage: one-ipfs-host version\n"
    "       one-ipfs-host fetch <cid> <bytes> <dst> [<peer multiaddr>...]\n"
    "       one-ipfs-host add <path>\n"
    "       one-ipfs-host release <hold root>\n"
    "       one-ipfs-host probe <cid>|- [<peer multiaddr>...]\n"
    "Runs on a hypervisor host; talks to the host's own IPFS daemon at IPFS_HOST_API\n"
    "(default /ip4/127.0.0.1/tcp/5001). Exit 3 when that daemon is not reachable.\n";

int Fail(const Status& st) {
  PrintFailure(fmt::format("one-ipfs-host on {}: {}", [] {
    char h[256] = {0};
    ::gethostname(h, sizeof(h) - 1);
    return std::string(h);
  }(), st.message()), false);
  return st.code() == Status::Code::kUnavailable ? kHelperExitNoDaemon : 1;
}

Result<std::unique_ptr<IpfsClient>> HostClient() {
  Config::Sources src;
  src.getenv = std::getenv;
  ASSIGN_OR_RETURN(Config cfg, Config::Load(src));
  return MakeIpfsClient(cfg, "IPFS_HOST_API");
}

// The host's daemon, reachable (its version read), connected to the front
// end's addresses: what fetch and probe both start from. A peer that cannot
// be connected is not fatal (the daemon may find the blocks elsewhere); it
// is reported in `failed` as (address, why).
struct HostDaemon {
  std::unique_ptr<IpfsClient> ipfs;
  std::string version;
  std::vector<std::string> connected;
  std::vector<std::pair<std::string, std::string>> failed;
};

Result<HostDaemon> OpenHostDaemon(const std::vector<std::string>& peers) {
  HostDaemon host;
  ASSIGN_OR_RETURN(host.ipfs, HostClient());
  ASSIGN_OR_RETURN(host.version, host.ipfs->Version());
  for (const auto& peer : peers) {
    Status st = host.ipfs->SwarmConnect(peer);
    if (st.ok()) host.connected.push_back(peer);
    else host.failed.emplace_back(peer, st.message());
  }
  return host;
}

// True when /ipfs/<cid> is the zero DAG of `bytes` bytes (zero_dag.h). Any
// failure means "not known": the caller streams the content instead.
bool KnownAllZero(IpfsClient& ipfs, const std::string& cid, std::uint64_t bytes, const Log& log) {
  auto zero = IsZeroContent(ipfs, cid, bytes);
  if (!zero.ok()) {
    log.Info(fmt::format("cannot read the root block of /ipfs/{} ({}): streaming it", cid, zero.status().message()));
    return false;
  }
  return *zero;
}

int Fetch(const std::vector<std::string>& a, const Log& log) {
  if (a.size() < 5) return Fail(Status::Invalid("fetch needs <cid> <bytes> <dst>"));
  const std::string& cid = a[2];
  auto parsed = ParseCount(a[3]);
  if (!parsed) return Fail(Status::Invalid(fmt::format("'{}' is not a byte count", a[3])));
  const std::uint64_t bytes = *parsed;
  const std::string& dst = a[4];
  if (dst.empty() || dst[0] != '/') return Fail(Status::Invalid(fmt::format("'{}' is not an absolute path", dst)));

  auto host = OpenHostDaemon({a.begin() + 5, a.end()});
  if (!host.ok()) return Fail(host.status());
  for (const auto& [peer, why] : host->failed) log.Info(fmt::format("cannot connect to {}: {}", peer, why));
  auto& ipfs = host->ipfs;
  auto writer = AtomicDiskWriter::Create(dst);
  if (!writer.ok()) return Fail(writer.status());
  auto started = std::chrono::steady_clock::now();
  if (KnownAllZero(*ipfs, cid, bytes, log)) {
    Status st = (*writer)->WriteZeros(bytes);
    if (st.ok()) st = (*writer)->Commit(bytes);
    if (!st.ok()) return Fail(st);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log.Info(fmt::format("{} written from /ipfs/{} as a sparse file: all {} are zeros ({:.1f} s)", dst, cid,
                         HumanBytes(bytes), secs));
    return 0;
  }
  auto last = started;
  Status st = ipfs->Cat("/ipfs/" + cid, 0, std::nullopt, [&](std::string_view chunk) {
    auto now = std::chrono::steady_clock::now();
    if (now - last >= std::chrono::seconds(5)) {
      last = now;
      log.Info(fmt::format("{}: {} of {}", dst, HumanBytes((*writer)->written()), HumanBytes(bytes)));
    }
    return (*writer)->Write(chunk);
  });
  if (!st.ok()) return Fail(st.Prefixed(fmt::format("fetching /ipfs/{} into {}", cid, dst)));
  st = (*writer)->Commit(bytes);
  if (!st.ok()) return Fail(st);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log.Info(fmt::format("{} written from /ipfs/{} ({}, {:.1f} s)", dst, cid, HumanBytes(bytes), secs));
  return 0;
}

int Add(const std::vector<std::string>& a, const Log& log) {
  if (a.size() != 3) return Fail(Status::Invalid("add needs <path>"));
  const std::string& path = a[2];
  auto ipfs = HostClient();
  if (!ipfs.ok()) return Fail(ipfs.status());
  auto id = (*ipfs)->Id();
  if (!id.ok()) return Fail(id.status());
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(Status::Io(fmt::format("cannot open {}", path)));
  struct stat sb {};
  ::fstat(fd, &sb);
  auto added = Import(**ipfs, path.substr(path.rfind('/') + 1), FileSource(fd),
                      static_cast<std::uint64_t>(sb.st_size), log);
  ::close(fd);
  if (!added.ok()) return Fail(added.status().Prefixed(fmt::format("adding {}", path)));
  if (added->bytes != static_cast<std::uint64_t>(sb.st_size))
    return Fail(Status::Io(fmt::format("{} changed while it was added", path)));
  // The host's hold stays pinned until the front end has fetched every block
  // and runs `release`.
  std::string hold = added->hold ? added->hold->Detach() : std::string();
  nlohmann::json out = {{"cid", added->cid},   {"bytes", added->bytes}, {"peer", id->id},
                        {"addresses", id->addresses}, {"hold", hold}};
  std::cout << out.dump() << "\n";
  return 0;
}

int Release(const std::vector<std::string>& a) {
  if (a.size() != 3) return Fail(Status::Invalid("release needs <hold root>"));
  auto ipfs = HostClient();
  if (!ipfs.ok()) return Fail(ipfs.status());
  auto r = (*ipfs)->PinRm(a[2]);
  if (!r.ok()) return Fail(r.status());
  return 0;
}

int Probe(const std::vector<std::string>& a) {
  if (a.size() < 3) return Fail(Status::Invalid("probe needs <cid> or -"));
  auto host = OpenHostDaemon({a.begin() + 3, a.end()});
  if (!host.ok()) return Fail(host.status());
  auto& ipfs = host->ipfs;
  auto id = ipfs->Id();
  if (!id.ok()) return Fail(id.status());
  nlohmann::json out = {{"helper", ONEIPFS_VERSION}, {"daemon", host->version}, {"peer", id->id},
                        {"connected", host->connected}, {"connect_errors", nlohmann::json::array()}};
  for (const auto& failed : host->failed) out["connect_errors"].push_back(failed.second);
  if (a[2] != "-") {
    constexpr std::uint64_t kMax = 16 << 20;
    Digests digests;
    std::uint64_t bytes = 0;
    Status st = ipfs->Cat("/ipfs/" + a[2], 0, kMax, [&](std::string_view chunk) {
      digests.Update(chunk);
      bytes += chunk.size();
      return Status::Ok();
    });
    if (!st.ok()) return Fail(st.Prefixed(fmt::format("reading /ipfs/{}", a[2])));
    digests.Finish();
    out["bytes"] = bytes;
    out["sha1"] = digests.sha1();
  }
  std::cout << out.dump() << "\n";
  return 0;
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  std::signal(SIGPIPE, SIG_IGN);
  if (HandleHelpVersion("one-ipfs-host", kUsage, argc, argv)) return 0;
  std::vector<std::string> a(argv, argv + argc);
  Log log("one-ipfs-host");
  if (a.size() >= 2 && a[1] == "version") {
    std::cout << ONEIPFS_VERSION << "\n";
    return 0;
  }
  if (a.size() >= 2 && a[1] == "fetch") return Fetch(a, log);
  if (a.size() >= 2 && a[1] == "add") return Add(a, log);
  if (a.size() >= 2 && a[1] == "probe") return Probe(a);
  if (a.size() >= 2 && a[1] == "release") return Release(a);
  std::cerr << kUsage;
  return 1;
}
