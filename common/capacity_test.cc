// capacity_test.cc: monitor's FREE_MB/TOTAL_MB arithmetic and where the
// repository path comes from, with canned daemon replies.
#include "common/capacity.h"

#include <stdlib.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

namespace oneipfs {
namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kMiB = 1024 * 1024;

// Replies in order; records each request's path and query.
class CannedTransport : public HttpTransport {
 public:
  explicit CannedTransport(std::deque<std::string> bodies) : bodies_(std::move(bodies)) {}
  std::string Describe() const override { return "http://fake:5001"; }
  Result<HttpResponse> Post(const HttpRequest& r) override {
    requests.push_back(r);
    REQUIRE_MESSAGE(!bodies_.empty(), "unexpected request " << r.path);
    HttpResponse resp;
    resp.status = 200;
    resp.body = bodies_.front();
    bodies_.pop_front();
    return resp;
  }
  std::vector<HttpRequest> requests;

 private:
  std::deque<std::string> bodies_;
};

struct Client {
  explicit Client(std::deque<std::string> bodies) {
    auto t = std::make_unique<CannedTransport>(std::move(bodies));
    fake = t.get();
    ipfs = std::make_unique<IpfsClient>(std::move(t), IpfsOptions{});
  }
  CannedTransport* fake;
  std::unique_ptr<IpfsClient> ipfs;
};

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "capacity-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

bool HasSizeOnly(const HttpRequest& r) {
  for (const auto& [k, v] : r.query)
    if (k == "size-only") return true;
  return false;
}

}  // namespace

TEST_CASE("capacity: where the repository is") {
  TempDir dir;
  const std::string cache = RepoPathCacheFile(dir.path.string(), "/ip4/127.0.0.1/tcp/5001");
  RepoStat kubo_size_only;  // kubo size-only: no RepoPath
  kubo_size_only.repo_size = 4096;

  SUBCASE("IPFS_REPO_PATH wins and asks the daemon nothing") {
    Client c({});
    auto p = RepoPathFor(*c.ipfs, kubo_size_only, "/srv/ipfs", cache);
    REQUIRE(p.ok());
    CHECK(*p == "/srv/ipfs");
    CHECK(c.fake->requests.empty());
  }
  SUBCASE("js-ipfs gives RepoPath even with size-only") {
    Client c({});
    RepoStat js = kubo_size_only;
    js.repo_path = "/tmp/ipfs-fe";
    CHECK(*RepoPathFor(*c.ipfs, js, "", cache) == "/tmp/ipfs-fe");
    CHECK(c.fake->requests.empty());
  }
  SUBCASE("kubo: one plain repo/stat, then the remembered answer") {
    // kubo without size-only: RepoPath from fsrepo.BestKnownPath().
    Client c({R"({"RepoSize":4096,"StorageMax":10000000000,"NumObjects":3,"RepoPath":"/var/lib/ipfs","Version":"fs-repo@15"})"});
    auto p = RepoPathFor(*c.ipfs, kubo_size_only, "", cache);
    REQUIRE(p.ok());
    CHECK(*p == "/var/lib/ipfs");
    REQUIRE(c.fake->requests.size() == 1);
    CHECK(c.fake->requests[0].path == "/api/v0/repo/stat");
    CHECK_FALSE(HasSizeOnly(c.fake->requests[0]));
    CHECK(fs::exists(cache));

    Client again({});  // no reply available: a second walk would fail the test
    auto q = RepoPathFor(*again.ipfs, kubo_size_only, "", cache);
    REQUIRE(q.ok());
    CHECK(*q == "/var/lib/ipfs");
    CHECK(again.fake->requests.empty());
  }
  SUBCASE("one cache file per daemon address") {
    CHECK(RepoPathCacheFile("/d", "/ip4/127.0.0.1/tcp/5001") != RepoPathCacheFile("/d", "/ip4/127.0.0.1/tcp/5002"));
    CHECK(RepoPathCacheFile("/d", "x").rfind("/d/one-ipfs-repo-path-", 0) == 0);
  }
  SUBCASE("an unwritable cache directory only costs another walk") {
    Client c({R"({"RepoSize":1,"RepoPath":"/r"})"});
    auto p = RepoPathFor(*c.ipfs, kubo_size_only, "", "/nonexistent-dir/x/cache");
    REQUIRE(p.ok());
    CHECK(*p == "/r");
  }
}

TEST_CASE("capacity: FREE_MB from the file system, not StorageMax") {
  RepoStat kubo;  // kubo's default config: StorageMax 10 GB, a GC watermark
  kubo.repo_size = 12 * 1024 * kMiB;  // already past it
  kubo.storage_max = 10000000000ULL;

  SUBCASE("the file system's free space, even past StorageMax") {
    auto c = ComputeCapacity(5 * kMiB + 1, kubo, 100 * 1024 * kMiB, "/var/lib/ipfs");
    REQUIRE(c.ok());
    CHECK(c->used_mb == 6);
    CHECK(c->free_mb == 100 * 1024);
    CHECK(c->total_mb == 112 * 1024);
    CHECK_FALSE(c->from_storage_max);
  }
  SUBCASE("statvfs of a real directory") {
    TempDir dir;
    auto free = FreeBytesAt(dir.path.string());
    REQUIRE(free.has_value());
    CHECK(*free > 0);
    CHECK_FALSE(FreeBytesAt("/nonexistent/one-ipfs/repo").has_value());
    CHECK_FALSE(FreeBytesAt("").has_value());
  }
  SUBCASE("a repository elsewhere: StorageMax - RepoSize, flagged") {
    RepoStat r = kubo;
    r.repo_size = 4 * 1000 * 1000 * 1000ULL;
    auto c = ComputeCapacity(0, r, std::nullopt, "/remote/ipfs");
    REQUIRE(c.ok());
    CHECK(c->from_storage_max);
    CHECK(c->free_mb == 6000000000ULL / kMiB);
    CHECK(c->total_mb == 10000000000ULL / kMiB);
  }
  SUBCASE("elsewhere and past StorageMax: 0 free, not a wrap-around") {
    auto c = ComputeCapacity(0, kubo, std::nullopt, "/remote/ipfs");
    REQUIRE(c.ok());
    CHECK(c->free_mb == 0);
  }
  SUBCASE("elsewhere and no StorageMax (kubo MaxUint64, js-ipfs 2^53-1): an error naming the fix") {
    for (std::uint64_t none : {~std::uint64_t{0}, (std::uint64_t{1} << 53) - 1, std::uint64_t{0}}) {
      RepoStat r;
      r.storage_max = none;
      auto c = ComputeCapacity(0, r, std::nullopt, "/remote/ipfs");
      CHECK(c.status().code() == Status::Code::kFailed);
      CHECK(c.status().message().find("IPFS_REPO_PATH") != std::string::npos);
      CHECK(c.status().message().find("/remote/ipfs") != std::string::npos);
    }
  }
}

}  // namespace oneipfs
