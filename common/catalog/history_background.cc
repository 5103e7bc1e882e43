#include "common/catalog/history_background.h"

#include <fmt/format.h>

#include "common/base/detached.h"

namespace oneipfs {

bool FlushIsStuck(const EventSpool::Backlog& backlog) {
  return backlog.events > 0 && (backlog.error || backlog.oldest_s > kFlushStale.count());
}

std::int64_t UnixNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status SpoolCatalogEvent(const HistorySettings& settings, std::string_view catalog_root, CatalogEvent ev,
                         const Log& log) {
  nlohmann::json fields = PrepareEventFields(ev);
  std::string dir = HistoryDir(catalog_root, ev.datastore);
  ASSIGN_OR_RETURN(EventSpool spool, EventSpool::Open(settings.spool_root, settings.api, dir));

  // What earlier flushes left (before ours is added, so ours never counts).
  auto waiting = spool.Waiting(UnixNowNs());
  if (waiting.ok() && FlushIsStuck(*waiting)) {
    log.Warn(fmt::format("catalog history: {} earlier event(s) of {} are not appended yet (the oldest waits for {} "
                         "s: {}); the flush of this event retries them",
                         waiting->events, dir, waiting->oldest_s,
                         waiting->error && !waiting->error->why.empty() ? waiting->error->why
                                                                        : "no flush has finished"));
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
