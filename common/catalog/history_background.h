// history_background.h: catalog events appended off the action's path
// (IPFS_HISTORY_APPEND=background, the default; history.h).
//
// An action's event costs the action one fsync'd file and one process
// start, not the two daemon calls of an append (tens of ms on js-ipfs):
//  1. SpoolCatalogEvent writes the event's fields to its chain's spool
//     (history_spool.h: fsync'd, then renamed into place; the order of the
//     chain is the order events were spooled). Before that it looks at what
//     the spool already holds: events a flush left behind (the spool's
//     last-error says why) or that wait for longer than kFlushStale get ONE
//     WARN line on this action, naming how many, since when and why; the
//     flush this event starts retries them. An event that cannot be spooled
//     is an error (the caller appends it inline instead).
//  2. StartHistoryFlush starts <remotes>/datastore/ipfs/one-ipfs-history-flush
//     detached (base/detached.h): own session, stdio on /dev/null, so oned
//     sees the action's reply end when the action exits.
//  3. The flusher (FlushSpooledEvents) takes the chain's lock, waiting up to
//     kFlushBudget (another flusher may hold it), and appends every spooled
//     event, oldest first (HistoryRecorder::Flush). What it cannot append
//     stays spooled, with the reason in last-error; whatever flush runs next
//     (the next event's, or `one-ipfs-image history|verify`) appends it.
// Crash safety is the spool's: an event is on disk before the action
// replies, and a spooled event carries an eid, so one appended just before
// a crash is never appended twice.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/base/log.h"
#include "common/base/status.h"
#include "common/catalog/history.h"
#include "common/catalog/history_spool.h"
#include "common/ipfs/ipfs.h"

namespace oneipfs {

inline constexpr std::chrono::seconds kFlushBudget{60};
inline constexpr std::chrono::seconds kFlushStale{120};
inline constexpr char kHistoryFlusher[] = "one-ipfs-history-flush";

// The one rule for a chain's backlog needing attention (the action's WARN
// line, the doctor's WARN row): events wait and a flush left its reason, or
// the oldest waits longer than kFlushStale.
bool FlushIsStuck(const EventSpool::Backlog& backlog);
// Now, in unix nanoseconds (what spool names carry).
std::int64_t UnixNowNs();

// Step 1. `catalog_root` is IPFS_CATALOG; the chain is ev.datastore's.
Status SpoolCatalogEvent(const HistorySettings& settings, std::string_view catalog_root, CatalogEvent ev,
                         const Log& log);

// Step 2: `flusher` (an absolute path) with the chain's API, catalog root
// and datastore.
Status StartHistoryFlush(const std::string& flusher, const HistorySettings& settings, std::string_view catalog_root,
                         std::string_view ds_id);

// Where the flusher is installed: <remotes>/datastore/ipfs/one-ipfs-history-flush
// ("" when `remotes` is empty).
std::string HistoryFlusherPath(const std::string& remotes);

// Step 3: returns how many events are still spooled. `ipfs` should have a
// deadline of kFlushBudget.
Result<std::size_t> FlushSpooledEvents(IpfsClient& ipfs, const HistorySettings& settings,
                                       std::string_view catalog_root, std::string_view ds_id, const Log& log);

}  // namespace oneipfs
