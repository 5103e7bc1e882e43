// host_save.cc: SaveFromHost, a host's disk into the front-end daemon
// under a temporary pin (see host_ops.h).
#include "common/deploy/host_ops.h"

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/ipfs/pipe_bridge.h"

namespace oneipfs {

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
