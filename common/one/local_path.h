// local_path.h: open the front-end file an image is imported from, once.
//
// Which paths, as OpenNebula's fs driver decides (libfs.sh set_up_datastore
// and check_restricted): the path is resolved (symlinks, "..") to its real
// path, and that real path is
//  - allowed when it lies under one of SAFE_DIRS (each resolved too);
//  - else refused when it lies under one of RESTRICTED_DIRS or of the
//    always-restricted places: /var/lib/one and /etc/one; with ONE_LOCATION
//    set (a self-contained install) $ONE_LOCATION/var and $ONE_LOCATION/etc,
//    libfs.sh's VAR_LOCATION and ETC_LOCATION; and the driver user's $HOME;
//  - else allowed.
// The ipfs.conf the action read (it may hold IPFS_API_AUTH) is refused
// wherever it is, SAFE_DIRS or not (LocalPathPolicy::restricted_files).
// Lists are space separated; a directory matches by whole path components
// (/var/tmpx is not under /var/tmp).
//
// Symlinks are judged by where they point, as the fs driver does (readlink
// -f): a link in a SAFE_DIRS directory that points into a restricted one is
// refused, one that points to another safe place is allowed; a SAFE_DIRS or
// restricted entry that is itself a link (/data -> /mnt/data) stands for its
// target.
//
// Opened once: the file judged is the file read. The real path, which has no
// symlink left in it, is opened with openat2(RESOLVE_NO_SYMLINKS), or where
// the kernel lacks openat2 by walking it one component at a time with
// O_NOFOLLOW, so a symlink swapped into the path after the check makes the
// open fail instead of reading what it points to. Type and size come from
// that descriptor (fstat); callers read the header (ReadAt) and stream the
// content (fd()) from it and never reopen the path by name. A FIFO or device
// is opened with O_NONBLOCK (it cannot block the action) and refused.
// A hard link to a restricted file looks like any other file here (as for
// the fs driver); the kernel's protected_hardlinks keeps other users from
// making one.
//
// Errors: NotFound when the file does not exist; Invalid when it is
// restricted, not a regular file, not readable, or changed while it was
// checked. Each message names the path as given.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/one/config.h"
#include "common/base/status.h"

namespace oneipfs {

struct LocalPathPolicy {
  std::string restricted_dirs;  // RESTRICTED_DIRS
  std::string safe_dirs;        // SAFE_DIRS
  std::string home;             // the driver user's $HOME ("" = none)
  std::string one_location;     // $ONE_LOCATION ("" = a system-wide install)
  std::vector<std::string> restricted_files;  // refused even under SAFE_DIRS: the ipfs.conf in use
  // Test seam: runs after the path was judged, before it is opened.
  std::function<void()> before_open;
};

// RESTRICTED_DIRS and SAFE_DIRS from `config`, HOME and ONE_LOCATION from
// the environment, and the ipfs.conf path actions read (DefaultConfPath).
LocalPathPolicy LocalPathPolicyFor(const Config& config);

// The always-restricted directories of `policy` (SAFE_DIRS can open them), in
// the order they are checked.
std::vector<std::string> AlwaysRestricted(const LocalPathPolicy& policy);

// An open, checked, regular file (move-only; closes its descriptor).
class LocalFile {
 public:
  LocalFile() = default;
  LocalFile(int fd, std::string real_path, std::uint64_t size)
      : fd_(fd), real_path_(std::move(real_path)), size_(size) {}
  LocalFile(LocalFile&& o) noexcept;
  LocalFile& operator=(LocalFile&& o) noexcept;
  LocalFile(const LocalFile&) = delete;
  LocalFile& operator=(const LocalFile&) = delete;
  ~LocalFile();

  int fd() const { return fd_; }
  const std::string& real_path() const { return real_path_; }
  std::uint64_t size() const { return size_; }  // at the open (fstat)
  void set_size(std::uint64_t size) { size_ = size; }
  // Up to `n` bytes from `offset` (pread: the read position stays); shorter only at EOF.
  Result<std::string> ReadAt(std::uint64_t offset, std::size_t n) const;

 private:
  int fd_ = -1;
  std::string real_path_;
  std::uint64_t size_ = 0;
};

Result<LocalFile> OpenLocalImage(std::string_view path, const LocalPathPolicy& policy);

// Opens `absolute_path` read-only (O_CLOEXEC | O_NONBLOCK | O_NOCTTY) without
// following a symlink anywhere in it: openat2 with RESOLVE_NO_SYMLINKS
// (kAuto, falling back to the walk when the kernel has no openat2), or the
// O_NOFOLLOW walk (kWalk). "." and ".." components are refused. Returns the
// descriptor; Invalid "... changed while it was checked ..." when a component
// is a symlink, or for a relative path or "."/".." components; NotFound when
// it does not exist; Invalid "not readable"; Io otherwise. Each names the path.
enum class NoFollowOpen { kAuto, kWalk };
Result<int> OpenNoSymlinks(const std::string& absolute_path, NoFollowOpen how = NoFollowOpen::kAuto);

// True when `path` is `dir` or inside it (both absolute, normalised).
bool PathIsUnder(std::string_view path, std::string_view dir);

}  // namespace oneipfs
