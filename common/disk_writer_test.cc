#include "common/disk_writer.h"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace oneipfs {
namespace {

namespace fs = std::filesystem;

fs::path TempDir() {
  char tmpl[] = "/tmp/one-ipfs-dw-XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  return tmpl;
}

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
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
  CHECK(Slurp(dst) == data);
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
  std::string got = Slurp(dst);
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
  CHECK(Slurp(dst) == "old");
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

}  // namespace oneipfs
