#include "common/ipfs/content_hold.h"

#include "common/ipfs/holder_first.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/base/number.h"

namespace oneipfs {
std::string HoldHostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return "localhost";
  std::string h(buf);
  for (char& c : h)
    if (c == '/' || c == ' ') c = '_';
  return h;
}

std::string NewHoldName() {
  std::random_device rd;
  std::uint32_t r = rd();
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return fmt::format("{}{}-{}-{:08x}-{}", kHoldPrefix, now.count(), static_cast<long>(::getpid()), r, HoldHostName());
}

std::optional<HoldName> ParseHoldName(std::string_view name) {
  if (!name.starts_with(kHoldPrefix)) return std::nullopt;
  std::string_view rest = name.substr(kHoldPrefix.size());
  std::string_view parts[3];
  for (auto& p : parts) {
    size_t dash = rest.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    p = rest.substr(0, dash);
    rest = rest.substr(dash + 1);
  }
  auto started = ParseCount(parts[0]);
  auto pid = ParseCount(parts[1]);
  if (!started || !pid || parts[2].size() != 8 || rest.empty()) return std::nullopt;
  return HoldName{*started, static_cast<long>(*pid), std::string(rest)};
}

ContentHold& ContentHold::operator=(ContentHold&& o) noexcept {
  if (this != &o) {
    (void)Release();
    ipfs_ = o.ipfs_;
    root_ = std::move(o.root_);
    o.root_.clear();
  }
  return *this;
}

ContentHold ContentHold::Adopt(IpfsClient& ipfs, std::string root) {
  ContentHold h;
  h.ipfs_ = &ipfs;
  h.root_ = std::move(root);
  return h;
}

Result<ContentHold> ContentHold::Acquire(IpfsClient& ipfs, std::string_view cid, const Log& log, HoldFetch fetch,
                                         HolderFirst* holders) {
  std::string name = NewHoldName();
  std::string doc = nlohmann::json{{"one-ipfs-hold", name}, {"content", {{"/", std::string(cid)}}}}.dump();
  ContentHold hold;
  Status pinned = Status::Failed("not tried");
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSIGN_OR_RETURN(std::string root, ipfs.DagPutJson(doc));
    // The node is tiny and local: a direct pin that takes long means a GC
    // took it between put and pin (the daemon then looks for it on the
    // network). Put it again.
    pinned = ipfs.PinAdd(root, false, std::chrono::seconds(20));
    if (pinned.ok()) {
      hold = Adopt(ipfs, root);
      break;
    }
    if (pinned.code() != Status::Code::kTimeout) return pinned;
  }
  if (!hold.held()) return pinned;
  if (fetch == HoldFetch::kLocalFirst) {
    Status local = ipfs.PinAddOffline(hold.root_, std::min(kLocalPinLimit, ipfs.timeout()));
    if (local.ok()) return hold;
    log.Debug(fmt::format("/ipfs/{} is not all local ({}): fetching it", cid, local.message()));
  }
  auto last = std::chrono::steady_clock::now();
  auto walk = [&] {
    return ipfs.FetchAll(cid, [&](std::uint64_t blocks) {
      auto now = std::chrono::steady_clock::now();
      if (now - last >= std::chrono::seconds(5)) {
        last = now;
        log.Info(fmt::format("fetching /ipfs/{}: {} blocks so far", cid, blocks));
      }
    });
  };
  Status walked = Status::Ok();
  if (holders && holders->active()) {
    {
      TimeoutCap cap(ipfs, kHolderStall);
      walked = walk();
    }
    if (!walked.ok() && walked.code() == Status::Code::kTimeout) {
      log.Info(fmt::format("the daemon that holds /ipfs/{} stalled ({}): fetching from every peer", cid,
                           walked.message()));
      holders->Restore();
      walked = walk();
    }
  } else {
    walked = walk();
  }
  RETURN_IF_ERROR(walked);
  RETURN_IF_ERROR(ipfs.PinAdd(hold.root_, true));
  return hold;
}

Status ContentHold::Release() {
  if (root_.empty() || !ipfs_) return Status::Ok();
  std::string root = std::move(root_);
  root_.clear();
  auto r = ipfs_->PinRm(root);
  return r.ok() ? Status::Ok() : r.status();
}

void ReleaseOrWarn(ContentHold& hold, const Log& log) {
  std::string root = hold.root();
  Status st = hold.Release();
  if (!st.ok())
    log.Warn(fmt::format("the temporary pin /ipfs/{} stays (one-ipfs-fsck --repair removes it): {}", root,
                         st.message()));
}

MfsWriteLock& MfsWriteLock::operator=(MfsWriteLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

MfsWriteLock::~MfsWriteLock() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the flock
}

Result<MfsWriteLock> MfsWriteLock::Take(const std::string& path, std::chrono::seconds wait) {
  MfsWriteLock lock;
  if (path.empty()) return lock;
  int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return Status::Io(fmt::format("cannot open the MFS lock file {}: {}", path, std::strerror(errno)));
  lock.fd_ = fd;
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (::flock(fd, LOCK_SH | LOCK_NB) == 0) return lock;
    if (errno != EWOULDBLOCK && errno != EINTR)
      return Status::Io(fmt::format("cannot lock {}: {}", path, std::strerror(errno)));
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::Timeout(fmt::format("the MFS lock {} stayed taken (a GC running?) for {} s", path, wait.count()));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status WriteMfsIfChanged(IpfsClient& ipfs, const std::string& path, std::string_view text) {
  if (auto had = ipfs.FilesRead(path); had.ok() && *had == text) return Status::Ok();
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs.mfs_lock(), ipfs.timeout()));
  return ipfs.FilesWrite(path, text);
}

namespace {
PinOwner OwnerOf(std::string name) {
  PinOwner o;
  if (!name.starts_with(kHoldPrefix)) return o;
  auto parsed = ParseHoldName(name);
  o.kind = parsed ? PinOwner::Kind::kHold : PinOwner::Kind::kUnrecognised;
  if (parsed) o.hold = *parsed;
  o.name = std::move(name);
  return o;
}
}  // namespace

Result<PinOwner> IdentifyPin(IpfsClient& ipfs, std::string_view root, bool direct) {
  auto name = ipfs.DagGetString(fmt::format("{}/one-ipfs-hold", root));
  if (name.ok()) {
    PinOwner o = OwnerOf(*name);
    // A node with a "one-ipfs-hold" string is ours whatever the string says.
    if (o.kind == PinOwner::Kind::kNotOurs) {
      o.kind = PinOwner::Kind::kUnrecognised;
      o.name = std::move(*name);
    }
    return o;
  }
  if (direct) return PinOwner{};
  // Not a dag-cbor hold: an add wrapper is a directory with one link whose
  // name is the hold name.
  auto links = ipfs.LsLinks(root);
  if (!links.ok()) return PinOwner{};
  for (const auto& l : *links) {
    if (!l.name.starts_with(kHoldPrefix)) continue;
    PinOwner o = OwnerOf(l.name);
    if (links->size() != 1) o.kind = PinOwner::Kind::kUnrecognised;  // a wrapper has exactly one link
    return o;
  }
  return PinOwner{};
}

}  // namespace oneipfs
