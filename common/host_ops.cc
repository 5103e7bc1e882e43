#include "common/host_ops.h"

#include <cstdio>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/pipe_bridge.h"
#include "common/text.h"
#include "common/zero_dag.h"

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

}  // namespace

std::string HelperPath(const Config& config) { return config.Get("IPFS_REMOTE_DIR") + "/tm/ipfs/one-ipfs-host"; }

std::vector<std::string> HelperArgv(const TmContext& ctx, std::vector<std::string> args) {
  std::vector<std::string> argv;
  if (ctx.config.Origin("IPFS_HOST_API") != "default") {
    argv.push_back("env");
    argv.push_back("IPFS_HOST_API=" + ctx.config.Get("IPFS_HOST_API"));
  }
  argv.push_back(HelperPath(ctx.config));
  for (auto& a : args) argv.push_back(std::move(a));
  return argv;
}

std::string ForwardRemoteLog(const std::string& err) {
  std::istringstream in(err);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.rfind("INFO:", 0) == 0 || line.rfind("WARN:", 0) == 0 || line.rfind("DEBUG:", 0) == 0) {
      std::fprintf(stderr, "%s\n", line.c_str());
    } else if (!line.empty()) {
      last = line;
    }
  }
  std::fflush(stderr);
  return last.empty() ? "no error message" : last;
}

Result<RemoteResult> RunHostScript(TmContext& ctx, const std::string& host, const std::string& script,
                                   const std::vector<std::string>& args) {
  RemoteCommand cmd;
  cmd.argv = {"sh", "-c", script, "one-ipfs"};
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  ASSIGN_OR_RETURN(RemoteResult r, ctx.remote.Run(host, cmd));
  std::string last = ForwardRemoteLog(r.err);
  if (r.exit_code != 0) return Status::Failed(fmt::format("on {}: {}", host, last));
  return r;
}

Result<std::vector<std::string>> FrontendPeers(TmContext& ctx) {
  std::vector<std::string> peers = SplitWords(ctx.config.Get("IPFS_FRONTEND_SWARM"));
  if (!peers.empty()) return peers;
  ASSIGN_OR_RETURN(PeerInfo id, ctx.ipfs.Id());
  for (const auto& a : id.addresses)
    peers.push_back(a.find("/p2p/") == std::string::npos ? a + "/p2p/" + id.id : a);
  return peers;
}

Status DeployToHost(TmContext& ctx, const std::string& cid, std::uint64_t bytes, const HostPath& dst) {
  ASSIGN_OR_RETURN(auto peers, FrontendPeers(ctx));
  std::vector<std::string> args = {"fetch", cid, std::to_string(bytes), dst.path};
  args.insert(args.end(), peers.begin(), peers.end());
  RemoteCommand cmd;
  cmd.argv = HelperArgv(ctx, args);
  ASSIGN_OR_RETURN(RemoteResult r, ctx.remote.Run(dst.host, cmd));
  std::string last = ForwardRemoteLog(r.err);
  if (r.exit_code == 0) return Status::Ok();
  if (r.exit_code == kHelperExitMissing || r.exit_code == kHelperExitNoDaemon) {
    ctx.log.Info(fmt::format("{} on {}; streaming /ipfs/{} from the front-end daemon over ssh instead",
                             r.exit_code == kHelperExitMissing ? "no one-ipfs-host helper" : "no IPFS daemon", dst.host,
                             cid));
    return StreamToHost(ctx, cid, bytes, dst);
  }
  return Status::Failed(fmt::format("fetching /ipfs/{} to {}:{} failed: {}", cid, dst.host, dst.path, last));
}

