// peer_sources.cc: one source host at a time, spares disconnected (peer_sources.h).
#include "common/deploy/peer_sources.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace oneipfs {

namespace {

std::string PeerOf(const std::string& address) {
  size_t at = address.rfind("/p2p/");
  return at == std::string::npos ? std::string() : address.substr(at + 5);
}

// Peer ids are base58btc or base32 text; anything else gets no mark file.
bool SafePeerFileName(const std::string& peer) {
  return !peer.empty() && peer.size() <= 128 &&
         std::all_of(peer.begin(), peer.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

// The mark file of `peer` in `dir`, opened (created 0600, never through a
// symlink); -1 when there is no directory, the name is unsafe or it fails.
int OpenMark(const std::string& dir, const std::string& peer) {
  if (dir.empty() || !SafePeerFileName(peer)) return -1;
  return OpenLockFile(dir + "/" + peer);
}

bool PrivateDir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return false;
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) return false;
  return S_ISDIR(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077) == 0;
}

}  // namespace

std::vector<PeerCandidate> GroupByPeer(const std::vector<std::string>& addresses) {
  std::vector<PeerCandidate> out;
  for (const auto& a : addresses) {
    std::string peer = PeerOf(a);
    auto it = peer.empty() ? out.end()
                           : std::find_if(out.begin(), out.end(), [&](const PeerCandidate& c) { return c.peer == peer; });
    if (it == out.end()) out.push_back({peer, {a}});
    else it->addresses.push_back(a);
  }
  return out;
}

int OpenLockFile(const std::string& path) {
  return open(path.c_str(), O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
}

std::string SourceLockDir() {
  if (const char* run = std::getenv("XDG_RUNTIME_DIR"); run && run[0] == '/') {
    std::string dir = std::string(run) + "/one-ipfs";
    if (PrivateDir(dir)) return dir;
  }
  std::string dir = fmt::format("/tmp/one-ipfs-{}", geteuid());
  return PrivateDir(dir) ? dir : std::string();
}

PeerSources::PeerSources(const std::vector<std::string>& addresses, std::vector<std::string> spares,
                         std::string lock_dir, const Log& log)
    : candidates_(GroupByPeer(addresses)), spares_(std::move(spares)), lock_dir_(std::move(lock_dir)), log_(log) {}

PeerSources::~PeerSources() {
  for (int fd : marks_) close(fd);  // closing drops the shared flock
}

std::size_t PeerSources::untried() const {
  std::lock_guard<std::mutex> lock(mu_);
  return candidates_.size() - next_;
}

std::vector<std::string> PeerSources::connected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return connected_;
}

std::optional<std::string> PeerSources::ConnectNext(IpfsClient& ipfs) {
  std::lock_guard<std::mutex> lock(mu_);
  while (next_ < candidates_.size()) {
    const PeerCandidate& c = candidates_[next_++];
    // Marked before the connect: a DisconnectSpares of another fetch that
    // holds the exclusive lock finishes its disconnect first, then ours connects.
    int fd = OpenMark(lock_dir_, c.peer);
    if (fd >= 0 && flock(fd, LOCK_SH) != 0) {
      close(fd);
      fd = -1;
    }
    for (const auto& a : c.addresses) {
      Status st = ipfs.SwarmConnect(a);
      if (st.ok()) {
        connected_.push_back(c.peer);
        if (fd >= 0) marks_.push_back(fd);
        return c.peer;
      }
      log_.Info(fmt::format("cannot connect to peer {}: {}", a, st.message()));
    }
    if (fd >= 0) close(fd);
  }
  return std::nullopt;
}

void PeerSources::DisconnectSpares(IpfsClient& ipfs) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> spares;
  auto add = [&](const std::string& peer) {
    if (!peer.empty() && std::find(connected_.begin(), connected_.end(), peer) == connected_.end() &&
        std::find(spares.begin(), spares.end(), peer) == spares.end())
      spares.push_back(peer);
  };
  for (const auto& c : candidates_) add(c.peer);
  for (const auto& p : spares_) add(p);
  if (spares.empty()) return;
  // swarm/peers: {"Peers":[{"Addr":..,"Peer":..},..]} (kubo
  // core/commands/swarm.go; js-ipfs 0.66 the same; "Peers":null when none).
  if (auto listed = ipfs.Call("swarm/peers", {}); listed.ok()) {
    auto j = nlohmann::json::parse(*listed, nullptr, false);
    if (j.is_object() && j.contains("Peers") && (j["Peers"].is_array() || j["Peers"].is_null())) {
      std::vector<std::string> now;
      if (j["Peers"].is_array())
        for (const auto& p : j["Peers"])
          if (p.is_object() && p.contains("Peer") && p["Peer"].is_string()) now.push_back(p["Peer"].get<std::string>());
      std::erase_if(spares, [&](const std::string& s) { return std::find(now.begin(), now.end(), s) == now.end(); });
    }
  }
  for (const auto& peer : spares) {
    int fd = OpenMark(lock_dir_, peer);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);
      log_.Debug(fmt::format("peer {} is another fetch's source on this host: left connected", peer));
      continue;
    }
    (void)ipfs.SwarmDisconnect("/p2p/" + peer);
    if (fd >= 0) close(fd);
  }
}

}  // namespace oneipfs
