// one-ipfs-host: the piece of one-ipfs that runs on a hypervisor host.
//
// Installed with the transfer actions in <remotes>/tm/ipfs/, so `onehost
// sync` puts it on every host (default /var/tmp/one/tm/ipfs/one-ipfs-host).
// The front end runs it over ssh with argv only; it talks to the host's OWN
// IPFS daemon on loopback (IPFS_HOST_API, default /ip4/127.0.0.1/tcp/5001;
// IPFS_API_AUTH and IPFS_TIMEOUT as on the front end).
//
//   one-ipfs-host version
//   one-ipfs-host fetch <cid> <bytes> <dst> [--peer <multiaddr>]... [--spare <peer id>]...
//                       [--stall <s>] [--cache-mb <n>] [--streams <n>] [--mfs-lock <file>]
//                       [--rest-on-stdin] [--deputy] [<front-end multiaddr>...]
//       (--rest-on-stdin: after its first calls, read one line from stdin,
//       a JSON array of further arguments (the front end's --peer, --spare,
//       --stall, --deputy and addresses, known only after the helper was
//       started), or null: stop, having written nothing; --deputy: at the
//       first stall the front end rather than the next --peer host, as the
//       first follower of a lead, whom the other followers ask next,
//       providers.h IsDeputy)
//       connect the host daemon to ONE of the --peer hosts (other hosts
//       that hold or fetch the content, best first: the first that
//       connects) and close its connections to the other ones, to the
//       --spare peers (other hosts with the content) and to the front end
//       (peer_sources.h); after <s> seconds (default 10) without
//       progress the next --peer host, after the last the front end; the
//       front end at once when no peer connects (INFO lines say so;
//       progress: a byte written, or a change of the daemon's bitswap
//       wantlist or of a peer's, providers.h ProgressClock);
//       none of them when the host cache (with --cache-mb > 0) holds <cid>,
//       which is then fully local. Then stream
//       the content into <dst> atomically (temporary file beside it, sparse,
//       byte count checked, fsync, rename; see disk_writer.h). When <cid> is
//       exactly the UnixFS DAG of <bytes> zero bytes (zero_dag.h: an empty
//       datablock from mkfs; only the root block is read), <dst> becomes a
//       sparse file of that size without reading any zeros.
//       Anything else, or any doubt, streams the content with `cat`: in up
//       to --streams (default 1, at most 16) concurrent byte ranges of at
//       least 32 MiB each (range_fetch.h).
//       With --cache-mb > 0 the content is then kept in the host daemon's
//       MFS cache within that budget (host_cache.h); its MFS writes hold
//       <file> (--mfs-lock) shared, so a `flock <file> ipfs repo gc` on the
//       host never runs beside them. Prints one JSON line
//       {"peer":..., "addresses":[...], "held":..., "frontend":...,
//        "evicted":[...]} for the front end's provider records.
//   one-ipfs-host cached
//       prints one JSON line {"cids":[...]}: the CIDs in the host cache.
//   one-ipfs-host probe <cid>|- [<peer multiaddr>...]
//       for one-ipfs-doctor: connect to the peers, read <cid> (at most
//       16 MiB) into memory, never onto disk; prints one JSON line
//       {"helper":..., "daemon":..., "peer":..., "addresses":[...], "connected":[...],
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

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/one/config.h"
#include "common/base/digest.h"
#include "common/base/disk_writer.h"
#include "common/one/driver.h"
#include "common/deploy/host_cache.h"
#include "common/deploy/host_ops.h"
#include "common/catalog/importer.h"
#include "common/ipfs/ipfs.h"
#include "common/ipfs/p2p_settings.h"
#include "common/base/log.h"
#include "common/base/number.h"
#include "common/deploy/peer_sources.h"
#include "common/catalog/providers.h"
#include "common/ipfs/range_fetch.h"
#include "common/ipfs/zero_dag.h"

