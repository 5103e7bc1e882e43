// holder_first.cc: holder-first fetches and their hints (holder_first.h).
#include "common/ipfs/holder_first.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/base/private_dir.h"
#include "common/ipfs/cid.h"
#include "common/ipfs/content_hold.h"

namespace oneipfs {
namespace {

using nlohmann::json;

constexpr std::string_view kNotePrefix = "avoided-";

bool PeerIdText(std::string_view id) {
  return !id.empty() && id.size() <= 128 &&
         std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }) &&
         IpnsKeyMultihash(id).has_value();
}

bool AddrText(std::string_view a) {
  return a.size() >= 2 && a.size() <= 256 && a[0] == '/' && std::all_of(a.begin(), a.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' || c == ':' ||
                  c == '-';
         });
}

// An address as given, without a trailing /p2p/<id> (nullopt when it names
// another peer or is not an address).
std::optional<std::string> OwnAddr(std::string_view a, std::string_view id) {
  if (!AddrText(a)) return std::nullopt;
  auto at = a.find("/p2p/");
  if (at == std::string_view::npos) return std::string(a);
  if (a.substr(at + 5) != id) return std::nullopt;
  if (at == 0) return std::nullopt;
  return std::string(a.substr(0, at));
}

Result<PeerAddrs> PeerFromJson(const json& j) {
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string())
    return Status::Invalid("a peer is {\"id\":\"<peer id>\",\"addrs\":[...]}");
  PeerAddrs p;
  p.id = j["id"].get<std::string>();
  if (!PeerIdText(p.id)) return Status::Invalid(fmt::format("'{}' is not a peer id", p.id.substr(0, 80)));
  if (j.contains("addrs")) {
    if (!j["addrs"].is_array()) return Status::Invalid("a peer's addrs is a list");
    for (const auto& a : j["addrs"]) {
      if (!a.is_string()) return Status::Invalid("a peer's address is a string");
      auto own = OwnAddr(a.get<std::string>(), p.id);
      if (!own) return Status::Invalid(fmt::format("'{}' is not an address of peer {}", a.get<std::string>().substr(0, 80), p.id));
      if (std::find(p.addrs.begin(), p.addrs.end(), *own) == p.addrs.end()) p.addrs.push_back(*own);
    }
  }
  if (p.addrs.size() > kMaxPeerAddrs) p.addrs.resize(kMaxPeerAddrs);
  return p;
}

json PeerToJson(const PeerAddrs& p) { return json{{"id", p.id}, {"addrs", p.addrs}}; }

bool ProcessGone(long pid) { return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

// A note: the pid of the fetch that wrote it, then the addresses to dial
// the avoided peer again (HolderFirst::Begin writes it).
struct Note {
  long pid = 0;  // 0 when unreadable
  std::vector<std::string> addrs;
};

Note ReadNote(const std::string& path) {
  Note n;
  std::ifstream in(path);
  std::string line;
  if (std::getline(in, line)) n.pid = std::atol(line.c_str());
  while (std::getline(in, line) && n.addrs.size() < 2 * kMaxPeerAddrs)
    if (AddrText(line)) n.addrs.push_back(line);
  return n;
}

// The notes in `dir` whose name starts with `prefix` (paths).
std::vector<std::string> ListNotes(const std::string& dir, std::string_view prefix) {
  std::vector<std::string> notes;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return notes;
  while (const dirent* e = ::readdir(d))
    if (std::string_view(e->d_name).starts_with(prefix)) notes.push_back(dir + "/" + e->d_name);
  ::closedir(d);
  return notes;
}

// Whether a note of another fetch whose process runs still leaves `id` out.
bool OtherFetchAvoids(const std::string& dir, const std::string& id) {
  for (const auto& path : ListNotes(dir, fmt::format("{}{}.", kNotePrefix, id))) {
    long pid = ReadNote(path).pid;
    if (pid > 0 && !ProcessGone(pid)) return true;
  }
  return false;
}

// Dials `addrs` in turn until one connects, each within `each`, none past `until`.
bool Dial(IpfsClient& ipfs, const std::vector<std::string>& addrs, const Log& log,
          std::chrono::seconds each = kHolderDial,
          std::chrono::steady_clock::time_point until = std::chrono::steady_clock::time_point::max()) {
  TimeoutCap cap(ipfs, each);
  bool ok = false;
  for (const auto& a : addrs) {
    if (std::chrono::steady_clock::now() >= until) break;
    Status st = ipfs.SwarmConnect(a);
    if (st.ok()) {
      ok = true;
      break;
    }
    log.Info(fmt::format("cannot connect to peer {}: {}", a, st.message()));
  }
  return ok;
}

}  // namespace

