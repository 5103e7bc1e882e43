// content_hold.h: temporary pins that keep content from garbage collection
// while an operation brings it into a daemon (the rule is in catalog.h).
//
// A hold is a pin on a root that only this operation can have made, so
// releasing it never unpins content that another image, another operation or
// the operator pinned (the content's own CID is never pinned or unpinned):
//  - Acquire(cid): a dag-cbor node {"one-ipfs-hold": <name>, "content": <cid>}
//    (dag/put), pinned directly at once (bounded; put again if a GC took the
//    tiny node first), then every block is fetched (refs -r, with progress)
//    and the pin is made recursive (pin/add, which in kubo holds the GC lock
//    and fetches whatever a GC took meanwhile). On success every block of
//    `cid` is local and pinned.
//    With HoldFetch::kLocalFirst (ds cp/clone of content that is usually in
//    the front-end daemon already) the recursive pin is tried first with
//    offline=true (IpfsClient::PinAddOffline, bounded by kLocalPinLimit):
//    when every block is local that one pin is the only walk of the DAG
//    (on js-ipfs each walk reads every block; refs -r then pin/add read it
//    all twice). When it fails (kubo: a block is missing; js-ipfs: not done
//    within the limit, the blocks it fetched meanwhile stay for the walk)
//    the steps above follow, unchanged.
//    With a HolderFirst that is active (holder_first.h: the daemons that
//    hold the content are connected and its publisher's is left out), the
//    walk's stall limit is kHolderStall; a walk that stalls restores the
//    publisher's connection and walks again (the blocks it got stay).
//  - Adopt(root): the wrapper directory {<name>: file} that IpfsClient::Add
//    pinned for a `hold_name` (add with pin=true: kubo holds its GC lock for
//    the whole add).
// <name> is "one-ipfs-hold-<unix time>-<pid>-<random>-<host>": unique, and it
// tells one-ipfs-fsck whose hold it is and whether its process still runs.
// Release() (also run by the destructor) unpins the root; "not pinned" is
// not an error. A process killed while it holds leaves a recursive pin that
// one-ipfs-fsck lists and removes with --repair.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/ipfs/ipfs.h"
#include "common/base/log.h"
#include "common/base/status.h"

namespace oneipfs {

class HolderFirst;

inline constexpr std::string_view kHoldPrefix = "one-ipfs-hold-";

// A fresh hold name for this process.
std::string NewHoldName();
// This machine's name as hold names carry it ('/' and ' ' replaced).
std::string HoldHostName();

struct HoldName {
  std::uint64_t started = 0;  // unix seconds
  long pid = 0;
  std::string host;
};
// Parses a name made by NewHoldName; nullopt for anything else.
std::optional<HoldName> ParseHoldName(std::string_view name);

enum class HoldFetch { kWalk, kLocalFirst };
// How long kLocalFirst's offline pin may take before the walk takes over.
inline constexpr std::chrono::seconds kLocalPinLimit{30};

class ContentHold {
 public:
  ContentHold() = default;
  ContentHold(ContentHold&& o) noexcept : ipfs_(o.ipfs_), root_(std::move(o.root_)) { o.root_.clear(); }
  ContentHold& operator=(ContentHold&& o) noexcept;
  ContentHold(const ContentHold&) = delete;
  ContentHold& operator=(const ContentHold&) = delete;
  ~ContentHold() { (void)Release(); }

  // Fetches and pins every block of `cid` under a new hold (see above).
  static Result<ContentHold> Acquire(IpfsClient& ipfs, std::string_view cid, const Log& log,
                                     HoldFetch fetch = HoldFetch::kWalk, HolderFirst* holders = nullptr);
  // Takes over a pin made by IpfsClient::Add with a hold name.
  static ContentHold Adopt(IpfsClient& ipfs, std::string root);

  // Unpins the hold's root (once). Ok when it was already gone.
  Status Release();
  // Gives the pin up without releasing it (it outlives this process: the
  // host helper's add, released later by the front end). Returns the root.
  std::string Detach() {
    std::string r = std::move(root_);
    root_.clear();
    return r;
  }
  bool held() const { return !root_.empty(); }
  const std::string& root() const { return root_; }

 private:
  IpfsClient* ipfs_ = nullptr;
  std::string root_;
};

// Release() for when the content is already linked elsewhere: a failure is
// only a WARN (the pin is left for one-ipfs-fsck), never the action's failure.
void ReleaseOrWarn(ContentHold& hold, const Log& log);

// MfsWriteLock: a shared flock(2) on the file IPFS_MFS_LOCK (IpfsOptions::
// mfs_lock), held by every catalog mutation for its duration. Why: on
// js-ipfs and kubo < 0.43 an MFS write running while `repo gc` sweeps loses
// the MFS directory nodes it just wrote (kubo issue #10842; js-ipfs reads the
// MFS root before it takes its GC lock), and no pin can cover nodes whose CID
// is not known yet. There, run GC only under the exclusive lock:
//   flock <IPFS_MFS_LOCK> ipfs repo gc
// (and not the daemon's automatic GC). Empty path (the default): no lock.
class MfsWriteLock {
 public:
  MfsWriteLock() = default;
  MfsWriteLock(MfsWriteLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  MfsWriteLock& operator=(MfsWriteLock&& o) noexcept;
  MfsWriteLock(const MfsWriteLock&) = delete;
  MfsWriteLock& operator=(const MfsWriteLock&) = delete;
  ~MfsWriteLock();
  // Takes the shared lock on `path` (created if missing), waiting at most
  // `wait` for an exclusive holder (a GC) to finish. Empty path: no lock.
  static Result<MfsWriteLock> Take(const std::string& path, std::chrono::seconds wait);
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Writes `text` to the MFS file `path` (MfsWriteLock held) unless the file
// holds exactly that already: an unchanged hint changes no MFS root.
Status WriteMfsIfChanged(IpfsClient& ipfs, const std::string& path, std::string_view text);

// What a pin's root says about whose it is.
struct PinOwner {
  enum class Kind {
    kNotOurs,       // carries no one-ipfs hold name: the operator's or another tool's
    kHold,          // a hold of either kind (`hold` parsed from `name`)
    kUnrecognised,  // carries a one-ipfs hold name that does not parse (another version?)
  };
  Kind kind = Kind::kNotOurs;
  std::string name;  // the hold name it carries (kHold, kUnrecognised)
  HoldName hold;     // kHold
};
// Reads the pin `root`'s own node (dag/get <root>/one-ipfs-hold) and, for a
// recursive pin, its links (ls without sizes or types: an add wrapper is a
// directory with one link whose name is the hold name). A direct pin is only
// looked at as a hold node (`direct`): its children need not be local, and
// js-ipfs's ls reads every child's block (it ignores resolve-type=false),
// waiting for the network for those it does not have. Each call is bounded
// by the client's timeout.
Result<PinOwner> IdentifyPin(IpfsClient& ipfs, std::string_view root, bool direct);

}  // namespace oneipfs
