#include "common/market/market_tree.h"

#include "common/ipfs/holder_first.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "common/base/text.h"
#include "common/ipfs/cid.h"
#include "common/ipfs/content_hold.h"

namespace oneipfs {
namespace {

// An exclusive flock(2), released by the destructor.
class ExclusiveLock {
 public:
  ~ExclusiveLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  ExclusiveLock(ExclusiveLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  static Result<ExclusiveLock> Take(const std::string& path, std::chrono::seconds wait) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return Status::Io(fmt::format("cannot open the publish lock {}: {}", path, std::strerror(errno)));
    ExclusiveLock l(fd);
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return l;
      if (errno != EWOULDBLOCK && errno != EINTR)
        return Status::Io(fmt::format("cannot lock {}: {}", path, std::strerror(errno)));
      if (std::chrono::steady_clock::now() >= deadline)
        return Status::Timeout(fmt::format("another publish held {} for {} s", path, wait.count()));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

 private:
  explicit ExclusiveLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

std::string Random8() {
  std::random_device rd;
  return fmt::format("{:08x}", static_cast<std::uint32_t>(rd()));
}

}  // namespace

std::string PublishLockPath(std::string_view signing_key_path, std::string_view key) {
  size_t slash = signing_key_path.rfind('/');
  std::string dir = slash == std::string_view::npos ? "." : std::string(signing_key_path.substr(0, slash));
  if (dir.empty()) dir = "/";
  return fmt::format("{}/one-ipfs-market-{}.lock", dir, key);
}

std::string MarketTree::Dir() const { return fmt::format("{}/{}", kMarketRoot, key_); }

Status MarketTree::PutApp(std::string_view dir, std::string_view sealed, std::string_view cid) {
  std::string staging = fmt::format("{}/.staging/{}-{}-{}-{}", kMarketRoot, key_, dir, ::getpid(), Random8());
  std::string target = fmt::format("{}/{}", AppsDir(), dir);
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
  auto cleanup = [&](const Status& st) {
    (void)ipfs_.FilesRm(staging, true);
    return st.Prefixed(fmt::format("cannot put app {} into the marketplace tree {}", dir, Dir()));
  };
  if (Status st = ipfs_.FilesWrite(staging + "/record", sealed); !st.ok()) return cleanup(st);
  if (Status st = ipfs_.FilesCp(fmt::format("/ipfs/{}", cid), staging + "/image"); !st.ok()) return cleanup(st);
  if (Status st = ipfs_.FilesMkdir(AppsDir()); !st.ok()) return cleanup(st);
  Status gone = ipfs_.FilesRm(target, true);
  if (!gone.ok() && gone.code() != Status::Code::kNotFound) return cleanup(gone);
  if (Status st = ipfs_.FilesMv(staging, target); !st.ok()) return cleanup(st);
  return Status::Ok();
}

Result<bool> MarketTree::RemoveApp(std::string_view dir) {
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
  Status st = ipfs_.FilesRm(fmt::format("{}/{}", AppsDir(), dir), true);
  if (st.ok()) return true;
  if (st.code() == Status::Code::kNotFound) return false;
  return st;
}

Result<std::vector<TreeApp>> MarketTree::Apps() {
  std::vector<TreeApp> out;
  auto entries = ipfs_.FilesLs(AppsDir());
  if (!entries.ok()) {
    if (entries.status().code() == Status::Code::kNotFound) return out;
    return entries.status();
  }
  for (const auto& e : *entries) {
    TreeApp app;
    app.dir = e.name;
    auto sealed = ipfs_.FilesRead(fmt::format("{}/{}/record", AppsDir(), e.name));
    if (!sealed.ok()) {
      if (sealed.status().code() != Status::Code::kNotFound) return sealed.status();
      app.problem = "it has no record";
    } else {
      app.sealed = std::move(*sealed);
      auto r = OpenAppRecord(app.sealed);
      if (r.ok())
        app.record = std::move(*r);
      else
        app.problem = r.status().message();
    }
    out.push_back(std::move(app));
  }
  return out;
}

Result<std::string> MarketTree::RootCid() {
  auto st = ipfs_.Stat(Dir());
  if (!st.ok() && st.status().code() == Status::Code::kNotFound) {
    {
      ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
      RETURN_IF_ERROR(ipfs_.FilesMkdir(AppsDir()));
    }
    st = ipfs_.Stat(Dir());
  }
  if (!st.ok()) return st.status();
  return st->cid;
}

Result<ChainEvent> MarketTree::Record(const SigningKey& key, nlohmann::json fields) {
  fields["time"] = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  fields["market"] = key_;
  return EventChain(ipfs_, LogDir()).Append(key, std::move(fields));
}

Result<std::string> MarketTree::LastPublished() {
  auto text = ipfs_.FilesRead(fmt::format("{}/.published/{}", kMarketRoot, key_));
  if (!text.ok()) {
    if (text.status().code() == Status::Code::kNotFound) return std::string();
    return text.status();
  }
  return std::string(Trim(*text));
}

Result<std::string> MarketTree::Publish(const std::string& lock_path, const Log& log) {
  ASSIGN_OR_RETURN(ExclusiveLock held, ExclusiveLock::Take(lock_path, ipfs_.timeout()));
  // The marketplace's key: created (ed25519) at its first publication.
  auto key = ipfs_.EnsureKey(key_);
  if (!key.ok()) return key.status().Prefixed(fmt::format("cannot make the IPNS key {} of the marketplace", key_));
  // Where this daemon is, for subscribers that fetch what it mirrors
  // (holder_first.h); a hint: a failure only leaves the last one.
  if (auto peer = OwnPeer(ipfs_); peer.ok()) {
    if (Status st = WriteMfsIfChanged(ipfs_, Dir() + "/peer", PeerAddrsJson(*peer)); !st.ok())
      log.Info(fmt::format("the marketplace's peer file {}/peer is not written: {}", Dir(), st.message()));
  } else {
    log.Info(fmt::format("the daemon's own addresses are not known: {}", peer.status().message()));
  }
  std::string name;
  for (int round = 0; round < 5; ++round) {
    ASSIGN_OR_RETURN(std::string root, RootCid());
    auto published = ipfs_.NamePublish("/ipfs/" + root, key_, IpfsClient::PublishOptions{});
    if (!published.ok())
      return published.status().Prefixed(fmt::format("cannot publish the marketplace tree {}", Dir()));
    name = *published;
    {
      ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
      (void)ipfs_.FilesWrite(fmt::format("{}/.published/{}", kMarketRoot, key_), root);  // a hint only
    }
    ASSIGN_OR_RETURN(std::string now, RootCid());
    if (CidEqual(now, root)) {
      log.Info(fmt::format("published {} as /ipns/{}", root, name));
      return name;
    }
  }
  log.Warn(fmt::format("the marketplace tree {} kept changing while it was published; the next change publishes it "
                       "again",
                       Dir()));
  return name;
}

}  // namespace oneipfs
