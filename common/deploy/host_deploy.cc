// host_deploy.cc: DeployToHost, writing an image to a host's disk (see
// host_ops.h): the helper with the peers the provider records choose, the
// lead of concurrent deploys, and the ssh stream from the front end when
// the host has no helper or no daemon.
#include "common/deploy/host_ops.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/deploy/peer_sources.h"
#include "common/ipfs/pipe_bridge.h"
#include "common/catalog/providers.h"
#include "common/base/text.h"
#include "common/ipfs/zero_dag.h"

namespace oneipfs {
namespace {

// Receives a disk on stdin into $1 atomically; $2 = expected bytes; $3 =
// "zeros": nothing comes on stdin, the disk is $2 zero bytes (a sparse file).
const char* kReceiveScript = R"(set -eu
dst=$1; size=$2
dir=${dst%/*}; [ -n "$dir" ] || dir=/
mkdir -p -- "$dir"
rm -f -- "$dir/.${dst##*/}.one-ipfs-"*
tmp=$(mktemp "$dir/.${dst##*/}.one-ipfs-XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
if [ "${3:-}" = zeros ]; then truncate -s "$size" -- "$tmp"
else dd of="$tmp" bs=1M conv=sparse iflag=fullblock status=none
fi
got=$(stat -c %s -- "$tmp")
if [ "$got" != "$size" ]; then echo "received $got of $size bytes for $dst; nothing written" >&2; exit 1; fi
sync -- "$tmp" 2>/dev/null || sync
chmod 0644 -- "$tmp"
mv -f -- "$tmp" "$dst"
trap - EXIT
)";

Status StreamToHost(TmContext& ctx, const std::string& cid, std::uint64_t bytes, const HostPath& dst) {
  // An empty datablock from mkfs (zero_dag.h): nothing needs to cross ssh.
  auto zero = IsZeroContent(ctx.ipfs, cid, bytes);
  if (zero.ok() && *zero) {
    ctx.log.Info(fmt::format("/ipfs/{} is {} of zeros: creating {}:{} as a sparse file", cid, HumanBytes(bytes),
                             dst.host, dst.path));
    RemoteCommand cmd;
    cmd.argv = {"sh", "-c", kReceiveScript, "one-ipfs-receive", dst.path, std::to_string(bytes), "zeros"};
    ASSIGN_OR_RETURN(RemoteResult r, ctx.remote.Run(dst.host, cmd));
    std::string last = ForwardRemoteLog(r.err);
    if (r.exit_code != 0) return Status::Failed(fmt::format("writing {}:{} failed: {}", dst.host, dst.path, last));
    return Status::Ok();
  }
  PipeBridge bridge([&](const ByteSink& sink) { return ctx.ipfs.Cat("/ipfs/" + cid, 0, std::nullopt, sink); });
  RemoteCommand cmd;
  cmd.argv = {"sh", "-c", kReceiveScript, "one-ipfs-receive", dst.path, std::to_string(bytes)};
  cmd.stdin_source = bridge.source();
  auto r = ctx.remote.Run(dst.host, cmd);
  Status produced = bridge.Finish();
  if (!r.ok()) return r.status();
  std::string last = ForwardRemoteLog(r->err);
  if (!produced.ok() && produced.message() != "the receiving side stopped")
    return produced.Prefixed(fmt::format("streaming /ipfs/{} to {}", cid, dst.host));
  if (r->exit_code != 0)
    return Status::Failed(fmt::format("writing {}:{} failed: {}", dst.host, dst.path, last));
  return Status::Ok();
}

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The helper's JSON line after a fetch: the host daemon's identity, whether
// it now holds every block, and what its cache evicted. Older helpers print
// nothing: then no provider record is written.
struct FetchReport {
  ProviderRecord self;
  bool held = false;
  std::vector<std::string> evicted;
};

std::optional<FetchReport> ParseFetchReport(const std::string& out, const std::string& host) {
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    FetchReport r;
    r.self.host = host;
    r.self.peer = j.value("peer", std::string());
    r.self.addresses = j.value("addresses", std::vector<std::string>{});
    r.held = j.value("held", false);
    r.evicted = j.value("evicted", std::vector<std::string>{});
    return r;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// `one-ipfs-host fetch ... --rest-on-stdin` started before the front end
// knows all of its arguments: Finish() sends the rest (one JSON array of
// further arguments on stdin) and returns the run; otherwise the destructor
// sends null (stop: the helper releases its lease and exits, nothing
// written) and waits for it. ctx.remote runs it on a thread of its own.
class EarlyHelper {
 public:
  EarlyHelper(TmContext& ctx, std::string host, std::vector<std::string> argv) {
    cmd_.argv = std::move(argv);
    cmd_.stdin_source = [this](char* buf, std::size_t n) -> Result<std::size_t> {
      if (!line_) line_ = line_future_.get();
      std::size_t k = std::min(n, line_->size() - sent_);
      std::memcpy(buf, line_->data() + sent_, k);
      sent_ += k;
      return k;
    };
    run_ = std::async(std::launch::async, [this, &ctx, host = std::move(host)] { return ctx.remote.Run(host, cmd_); });
  }
  ~EarlyHelper() {
    Send("null\n");
    if (run_.valid()) run_.wait();
  }
  EarlyHelper(const EarlyHelper&) = delete;
  EarlyHelper& operator=(const EarlyHelper&) = delete;

  Result<RemoteResult> Finish(const std::vector<std::string>& rest) {
    Send(nlohmann::json(rest).dump() + "\n");
    return run_.get();
  }

 private:
  void Send(std::string line) {
    if (line_sent_) return;
    line_sent_ = true;
    line_promise_.set_value(std::move(line));
  }
  RemoteCommand cmd_;
  std::promise<std::string> line_promise_;
  std::future<std::string> line_future_ = line_promise_.get_future();
  bool line_sent_ = false;
  std::optional<std::string> line_;  // the writer thread's copy
  std::size_t sent_ = 0;
  std::future<Result<RemoteResult>> run_;
};

}  // namespace

Status DeployToHost(TmContext& ctx, const std::string& cid, std::uint64_t bytes, const HostPath& dst,
                    const std::function<Status()>& ready) {
  const long max_peers = std::max(0L, ctx.config.GetInt("IPFS_P2P_PEERS", 3));
  const long stall = std::max(1L, ctx.config.GetInt("IPFS_P2P_STALL", 10));
  const long cache_mb = std::max(0L, ctx.config.GetInt("IPFS_HOST_CACHE_MB", 0));
  const long streams = std::clamp(ctx.config.GetInt("IPFS_FETCH_STREAMS", 4), 1L, 16L);
  const std::string& host_lock = ctx.config.Get("IPFS_HOST_MFS_LOCK");
  if (!host_lock.empty() && host_lock[0] != '/')
    return Status::Invalid(fmt::format("IPFS_HOST_MFS_LOCK '{}' is not an absolute path", host_lock));
  ProviderStore providers(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"), ctx.config.GetInt("IPFS_PROVIDER_TTL", 604800));
  const bool p2p = max_peers > 0 && SafeProviderName(dst.host);

  // The helper starts at once with what is known (the content, the cache
  // settings) and waits for the rest on stdin: ssh, its start and its own
  // first calls overlap the front end's calls below (bench/clone-profile).
  std::vector<std::string> args = {"fetch", cid, std::to_string(bytes), dst.path, "--cache-mb",
                                   std::to_string(p2p ? cache_mb : 0)};
  if (streams > 1) {
    args.push_back("--streams");
    args.push_back(std::to_string(streams));
  }
  if (p2p && cache_mb > 0 && !host_lock.empty()) {
    args.push_back("--mfs-lock");
    args.push_back(host_lock);
  }
  args.push_back("--rest-on-stdin");
  EarlyHelper helper(ctx, dst.host, HelperArgv(ctx, args));
  std::vector<std::string> rest;  // --peer, --spare, --stall, the front end's addresses
  ASSIGN_OR_RETURN(auto peers, FrontendPeers(ctx));
  bool recorded_fetching = false;
  bool leading = false;
  std::optional<ProviderRecord> self_held;  // this host's fresh "held" record (a warm re-deploy)
  const std::int64_t ttl = ctx.config.GetInt("IPFS_PROVIDER_TTL", 604800);
  if (p2p) {
    // Records are hints: trouble reading or writing them never stops a deploy.
    // A host that holds the CID by its own fresh record (a re-deploy: its
    // helper finds the content in its host cache and connects nobody) needs
    // no "fetching" record and no lead. Otherwise "fetching" first, then the
    // list and the lead (providers.h TakeLead): of concurrent deploys of one
    // image, one pulls from the front end, the others from the fetchers.
    const std::int64_t started = UnixNow();
    auto records = providers.List(cid, started);
    if (records.ok())
      for (const auto& p : *records)
        if (p.host == dst.host && !p.fetching && !p.peer.empty()) self_held = p;
    if (!self_held) {
      if (auto me = providers.Identity(dst.host); me.ok() && *me) {
        ProviderRecord r = **me;
        r.time = started;
        r.fetching = true;
        recorded_fetching = providers.Put(cid, r).ok();
      }
      if (recorded_fetching || !records.ok()) records = providers.List(cid, UnixNow());
    }
    if (!records.ok())
      ctx.log.Info(fmt::format("cannot read the provider records of /ipfs/{} ({}); fetching from the front end",
                               cid, records.status().message()));
    std::vector<std::string> chosen;
    std::string lead;  // the host pulling it from the front end, when this deploy follows one
    if (records.ok()) {
      bool held = std::any_of(records->begin(), records->end(), [&](const ProviderRecord& p) {
        return !p.fetching && p.host != dst.host && !p.addresses.empty();
      });
      // Nobody holds it: exactly one concurrent deploy leads (front end at once).
      // A follower lists again: the lead recorded itself as fetching before
      // it took the lead, perhaps after our first list; it goes first.
      if (!held && !self_held && !(leading = providers.TakeLead(cid, dst.host))) {
        // The lead writes its name just after taking the lead: wait a moment
        // for it, or every follower would pick its own first fetcher and
        // they could end up asking each other (peer_sources.h: one at a time).
        lead = providers.LeadHost(cid);
        for (int i = 0; lead.empty() && i < 10; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          lead = providers.LeadHost(cid);
        }
        if (auto again = providers.List(cid, UnixNow()); again.ok()) records = std::move(again);
      }
      if (!leading)
        chosen = ChooseProviderAddresses(*records, dst.host, UnixNow(), ttl, static_cast<std::size_t>(max_peers),
                                         lead);
    }
    for (const auto& a : chosen) {
      rest.push_back("--peer");
      rest.push_back(a);
    }
    // Every other host with the CID: the helper closes leftover connections to them.
    if (!chosen.empty()) {
      auto candidates = GroupByPeer(chosen);
      for (const auto& peer : OtherProviderPeers(*records, dst.host, UnixNow(), ttl)) {
        if (std::any_of(candidates.begin(), candidates.end(), [&](const PeerCandidate& c) { return c.peer == peer; }))
          continue;
        rest.push_back("--spare");
        rest.push_back(peer);
      }
    }
    rest.push_back("--stall");
    rest.push_back(std::to_string(stall));
    // The first follower of a lead goes to the front end at its first stall.
    if (!leading && !chosen.empty() && records.ok() && IsDeputy(*records, dst.host, lead, UnixNow(), ttl))
      rest.push_back("--deputy");
    if (!chosen.empty() && !self_held)
      ctx.log.Info(fmt::format("/ipfs/{}: {} asks other hosts first, one at a time ({} address(es)), the front end "
                               "after {} s without progress from the last",
                               cid, dst.host, chosen.size(), stall));
  }
  rest.insert(rest.end(), peers.begin(), peers.end());
  if (Status st = ready ? ready() : Status::Ok(); !st.ok()) {
    if (leading) providers.ReleaseLead(cid);
    if (recorded_fetching) (void)providers.Remove(cid, dst.host);
    return st;  // the helper is told to stop
  }
  auto run = helper.Finish(rest);
  if (leading) providers.ReleaseLead(cid);
  if (!run.ok()) {
    if (recorded_fetching) (void)providers.Remove(cid, dst.host);
    return run.status();
  }
  RemoteResult& r = *run;
  std::string last = ForwardRemoteLog(r.err);
  if (r.exit_code == 0) {
    auto report = ParseFetchReport(r.out, dst.host);
    if (p2p && report && !report->self.peer.empty()) {
      report->self.time = UnixNow();
      // A fresh record that says the same is not written again (two MFS
      // writes less per re-deploy); it is refreshed once it is older than
      // min(1 h, TTL / 2), long before it expires.
      if (self_held && report->held && self_held->peer == report->self.peer &&
          self_held->addresses == report->self.addresses &&
          report->self.time - self_held->time < std::min<std::int64_t>(3600, ttl / 2)) {
        for (const auto& e : report->evicted) (void)providers.Remove(e, dst.host);
        return Status::Ok();
      }
      (void)providers.PutIdentity(report->self);
      Status st = report->held ? providers.Put(cid, report->self) : providers.Remove(cid, dst.host);
      if (!st.ok())
        ctx.log.Warn(fmt::format("cannot record {} as a provider of /ipfs/{}: {}", dst.host, cid, st.message()));
      for (const auto& e : report->evicted) (void)providers.Remove(e, dst.host);
    } else if (recorded_fetching) {
      (void)providers.Remove(cid, dst.host);
    }
    return Status::Ok();
  }
  if (recorded_fetching) (void)providers.Remove(cid, dst.host);
  if (r.exit_code == kHelperExitMissing || r.exit_code == kHelperExitNoDaemon) {
    ctx.log.Info(fmt::format("{} on {}; streaming /ipfs/{} from the front-end daemon over ssh instead",
                             r.exit_code == kHelperExitMissing ? "no one-ipfs-host helper" : "no IPFS daemon", dst.host,
                             cid));
    return StreamToHost(ctx, cid, bytes, dst);
  }
  return Status::Failed(fmt::format("fetching /ipfs/{} to {}:{} failed: {}", cid, dst.host, dst.path, last));
}

}  // namespace oneipfs