std::vector<std::string> PeerAddrs::DialAddrs() const {
  std::vector<std::string> out;
  for (const auto& a : addrs) out.push_back(a + "/p2p/" + id);
  return out;
}

Result<PeerAddrs> ParsePeerAddrs(std::string_view text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::Invalid("a peer is JSON");
  return PeerFromJson(j);
}

std::string PeerAddrsJson(const PeerAddrs& peer) { return PeerToJson(peer).dump(); }

Result<PeerAddrs> OwnPeer(IpfsClient& ipfs) {
  ASSIGN_OR_RETURN(PeerInfo info, ipfs.Id());
  PeerAddrs p;
  p.id = info.id;
  if (!PeerIdText(p.id)) return Status::Failed(fmt::format("the daemon's peer id '{}' is not one", p.id.substr(0, 80)));
  for (const auto& a : info.addresses) {
    auto own = OwnAddr(a, p.id);
    if (own && std::find(p.addrs.begin(), p.addrs.end(), *own) == p.addrs.end() && p.addrs.size() < kMaxPeerAddrs)
      p.addrs.push_back(*own);
  }
  return p;
}

std::string SourceHintsJson(const SourceHints& hints) {
  json avoid = json::array();
  for (const auto& p : hints.avoid) avoid.push_back(PeerToJson(p));
  json holders = json::object();
  for (const auto& [cid, peers] : hints.holders) {
    json list = json::array();
    for (const auto& p : peers) list.push_back(PeerToJson(p));
    holders[cid] = std::move(list);
  }
  return json{{"avoid", std::move(avoid)}, {"holders", std::move(holders)}}.dump();
}

Result<SourceHints> ParseSourceHints(std::string_view text) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("avoid") || !j["avoid"].is_array() || !j.contains("holders") ||
      !j["holders"].is_object())
    return Status::Invalid("source hints are {\"avoid\":[...],\"holders\":{...}}");
  SourceHints h;
  for (const auto& p : j["avoid"]) {
    ASSIGN_OR_RETURN(PeerAddrs peer, PeerFromJson(p));
    h.avoid.push_back(std::move(peer));
  }
  for (const auto& [cid, peers] : j["holders"].items()) {
    if (!ParseCid(cid).ok() || !peers.is_array()) return Status::Invalid(fmt::format("'{}' is not a CID", cid.substr(0, 80)));
    std::vector<PeerAddrs> list;
    for (const auto& p : peers) {
      ASSIGN_OR_RETURN(PeerAddrs peer, PeerFromJson(p));
      list.push_back(std::move(peer));
    }
    h.holders.emplace_back(cid, std::move(list));
  }
  return h;
}

