// capacity_test.cc: monitor's FREE_MB/TOTAL_MB arithmetic and where the
// repository path comes from, with canned daemon replies (each says which
// daemon behaviour it stands for) and a stand-in for statvfs.
#include "common/catalog/capacity.h"

#include <stdlib.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>

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

// statvfs stand-in: only the paths listed are "on this machine".
SpaceFn Local(std::map<std::string, FsSpace> paths) {
  return [paths = std::move(paths)](const std::string& p) -> std::optional<FsSpace> {
    auto it = paths.find(p);
    if (it == paths.end()) return std::nullopt;
    return it->second;
  };
}

bool HasSizeOnly(const HttpRequest& r) {
  for (const auto& [k, v] : r.query)
    if (k == "size-only") return true;
  return false;
}

}  // namespace

TEST_CASE("capacity: a local repository is measured without asking the daemon") {
  TempDir dir;
  const std::string cache = RepoPathCacheFile(dir.path.string(), "/ip4/127.0.0.1/tcp/5001");
  const FsSpace disk{30 * 1024 * kMiB, 100 * 1024 * kMiB};

  SUBCASE("IPFS_REPO_PATH: statvfs only, df's Available and Size") {
    Client c({});  // no reply available: any daemon call fails the test
    auto cap = MeasureCapacity(*c.ipfs, 5 * kMiB + 1, "/srv/ipfs", cache, Local({{"/srv/ipfs", disk}}));
    REQUIRE(cap.ok());
    CHECK(cap->used_mb == 6);
    CHECK(cap->free_mb == 30 * 1024);
    CHECK(cap->total_mb == 100 * 1024);
    CHECK_FALSE(cap->from_storage_max);
    CHECK(c.fake->requests.empty());
    CHECK_FALSE(fs::exists(cache));  // a configured path is not remembered
  }
  SUBCASE("js-ipfs: RepoPath comes with size-only; asked once, then remembered") {
    // js-ipfs 0.66 repo/stat ignores size-only and always reports RepoPath
    // (ipfs-repo stat(): repoPath, and numbers as strings).
    Client c({R"({"NumObjects":"9","RepoSize":"70000000","StorageMax":"9007199254740991","RepoPath":"/tmp/ipfs-fe","Version":"12"})"});
    auto cap = MeasureCapacity(*c.ipfs, 0, "", cache, Local({{"/tmp/ipfs-fe", disk}}));
    REQUIRE(cap.ok());
    CHECK(cap->free_mb == 30 * 1024);
    CHECK(cap->total_mb == 100 * 1024);
    REQUIRE(c.fake->requests.size() == 1);
    CHECK(HasSizeOnly(c.fake->requests[0]));
    Client again({});
    auto next = MeasureCapacity(*again.ipfs, 0, "", cache, Local({{"/tmp/ipfs-fe", disk}}));
    REQUIRE(next.ok());
    CHECK(next->repo_path == "/tmp/ipfs-fe");
    CHECK(again.fake->requests.empty());
  }
  SUBCASE("kubo: size-only has no RepoPath, one plain repo/stat, then remembered") {
    // kubo size-only: RepoSize and StorageMax only (corerepo.RepoSize);
    // without it: RepoPath from fsrepo.BestKnownPath() after counting blocks.
    Client c({R"({"RepoSize":4096,"StorageMax":10000000000})",
              R"({"RepoSize":4096,"StorageMax":10000000000,"NumObjects":3,"RepoPath":"/var/lib/ipfs","Version":"fs-repo@15"})"});
    auto cap = MeasureCapacity(*c.ipfs, 0, "", cache, Local({{"/var/lib/ipfs", disk}}));
    REQUIRE(cap.ok());
    CHECK(cap->total_mb == 100 * 1024);
    REQUIRE(c.fake->requests.size() == 2);
    CHECK(HasSizeOnly(c.fake->requests[0]));
    CHECK_FALSE(HasSizeOnly(c.fake->requests[1]));
    Client again({});
    CHECK(MeasureCapacity(*again.ipfs, 0, "", cache, Local({{"/var/lib/ipfs", disk}})).ok());
    CHECK(again.fake->requests.empty());
  }
  SUBCASE("a remembered path that is gone is asked again") {
    {
      std::ofstream(cache) << "/old/repo\n";
    }
    Client c({R"({"RepoSize":"1","StorageMax":"9007199254740991","RepoPath":"/new/repo"})"});
    auto cap = MeasureCapacity(*c.ipfs, 0, "", cache, Local({{"/new/repo", disk}}));
    REQUIRE(cap.ok());
    CHECK(cap->repo_path == "/new/repo");
    CHECK(c.fake->requests.size() == 1);
    std::ifstream in(cache);
    std::string line;
    std::getline(in, line);
    CHECK(line == "/new/repo");
  }
  SUBCASE("one cache file per daemon address") {
    CHECK(RepoPathCacheFile("/d", "/ip4/127.0.0.1/tcp/5001") != RepoPathCacheFile("/d", "/ip4/127.0.0.1/tcp/5002"));
    CHECK(RepoPathCacheFile("/d", "x").rfind("/d/one-ipfs-repo-path-", 0) == 0);
  }
  SUBCASE("an unwritable cache directory only costs another question") {
    Client c({R"({"RepoSize":1,"RepoPath":"/r"})"});
    auto cap = MeasureCapacity(*c.ipfs, 0, "", "/nonexistent-dir/x/cache", Local({{"/r", disk}}));
    REQUIRE(cap.ok());
    CHECK(cap->repo_path == "/r");
  }
  SUBCASE("statvfs of a real directory") {
    auto space = SpaceAt(dir.path.string());
    REQUIRE(space.has_value());
    CHECK(space->size >= space->available);
    CHECK(space->size > 0);
    CHECK_FALSE(SpaceAt("/nonexistent/one-ipfs/repo").has_value());
    CHECK_FALSE(SpaceAt("").has_value());
  }
}

