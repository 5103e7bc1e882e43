#include "common/base/disk_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace oneipfs {
namespace {

constexpr std::size_t kBlock = 4096;
constexpr std::uint64_t kWriteback = 8 << 20;  // StartWriteback's step

std::string Errno(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

bool AllZero(const char* p, std::size_t n) {
  return n == 0 || (p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0);
}

void RemoveStaleTemps(const std::string& dir, const std::string& prefix) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.rfind(prefix, 0) == 0) ::unlink((dir + "/" + name).c_str());
  }
  ::closedir(d);
}

}  // namespace

Status MakeDirs(const std::string& dir) {
  if (dir.empty()) return Status::Ok();
  std::string cur;
  size_t i = 0;
  while (i <= dir.size()) {
    size_t j = dir.find('/', i);
    if (j == std::string::npos) j = dir.size();
    cur = dir.substr(0, j);
    if (!cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
      return Status::Io(Errno("cannot create directory", cur));
    i = j + 1;
  }
  return Status::Ok();
}

Result<std::unique_ptr<AtomicDiskWriter>> AtomicDiskWriter::Create(const std::string& dst) {
  size_t slash = dst.rfind('/');
  if (slash == std::string::npos || slash + 1 == dst.size())
    return Status::Invalid(fmt::format("'{}' is not a file path", dst));
  std::string dir = slash == 0 ? "/" : dst.substr(0, slash);
  std::string prefix = "." + dst.substr(slash + 1) + ".one-ipfs-";
  RETURN_IF_ERROR(MakeDirs(dir));
  RemoveStaleTemps(dir, prefix);
  std::string tmp = dir + "/" + prefix + "XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Status::Io(Errno("cannot create a temporary file in", dir));
  return std::unique_ptr<AtomicDiskWriter>(new AtomicDiskWriter(dst, tmp, fd));
}

AtomicDiskWriter::~AtomicDiskWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

Status AtomicDiskWriter::PWrite(const char* p, std::size_t n, std::uint64_t at) {
  std::size_t done = 0;
  while (done < n) {
    ssize_t w = ::pwrite(fd_, p + done, n - done, static_cast<off_t>(at + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::Io(Errno("cannot write", tmp_));  // e.g. ENOSPC
    }
    done += static_cast<std::size_t>(w);
  }
  return Status::Ok();
}

Result<std::size_t> AtomicDiskWriter::WriteBlocks(std::string_view bytes, std::uint64_t at) {
  // Runs of non-zero blocks go out in one pwrite; zero blocks are skipped
  // (holes: the final ftruncate sets the length).
  std::size_t whole = bytes.size() / kBlock * kBlock;
  std::size_t i = 0;
  while (i < whole) {
    std::size_t run = i;
    while (run < whole && !AllZero(bytes.data() + run, kBlock)) run += kBlock;
    if (run > i) {
      RETURN_IF_ERROR(PWrite(bytes.data() + i, run - i, at + i));
      i = run;
    }
    while (i < whole && AllZero(bytes.data() + i, kBlock)) i += kBlock;
  }
  return whole;
}

void AtomicDiskWriter::StartWriteback(std::uint64_t at, std::uint64_t& kicked) {
  // Every kWriteback bytes, the disk starts writing what came since
  // (sync_file_range SYNC_FILE_RANGE_WRITE: asynchronous, nothing waits),
  // so the final fsync finds little left to write and the disk works while
  // the daemon still sends. Failures here are not errors: fsync decides.
  if (at < kicked + kWriteback) return;
  (void)::sync_file_range(fd_, static_cast<off_t>(kicked), static_cast<off_t>(at - kicked), SYNC_FILE_RANGE_WRITE);
  kicked = at;
}

Status AtomicDiskWriter::Append(std::string_view bytes, std::uint64_t& at, std::string& pending, std::uint64_t& kicked) {
  StartWriteback(at, kicked);
  // Whole 4 KiB blocks are judged one at a time: all-zero ones become holes.
  // A partial block waits in `pending` so chunk boundaries do not matter.
  while (!bytes.empty()) {
    if (pending.empty() && bytes.size() >= kBlock) {
      ASSIGN_OR_RETURN(std::size_t used, WriteBlocks(bytes, at));
      at += used;
      bytes.remove_prefix(used);
      continue;
    }
    std::size_t take = std::min(kBlock - pending.size(), bytes.size());
    pending.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (pending.size() == kBlock) RETURN_IF_ERROR(FlushPartial(at, pending));
  }
  return Status::Ok();
}

Status AtomicDiskWriter::FlushPartial(std::uint64_t& at, std::string& pending) {
  if (pending.empty()) return Status::Ok();
  if (!AllZero(pending.data(), pending.size())) RETURN_IF_ERROR(PWrite(pending.data(), pending.size(), at));
  at += pending.size();
  pending.clear();
  return Status::Ok();
}

Status AtomicDiskWriter::Write(std::string_view bytes) { return Append(bytes, offset_, pending_, kicked_); }

Status AtomicDiskWriter::WriteZeros(std::uint64_t n) {
  if (!pending_.empty()) {
    std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock - pending_.size(), n));
    RETURN_IF_ERROR(Write(std::string(take, '\0')));
    n -= take;
  }
  offset_ += n;  // a hole in a fresh file: Commit's ftruncate sets the length
  return Status::Ok();
}

