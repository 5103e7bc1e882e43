// disk_writer.h: write a VM disk file so that a half-written one is never at
// its final path.
//
// Create() opens a temporary file beside `dst` (".<name>.one-ipfs-XXXXXX",
// same directory, so the final rename is atomic), removing stale temporaries
// of earlier killed transfers of the same disk. Write() appends; blocks of
// 4 KiB that are all zero are skipped with lseek (the file stays sparse).
// Every 8 MiB written the disk is asked to start writing them
// (sync_file_range, asynchronous), so the final fsync has little left.
// Commit() sets the final length, checks it equals `expected` bytes, fsyncs
// the file, renames it over `dst` and fsyncs the directory. A writer that is
// destroyed without Commit() (any error) unlinks its temporary file; a
// process killed with SIGKILL leaves only the hidden temporary, never `dst`.
//
// Parallel transfers instead split the file into regions (OpenRegion), each
// written by one thread with the same zero-block skipping, and finish with
// CommitRegions(), which checks that the regions tile the file exactly and
// each got all its bytes before the same fsync-and-rename.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace oneipfs {

class AtomicDiskWriter {
 public:
  static Result<std::unique_ptr<AtomicDiskWriter>> Create(const std::string& dst);
  ~AtomicDiskWriter();
  AtomicDiskWriter(const AtomicDiskWriter&) = delete;
  AtomicDiskWriter& operator=(const AtomicDiskWriter&) = delete;

  // One slice [start, start + length) of the file; start is a multiple of
  // 4 KiB. Regions of one writer may be written from different threads at
  // once (positional writes on one descriptor); one region by one thread.
  class Region {
   public:
    Status Write(std::string_view bytes);  // appends within the region; more than length is an error
    std::uint64_t start() const { return start_; }
    std::uint64_t length() const { return length_; }
    std::uint64_t written() const { return next_ - start_ + pending_.size(); }

   private:
    friend class AtomicDiskWriter;
    Region(AtomicDiskWriter* w, std::uint64_t start, std::uint64_t length)
        : w_(w), start_(start), length_(length), next_(start), kicked_(start) {}
    AtomicDiskWriter* w_;
    std::uint64_t start_, length_;
    std::uint64_t next_;   // file offset of pending_ (everything before it is written)
    std::string pending_;  // a partial block
    std::uint64_t kicked_;  // writeback started up to here (StartWriteback)
  };
  Result<std::unique_ptr<Region>> OpenRegion(std::uint64_t start, std::uint64_t length);
  // Commit for a file written through regions: they must cover [0, expected)
  // without gap or overlap, each completely written; nothing is renamed
  // otherwise. Sequential Write() and regions do not mix.
  Status CommitRegions(const std::vector<std::unique_ptr<Region>>& regions, std::uint64_t expected);

  Status Write(std::string_view bytes);
  // Appends `n` zero bytes without writing them (a hole, apart from the
  // zeros that complete a pending partial block); the bytes read as zeros.
  Status WriteZeros(std::uint64_t n);
  Status Commit(std::uint64_t expected);
  std::uint64_t written() const { return offset_ + pending_.size(); }
  const std::string& temp_path() const { return tmp_; }

 private:
  AtomicDiskWriter(std::string dst, std::string tmp, int fd) : dst_(std::move(dst)), tmp_(std::move(tmp)), fd_(fd) {}
  Status PWrite(const char* p, std::size_t n, std::uint64_t at);
  // Appends `bytes` at file offset `at` (advanced past what is written) with
  // `pending` holding a partial block; the one loop of Write and Region.
  Status Append(std::string_view bytes, std::uint64_t& at, std::string& pending, std::uint64_t& kicked);
  // Starts the disk writing [kicked, at) once that is 8 MiB or more.
  void StartWriteback(std::uint64_t at, std::uint64_t& kicked);
  // Writes a partial block in `pending` (unless all zero) and advances `at`.
  Status FlushPartial(std::uint64_t& at, std::string& pending);
  // Writes the whole 4 KiB blocks of `bytes` at `at`, skipping all-zero
  // ones; returns how many bytes it consumed (a multiple of 4 KiB).
  Result<std::size_t> WriteBlocks(std::string_view bytes, std::uint64_t at);
  Status Seal(std::uint64_t length);  // ftruncate, fsync, rename, fsync dir
  std::string dst_, tmp_;
  std::string pending_;  // a partial block
  int fd_ = -1;
  std::uint64_t offset_ = 0;
  std::uint64_t kicked_ = 0;
  bool committed_ = false;
};

// Creates the directory and its parents (mkdir -p).
Status MakeDirs(const std::string& dir);

}  // namespace oneipfs
