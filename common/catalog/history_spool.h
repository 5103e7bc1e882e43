// history_spool.h: the front end's local side of a catalog history chain:
// a lock, the head it appended last, and the events not appended yet.
//
// One directory per chain (daemon API + chain directory):
//   <root>/<16 hex digits of SHA-256("<api>\n<chain dir>")>/
//     chain        "<api>\n<chain dir>" (what the directory is for)
//     lock         flock'd by whoever appends to that chain from this machine
//     head         "<seq> <cid> <eid>": the event this machine appended last
//     e-<ns>-<pid>-<n>   an event not appended yet (its JSON fields)
//     last-error   "<unix time> <why>": why the last flush left events here
//                  (removed when a flush empties the spool)
// <root> is beside the signing key (history.h): spooled events are signed
// when they are appended, so whoever can write here could have the front end
// sign what they like. Open refuses a directory (or root) that is not the
// caller's own, is a symlink, or that group or others may enter: nothing is
// spooled then (the caller says so).
//
// Put writes an event to a temporary name, fsyncs it and renames it into
// place (then fsyncs the directory): a crash leaves either the whole event or
// none. Names sort by the time they were spooled (nanoseconds, zero-padded),
// so Pending() is oldest first. The head file is a cache (written with
// rename, not fsync'd): a stale one only costs the appender a read of the
// chain (event_chain.h AppendAfter). Nothing throws; errors are values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace oneipfs {

struct SpooledHead {
  std::uint64_t seq = 0;
  std::string cid;
  std::string eid;  // the "eid" field of that event
};

// An exclusive flock held until destruction.
class SpoolLock {
 public:
  SpoolLock() = default;
  SpoolLock(SpoolLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  SpoolLock& operator=(SpoolLock&& o) noexcept;
  SpoolLock(const SpoolLock&) = delete;
  SpoolLock& operator=(const SpoolLock&) = delete;
  ~SpoolLock();

 private:
  friend class EventSpool;
  explicit SpoolLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

class EventSpool {
 public:
  // The directory of chain `chain_dir` on daemon `api` under `root`,
  // created (0700, with `root`) when missing. Invalid when it is not safe
  // (see above); Io when it cannot be made.
  static Result<EventSpool> Open(const std::string& root, std::string_view api, std::string_view chain_dir);
  // Only the name Open would use (for messages and tools).
  static std::string DirFor(const std::string& root, std::string_view api, std::string_view chain_dir);
  // Every chain directory under `root`, for reading only (the doctor): no
  // ownership check, nothing created. An empty list when `root` is missing.
  static Result<std::vector<EventSpool>> ListForReading(const std::string& root);
  // The chain directory this spool is for ("" when its `chain` file is unreadable).
  std::string ChainDir() const;

  const std::string& dir() const { return dir_; }

  // Waits until `deadline` for the lock; Timeout when another holder keeps it.
  Result<SpoolLock> Lock(std::chrono::steady_clock::time_point deadline) const;

  // Spooled event files, oldest first (names only).
  Result<std::vector<std::string>> Pending() const;
  Result<std::string> Read(const std::string& name) const;
  // Writes `text` durably as a new event; returns its name.
  Result<std::string> Put(std::string_view text) const;
  Status Remove(const std::string& name) const;

  std::optional<SpooledHead> LoadHead() const;
  Status SaveHead(const SpooledHead& head) const;

  // Why events are still spooled (see above); nullopt when nothing said so.
  struct FlushError {
    std::int64_t time = 0;  // unix seconds
    std::string why;
  };
  std::optional<FlushError> LastError() const;
  Status SaveLastError(std::string_view why) const;
  void ClearLastError() const;

  // When the event file `name` (a Pending() name) was spooled, in unix
  // nanoseconds; nullopt for a name Put did not make.
  static std::optional<std::int64_t> SpooledAtNs(std::string_view name);

  // What waits here at `now_ns` (unix nanoseconds): the spooled events, the
  // age of the oldest in whole seconds (0 when none wait) and the reason the
  // last flush left (LastError).
  struct Backlog {
    std::size_t events = 0;
    std::int64_t oldest_s = 0;
    std::optional<FlushError> error;
  };
  Result<Backlog> Waiting(std::int64_t now_ns) const;

 private:
  explicit EventSpool(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace oneipfs
