// fsck.h: the checks and repairs of one-ipfs-fsck (the catalog checks itself).
//
// Walks the catalog (<IPFS_CATALOG>/<datastore>/<image>-<regtime>, see
// catalog.h) and the daemon's recursive pins, and reports:
//  - kNotLocal: a version or saved snapshot whose blocks are not all in the
//    front-end daemon's repository (refs -r offline, bounded; kubo answers
//    from its blockstore, js-ipfs within the bound). Repair: fetch it under a
//    temporary pin. If that fails with a definite "content gone" answer of
//    the daemon (NotFound: "not found", e.g. kubo offline "block was not
//    found locally"), a history version (not the current one) is dropped;
//    on a timeout, an unreachable daemon or any other failure it is kept
//    (a peer holding it may be away for now) and listed as not repaired.
//    The current content is always left for the operator.
//  - kOrphan: an entry that belongs to no image of oned (only when oned's
//    image list is known, e.g. from `oneimage list -x`). oned's images and
//    our entries change while fsck runs: cp writes an image's entry while
//    oned shows the image LOCKED without a SOURCE, and an image registered
//    after the listing is not in it. So an entry is an orphan only when,
//    in the listing it is compared with,
//      - no image's SOURCE names it, and
//      - no image has the id and REGTIME its name "<id>-<regtime>" carries
//        (an image whose cp still runs), and
//      - that REGTIME is more than kOrphanSlack before the listing was
//        asked for (else the image may have been registered after it: it is
//        left for a later run, and a note says so).
//    An entry whose name carries no REGTIME is listed, never removed.
//    Repair: after the walk, oned is listed again (`relist_oned`) and only
//    the entries that are still orphans against that newer listing are
//    removed, right after it; an entry an image took meanwhile is dropped
//    from the findings with a note. Without `relist_oned`, or when it fails,
//    nothing is removed (not repaired, with the reason).
//  - kStale: a name inside an entry that is neither a version ("<n>") nor a
//    snapshot ("snap-<n>"), e.g. a staging name left by a killed writer; or
//    a non-directory among the entries. Repair: remove it.
//  - kStaleHold: a temporary pin (content_hold.h), recursive or direct (a
//    hold is direct until its content is fetched), whose process is gone
//    (same host, pid no longer running) or older than `hold_max_age`.
//    Repair: unpin it. Holds of running processes are not findings.
//  - kUnknownPin: a pin whose root carries a one-ipfs hold name fsck does
//    not recognise (it does not parse, or a wrapper with other links).
//    Listed only, never removed, even with `repair`. Pins without a one-ipfs
//    name (the operator's) are not looked at further.
//  - kPrune: with `prune_history` = N, versions older than the last N of an
//    entry (snapshots are never pruned). Repair: remove them.
//  - kExpired: with `delete_grace`, an entry of the deleted area
//    (retention.h: <root>/.deleted/<ds>/<image>-<regtime>-<deleted at>) whose
//    grace has passed at `now`. Repair: remove it (its content stays where
//    another entry or pin holds it, as for rm). Entries within their grace
//    are counted (FsckReport::deleted_kept), not findings; a name there that
//    does not parse is a note, never removed.
// Nothing is changed without `repair`; with it, the run holds IPFS_MFS_LOCK
// (catalog.h). Each finding says what it is and, with
// `repair`, whether the repair worked.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/catalog/catalog.h"
#include "common/ipfs/ipfs.h"
#include "common/base/log.h"
#include "common/base/status.h"

namespace oneipfs {

// What oned said about its images, and when it was asked.
struct OnedImages {
  std::int64_t listed_at = 0;     // unix seconds, taken just before the listing was asked for
  std::set<std::string> entries;  // the catalog entries their SOURCEs name
  std::set<std::string> images;   // "<id>-<regtime>" of every image, with a SOURCE or not
};

// How long before a listing an image's REGTIME must be for the listing to
// be trusted to show it (oned's clock against ours, and the moment between
// allocating an image and its row being visible).
inline constexpr std::int64_t kOrphanSlack = 300;

struct FsckOptions {
  bool repair = false;
  std::optional<std::uint64_t> prune_history;  // keep the last N versions
  std::chrono::seconds local_timeout{60};      // per content, the "all local" check
  std::chrono::seconds hold_max_age{24 * 3600};
  // oned's images, listed before the run; nullopt skips the orphan check.
  std::optional<OnedImages> oned;
  // Lists oned's images again just before orphans are removed; nullptr:
  // orphans are listed, not removed.
  std::function<Result<OnedImages>()> relist_oned;
  // Whether a process of this host runs (seam for tests).
  std::function<bool(long pid)> pid_alive;
  std::string this_host;  // empty: the machine's host name
  // IPFS_DELETE_GRACE in seconds (retention.h); nullopt: the deleted area is
  // not looked at. `now`: unix seconds (0: the clock).
  std::optional<std::int64_t> delete_grace;
  std::int64_t now = 0;
};

struct FsckFinding {
  enum class Kind { kNotLocal, kOrphan, kStale, kStaleHold, kPrune, kUnknownPin, kExpired };
  Kind kind = Kind::kStale;
  std::string subject;  // MFS path, or /ipfs/<cid> for pins
  std::string detail;
  bool repaired = false;
  std::string repair_error;  // set when a repair was tried and failed
};
std::string_view FsckKindName(FsckFinding::Kind k);

struct FsckReport {
  std::vector<FsckFinding> findings;
  std::vector<std::string> notes;  // what was skipped and why
  std::uint64_t entries = 0, versions = 0, holds_running = 0;
  std::uint64_t deleted_kept = 0;  // deleted entries still within their grace
  // Findings not (successfully) repaired.
  std::size_t open() const;
};

Result<FsckReport> RunFsck(IpfsClient& ipfs, std::string_view catalog_root, const FsckOptions& options,
                           const Log& log);

// oned's images from `oneimage list -x` output: the catalog entries named by
// IMAGE_POOL/IMAGE/SOURCE ("<host>:" prefixes stripped) and every image's
// "<ID>-<REGTIME>". `listed_at` is the caller's (when it asked).
Result<OnedImages> ParseImagePool(std::string_view xml, std::int64_t listed_at);

// The report as lines for the operator.
std::string FormatFsckReport(const FsckReport& report, bool repair);

}  // namespace oneipfs
