// peer_sources.h: which other hosts a host fetch asks for blocks, one at a
// time (README "Peer-to-peer distribution"; used by one-ipfs-host fetch).
//
// The front end gives the helper the addresses of up to IPFS_P2P_PEERS hosts
// that hold or are fetching the CID, best first (providers.h
// ChooseProviderAddresses), each ending in /p2p/<peer id>. Bitswap asks
// every connected peer: js-ipfs 0.66 sends each want as want-block to all of
// them and every one that has the block sends it (ipfs-bitswap
// WantManager/DecisionEngine), so two connected holders mean every block
// arrives twice; kubo (boxo bitswap sessions) sends want-block to one peer
// and want-have to the others, and still receives duplicates while a
// session's peers are being discovered. So a fetch connects ONE host, the
// first that connects, and closes the connections to the other candidates
// that earlier deploys left open (the connection graph of a distribution
// stays a tree: no block reaches a host twice), and to the other hosts that
// have the content (--spare; the candidates are only the best few). The next candidate comes in
// only when the watchdog sees no progress (the front end after the last).
//
// Two fetches on one host (different images) must not close each other's
// source: the source in use is marked by a shared flock(2) on
// <lock_dir>/<peer id> held until the PeerSources object is gone;
// DisconnectSpares closes a spare only under an exclusive, non-blocking
// flock of the same file, and skips what another fetch uses. lock_dir ""
// (none usable) disables the marks; the spares are then closed anyway,
// which may only make another fetch wait for its watchdog.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/base/private_dir.h"
#include "common/ipfs/ipfs.h"
#include "common/base/log.h"

namespace oneipfs {

struct PeerCandidate {
  std::string peer;                    // peer id ("" when the address names none)
  std::vector<std::string> addresses;  // in the order given
};

// The --peer addresses grouped by their /p2p/<peer id> suffix, in order of
// first appearance; an address without one is a candidate of its own.
std::vector<PeerCandidate> GroupByPeer(const std::vector<std::string>& addresses);

class PeerSources {
 public:
  // `spares`: peer ids of other hosts with the content that are not
  // candidates (IPFS_P2P_PEERS caps those): only ever disconnected.
  PeerSources(const std::vector<std::string>& addresses, std::vector<std::string> spares, std::string lock_dir,
              const Log& log);
  ~PeerSources();
  PeerSources(const PeerSources&) = delete;
  PeerSources& operator=(const PeerSources&) = delete;

  // Connects the next untried candidate: each of its addresses in turn until
  // one connects (an INFO line for each that does not), then marks it in use.
  // Returns its peer id ("" for an address without one); nullopt when no
  // candidate is left.
  std::optional<std::string> ConnectNext(IpfsClient& ipfs);
  // Closes the connections to every candidate this fetch has not connected
  // and to every spare (swarm/disconnect /p2p/<id>, for those swarm/peers
  // lists, or for all when it cannot be read; errors ignored), except those
  // another fetch on this host marks in use.
  void DisconnectSpares(IpfsClient& ipfs);

  bool empty() const { return candidates_.empty(); }
  std::size_t untried() const;
  std::vector<std::string> connected() const;  // peer ids, in connect order

 private:
  std::vector<PeerCandidate> candidates_;
  std::vector<std::string> spares_;
  std::string lock_dir_;
  const Log& log_;
  mutable std::mutex mu_;
  std::size_t next_ = 0;
  std::vector<std::string> connected_;
  std::vector<int> marks_;  // fds holding LOCK_SH
};

}  // namespace oneipfs