Status AtomicDiskWriter::Commit(std::uint64_t expected) {
  RETURN_IF_ERROR(FlushPartial(offset_, pending_));
  if (offset_ != expected)
    return Status::Io(fmt::format("{}: got {} bytes, expected {}; nothing written", dst_, offset_, expected));
  return Seal(offset_);
}

Result<std::unique_ptr<AtomicDiskWriter::Region>> AtomicDiskWriter::OpenRegion(std::uint64_t start,
                                                                                std::uint64_t length) {
  if (start % kBlock != 0)
    return Status::Invalid(fmt::format("region start {} is not a multiple of {}", start, kBlock));
  return std::unique_ptr<Region>(new Region(this, start, length));
}

Status AtomicDiskWriter::Region::Write(std::string_view bytes) {
  if (bytes.size() > length_ - written())
    return Status::Io(fmt::format("{}: more than the {} bytes expected at offset {}", w_->dst_, length_, start_));
  return w_->Append(bytes, next_, pending_, kicked_);
}

Status AtomicDiskWriter::CommitRegions(const std::vector<std::unique_ptr<Region>>& regions, std::uint64_t expected) {
  std::uint64_t at = 0;
  for (const auto& r : regions) {
    if (r->start() != at)
      return Status::Invalid(fmt::format("{}: regions do not tile the file (one starts at {}, expected {})", dst_,
                                         r->start(), at));
    RETURN_IF_ERROR(FlushPartial(r->next_, r->pending_));
    if (r->written() != r->length())
      return Status::Io(fmt::format("{}: got {} bytes at offset {}, expected {}; nothing written", dst_, r->written(),
                                    r->start(), r->length()));
    at += r->length();
  }
  if (at != expected)
    return Status::Io(fmt::format("{}: got {} bytes, expected {}; nothing written", dst_, at, expected));
  return Seal(expected);
}

Status AtomicDiskWriter::Seal(std::uint64_t length) {
  if (::ftruncate(fd_, static_cast<off_t>(length)) != 0) return Status::Io(Errno("cannot size", tmp_));
  if (::fsync(fd_) != 0) return Status::Io(Errno("cannot sync", tmp_));
  ::fchmod(fd_, 0644);
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp_.c_str(), dst_.c_str()) != 0) return Status::Io(Errno("cannot rename onto", dst_));
  committed_ = true;
  std::string dir = dst_.substr(0, dst_.rfind('/'));
  int dfd = ::open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace oneipfs