namespace oneipfs {
namespace {

const char* kUsage =
    "Usage: one-ipfs-host version\n"
    "       one-ipfs-host fetch <cid> <bytes> <dst> [--peer <multiaddr>]... [--spare <peer id>]... [--stall <s>]\n"
    "                           [--cache-mb <n>] [--streams <n>] [--mfs-lock <file>] [--rest-on-stdin] [--deputy]\n"
    "                           [<front-end multiaddr>...]\n"
    "       one-ipfs-host cached\n"
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

// fetch's options before the front end's addresses.
struct FetchArgs {
  std::string cid;
  std::uint64_t bytes = 0;
  std::string dst;
  std::vector<std::string> peers;     // --peer: other hosts (providers.h)
  std::vector<std::string> spares;    // --spare: peer ids of the other hosts with the CID
  std::vector<std::string> frontend;  // positional: the front end
  long stall_s = 10;                  // --stall
  std::uint64_t cache_bytes = 0;      // --cache-mb (0: no cache)
  unsigned streams = 1;               // --streams: concurrent range cats (range_fetch.h)
  std::string mfs_lock;               // --mfs-lock: the host's MFS lock file (host_cache.h)
  bool rest_on_stdin = false;         // --rest-on-stdin: more arguments follow on stdin
  bool deputy = false;                // --deputy: the front end at the first stall (providers.h IsDeputy)
};

// The options and front-end addresses of `a` from index `from` on, into `f`.
Status ParseFetchOptions(const std::vector<std::string>& a, std::size_t from, FetchArgs& f) {
  for (size_t i = from; i < a.size(); ++i) {
    const std::string& o = a[i];
    if (o == "--rest-on-stdin" || o == "--deputy") {
      (o == "--deputy" ? f.deputy : f.rest_on_stdin) = true;
      continue;
    }
    if (o == "--peer" || o == "--spare" || o == "--stall" || o == "--cache-mb" || o == "--streams" ||
        o == "--mfs-lock") {
      if (i + 1 >= a.size()) return Status::Invalid(fmt::format("{} needs a value", o));
      const std::string& v = a[++i];
      if (o == "--peer" || o == "--spare") {
        (o == "--peer" ? f.peers : f.spares).push_back(v);
        continue;
      }
      if (o == "--mfs-lock") {
        if (v.empty() || v[0] != '/') return Status::Invalid(fmt::format("--mfs-lock '{}' is not an absolute path", v));
        f.mfs_lock = v;
        continue;
      }
      auto n = ParseCount(v);
      if (!n) return Status::Invalid(fmt::format("{} '{}' is not a number", o, v));
      if (o == "--stall") f.stall_s = static_cast<long>(std::min<std::uint64_t>(*n, 86400));
      else if (o == "--streams") f.streams = static_cast<unsigned>(std::clamp<std::uint64_t>(*n, 1, 16));
      else f.cache_bytes = *n * 1048576;
    } else if (o.rfind("--", 0) == 0) {
      return Status::Invalid(fmt::format("unknown fetch option {}", o));
    } else {
      f.frontend.push_back(o);
    }
  }
  return Status::Ok();
}

Result<FetchArgs> ParseFetchArgs(const std::vector<std::string>& a) {
  if (a.size() < 5) return Status::Invalid("fetch needs <cid> <bytes> <dst>");
  FetchArgs f;
  f.cid = a[2];
  auto parsed = ParseCount(a[3]);
  if (!parsed) return Status::Invalid(fmt::format("'{}' is not a byte count", a[3]));
  f.bytes = *parsed;
  f.dst = a[4];
  if (f.dst.empty() || f.dst[0] != '/') return Status::Invalid(fmt::format("'{}' is not an absolute path", f.dst));
  RETURN_IF_ERROR(ParseFetchOptions(a, 5, f));
  return f;
}

// Connects the host daemon to the front end from whichever thread needs it
// (the watchdog after each stall, or the fetch itself); the INFO line comes
// once. KeepOut() disconnects it while peers serve, so its bitswap does not send blocks
// that peers are serving: wants go to every connected peer.
class FrontendLink {
 public:
  FrontendLink(std::vector<std::string> addrs, const Log& log) : addrs_(std::move(addrs)), log_(log) {}
  void Connect(std::string_view why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (addrs_.empty()) return;
    if (!used_) log_.Info(fmt::format("{}: connecting to the front end", why));
    used_ = true;
    auto client = HostClient();
    if (!client.ok()) return;
    (*client)->set_timeout(std::chrono::seconds(15));  // bounded: a dropped SYN must not hold the deploy
    for (const auto& a : addrs_) {
      Status st = (*client)->SwarmConnect(a);
      if (!st.ok()) log_.Info(fmt::format("cannot connect to the front end at {}: {}", a, st.message()));
    }
  }
  // Closes connections to the front end's peer ids (left from earlier
  // deploys); errors (not connected) do not matter.
  void KeepOut(IpfsClient& ipfs) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& c : GroupByPeer(addrs_))
      if (!c.peer.empty()) (void)ipfs.SwarmDisconnect("/p2p/" + c.peer);
  }
  bool used() {
    std::lock_guard<std::mutex> lock(mu_);
    return used_;
  }

