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
  if (auto listed = ipfs.SwarmPeers(); listed.ok())
    std::erase_if(spares, [&](const std::string& s) {
      return std::none_of(listed->begin(), listed->end(), [&](const auto& p) { return p.peer == s; });
    });
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
