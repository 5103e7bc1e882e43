// holder_first.h: fetching content from the daemons that already hold it
// (the mirrors of a marketplace: clouds that imported an app) rather than
// from its publisher.
//
// Why: bitswap asks every connected peer. js-ipfs 0.66 sends each want to
// all of them, and whoever has the block sends it (deploy/peer_sources.h),
// so while the publisher's daemon is connected it serves most of every
// import however many clouds hold the app already (measured before this:
// 1.00x, 0.90x and 0.85x of the image to three clouds importing one after
// another).
//
// Hints. The marketplace monitor (market/market_sources.h) reads which
// followed mirrors hold which CIDs and where their daemons are, and keeps
// that with SaveSourceHints in the front-end daemon's MFS, one file per
// marketplace: <kSourceHintsDir>/<set> =
//   {"avoid":[peer...], "holders":{"<cid>":[peer...]}}
// where a peer is {"id":"<peer id>","addrs":["/ip4/../tcp/..",..]} (at most
// kMaxPeerAddrs addresses: each starts with '/', is made of [A-Za-z0-9/._:-]
// and names no other peer). FindFetchSources(cid) gathers the holders of a
// CID from every set that has it, and that set's peers to avoid (the
// publisher's daemon); a file or a peer that does not parse is skipped.
//
// HolderFirst::Begin (ds cp of /ipfs/<cid>, IPFS_MIRROR_FIRST = yes):
//  1. connects the first holder that answers (each address in turn,
//     kHolderDial each; holders in the order of the hints: the mirrors'
//     order in IPFS_MARKET_FOLLOW): the one source, as a host's fetch has
//     one (two connected holders would each send every block);
//  2. then, for each peer to avoid (the publisher's daemon, the other
//     holders) that swarm/peers lists, writes a note
//     <SourceLockDir>/avoided-<id>.<pid>.<n>, one per fetch (this pid, then
//     the addresses to dial it again) and disconnects it (swarm/disconnect
//     /p2p/<id>);
//  3. probes: files/stat of /ipfs/<cid> within kHolderStall (the root block,
//     now from the source); a probe that fails restores at once.
// Restore() (also run by the destructor) removes its notes and dials each
// avoided peer again (the note's addresses, then the address swarm/peers
// showed), except a peer that another running fetch's note still leaves
// out: the last of them to end dials it. A fetch that stalls for kHolderStall while holder-first restores and
// goes on (content_hold.h). Everything is best effort: a dial that fails is
// an INFO line, never the action's failure; the CID decides what arrives,
// not who sends it.
//
// Other fetches never wait for it: ReconnectAvoided, run once at the start
// of every front-end action (the datastore, transfer and marketplace
// runners, one-ipfs-fsck --repair) before anything may fetch, dials the
// peers of every note again and removes the notes whose process is gone (a
// killed cp). So a second action while a first fetch runs holder-first
// gets the publisher back at once: if it is itself a holder-first import,
// it leaves the publisher out again with its own note, and the first to end
// leaves the publisher to the other; any other action keeps it connected
// (the first fetch then shares its egress: less saving, never a stall).
//
// It sticks only when the daemon does not dial the avoided peer back by
// itself: js-ipfs dials known peers up to Swarm.ConnMgr.LowWater (set it to
// 0 on the front end, as on hosts: docs/operations.md); kubo's connection
// manager never dials, though a content-routing lookup may find the
// publisher again (the fetch is then shared, not wrong).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/log.h"
#include "common/base/status.h"
#include "common/ipfs/ipfs.h"

namespace oneipfs {

inline constexpr std::string_view kSourceHintsDir = "/one-ipfs-market/.sources";
inline constexpr std::size_t kMaxPeerAddrs = 8;
inline constexpr std::size_t kMaxHolders = 8;
inline constexpr std::chrono::seconds kHolderDial{10};
inline constexpr std::chrono::seconds kHolderStall{10};
// ReconnectAvoided runs before every datastore action (stat answers within
// the CLI's budget): each dial within kReconnectDial, all within kReconnectBudget.
inline constexpr std::chrono::seconds kReconnectDial{3};
inline constexpr std::chrono::seconds kReconnectBudget{6};

struct PeerAddrs {
  std::string id;
  std::vector<std::string> addrs;  // as given, without /p2p/<id>
  // Each address with /p2p/<id>, to dial.
  std::vector<std::string> DialAddrs() const;
};

// {"id","addrs"} checked as above; Invalid naming what is wrong. Addresses
// that end in /p2p/<id> lose that suffix.
Result<PeerAddrs> ParsePeerAddrs(std::string_view json);
std::string PeerAddrsJson(const PeerAddrs& peer);
// This daemon's peer (`id`), its addresses filtered as above.
Result<PeerAddrs> OwnPeer(IpfsClient& ipfs);

struct SourceHints {
  std::vector<PeerAddrs> avoid;
  std::vector<std::pair<std::string, std::vector<PeerAddrs>>> holders;  // cid -> peers
};
std::string SourceHintsJson(const SourceHints& hints);
Result<SourceHints> ParseSourceHints(std::string_view json);
// Writes <kSourceHintsDir>/<set> (set: [A-Za-z0-9._-], 1-64).
Status SaveSourceHints(IpfsClient& ipfs, std::string_view set, const SourceHints& hints);

struct FetchSources {
  std::vector<PeerAddrs> holders;  // at most kMaxHolders, no duplicate
  std::vector<PeerAddrs> avoid;    // none of them a holder
};
// The holders of `cid` over every hint file (none: empty holders).
Result<FetchSources> FindFetchSources(IpfsClient& ipfs, std::string_view cid);

// Dials again the peers of every avoided-* note (see above), each address
// within kReconnectDial and all within kReconnectBudget (a publisher that is
// down costs an action at most that); removes the notes of processes that
// are gone. Errors are INFO lines.
void ReconnectAvoided(IpfsClient& ipfs, const Log& log);

class HolderFirst {
 public:
  HolderFirst(IpfsClient& ipfs, const Log& log) : ipfs_(ipfs), log_(log) {}
  ~HolderFirst() { Restore(); }
  HolderFirst(const HolderFirst&) = delete;
  HolderFirst& operator=(const HolderFirst&) = delete;

  // Steps 1-3 above. True when the fetch is now holder-first.
  bool Begin(std::string_view cid, const FetchSources& sources);
  bool active() const { return active_; }
  // Removes its notes and dials the avoided peers again, but those another
  // running fetch still leaves out (once).
  void Restore();

 private:
  struct Avoided {
    PeerAddrs peer;
    std::string seen_addr;  // the address swarm/peers showed
    std::string note;       // the note's path ("" when none was written)
  };
  IpfsClient& ipfs_;
  const Log& log_;
  bool active_ = false;
  std::vector<Avoided> avoided_;
};

}  // namespace oneipfs