TEST_CASE("capacity: a repository elsewhere falls back to StorageMax") {
  TempDir dir;
  const std::string cache = RepoPathCacheFile(dir.path.string(), "/ip4/10.0.0.1/tcp/5001");

  SUBCASE("IPFS_REPO_PATH not on this machine: StorageMax - RepoSize from size-only, flagged") {
    // kubo size-only with Datastore.StorageMax = 10 GB.
    Client c({R"({"RepoSize":4000000000,"StorageMax":10000000000})"});
    auto cap = MeasureCapacity(*c.ipfs, 0, "/remote/ipfs", cache, Local({}));
    REQUIRE(cap.ok());
    CHECK(cap->from_storage_max);
    CHECK(cap->free_mb == 6000000000ULL / kMiB);
    CHECK(cap->total_mb == 10000000000ULL / kMiB);
    CHECK(c.fake->requests.size() == 1);
  }
  SUBCASE("the daemon's RepoPath not on this machine") {
    Client c({R"({"RepoSize":4000000000,"StorageMax":10000000000})",
              R"({"RepoSize":4000000000,"StorageMax":10000000000,"RepoPath":"/remote/ipfs"})"});
    auto cap = MeasureCapacity(*c.ipfs, 0, "", cache, Local({}));
    REQUIRE(cap.ok());
    CHECK(cap->from_storage_max);
    CHECK(cap->repo_path == "/remote/ipfs");
  }
  SUBCASE("past StorageMax: 0 free, not a wrap-around") {
    RepoStat r;
    r.repo_size = 12 * 1024 * kMiB;
    r.storage_max = 10000000000ULL;
    auto cap = CapacityFromStorageMax(0, r, "/remote/ipfs");
    REQUIRE(cap.ok());
    CHECK(cap->free_mb == 0);
  }
  SUBCASE("no StorageMax (kubo MaxUint64, js-ipfs 2^53-1): an error naming the fix") {
    for (std::uint64_t none : {~std::uint64_t{0}, (std::uint64_t{1} << 53) - 1, std::uint64_t{0}}) {
      RepoStat r;
      r.storage_max = none;
      auto cap = CapacityFromStorageMax(0, r, "/remote/ipfs");
      CHECK(cap.status().code() == Status::Code::kFailed);
      CHECK(cap.status().message().find("IPFS_REPO_PATH") != std::string::npos);
      CHECK(cap.status().message().find("/remote/ipfs") != std::string::npos);
    }
  }
}

TEST_CASE("capacity: the entry sizes memo survives a save and load; anything doubtful is ignored") {
  TempDir dir;
  std::string file = EntrySizesFile(dir.path.string(), "/ip4/127.0.0.1/tcp/5001", "/one-ipfs/100");
  CHECK(file != EntrySizesFile(dir.path.string(), "/ip4/127.0.0.1/tcp/5001", "/one-ipfs/101"));
  CHECK(file != EntrySizesFile(dir.path.string(), "/ip4/127.0.0.1/tcp/5002", "/one-ipfs/100"));
  CHECK(LoadEntrySizes(file).known.empty());  // none yet

  EntrySizeMemo memo;
  memo.known["QmOld"] = 1;  // not seen in this call: not saved
  memo.seen["QmA"] = 4096;
  memo.seen["QmB"] = 0;
  SaveEntrySizes(file, memo);
  const auto mode = fs::status(file).permissions() & fs::perms::all;
  CHECK((mode == (fs::perms::owner_read | fs::perms::owner_write)));
  auto loaded = LoadEntrySizes(file);
  CHECK(loaded.known == std::map<std::string, std::uint64_t>{{"QmA", 4096}, {"QmB", 0}});
  CHECK(loaded.seen.empty());

  fs::permissions(file, fs::perms::group_write, fs::perm_options::add);  // others could have written it
  CHECK(LoadEntrySizes(file).known.empty());
  fs::permissions(file, fs::perms::group_write, fs::perm_options::remove);
  CHECK(LoadEntrySizes(file).known.size() == 2);

  for (const char* bad : {"one-ipfs entry sizes 1\nQmA 12x\n", "one-ipfs entry sizes 1\nQmA\n", "QmA 1\n",
                          "one-ipfs entry sizes 1\nQmA 1 2\n"}) {
    CAPTURE(bad);
    {
      std::ofstream out(file, std::ios::trunc);
      out << bad;
    }
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
    CHECK(LoadEntrySizes(file).known.empty());
  }
}

}  // namespace oneipfs
