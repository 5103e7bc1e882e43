// disk_writer.h: write a VM disk file so that a half-written one is never at
// its final path.
//
// Create() opens a temporary file beside `dst` (".<name>.one-ipfs-XXXXXX",
// same directory, so the final rename is atomic), removing stale temporaries
// of earlier killed transfers of the same disk. Write() appends; blocks of
// 4 KiB that are all zero are skipped with lseek (the file stays sparse).
// Commit() sets the final length, checks it equals `expected` bytes, fsyncs
// the file, renames it over `dst` and fsyncs the directory. A writer that is
// destroyed without Commit() (any error) unlinks its temporary file; a
// process killed with SIGKILL leaves only the hidden temporary, never `dst`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace oneipfs {

class AtomicDiskWriter {
 public:
  static Result<std::unique_ptr<AtomicDiskWriter>> Create(const std::string& dst);
  ~AtomicDiskWriter();
  AtomicDiskWriter(const AtomicDiskWriter&) = delete;
  AtomicDiskWriter& operator=(const AtomicDiskWriter&) = delete;

  Status Write(std::string_view bytes);
  // Appends `n` zero bytes without writing them (a hole, apart from the
  // zeros that complete a pending partial block); the bytes read as zeros.
  Status WriteZeros(std::uint64_t n);
  Status Commit(std::uint64_t expected);
  std::uint64_t written() const { return offset_ + pending_.size(); }
  const std::string& temp_path() const { return tmp_; }

 private:
  AtomicDiskWriter(std::string dst, std::string tmp, int fd) : dst_(std::move(dst)), tmp_(std::move(tmp)), fd_(fd) {}
  Status WriteAt(const char* p, std::size_t n);
  std::string dst_, tmp_;
  std::string pending_;  // a partial block
  int fd_ = -1;
  std::uint64_t offset_ = 0;
  bool committed_ = false;
};

// Creates the directory and its parents (mkdir -p).
Status MakeDirs(const std::string& dir);

}  // namespace oneipfs