Result<SavedContent> SaveFromHost(TmContext& ctx, const HostPath& src) {
  RemoteCommand cmd;
  cmd.argv = HelperArgv(ctx, {"add", src.path});
  ASSIGN_OR_RETURN(RemoteResult r, ctx.remote.Run(src.host, cmd));
  std::string last = ForwardRemoteLog(r.err);
  SavedContent saved;
  if (r.exit_code == 0) {
    std::vector<std::string> addresses;
    std::string peer, host_hold;
    try {
      auto j = nlohmann::json::parse(r.out);
      saved.cid = j.at("cid").get<std::string>();
      saved.bytes = j.at("bytes").get<std::uint64_t>();
      peer = j.at("peer").get<std::string>();
      addresses = j.at("addresses").get<std::vector<std::string>>();
      if (j.contains("hold")) host_hold = j.at("hold").get<std::string>();  // older helpers: none
    } catch (const std::exception& e) {
      return Status::Failed(fmt::format("unexpected answer from one-ipfs-host on {}: {}", src.host, e.what()));
    }
    for (auto a : addresses) {
      if (a.find("/p2p/") == std::string::npos) a += "/p2p/" + peer;
      (void)ctx.ipfs.SwarmConnect(a);
    }
    auto release_host = [&] {
      if (host_hold.empty()) return;
      RemoteCommand rel;
      rel.argv = HelperArgv(ctx, {"release", host_hold});
      auto rr = ctx.remote.Run(src.host, rel);
      if (!rr.ok() || rr->exit_code != 0)
        ctx.log.Warn(fmt::format("the temporary pin /ipfs/{} on {} was not released: {}", host_hold, src.host,
                                 rr.ok() ? ForwardRemoteLog(rr->err) : rr.status().message()));
    };
    auto hold = ContentHold::Acquire(ctx.ipfs, saved.cid, ctx.log);
    Status fetched = hold.ok() ? Status::Ok() : hold.status();
    if (fetched.ok()) {
      auto st = ctx.ipfs.Stat("/ipfs/" + saved.cid);
      if (st.ok() && st->size != saved.bytes)
        fetched = Status::Failed(fmt::format("/ipfs/{} is {} bytes, the disk {}", saved.cid, st->size, saved.bytes));
      else if (!st.ok())
        fetched = st.status();
    }
    release_host();
    if (!fetched.ok())
      return fetched.Prefixed(fmt::format("the front-end daemon could not fetch {}:{} (/ipfs/{}) from the host",
                                          src.host, src.path, saved.cid));
    saved.hold = std::make_shared<ContentHold>(std::move(*hold));
    return saved;
  }
  if (r.exit_code != kHelperExitMissing && r.exit_code != kHelperExitNoDaemon)
    return Status::Failed(fmt::format("adding {}:{} on the host failed: {}", src.host, src.path, last));

  ctx.log.Info(fmt::format("{} on {}; reading {} over ssh into the front-end daemon instead",
                           r.exit_code == kHelperExitMissing ? "no one-ipfs-host helper" : "no IPFS daemon", src.host,
                           src.path));
  PipeBridge bridge([&](const ByteSink& sink) -> Status {
    RemoteCommand cat;
    cat.argv = {"cat", "--", src.path};
    cat.stdout_sink = sink;
    ASSIGN_OR_RETURN(RemoteResult c, ctx.remote.Run(src.host, cat));
    if (c.exit_code != 0)
      return Status::Failed(fmt::format("reading {}:{}: {}", src.host, src.path, ForwardRemoteLog(c.err)));
    return Status::Ok();
  });
  // add with pin=true under a hold: every block is written and pinned when
  // it returns (kubo holds its GC lock for the whole add).
  auto added = ctx.ipfs.Add(src.path.substr(src.path.rfind('/') + 1), bridge.source(), nullptr, NewHoldName());
  Status read = bridge.Finish();
  if (added.ok()) saved.hold = std::make_shared<ContentHold>(ContentHold::Adopt(ctx.ipfs, added->held_root));
  if (!read.ok() && read.message() != "the receiving side stopped") return read;
  if (!added.ok()) return added.status();
  saved.cid = added->cid;
  saved.bytes = added->bytes;
  return saved;
}

}  // namespace oneipfs
