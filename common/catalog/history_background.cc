#include "common/catalog/history_background.h"

#include <ctime>

#include <fmt/format.h>

#include "common/base/detached.h"
#include "common/catalog/history_spool.h"

namespace oneipfs {

Status SpoolCatalogEvent(const HistorySettings& settings, std::string_view catalog_root, CatalogEvent ev,
                         const Log& log) {
  nlohmann::json fields = PrepareEventFields(ev);
  std::string dir = HistoryDir(catalog_root, ev.datastore);
  ASSIGN_OR_RETURN(EventSpool spool, EventSpool::Open(settings.spool_root, settings.api, dir));

  // What earlier flushes left (before ours is added, so ours never counts).
  auto pending = spool.Pending();
  if (pending.ok() && !pending->empty()) {
    auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    auto oldest = EventSpool::SpooledAtNs(pending->front());
    auto age = std::chrono::seconds(oldest && *oldest < now_ns ? (now_ns - *oldest) / 1000000000 : 0);
    auto error = spool.LastError();
    if (error || age > kFlushStale) {
      log.Warn(fmt::format("catalog history: {} earlier event(s) of {} are not appended yet (the oldest waits for {} "
                           "s: {}); the flush of this event retries them",
                           pending->size(), dir, age.count(),
                           error && !error->why.empty() ? error->why : "no flush has finished"));
    }
  }
  RETURN_IF_ERROR(spool.Put(fields.dump()).status());
  return Status::Ok();
}

std::string HistoryFlusherPath(const std::string& remotes) {
  return remotes.empty() ? "" : fmt::format("{}/datastore/ipfs/{}", remotes, kHistoryFlusher);
}

Status StartHistoryFlush(const std::string& flusher, const HistorySettings& settings, std::string_view catalog_root,
                         std::string_view ds_id) {
  if (flusher.empty()) return Status::NotFound("the history flusher is not installed");
  return StartDetached({flusher, "--api", settings.api, "--catalog", std::string(catalog_root), "--ds",
                        std::string(ds_id)});
}

Result<std::size_t> FlushSpooledEvents(IpfsClient& ipfs, const HistorySettings& settings,
                                       std::string_view catalog_root, std::string_view ds_id, const Log& log) {
  HistorySettings s = settings;
  s.budget = kFlushBudget;
  return HistoryRecorder(ipfs, std::string(catalog_root), s, log).Flush(ds_id);
}

}  // namespace oneipfs