Status SaveSourceHints(IpfsClient& ipfs, std::string_view set, const SourceHints& hints) {
  bool safe = !set.empty() && set.size() <= 64 && std::all_of(set.begin(), set.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (!safe || set[0] == '.') return Status::Invalid(fmt::format("'{}' is not a hint set name", set));
  return WriteMfsIfChanged(ipfs, fmt::format("{}/{}", kSourceHintsDir, set), SourceHintsJson(hints));
}

Result<FetchSources> FindFetchSources(IpfsClient& ipfs, std::string_view cid) {
  FetchSources out;
  auto sets = ipfs.FilesLs(kSourceHintsDir);
  if (!sets.ok()) {
    if (sets.status().code() == Status::Code::kNotFound) return out;
    return sets.status();
  }
  auto add = [](std::vector<PeerAddrs>& to, const PeerAddrs& p) {
    if (std::none_of(to.begin(), to.end(), [&](const PeerAddrs& q) { return q.id == p.id; })) to.push_back(p);
  };
  for (const auto& e : *sets) {
    auto text = ipfs.FilesRead(fmt::format("{}/{}", kSourceHintsDir, e.name));
    if (!text.ok()) continue;
    auto hints = ParseSourceHints(*text);
    if (!hints.ok()) continue;
    for (const auto& [c, peers] : hints->holders) {
      if (!CidEqual(c, cid)) continue;
      for (const auto& p : peers)
        if (out.holders.size() < kMaxHolders) add(out.holders, p);
      for (const auto& p : hints->avoid) add(out.avoid, p);
    }
  }
  std::erase_if(out.avoid, [&](const PeerAddrs& a) {
    return std::any_of(out.holders.begin(), out.holders.end(), [&](const PeerAddrs& h) { return h.id == a.id; });
  });
  return out;
}

void ReconnectAvoided(IpfsClient& ipfs, const Log& log) {
  const auto until = std::chrono::steady_clock::now() + kReconnectBudget;
  const std::string dir = SourceLockDir();
  if (dir.empty()) return;
  for (const auto& path : ListNotes(dir, kNotePrefix)) {
    Note note = ReadNote(path);
    if (!note.addrs.empty() && std::chrono::steady_clock::now() < until) {
      log.Debug(fmt::format("dialling again the peer a holder-first fetch avoids ({})", note.addrs.front()));
      (void)Dial(ipfs, note.addrs, log, kReconnectDial, until);
    }
    if (ProcessGone(note.pid)) ::unlink(path.c_str());
  }
}

bool HolderFirst::Begin(std::string_view cid, const FetchSources& sources) {
  if (active_ || sources.holders.empty()) return false;
  // One source: the first holder that connects (as a host's fetch,
  // deploy/peer_sources.h: two connected holders would both send every block).
  const PeerAddrs* source = nullptr;
  for (const auto& h : sources.holders)
    if (Dial(ipfs_, h.DialAddrs(), log_)) {
      source = &h;
      break;
    }
  if (!source) {
    log_.Info(fmt::format("no daemon that holds /ipfs/{} could be reached: fetching from every peer", cid));
    return false;
  }
  std::vector<PeerAddrs> avoid = sources.avoid;
  for (const auto& h : sources.holders)
    if (h.id != source->id) avoid.push_back(h);
  auto listed = ipfs_.SwarmPeers();
  const std::string dir = SourceLockDir();
  active_ = true;
  for (const auto& a : avoid) {
    std::string seen;
    if (listed.ok()) {
      auto it = std::find_if(listed->begin(), listed->end(), [&](const auto& p) { return p.peer == a.id; });
      if (it == listed->end()) continue;  // not connected: nothing to avoid
      if (auto own = OwnAddr(it->addr, a.id); own && !own->empty()) seen = *own + "/p2p/" + a.id;
    }
    Avoided av{a, seen, ""};
    if (!dir.empty() && PeerIdText(a.id)) {
      // one note per fetch: two imports that leave the same peer out do not
      // share (and so cannot remove) each other's note
      static std::atomic<unsigned> fetches{0};
      std::string note = fmt::format("{}/{}{}.{}.{}", dir, kNotePrefix, a.id, ::getpid(), fetches++);
      int fd = ::open(note.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd >= 0) {
        std::string body = fmt::format("{}\n", ::getpid());
        for (const auto& d : a.DialAddrs()) body += d + "\n";
        if (!seen.empty()) body += seen + "\n";
        bool written = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
        ::close(fd);
        if (written) av.note = note;
        else ::unlink(note.c_str());
      }
    }
    (void)ipfs_.SwarmDisconnect("/p2p/" + a.id);
    avoided_.push_back(std::move(av));
  }
  // The root block, from a holder: a holder that does not serve it is no source.
  auto probe = [&] {
    TimeoutCap cap(ipfs_, kHolderStall);
    return ipfs_.Stat(fmt::format("/ipfs/{}", cid));
  }();
  if (!probe.ok()) {
    log_.Info(fmt::format("{}, a daemon that holds /ipfs/{}, did not serve its root ({}): fetching from every peer",
                          source->id, cid, probe.status().message()));
    Restore();
    return false;
  }
  log_.Info(fmt::format("fetching /ipfs/{} from {}, a daemon that holds it{}", cid, source->id,
                        avoided_.empty() ? "" : fmt::format("; {} other daemon(s) left out meanwhile", avoided_.size())));
  return true;
}

void HolderFirst::Restore() {
  if (!active_) return;
  active_ = false;
  const std::string dir = SourceLockDir();
  for (const auto& a : avoided_) {
    if (!a.note.empty()) ::unlink(a.note.c_str());
    // another holder-first fetch still leaves it out: that one dials it at its end
    if (!dir.empty() && OtherFetchAvoids(dir, a.peer.id)) {
      log_.Debug(fmt::format("peer {} stays left out: another fetch from holders runs", a.peer.id));
      continue;
    }
    std::vector<std::string> addrs = a.peer.DialAddrs();
    if (!a.seen_addr.empty() && std::find(addrs.begin(), addrs.end(), a.seen_addr) == addrs.end())
      addrs.push_back(a.seen_addr);
    if (!Dial(ipfs_, addrs, log_)) log_.Info(fmt::format("peer {} left out by the fetch is not connected again", a.peer.id));
  }
  avoided_.clear();
}

}  // namespace oneipfs
