#include "common/catalog/importer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "common/base/digest.h"
#include "common/one/download.h"
#include "common/base/image_format.h"
#include "common/base/number.h"
#include "common/ipfs/pipe_bridge.h"

namespace oneipfs {
namespace {
constexpr std::uint64_t kMiB = 1048576;
}  // namespace

ByteSource FileSource(int fd) {
  return [fd](char* buf, std::size_t cap) -> Result<std::size_t> {
    for (;;) {
      ssize_t n = ::read(fd, buf, cap);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EINTR) continue;
      return Status::Io(fmt::format("read error: {}", std::strerror(errno)));
    }
  };
}

ByteSource ZeroSource(std::uint64_t bytes) {
  auto left = std::make_shared<std::uint64_t>(bytes);
  return [left](char* buf, std::size_t cap) -> Result<std::size_t> {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(cap, *left));
    std::memset(buf, 0, n);
    *left -= n;
    return n;
  };
}

Status ImportLimit::Exceeded(std::string_view what, std::optional<std::uint64_t> size) const {
  std::string is = size ? fmt::format("is {} MB", *size / kMiB + (*size % kMiB != 0)) : std::string("is larger");
  return Status::Invalid(fmt::format("{} {}, more than the import limit of {} MB ({})", what, is, mb, from));
}

Result<ImportLimit> ImportLimitFor(const Config& config, const DatastoreDoc& ds, const Log& log) {
  ImportLimit limit;
  const std::string& set = config.Get("IPFS_IMPORT_MAX_MB");
  std::optional<std::uint64_t> mb;
  if (!set.empty()) {
    mb = ParseCount(set);
    if (!mb) return Status::Invalid(fmt::format("IPFS_IMPORT_MAX_MB '{}' is not a number of MB", set));
    limit.from = "IPFS_IMPORT_MAX_MB";
  } else {
    mb = ParseCount(ds.free_mb);
    if (!mb) {
      log.Info(fmt::format("no import limit: IPFS_IMPORT_MAX_MB is not set and the datastore's FREE_MB ('{}') is not a "
                           "number",
                           ds.free_mb));
      return limit;
    }
    limit.from = "the datastore's free space, FREE_MB; IPFS_IMPORT_MAX_MB sets another limit";
  }
  limit.mb = *mb;
  limit.bytes = *mb > std::numeric_limits<std::uint64_t>::max() / kMiB ? std::numeric_limits<std::uint64_t>::max()
                                                                        : *mb * kMiB;
  return limit;
}

Result<Imported> Import(IpfsClient& ipfs, std::string_view name, const ByteSource& source,
                        std::optional<std::uint64_t> total, const Log& log, const ImportLimit& limit,
                        std::string_view what) {
  Imported out;
  Digests digests;
  auto last = std::chrono::steady_clock::now();
  auto started = last;
  ByteSource tee = [&](char* buf, std::size_t cap) -> Result<std::size_t> {
    auto n = source(buf, cap);
    if (!n.ok()) return n;
    // The daemon's add is cut off here: no more than the limit goes in.
    if (limit.bytes && *n > *limit.bytes - std::min(*limit.bytes, out.bytes)) return limit.Exceeded(what, total);
    std::string_view chunk(buf, *n);
    digests.Update(chunk);
    if (out.header.size() < kHeaderBytes)
      out.header.append(chunk.substr(0, std::min(chunk.size(), kHeaderBytes - out.header.size())));
    out.bytes += *n;
    auto now = std::chrono::steady_clock::now();
    if (now - last >= std::chrono::seconds(5)) {
      last = now;
      if (total && *total > 0)
        log.Info(fmt::format("imported {} of {} ({}%)", HumanBytes(out.bytes), HumanBytes(*total),
                             out.bytes * 100 / *total));
      else
        log.Info(fmt::format("imported {}", HumanBytes(out.bytes)));
    }
    return n;
  };
  ASSIGN_OR_RETURN(auto added, ipfs.Add(name, tee, nullptr, NewHoldName()));
  out.hold = std::make_shared<ContentHold>(ContentHold::Adopt(ipfs, added.held_root));
  digests.Finish();
  out.cid = added.cid;
  out.md5 = digests.md5();
  out.sha1 = digests.sha1();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log.Info(fmt::format("imported {} as /ipfs/{} in {:.1f} s", HumanBytes(out.bytes), out.cid, secs));
  return out;
}

Result<Imported> ImportUrl(IpfsClient& ipfs, std::string_view url, std::chrono::seconds stall, const Log& log,
                           const ImportLimit& limit) {
  std::string u(url);
  PipeBridge bridge([&](const ByteSink& sink) {
    // A Content-Length over the limit stops the download at its first bytes.
    std::optional<std::uint64_t> announced;
    std::uint64_t received = 0;
    auto capped = [&](std::string_view chunk) -> Status {
      received += chunk.size();
      if (limit.bytes && announced && *announced > *limit.bytes) return limit.Exceeded(u, announced);
      if (limit.bytes && received > *limit.bytes) return limit.Exceeded(u, std::nullopt);
      return sink(chunk);
    };
    return DownloadUrl(u, capped, stall, [&](std::optional<std::uint64_t> n) { announced = n; });
  });
  auto result = Import(ipfs, url.substr(url.rfind('/') + 1), bridge.source(), std::nullopt, log, limit, url);
  Status downloaded = bridge.Finish();
  // A download failure explains an aborted import better than the daemon does.
  if (!downloaded.ok() && downloaded.message() != "the receiving side stopped") return downloaded;
  return result;
}

Status VerifyChecksums(const Imported& got, std::string_view md5, std::string_view sha1, std::string_view what) {
  auto lower = [](std::string_view s) {
    std::string r(s);
    for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
  };
  if (!md5.empty() && lower(md5) != got.md5)
    return Status::Failed(fmt::format("{}: MD5 mismatch: template says {}, content is {}", what, md5, got.md5));
  if (!sha1.empty() && lower(sha1) != got.sha1)
    return Status::Failed(fmt::format("{}: SHA1 mismatch: template says {}, content is {}", what, sha1, got.sha1));
  return Status::Ok();
}

}  // namespace oneipfs
