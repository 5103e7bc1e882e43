#include "common/base/disk_writer.h"

#include <doctest/doctest.h>

#include "common/base/scratch_files_test.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace oneipfs {
namespace {

namespace fs = std::filesystem;

fs::path TempDir() { return testing::MakeTempDir("one-ipfs-dw"); }
using testing::ReadWholeFile;

std::unique_ptr<AtomicDiskWriter::Region> Open(AtomicDiskWriter& w, std::uint64_t start, std::uint64_t length) {
  auto r = w.OpenRegion(start, length);
  REQUIRE(r.ok());
  return std::move(*r);
}

}  // namespace

TEST_CASE("disk_writer: content lands at dst only on commit, sparse for zero blocks") {
  fs::path dir = TempDir();
  std::string dst = (dir / "42" / "disk.0").string();
  std::string data = std::string(5, 'a') + std::string(1 << 20, '\0') + std::string(3, 'z');
  {
    auto w = AtomicDiskWriter::Create(dst);
    REQUIRE(w.ok());
    CHECK(fs::exists((*w)->temp_path()));
    for (size_t i = 0; i < data.size(); i += 7000) CHECK((*w)->Write(std::string_view(data).substr(i, 7000)).ok());
    CHECK_FALSE(fs::exists(dst));
    REQUIRE((*w)->Commit(data.size()).ok());
  }
  REQUIRE(fs::exists(dst));
  CHECK(ReadWholeFile(dst) == data);
  struct stat st {};
  REQUIRE(stat(dst.c_str(), &st) == 0);
  CHECK(static_cast<size_t>(st.st_blocks) * 512 < data.size() / 2);  // the zero MiB is a hole
  // No temporary left behind.
  int files = 0;
  for (auto& e : fs::directory_iterator(dir / "42")) files += e.is_regular_file();
  CHECK(files == 1);
  fs::remove_all(dir);
}

TEST_CASE("disk_writer: WriteZeros leaves a hole of exactly that many zero bytes, also after a partial block") {
  fs::path dir = TempDir();
  std::string dst = (dir / "disk.0").string();
  const std::uint64_t hole = 64ull << 20;
  {
    auto w = AtomicDiskWriter::Create(dst);
    REQUIRE(w.ok());
    REQUIRE((*w)->Write("abc").ok());  // a pending partial 4 KiB block
    REQUIRE((*w)->WriteZeros(hole).ok());
    CHECK((*w)->written() == 3 + hole);
    REQUIRE((*w)->Write("xyz").ok());
    REQUIRE((*w)->WriteZeros(5).ok());
    REQUIRE((*w)->Commit(3 + hole + 3 + 5).ok());
  }
  std::string got = ReadWholeFile(dst);
  REQUIRE(got.size() == 3 + hole + 3 + 5);
  CHECK(got.substr(0, 3) == "abc");
  CHECK(got.find_first_not_of('\0', 3) == 3 + hole);
  CHECK(got.substr(3 + hole, 3) == "xyz");
  CHECK(got.substr(3 + hole + 3) == std::string(5, '\0'));
  struct stat st {};
  REQUIRE(stat(dst.c_str(), &st) == 0);
  CHECK(static_cast<std::uint64_t>(st.st_blocks) * 512 < (1u << 20));  // the 64 MiB are a hole
  fs::remove_all(dir);
}

TEST_CASE("disk_writer: a short stream or an abandoned writer leaves nothing at dst") {
  fs::path dir = TempDir();
  std::string dst = (dir / "disk.1").string();
  std::string tmp;
  {
    auto w = AtomicDiskWriter::Create(dst);
    REQUIRE(w.ok());
    tmp = (*w)->temp_path();
    CHECK((*w)->Write("hello").ok());
    Status st = (*w)->Commit(10);
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("got 5 bytes, expected 10") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(dst));
  CHECK_FALSE(fs::exists(tmp));
  // An old disk at dst is untouched by a failed transfer.
  std::ofstream(dst) << "old";
  {
    auto w = AtomicDiskWriter::Create(dst);
    REQUIRE(w.ok());
    CHECK((*w)->Write("new content").ok());
  }
  CHECK(ReadWholeFile(dst) == "old");
  fs::remove_all(dir);
}

TEST_CASE("disk_writer: stale temporaries of a killed transfer are cleaned") {
  fs::path dir = TempDir();
  std::ofstream(dir / ".disk.0.one-ipfs-AbC123") << "partial";
  std::ofstream(dir / ".disk.10.one-ipfs-AbC123") << "other disk";
  auto w = AtomicDiskWriter::Create((dir / "disk.0").string());
  REQUIRE(w.ok());
  CHECK_FALSE(fs::exists(dir / ".disk.0.one-ipfs-AbC123"));
  CHECK(fs::exists(dir / ".disk.10.one-ipfs-AbC123"));
  fs::remove_all(dir);
}

