// doctor_history.cc: the doctor's rows on the catalog history (doctor.h):
// what undelete (retention.h) keeps in the front end (CheckDeletedArea) and
// the events still waiting in the spool (CheckHistorySpool).
#include <fmt/format.h>

#include "common/admin/doctor.h"
#include "common/catalog/history_background.h"
#include "common/catalog/history_spool.h"
#include "common/catalog/retention.h"

namespace oneipfs {

Result<DeletedArea> MeasureDeletedArea(IpfsClient& ipfs, std::string_view catalog_root, std::int64_t grace,
                                       std::int64_t now) {
  ASSIGN_OR_RETURN(DeletedList list, ListDeleted(ipfs, catalog_root));
  DeletedArea a;
  for (const auto& e : list.entries) {
    ++a.images;
    if (e.deleted_at + grace <= now) ++a.past_grace;
    auto bytes = DirFileBytes(ipfs, e.dir);
    if (bytes.ok()) a.bytes += *bytes;
  }
  return a;
}

void CheckDeletedArea(const Result<DeletedArea>& area, std::int64_t grace, Report& r) {
  const char* subject = "front end";
  if (!area.ok()) {
    r.Warn(subject, "deleted images", fmt::format("cannot list the deleted area: {}", area.status().message()),
           "check the front-end daemon");
    return;
  }
  std::string detail = fmt::format("{} deleted image(s) kept for undelete hold {} (IPFS_DELETE_GRACE {} s)",
                                   area->images, HumanBytes(area->bytes), grace);
  if (area->past_grace == 0) {
    r.Pass(subject, "deleted images", detail);
    return;
  }
  r.Warn(subject, "deleted images", fmt::format("{}; {} past their grace", detail, area->past_grace),
         "run `one-ipfs-fsck --repair` (daily from cron: `17 3 * * * oneadmin one-ipfs-fsck --repair --no-oned`)");
}

Result<HistorySpoolState> MeasureHistorySpool(const std::string& spool_root, std::int64_t now_ns) {
  ASSIGN_OR_RETURN(auto spools, EventSpool::ListForReading(spool_root));
  HistorySpoolState state;
  for (const auto& spool : spools) {
    ASSIGN_OR_RETURN(auto waiting, spool.Waiting(now_ns));
    if (waiting.events == 0) continue;
    state.events += waiting.events;
    bool stuck = FlushIsStuck(waiting);
    // Name a stuck chain before any other, the oldest among equals.
    bool named = !state.chain.empty();
    if (named && (state.stuck && !stuck)) continue;
    if (named && state.stuck == stuck && waiting.oldest_s < state.oldest_s) continue;
    state.stuck = stuck;
    state.oldest_s = waiting.oldest_s;
    state.chain = spool.ChainDir().empty() ? spool.dir() : spool.ChainDir();
    state.why = waiting.error ? waiting.error->why : "";
  }
  return state;
}

void CheckHistorySpool(const Result<HistorySpoolState>& spool, const std::string& spool_root, Report& r) {
  const char* subject = "front end";
  if (!spool.ok()) {
    r.Warn(subject, "history spool", fmt::format("cannot read {}: {}", spool_root, spool.status().message()),
           "run the doctor as oneadmin, who owns the spool");
    return;
  }
  if (spool->events == 0) {
    r.Pass(subject, "history spool", "no catalog history event waits to be appended");
    return;
  }
  std::string detail = fmt::format("{} event(s) wait to be appended; the oldest, of {}, for {} s", spool->events,
                                   spool->chain, spool->oldest_s);
  if (!spool->stuck) {
    r.Pass(subject, "history spool", detail + " (a flush is under way)");
    return;
  }
  r.Warn(subject, "history spool", spool->why.empty() ? detail : fmt::format("{}: {}", detail, spool->why),
         "mend the cause (the daemon, the signing key), then run `one-ipfs-image verify`, which appends them first");
}

}  // namespace oneipfs
