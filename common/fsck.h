// fsck.h: the checks and repairs of one-ipfs-fsck (the catalog checks itself).
//
// Walks the catalog (<IPFS_CATALOG>/<datastore>/<image>-<regtime>, see
// catalog.h) and the daemon's recursive pins, and reports:
//  - kNotLocal: a version or saved snapshot whose blocks are not all in the
//    front-end daemon's repository (refs -r offline, bounded; kubo answers
//    from its blockstore, js-ipfs within the bound). Repair: fetch it under a
//    temporary pin; if that fails, a history version (not the current one)
//    is dropped, the current content is left for the operator.
//  - kOrphan: an entry no image in oned names as its SOURCE (only when the
//    image list is known, e.g. from `oneimage list -x`). Repair: remove it.
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

#include "common/catalog.h"
#include "common/ipfs.h"
#include "common/log.h"
#include "common/status.h"

namespace oneipfs {

struct FsckOptions {
  bool repair = false;
  std::optional<std::uint64_t> prune_history;  // keep the last N versions
  std::chrono::seconds local_timeout{60};      // per content, the "all local" check
  std::chrono::seconds hold_max_age{24 * 3600};
  // The MFS directories (catalog entries) oned's images name as SOURCE;
  // nullopt skips the orphan check.
  std::optional<std::set<std::string>> oned_entries;
  // Whether a process of this host runs (seam for tests).
  std::function<bool(long pid)> pid_alive;
  std::string this_host;  // empty: the machine's host name
};

struct FsckFinding {
  enum class Kind { kNotLocal, kOrphan, kStale, kStaleHold, kPrune, kUnknownPin };
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
  // Findings not (successfully) repaired.
  std::size_t open() const;
};

Result<FsckReport> RunFsck(IpfsClient& ipfs, std::string_view catalog_root, const FsckOptions& options,
                           const Log& log);

// The catalog entries named by the SOURCEs of `oneimage list -x` output
// (IMAGE_POOL/IMAGE/SOURCE, "<host>:" prefixes stripped).
Result<std::set<std::string>> ParseImagePoolEntries(std::string_view xml);

// The report as lines for the operator.
std::string FormatFsckReport(const FsckReport& report, bool repair);

}  // namespace oneipfs
