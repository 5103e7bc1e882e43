// providers.h: which hypervisor hosts hold (or are fetching) which content,
// so hosts fetch from each other instead of all from the front end.
//
// Kept in the front-end daemon's MFS, apart from the image catalog:
//
//   <IPFS_CATALOG>/.providers/<cid>/<host>   one small JSON record per host
//   <IPFS_CATALOG>/.providers/.hosts/<host>  the host daemon's identity
//   <IPFS_CATALOG>/.providers/<cid>/.lead    a deploy pulls it from the front end
//   <IPFS_CATALOG>/.providers/<cid>/.lead/<host>   ... and which host's deploy that is
//
// A record is {"host":..., "peer":<peer id>, "addresses":[<multiaddr>...],
// "time":<unix seconds>, "state":"held"|"fetching"}. The dot names keep it
// out of what the catalog and the doctor count as datastores/images. Records
// are hints, never trusted for correctness: the host daemon verifies every
// block by its hash, and a record older than IPFS_PROVIDER_TTL seconds is
// ignored and pruned when read. Written on clone/ln ("fetching" at the start
// when the host's identity is known, "held" on success), removed when the
// fetch fails, when tm delete finds the host no longer caches the CID, and
// when the host helper reports an eviction.
//
// Concurrency: each record is one files/write of its own path; two deploys of
// the same CID to the same host write the same record.
//
// GC: every MFS write here (files/write, files/rm, files/mkdir) holds
// IPFS_MFS_LOCK shared, like the catalog's (catalog.h, content_hold.h). These
// records live in the same MFS tree as the catalog, so an unlocked write that
// races `repo gc` on js-ipfs (or kubo < 0.43) loses the directory nodes it
// just made: the new MFS root, /<IPFS_CATALOG> and .providers. Every later
// MFS lookup through them, catalog reads included, and the next GC's pin of
// the MFS root then wait for blocks nobody has.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ipfs/content_hold.h"
#include "common/ipfs/ipfs.h"
#include "common/base/status.h"

namespace oneipfs {

struct ProviderRecord {
  std::string host;
  std::string peer;                    // the host daemon's peer id
  std::vector<std::string> addresses;  // its swarm multiaddrs (with or without /p2p/<peer>)
  std::int64_t time = 0;               // unix seconds of the last update
  bool fetching = false;               // "fetching": a deploy is pulling it now
};

// JSON text of a record and back. Parse fails (Invalid) on anything that is
// not an object with a non-empty host and peer, an integer time from 0 to
// 2^63 - 1 (so that `now - time` cannot overflow) and a list of string
// addresses; an unknown "state" counts as "held".
std::string ProviderRecordJson(const ProviderRecord& r);
Result<ProviderRecord> ParseProviderRecord(std::string_view json);

// The peer-selection policy (README "Peer-to-peer distribution"): at most
// `max_peers` hosts other than `self_host`, fresh (now - time <= ttl_s):
// holders first (newest first), then the lead of a concurrent deploy
// (`lead_host`, the one pulling from the front end), then the other fetchers,
// oldest first (they started earliest, so hold the most blocks); each
// contributes all its addresses, each with /p2p/<peer> appended when
// missing. Loopback addresses are kept (test hosts live on loopback; a
// daemon ignores addresses it cannot dial).
std::vector<std::string> ChooseProviderAddresses(std::vector<ProviderRecord> records, std::string_view self_host,
                                                 std::int64_t now, std::int64_t ttl_s, std::size_t max_peers,
                                                 std::string_view lead_host = {});

// Of the hosts following a lead (fresh "fetching" records other than the
// lead's, oldest first, then by host name), whether `self_host` is the
// first: the deputy. Should the lead vanish, the deputy turns to the front
// end at its first stall, and the other followers, whose next candidate
// after the lead is that same host (ChooseProviderAddresses orders fetchers
// alike), follow it: one stall, one host pulling from the front end. False
// without a lead or without a record of `self_host`.
bool IsDeputy(const std::vector<ProviderRecord>& records, std::string_view self_host, std::string_view lead_host,
              std::int64_t now, std::int64_t ttl_s);

// The peer ids of every other fresh record of the CID (holders and
// fetchers, any number), in record order without repeats: connections to
// them that a fetch does not use are closed (peer_sources.h), since each
// holds or will hold the blocks and would send them too.
std::vector<std::string> OtherProviderPeers(const std::vector<ProviderRecord>& records, std::string_view self_host,
                                            std::int64_t now, std::int64_t ttl_s);

// The fetch watchdog's notion of progress (one-ipfs-host fetch). A follower
// writes its disk in order, but bitswap delivers blocks in any order: a
// missing early block holds the disk back while later ones keep arriving.
// So besides bytes written, progress is any change of a watched bitswap
// wantlist: the host daemon's own (blocks arrive, children become wanted)
// and what each connected peer host told it it wants (that peer, e.g. the
// lead pulling from the front end, gets blocks: bitswap then forwards them
// to every peer whose want it holds, js-ipfs 0.66 ipfs-bitswap
// DecisionEngine.receivedBlocks, kubo's engine ReceivedBlocks alike).
//
// WantlistFingerprint: the sorted CIDs of a bitswap/wantlist reply,
// {"Keys":[{"/":"<cid>"},...]} (kubo core/commands/bitswap.go KeyList, with
// or without ?peer=; js-ipfs 0.66 the same; "Keys":null when empty);
// nullopt when the reply is not that shape.
std::optional<std::string> WantlistFingerprint(std::string_view json);

// Stall detection over such observations: Observe() is given the time, the
// bytes written so far and the fingerprints just read: [0] this daemon's
// own wantlist, [1..] what each peer wants (nullopt: that read failed, which
// is no progress; but when no list at all could be read, the daemon is too
// busy to answer, which is no stall either, bounded like a peer's changes).
// Any change from the previous observation of the same slot resets the
// clock. Returns true once no progress was seen for
// `stall_ms`, and then restarts the clock (a further stall is reported
// again after another `stall_ms`). A peer's changes alone (it progresses,
// we get nothing: our wants may not have reached it, or it is busy with
// other content) hold a stall off for at most kPeerOnlyStalls * stall_ms.
class ProgressClock {
 public:
  static constexpr int kPeerOnlyStalls = 6;
  ProgressClock(std::int64_t stall_ms, std::int64_t now_ms)
      : stall_ms_(stall_ms), last_progress_ms_(now_ms), last_own_ms_(now_ms) {}
  bool Observe(std::int64_t now_ms, std::uint64_t written, const std::vector<std::optional<std::string>>& wantlists);
  std::int64_t last_progress_ms() const { return last_progress_ms_; }

