// doctor_hosts.cc: one-ipfs-doctor's checks of each host (see doctor.h):
// ssh as OpenNebula uses it, the helper and its version, the host's daemon,
// peering with the front end and the other hosts, and the 64 KiB round trip;
// the helper's replies parsed without exceptions.
#include "common/admin/doctor.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
#include "common/base/digest.h"
#include "common/deploy/host_ops.h"
#include "common/ipfs/http.h"
#include "common/base/log.h"
#include "common/one/oned_conf.h"
#include "common/base/text.h"

namespace oneipfs {
namespace {

using Clock = std::chrono::steady_clock;
double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string Sha1Of(std::string_view bytes) {
  Digests d;
  d.Update(bytes);
  d.Finish();
  return d.sha1();
}


// Runs the helper on `host`; the result or the ssh failure.
Result<RemoteResult> RunHelper(TmContext& ctx, const std::string& host, std::vector<std::string> args, int timeout_s) {
  RemoteCommand cmd;
  cmd.argv = HelperArgv(ctx, std::move(args));
  cmd.timeout = std::chrono::seconds(timeout_s);
  return ctx.remote.Run(host, cmd);
}

}  // namespace

Result<ProbeBlock> AddProbeBlock(IpfsClient& ipfs) {
  std::string bytes(64 * 1024, '\0');
  std::mt19937_64 rng{std::random_device{}()};
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    std::uint64_t v = rng();
    std::memcpy(&bytes[i], &v, 8);
  }
  std::size_t offset = 0;
  auto added = ipfs.Add("one-ipfs-doctor", [&](char* buf, std::size_t cap) -> Result<std::size_t> {
    std::size_t n = std::min(cap, bytes.size() - offset);
    std::memcpy(buf, bytes.data() + offset, n);
    offset += n;
    return n;
  });
  if (!added.ok()) return added.status().Prefixed("adding the doctor's test block to the front-end daemon");
  return ProbeBlock{added->cid, bytes.size(), Sha1Of(bytes)};
}

void CheckHost(TmContext& ctx, const std::string& host, const ProbeBlock* probe, Report& r) {
  RemoteCommand t;
  t.argv = {"true"};
  t.timeout = std::chrono::seconds(30);
  auto ssh_started = Clock::now();
  auto ssh = ctx.remote.Run(host, t);
  double ssh_secs = SecondsSince(ssh_started);
  if (!ssh.ok() || ssh->exit_code != 0) {
    r.Fail(host, "ssh", ssh.ok() ? fmt::format("`true` exited {}", ssh->exit_code) : ssh.status().message(),
           fmt::format("the front end's oneadmin must reach {} with `ssh {}` and no password (OpenNebula needs this "
                       "too); IPFS_SSH / IPFS_SSH_OPTS set the command",
                       host, host));
    return;
  }
  // Every transfer runs one or more ssh commands before data moves.
  std::string took = fmt::format("reachable, a command takes {:.2f} s", ssh_secs);
  if (ssh_secs > kSlowSshSeconds)
    r.Warn(host, "ssh", took,
           fmt::format("every transfer pays this per ssh command: keep the login shell's start-up on {} light (bash "
                       "sources ~/.bashrc for ssh commands), check `UseDNS no` in its sshd; later commands reuse the "
                       "connection while IPFS_SSH_CONTROL_PERSIST (default 60 s) shares it",
                       host));
  else
    r.Pass(host, "ssh", took);

  std::string helper = HelperPath(ctx.config);
  auto version = RunHelper(ctx, host, {"version"}, 30);
  std::string sync_fix = fmt::format("run `onehost sync --force` as oneadmin (or `onehost sync {}`); the helper comes "
                                     "from <remotes>/tm/ipfs; IPFS_REMOTE_DIR must match the hosts' remotes dir",
                                     host);
  if (!version.ok() || version->exit_code != 0) {
    std::string why = !version.ok() ? version.status().message()
                      : version->exit_code == kHelperExitMissing ? fmt::format("no helper at {}", helper)
                                                                 : LastLine(version->err);
    r.Fail(host, "helper", why, sync_fix);
    return;
  }
  std::string got = LastLine(version->out);
  if (got != ONEIPFS_VERSION) {
    r.Fail(host, "helper", fmt::format("{} is version {}, the front end has {}", helper, got, ONEIPFS_VERSION),
           sync_fix);
    return;
  }
  r.Pass(host, "helper", fmt::format("{} {}", helper, got));

  std::vector<std::string> args = {"probe", "-"};
  auto peers = FrontendPeers(ctx);
  if (peers.ok()) args.insert(args.end(), peers->begin(), peers->end());
  auto status = RunHelper(ctx, host, args, 90);
  std::string host_api = ctx.config.Get("IPFS_HOST_API");
  if (!status.ok() || status->exit_code != 0) {
    bool no_daemon = status.ok() && status->exit_code == kHelperExitNoDaemon;
    r.Fail(host, "IPFS daemon", !status.ok() ? status.status().message() : LastLine(status->err),
           no_daemon ? fmt::format("start an IPFS daemon on {} with its API where IPFS_HOST_API says (here {}, "
                                   "from {}); without one, disks stream from the front end over ssh",
                                   host, host_api, ctx.config.Origin("IPFS_HOST_API"))
                     : "check the host daemon's log");
    return;
  }
  auto j = ParseHelperProbe(status->out, ProbeReply::kStatus);
  if (!j.ok()) {
    r.Fail(host, "IPFS daemon", j.status().message(), sync_fix);
    return;
  }
  r.Pass(host, "IPFS daemon", fmt::format("version {}, peer {}", j->daemon, j->peer));
  if (j->p2p) CheckP2pSettings(host, *j->p2p, r);
  else CheckP2pSettings(host, Status::Failed(j->p2p_error.empty() ? "the helper did not say" : j->p2p_error), r);
  if (!peers.ok()) {
    r.Fail(host, "peering", peers.status().message(), "the front-end daemon must answer `id`");
  } else if (j->connected.empty()) {
    r.Fail(host, "peering",
           fmt::format("cannot connect to the front end: {}",
                       j->connect_errors.empty() ? std::string("no address") : j->connect_errors.front()),
           "the host must reach the front end's swarm port (4001/tcp by default); set IPFS_FRONTEND_SWARM to "
           "multiaddrs hosts can reach");
  } else {
    r.Pass(host, "peering", fmt::format("connected to {}", j->connected.front()));
  }

  if (!probe) return;
  auto trip_started = Clock::now();
  auto trip = RunHelper(ctx, host, {"probe", probe->cid}, 90);
  double secs = SecondsSince(trip_started);
  std::string fix = "the host daemon cannot fetch from the front end: fix the peering above; check both daemons' logs";
  if (!trip.ok() || trip->exit_code != 0) {
    r.Fail(host, "round trip", !trip.ok() ? trip.status().message() : LastLine(trip->err), fix);
    return;
  }
  auto read = ParseHelperProbe(trip->out, ProbeReply::kRead);
  if (!read.ok()) {
    r.Fail(host, "round trip", read.status().message(), fix);
  } else if (read->bytes == probe->bytes && read->sha1 == probe->sha1) {
    r.Pass(host, "round trip",
           fmt::format("/ipfs/{} ({}) read back intact in {:.1f} s", probe->cid, HumanBytes(read->bytes), secs));
  } else {
    r.Fail(host, "round trip", fmt::format("/ipfs/{} read back as {} bytes sha1 {}, expected {} bytes sha1 {}",
                                           probe->cid, read->bytes, read->sha1, probe->bytes, probe->sha1),
           fix);
  }
}