 private:
  std::vector<std::string> addrs_;
  const Log& log_;
  std::mutex mu_;
  bool used_ = false;
};

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The peer-first policy (README "Peer-to-peer distribution"): with --peer
// hosts of which one connects, the next host, and after the last the front
// end, is connected only once nothing arrives for --stall seconds (a peer
// that vanished, or peers that lack blocks); otherwise the front end at once. Stdout: one JSON line
// {"peer","addresses","held","frontend","evicted":[...]} for the front end's
// provider records ("held": every block is now in this daemon).
int Fetch(const std::vector<std::string>& a, const Log& log) {
  auto args = ParseFetchArgs(a);
  if (!args.ok()) return Fail(args.status());
  const std::string& cid = args->cid;
  const std::uint64_t bytes = args->bytes;
  const std::string& dst = args->dst;
  // With a host cache, the lease first (a local flock, host_cache.h; it
  // waits out an eviction of <cid> running now, so the lookup below cannot
  // see an entry about to vanish). Then two calls at once, each on a client
  // of its own: `id` shows the daemon is reachable (else exit 3, and the
  // front end streams over ssh) and names it for the provider record; and
  // whether the host cache holds the CID. Nothing that may fetch a block
  // (the root block below) runs before the connections are set: a want
  // sent to a leftover connection makes that peer serve it, and dial back
  // to deliver it after the connection was closed (js-ipfs and kubo alike).
  auto client = HostClient();
  if (!client.ok()) return Fail(client.status());
  auto& ipfs = *client;
  ipfs->set_mfs_lock(args->mfs_lock);  // the host cache's writes (host_cache.h)
  const std::string lock_dir = SourceLockDir();
  HostCache cache(*ipfs, log, lock_dir);
  if (args->cache_bytes > 0)
    if (Status leased = cache.Lease(cid); !leased.ok())
      log.Warn(fmt::format("cannot mark /ipfs/{} as in use in the host cache: {}", cid, leased.message()));
  std::optional<std::future<Result<std::optional<std::int64_t>>>> holds;
  if (args->cache_bytes > 0)
    holds = std::async(std::launch::async, [&]() -> Result<std::optional<std::int64_t>> {
      ASSIGN_OR_RETURN(auto c, HostClient());
      return HostCache(*c, log).Holds(cid);
    });
  auto id = ipfs->Id();
  if (!id.ok() && id.status().code() == Status::Code::kUnavailable) return Fail(id.status());
  // This daemon's peer-to-peer settings, read beside the rest (p2p_settings.h):
  // settings that defeat the one-source policy are said once, below.
  std::future<Result<P2pSettings>> p2p;
  if (id.ok())
    p2p = std::async(std::launch::async, [&]() -> Result<P2pSettings> {
      ASSIGN_OR_RETURN(auto c, HostClient());
      c->set_timeout(std::chrono::seconds(5));
      ASSIGN_OR_RETURN(std::string body, c->Call("config/show", {}));
      return ParseP2pSettings(body, id->agent_version);
    });
  // --rest-on-stdin: the front end started this helper before it knew the
  // peers (one JSON array of further arguments; null or nothing: stop, the
  // deploy did not pass the front end's checks; nothing is written).
  if (args->rest_on_stdin) {
    std::string line;
    std::getline(std::cin, line);
    auto j = nlohmann::json::parse(line, nullptr, false);
    Status st = j.is_array() ? Status::Ok() : Status::Failed("the front end stopped this deploy");
    std::vector<std::string> rest;
    if (st.ok()) {
      for (const auto& v : j)
        if (v.is_string()) rest.push_back(v.get<std::string>());
        else st = Status::Invalid("the arguments on stdin are not all strings");
    }
    if (st.ok()) st = ParseFetchOptions(rest, 0, *args);
    if (!st.ok()) return Fail(st);  // the lease ends with `cache`
  }
  FrontendLink frontend(args->frontend, log);
  // A CID the host cache holds is fully local: no swarm connect at all (the
  // watchdog below still brings the front end in should blocks be missing).
  std::optional<std::int64_t> cached_at;
  if (holds)
    if (auto held = holds->get(); held.ok()) cached_at = *held;
  // One source host at a time (peer_sources.h): the first candidate that
  // connects; the others and the front end are disconnected, so each block
  // comes once. A stall brings the next candidate, the front end after the last.
  PeerSources sources(args->peers, args->spares, lock_dir, log);
  if (cached_at) {
    log.Info(fmt::format("/ipfs/{} is in the host cache: no peer or front end connected", cid));
  } else if (sources.empty()) {
    frontend.Connect("no other host holds /ipfs/" + cid);
  } else if (auto first = sources.ConnectNext(*ipfs); !first) {
    frontend.Connect("no host that holds /ipfs/" + cid + " could be connected");
  } else {
    frontend.KeepOut(*ipfs);
    sources.DisconnectSpares(*ipfs);
    log.Info(fmt::format("fetching /ipfs/{} from host peer {} first ({} other host(s) to ask next, then the front end)",
                         cid, *first, sources.untried()));
  }
  if (p2p.valid() && !cached_at) {
    auto settings = p2p.get();
    if (settings.ok()) {
      auto problems = P2pProblems(*settings);
      if (!problems.empty()) {
        std::string what, fix;
        for (const auto& p : problems) {
          what += (what.empty() ? "" : "; ") + p.what;
          fix += (fix.empty() ? "" : " and ") + ("`" + p.fix + "`");
        }
        log.Info(fmt::format("this host's IPFS daemon may fetch /ipfs/{} from more sources than the one chosen, "
                             "the front end included: {}; run {} on this host and restart its daemon "
                             "(one-ipfs-doctor checks every host)",
                             cid, what, fix));
      }
    }
  }
  // The cache's stamp of a held CID is refreshed while the content streams
  // (its own client: one files/mv beside the cat).
  Status refreshed;
  std::thread refresher;
  if (cached_at)
    refresher = std::thread([&] {
      auto client = HostClient();
      if (client.ok()) (*client)->set_mfs_lock(args->mfs_lock);
      refreshed = client.ok() ? HostCache(**client, log).Refresh(cid, *cached_at, UnixNow()) : client.status();
    });
  auto join_refresher = [&] {
    if (refresher.joinable()) refresher.join();
  };

  // The watchdog (providers.h ProgressClock): progress is a byte written or,
  // when peers serve, a change of this daemon's bitswap wantlist or of what a
  // peer host told it it wants (blocks arrive out of order, and the lead's
  // progress reaches us as it forwards blocks); a stall brings the front end
  // in. Its reads use a client of their own with a short timeout.
  std::atomic<std::uint64_t> written{0};
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  std::vector<std::string> peer_ids = sources.connected();  // the watchdog's own copy
  std::erase(peer_ids, std::string());  // an address without /p2p/<id>: no wantlist to watch
  std::unique_ptr<IpfsClient> watch;  // none for a cached CID: no peer serves it
  if (!frontend.used() && !cached_at) {
    if (auto c = HostClient(); c.ok()) {
      watch = std::move(*c);
      watch->set_timeout(std::chrono::seconds(5));
    }
  }
  auto wantlist = [&](const std::string& peer) -> std::optional<std::string> {
    std::vector<std::pair<std::string, std::string>> q;
    if (!peer.empty()) q.emplace_back("peer", peer);
    auto body = watch->Call("bitswap/wantlist", q);
    if (!body.ok()) return std::nullopt;
    return WantlistFingerprint(*body);
  };
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stop = false;
  std::thread watchdog([&] {
    ProgressClock clock(args->stall_s * 1000, now_ms());
    std::unique_lock<std::mutex> lock(stop_mu);
    while (!stop) {
      stop_cv.wait_for(lock, std::chrono::milliseconds(watch ? 1000 : 250));
      if (stop) break;
      lock.unlock();
      std::vector<std::optional<std::string>> lists;
      if (watch && !frontend.used()) {
        lists.push_back(wantlist(""));
        for (const auto& pid : peer_ids) lists.push_back(wantlist(pid));
      }
      // Again after every further stall: a concurrent deploy on this host
      // may have closed the connection meanwhile.
      if (clock.Observe(now_ms(), written.load(), lists)) {
        // A deputy (the first follower of a lead) goes to the front end at
        // once: the others turn to it, not to the front end, next.
        std::optional<std::string> next;
        if (watch && !frontend.used() && !args->deputy) next = sources.ConnectNext(*watch);
        if (next) {
          log.Info(fmt::format("no progress from peers for {} s: asking host peer {} too", args->stall_s, *next));
          if (!next->empty()) peer_ids.push_back(*next);
        } else {
          frontend.Connect(fmt::format("no progress from peers for {} s{}", args->stall_s,
                                       args->deputy ? " (this host is the lead's deputy)" : ""));
        }
      }
      lock.lock();
    }
  });
  auto stop_watchdog = [&] {
    {
      std::lock_guard<std::mutex> lock(stop_mu);
      stop = true;
    }
    stop_cv.notify_all();
    if (watchdog.joinable()) watchdog.join();
  };

  auto finish = [&](Status st, bool held) -> int {
    stop_watchdog();
    join_refresher();
    std::vector<std::string> evicted;
    if (cached_at && !refreshed.ok())
      log.Warn(fmt::format("cannot refresh /ipfs/{} in the host cache: {}", cid, refreshed.message()));
    if (st.ok() && held && args->cache_bytes > 0 && !(cached_at && refreshed.ok())) {
      auto kept = cache.Keep(cid, UnixNow(), args->cache_bytes);
      if (kept.ok()) evicted = *kept;
      else log.Warn(fmt::format("cannot keep /ipfs/{} in the host cache: {}", cid, kept.status().message()));
      for (const auto& e : evicted) log.Info(fmt::format("evicted /ipfs/{} from the host cache", e));
    }
    cache.Release();
    if (!st.ok()) return Fail(st);
    nlohmann::json out = {{"peer", id.ok() ? id->id : ""},
                          {"addresses", id.ok() ? id->addresses : std::vector<std::string>{}},
                          {"held", held && id.ok()},
                          {"frontend", frontend.used()},
                          {"evicted", evicted}};
    std::cout << out.dump() << "\n";
    return 0;
  };

  auto writer = AtomicDiskWriter::Create(dst);
  if (!writer.ok()) return finish(writer.status(), false);
  auto started = std::chrono::steady_clock::now();
  if (KnownAllZero(*ipfs, cid, bytes, log)) {
    Status st = (*writer)->WriteZeros(bytes);
    if (st.ok()) st = (*writer)->Commit(bytes);
    if (!st.ok()) return finish(st, false);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log.Info(fmt::format("{} written from /ipfs/{} as a sparse file: all {} are zeros ({:.1f} s)", dst, cid,
                         HumanBytes(bytes), secs));
    return finish(Status::Ok(), false);
  }
  // Several range streams at once (range_fetch.h); progress every 5 s.
  auto plan = PlanRanges(bytes, args->streams);
  std::mutex progress_mu;
  auto last = started;
  Status st = FetchInRanges("/ipfs/" + cid, bytes, plan, HostClient, **writer, [&](std::size_t n) {
    std::uint64_t now_written = written += n;
    std::lock_guard<std::mutex> lock(progress_mu);
    auto now = std::chrono::steady_clock::now();
    if (now - last >= std::chrono::seconds(5)) {
      last = now;
      log.Info(fmt::format("{}: {} of {}", dst, HumanBytes(now_written), HumanBytes(bytes)));
    }
  });
  if (!st.ok()) return finish(st.Prefixed(fmt::format("fetching /ipfs/{} into {}", cid, dst)), false);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log.Info(fmt::format("{} written from /ipfs/{} ({}, {:.1f} s, {} stream{}{})", dst, cid, HumanBytes(bytes), secs,
                       plan.size(), plan.size() == 1 ? "" : "s",
                       frontend.used() ? "" : cached_at ? ", from the host cache" : ", from peers only"));
  return finish(Status::Ok(), true);
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
                        {"addresses", id->addresses},
                        {"connected", host->connected}, {"connect_errors", nlohmann::json::array()}};
  for (const auto& failed : host->failed) out["connect_errors"].push_back(failed.second);
  // The daemon's peer-to-peer settings, for the doctor's "p2p settings" row.
  auto config = ipfs->Call("config/show", {});
  auto p2p = config.ok() ? ParseP2pSettings(*config, id->agent_version) : Result<P2pSettings>(config.status());
  if (p2p.ok())
    out["p2p"] = {{"js", p2p->js}, {"routing", p2p->routing}, {"routing_set", p2p->routing_set},
                  {"low_water", p2p->low_water ? nlohmann::json(*p2p->low_water) : nlohmann::json(nullptr)}};
  else
    out["p2p_error"] = p2p.status().message();
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

int Cached(const Log& log) {
  auto ipfs = HostClient();
  if (!ipfs.ok()) return Fail(ipfs.status());
  if (auto v = (*ipfs)->Version(); !v.ok()) return Fail(v.status());
  HostCache cache(**ipfs, log);
  auto list = cache.List();
  if (!list.ok()) return Fail(list.status());
  nlohmann::json out = {{"cids", nlohmann::json::array()}};
  for (const auto& c : *list) out["cids"].push_back(c.cid);
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
  log.Debug(fmt::format("started at {:.3f} (unix time)", std::chrono::duration<double>(
                                                            std::chrono::system_clock::now().time_since_epoch())
                                                            .count()));
  if (a.size() >= 2 && a[1] == "version") {
    std::cout << ONEIPFS_VERSION << "\n";
    return 0;
  }
  if (a.size() >= 2 && a[1] == "fetch") return Fetch(a, log);
  if (a.size() >= 2 && a[1] == "add") return Add(a, log);
  if (a.size() >= 2 && a[1] == "probe") return Probe(a);
  if (a.size() >= 2 && a[1] == "release") return Release(a);
  if (a.size() == 2 && a[1] == "cached") return Cached(log);
  std::cerr << kUsage;
  return 1;
}