 private:
  std::int64_t stall_ms_;
  std::int64_t last_progress_ms_;  // any progress
  std::int64_t last_own_ms_;       // bytes written or our own wantlist moved
  std::uint64_t written_ = 0;
  std::vector<std::optional<std::string>> seen_;
};

// Host names and CIDs become MFS path segments: only [A-Za-z0-9._-], not
// starting with '.', at most 255 bytes.
bool SafeProviderName(std::string_view name);

class ProviderStore {
 public:
  ProviderStore(IpfsClient& ipfs, std::string catalog_root, std::int64_t ttl_s)
      : ipfs_(ipfs), root_(std::move(catalog_root) + "/.providers"), ttl_s_(ttl_s) {}

  const std::string& root() const { return root_; }
  // Fresh records of `cid`; stale or unreadable ones are removed on the way.
  Result<std::vector<ProviderRecord>> List(std::string_view cid, std::int64_t now);
  Status Put(std::string_view cid, const ProviderRecord& r);
  Status Remove(std::string_view cid, std::string_view host);  // Ok when absent
  // Every CID with a record of `host` (for tm delete's reconciliation).
  Result<std::vector<std::string>> CidsOf(std::string_view host);
  // The last identity (peer, addresses) seen for a host; nullopt if none.
  Result<std::optional<ProviderRecord>> Identity(std::string_view host);
  Status PutIdentity(const ProviderRecord& r);
  // Of concurrent deploys of one CID that no host holds yet, exactly one
  // pulls from the front end at once: the one whose files/mkdir (without
  // parents: fails when it exists, in kubo and js-ipfs alike) of
  // <cid>/.lead succeeds; it then writes <cid>/.lead/<host> so the others
  // know whom to ask first (LeadHost: "" while not written yet, or none).
  // The others pull from the fetchers, the lead first. ReleaseLead removes
  // it when that deploy ends; one left by a crashed deploy only makes later
  // fetchers wait IPFS_P2P_STALL before the front end.
  bool TakeLead(std::string_view cid, std::string_view host);
  std::string LeadHost(std::string_view cid);
  void ReleaseLead(std::string_view cid);

 private:
  // The shared IPFS_MFS_LOCK for one write (see above); waits at most the
  // client's timeout for a GC under the exclusive lock.
  Result<MfsWriteLock> WriteLock();

  IpfsClient& ipfs_;
  std::string root_;
  std::int64_t ttl_s_;
};

}  // namespace oneipfs