void CheckHostPeering(TmContext& ctx, const std::vector<std::string>& hosts, Report& r) {
  struct Peer {
    std::string host;
    std::vector<std::string> addresses;  // with /p2p/<id>
  };
  std::vector<Peer> peers;
  for (const auto& host : hosts) {
    auto probe = RunHelper(ctx, host, {"probe", "-"}, 90);
    if (!probe.ok() || probe->exit_code != 0) continue;
    auto j = ParseHelperProbe(probe->out, ProbeReply::kStatus);
    if (!j.ok()) continue;  // CheckHost reports it
    Peer p{host, {}};
    for (const auto& addr : j->addresses)
      p.addresses.push_back(addr.find("/p2p/") == std::string::npos ? addr + "/p2p/" + j->peer : addr);
    peers.push_back(std::move(p));
  }
  if (peers.size() < 2) return;
  const std::string fix =
      "hosts fetch images from each other: open the daemons' swarm port (4001/tcp by default) between hosts, give "
      "every daemon the same private network swarm key (or none), make each daemon announce an address the others "
      "can reach (Addresses.Announce), or list the hosts in kubo's Peering.Peers; README \"Peer-to-peer "
      "distribution\"";
  for (size_t i = 0; i < peers.size(); ++i) {
    const Peer& a = peers[i];
    const Peer& b = peers[(i + 1) % peers.size()];
    if (peers.size() == 2 && i == 1) break;  // one pair is enough for two hosts
    if (b.addresses.empty()) {
      r.Fail(a.host, "host peering", fmt::format("{}'s daemon announces no address", b.host), fix);
      continue;
    }
    std::vector<std::string> args = {"probe", "-"};
    args.insert(args.end(), b.addresses.begin(), b.addresses.end());
    auto probe = RunHelper(ctx, a.host, args, 90);
    if (!probe.ok() || probe->exit_code != 0) {
      r.Fail(a.host, "host peering",
             fmt::format("cannot ask its daemon to connect to {}: {}", b.host,
                         !probe.ok() ? probe.status().message() : LastLine(probe->err)),
             fix);
      continue;
    }
    auto j = ParseHelperProbe(probe->out, ProbeReply::kStatus);
    if (!j.ok()) {
      r.Fail(a.host, "host peering", fmt::format("cannot ask its daemon to connect to {}: {}", b.host,
                                                 j.status().message()),
             fix);
    } else if (!j->connected.empty()) {
      r.Pass(a.host, "host peering", fmt::format("its daemon connects to {} at {}", b.host, j->connected.front()));
    } else {
      r.Fail(a.host, "host peering",
             fmt::format("its daemon cannot connect to {}: {}", b.host,
                         j->connect_errors.empty() ? std::string("no address") : j->connect_errors.front()),
             fix);
    }
  }
}

