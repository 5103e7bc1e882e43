// Unit tests for range_fetch.h: the range plan, and parallel ranges against
// a fake daemon whose `cat` serves offset/length slices of one file (as
// kubo's core/commands/cat.go and js-ipfs 0.66 do), in odd-sized chunks.
#include "common/ipfs/range_fetch.h"

#include <atomic>
#include <filesystem>
#include <mutex>

#include <doctest/doctest.h>

#include "common/ipfs/http.h"
#include "common/base/scratch_files_test.h"

namespace oneipfs {
namespace {

namespace fs = std::filesystem;

struct FakeFile {
  std::string data;
  std::optional<std::uint64_t> fail_at;  // a range starting here breaks after its first chunk
  std::mutex mu;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> served;  // (offset, length) per cat
};

class SliceTransport : public HttpTransport {
 public:
  explicit SliceTransport(FakeFile& f) : f_(f) {}
  std::string Describe() const override { return "http://fake:5001"; }
  Result<HttpResponse> Post(const HttpRequest& r) override {
    REQUIRE(r.path == "/api/v0/cat");
    std::uint64_t offset = 0, length = f_.data.size();
    for (const auto& [k, v] : r.query) {
      if (k == "offset") offset = std::stoull(v);
      if (k == "length") length = std::stoull(v);
    }
    {
      std::lock_guard<std::mutex> lock(f_.mu);
      f_.served.emplace_back(offset, length);
    }
    std::string_view rest = std::string_view(f_.data).substr(offset, length);
    bool first = true;
    while (!rest.empty()) {
      if (!first && f_.fail_at == offset) return Status::Io("connection reset by peer");
      first = false;
      std::string_view chunk = rest.substr(0, 12345);
      RETURN_IF_ERROR(r.on_body(chunk));
      rest.remove_prefix(chunk.size());
    }
    HttpResponse resp;
    resp.status = 200;
    return resp;
  }

 private:
  FakeFile& f_;
};

IpfsClientFactory Factory(FakeFile& f) {
  return [&f]() -> Result<std::unique_ptr<IpfsClient>> {
    return std::make_unique<IpfsClient>(std::make_unique<SliceTransport>(f), IpfsOptions{});
  };
}

fs::path TempDir() { return testing::MakeTempDir("one-ipfs-rf"); }
using testing::ReadWholeFile;

std::string Pattern(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 1;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

}  // namespace

TEST_CASE("range_fetch: ranges tile the file, aligned, never more than asked or smaller than the minimum") {
  const std::uint64_t MiB = 1 << 20;
  auto tiles = [](const std::vector<ByteRange>& plan, std::uint64_t bytes) {
    std::uint64_t at = 0;
    for (const auto& r : plan) {
      if (r.start != at || r.start % (1 << 20) != 0) return false;
      at += r.length;
    }
    return at == bytes;
  };
  auto p = PlanRanges(256 * MiB, 4);
  CHECK(p.size() == 4);
  CHECK(tiles(p, 256 * MiB));
  CHECK(p[1].start == 64 * MiB);
  p = PlanRanges(1024 * MiB + 7, 4);  // not a whole MiB: the last range is shorter
  CHECK(p.size() == 4);
  CHECK(tiles(p, 1024 * MiB + 7));
  CHECK(p.back().length < p.front().length);
  CHECK(PlanRanges(40 * MiB, 4).size() == 1);  // under two minimum ranges: one stream
  CHECK(PlanRanges(64 * MiB, 4).size() == 2);
  CHECK(PlanRanges(256 * MiB, 1).size() == 1);
  p = PlanRanges(0, 4);
  REQUIRE(p.size() == 1);
  CHECK(p[0].length == 0);
  p = PlanRanges(10 * MiB + 5, 8, 1 * MiB);  // rounding up may leave fewer ranges than asked
  CHECK(tiles(p, 10 * MiB + 5));
  CHECK(p.size() <= 8);
}

TEST_CASE("range_fetch: parallel ranges write the whole file, byte for byte") {
  FakeFile f;
  f.data = Pattern(6 * (1 << 20) + 4321);
  fs::path dir = TempDir();
  std::string dst = (dir / "disk.0").string();
  auto w = AtomicDiskWriter::Create(dst);
  REQUIRE(w.ok());
  auto plan = PlanRanges(f.data.size(), 3, 1 << 20);
  REQUIRE(plan.size() == 3);
  std::atomic<std::uint64_t> counted{0};
  Status st = FetchInRanges("/ipfs/bafyfake", f.data.size(), plan, Factory(f), **w,
                            [&](std::size_t n) { counted += n; });
  REQUIRE(st.ok());
  CHECK(counted.load() == f.data.size());
  CHECK(f.served.size() == 3);  // one cat per range, each with its own offset
  CHECK(ReadWholeFile(dst) == f.data);
  fs::remove_all(dir);
}

TEST_CASE("range_fetch: one broken range fails the fetch, stops the others and leaves no disk") {
  FakeFile f;
  f.data = Pattern(8 * (1 << 20));
  auto plan = PlanRanges(f.data.size(), 4, 1 << 20);
  REQUIRE(plan.size() == 4);
  f.fail_at = plan[2].start;
  fs::path dir = TempDir();
  std::string dst = (dir / "disk.0").string();
  {
    auto w = AtomicDiskWriter::Create(dst);
    REQUIRE(w.ok());
    Status st = FetchInRanges("/ipfs/bafyfake", f.data.size(), plan, Factory(f), **w, nullptr);
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("connection reset by peer") != std::string::npos);
    CHECK(st.message().find("stopped") == std::string::npos);  // the cause, not a follower's stop
  }
  CHECK_FALSE(fs::exists(dst));
  CHECK(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST_CASE("range_fetch: a daemon that sends a range short is an error") {
  FakeFile f;
  f.data = Pattern(4 * (1 << 20));
  fs::path dir = TempDir();
  auto w = AtomicDiskWriter::Create((dir / "disk.0").string());
  REQUIRE(w.ok());
  // The plan claims one more MiB than the daemon has: the last range comes back short.
  auto plan = PlanRanges(f.data.size() + (1 << 20), 5, 1 << 20);
  Status st = FetchInRanges("/ipfs/bafyfake", f.data.size() + (1 << 20), plan, Factory(f), **w, nullptr);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("sent 0 of the 1048576 bytes at offset 4194304") != std::string::npos);
  fs::remove_all(dir);
}

}  // namespace oneipfs