TEST_CASE("disk_writer: regions written by parallel threads make the same file, sparse for zero blocks") {
  fs::path dir = TempDir();
  std::string dst = (dir / "disk.0").string();
  // 3 MiB + 123 bytes: random-ish bytes with a 1 MiB all-zero stretch that
  // straddles the region boundary, and a tail that is not a whole block.
  std::string data(3 * 1048576 + 123, '\0');
  std::uint32_t x = 7;
  for (std::size_t i = 0; i < data.size(); ++i) {
    x = x * 1103515245u + 12345u;
    if (i < 1048576 || i >= 2 * 1048576) data[i] = static_cast<char>((x >> 16) | 1);
  }
  auto w = AtomicDiskWriter::Create(dst);
  REQUIRE(w.ok());
  const std::uint64_t cut[] = {0, 1572864, 2 * 1572864, data.size()};  // 1.5 MiB regions, 4 KiB aligned
  std::vector<std::unique_ptr<AtomicDiskWriter::Region>> regions;
  for (int k = 0; k < 3; ++k) {
    auto r = (*w)->OpenRegion(cut[k], cut[k + 1] - cut[k]);
    REQUIRE(r.ok());
    regions.push_back(std::move(*r));
  }
  std::vector<std::thread> threads;
  std::vector<Status> results(3);
  for (int k = 0; k < 3; ++k)
    threads.emplace_back([&, k] {
      // odd chunk sizes, so blocks straddle chunks
      std::size_t at = cut[k], step = 1000 + 3331 * static_cast<std::size_t>(k);
      while (at < cut[k + 1] && results[k].ok()) {
        std::size_t n = std::min<std::size_t>(step, cut[k + 1] - at);
        results[k] = regions[k]->Write(std::string_view(data).substr(at, n));
        at += n;
      }
    });
  for (auto& t : threads) t.join();
  for (const auto& st : results) CHECK(st.ok());
  CHECK_FALSE(fs::exists(dst));
  REQUIRE((*w)->CommitRegions(regions, data.size()).ok());
  CHECK(ReadWholeFile(dst) == data);
  struct stat st {};
  REQUIRE(::stat(dst.c_str(), &st) == 0);
  CHECK(st.st_size == static_cast<off_t>(data.size()));
  CHECK(static_cast<std::uint64_t>(st.st_blocks) * 512 < data.size() - 1000000);  // the zero MiB is a hole
  fs::remove_all(dir);
}

TEST_CASE("disk_writer: regions that leave a gap, fall short or overflow commit nothing") {
  fs::path dir = TempDir();
  std::string dst = (dir / "disk.0").string();
  std::string block(4096, 'b');
  {
    auto w = AtomicDiskWriter::Create(dst);
    REQUIRE(w.ok());
    CHECK_FALSE((*w)->OpenRegion(100, 4096).ok());  // not 4 KiB aligned
    std::vector<std::unique_ptr<AtomicDiskWriter::Region>> regions;
    regions.push_back(Open(**w, 0, 4096));
    regions.push_back(Open(**w, 8192, 4096));  // a gap at 4096
    REQUIRE(regions[0]->Write(block).ok());
    REQUIRE(regions[1]->Write(block).ok());
    Status st = (*w)->CommitRegions(regions, 12288);
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("do not tile") != std::string::npos);
  }
  {
    auto w = AtomicDiskWriter::Create(dst);
    REQUIRE(w.ok());
    std::vector<std::unique_ptr<AtomicDiskWriter::Region>> regions;
    regions.push_back(Open(**w, 0, 4096));
    regions.push_back(Open(**w, 4096, 4096));
    REQUIRE(regions[0]->Write(block).ok());
    REQUIRE(regions[1]->Write(block.substr(0, 4000)).ok());  // short
    CHECK_FALSE(regions[0]->Write("x").ok());                // more than its length
    Status st = (*w)->CommitRegions(regions, 8192);
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("got 4000 bytes at offset 4096") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(dst));
  std::size_t left = 0;
  for (const auto& e : fs::directory_iterator(dir)) left += e.path().filename().string().size() > 0;
  CHECK(left == 0);  // both temporaries were removed
  fs::remove_all(dir);
}

}  // namespace oneipfs

namespace oneipfs {

// Early writeback (sync_file_range every 8 MiB) only starts the disk sooner:
// files well past several steps, written sequentially in odd chunks and in
// parallel regions, with holes across the steps, come out byte for byte.
TEST_CASE("disk_writer: files past several writeback steps are exact, sequential and in regions") {
  std::string data;
  for (int i = 0; i < 20; ++i) data += std::string((1 << 20) + 4096 * i, static_cast<char>(i % 2 ? 0 : 'a' + i));
  fs::path dir = TempDir();
  std::string seq = (dir / "seq").string(), par = (dir / "par").string();
  {
    auto w = AtomicDiskWriter::Create(seq);
    REQUIRE(w.ok());
    for (size_t i = 0; i < data.size(); i += 777777) CHECK((*w)->Write(std::string_view(data).substr(i, 777777)).ok());
    REQUIRE((*w)->Commit(data.size()).ok());
  }
  {
    auto w = AtomicDiskWriter::Create(par);
    REQUIRE(w.ok());
    const std::uint64_t half = (data.size() / 2) / 4096 * 4096;
    std::vector<std::unique_ptr<AtomicDiskWriter::Region>> regions;
    regions.push_back(Open(**w, 0, half));
    regions.push_back(Open(**w, half, data.size() - half));
    std::vector<std::thread> threads;
    for (auto& r : regions)
      threads.emplace_back([&data, &r] {
        for (std::uint64_t i = 0; i < r->length(); i += 1 << 20)
          CHECK(r->Write(std::string_view(data).substr(r->start() + i, std::min<std::uint64_t>(1 << 20, r->length() - i))).ok());
      });
    for (auto& t : threads) t.join();
    REQUIRE((*w)->CommitRegions(regions, data.size()).ok());
  }
  CHECK(ReadWholeFile(seq) == data);
  CHECK(ReadWholeFile(par) == data);
  fs::remove_all(dir);
}

}  // namespace oneipfs