void CheckP2pSettings(const std::string& subject, const Result<P2pSettings>& settings, Report& r) {
  const char* kRow = "p2p settings";
  if (!settings.ok()) {
    r.Warn(subject, kRow, fmt::format("cannot read the daemon's settings: {}", settings.status().message()),
           "`ipfs config show` must answer; then run the doctor again");
    return;
  }
  auto problems = P2pProblems(*settings);
  if (problems.empty()) {
    r.Pass(subject, kRow, P2pSummary(*settings) + ": deploys fetch from the one source the helper chooses");
    return;
  }
  std::string what, fix;
  for (const auto& p : problems) {
    what += (what.empty() ? "" : "; ") + p.what;
    fix += (fix.empty() ? "run `" : " and `") + p.fix + "`";
  }
  r.Fail(subject, kRow, what,
         fix + (subject == kFrontEnd ? " on the front end" : " on " + subject) +
             ", then restart its daemon: otherwise the front end serves an image again to every host that deploys "
             "it (3-4x the image measured with 4 hosts; docs/operations.md \"Daemon settings\")" +
             (subject == kFrontEnd ? std::string("; and its imports of marketplace apps that mirrors hold are served "
                                                 "by the publisher too (IPFS_MIRROR_FIRST)")
                                   : std::string()));
}

Result<HelperProbe> ParseHelperProbe(std::string_view reply, ProbeReply kind) {
  auto bad = [](std::string_view why) { return Status::Invalid(fmt::format("unreadable probe reply: {}", why)); };
  try {
    auto j = nlohmann::json::parse(reply, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return bad("not JSON");
    if (!j.is_object()) return bad("not a JSON object");
    HelperProbe out;
    auto text = [&](const char* key, std::string& to, bool required) -> Status {
      auto it = j.find(key);
      if (it == j.end()) return required ? bad(fmt::format("no \"{}\"", key)) : Status::Ok();
      if (!it->is_string()) return bad(fmt::format("\"{}\" is not a string", key));
      to = it->get_ref<const std::string&>();
      return Status::Ok();
    };
    auto texts = [&](const char* key, std::vector<std::string>& to) -> Status {
      auto it = j.find(key);
      if (it == j.end()) return Status::Ok();
      if (!it->is_array()) return bad(fmt::format("\"{}\" is not a list", key));
      for (const auto& v : *it) {
        if (!v.is_string()) return bad(fmt::format("\"{}\" holds something other than text", key));
        to.push_back(v.get_ref<const std::string&>());
      }
      return Status::Ok();
    };
    const bool status = kind == ProbeReply::kStatus;
    RETURN_IF_ERROR(text("daemon", out.daemon, status));
    RETURN_IF_ERROR(text("peer", out.peer, status));
    RETURN_IF_ERROR(texts("addresses", out.addresses));
    RETURN_IF_ERROR(texts("connected", out.connected));
    RETURN_IF_ERROR(texts("connect_errors", out.connect_errors));
    if (auto p = j.find("p2p"); status && p != j.end()) {
      if (!p->is_object()) return bad("\"p2p\" is not an object");
      P2pSettings s;
      auto js = p->find("js"), routing = p->find("routing"), set = p->find("routing_set"), low = p->find("low_water");
      if (js == p->end() || !js->is_boolean() || routing == p->end() || !routing->is_string() || set == p->end() ||
          !set->is_boolean() || low == p->end() || !(low->is_null() || low->is_number_integer()))
        return bad("\"p2p\" lacks js, routing, routing_set or low_water");
      s.js = js->get<bool>();
      s.routing = routing->get<std::string>();
      s.routing_set = set->get<bool>();
      if (!low->is_null()) s.low_water = low->get<long long>();
      out.p2p = s;
    }
    if (status) RETURN_IF_ERROR(text("p2p_error", out.p2p_error, false));
    if (kind == ProbeReply::kRead) {
      auto it = j.find("bytes");
      if (it == j.end() || !it->is_number_unsigned()) return bad("\"bytes\" is not a byte count");
      out.bytes = it->get<std::uint64_t>();
      RETURN_IF_ERROR(text("sha1", out.sha1, true));
    }
    return out;
  } catch (const std::exception& e) {
    return bad(e.what());
  }
}

Result<std::vector<std::string>> ParseHostPool(std::string_view xml) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS)
    return Status::Invalid(fmt::format("`onehost list -x` printed XML that does not parse: {}", doc.ErrorStr()));
  auto* pool = doc.FirstChildElement("HOST_POOL");
  if (!pool) return Status::Invalid("`onehost list -x` printed no HOST_POOL");
  std::vector<std::string> hosts;
  for (auto* h = pool->FirstChildElement("HOST"); h; h = h->NextSiblingElement("HOST")) {
    auto* name = h->FirstChildElement("NAME");
    if (name && name->GetText()) hosts.emplace_back(name->GetText());
  }
  return hosts;
}

}  // namespace oneipfs
