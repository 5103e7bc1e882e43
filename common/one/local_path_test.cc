#include "common/one/local_path.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace oneipfs {
namespace {

namespace fs = std::filesystem;

// A scratch directory, removed at the end of the test.
struct Scratch {
  fs::path root;
  Scratch() {
    char tmpl[] = "/tmp/one-ipfs-lp-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    root = tmpl;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  std::string Put(const std::string& rel, const std::string& content) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << content;
    return (root / rel).string();
  }
  std::string Path(const std::string& rel) const { return (root / rel).string(); }
};

LocalPathPolicy Policy(std::string restricted, std::string safe, std::string home = "", std::string one = "") {
  LocalPathPolicy p;
  p.restricted_dirs = std::move(restricted);
  p.safe_dirs = std::move(safe);
  p.home = std::move(home);
  p.one_location = std::move(one);
  return p;
}

// All of what the descriptor reads.
std::string ReadAll(const LocalFile& f) {
  auto got = f.ReadAt(0, 1 << 20);
  REQUIRE(got.ok());
  return *got;
}

}  // namespace

TEST_CASE("local_path: PathIsUnder matches whole components") {
  CHECK(PathIsUnder("/var/tmp/a.qcow2", "/var/tmp"));
  CHECK(PathIsUnder("/var/tmp/a.qcow2", "/var/tmp/"));
  CHECK(PathIsUnder("/var/tmp", "/var/tmp"));
  CHECK_FALSE(PathIsUnder("/var/tmpx/a", "/var/tmp"));
  CHECK(PathIsUnder("/etc/passwd", "/"));
  CHECK_FALSE(PathIsUnder("/var", "/var/tmp"));
}

TEST_CASE("local_path: RESTRICTED_DIRS, SAFE_DIRS and the always-restricted dirs") {
  Scratch s;
  std::string r = s.root.string();
  s.Put("safe/a.img", "data");
  s.Put("secret/b.img", "data");
  fs::create_directory_symlink(s.root / "secret", s.root / "safe" / "link");
  // Default: allowed.
  CHECK(OpenLocalImage(r + "/secret/b.img", Policy("", "")).ok());
  // RESTRICTED_DIRS "/" with SAFE_DIRS: only the safe dir.
  auto ok = OpenLocalImage(r + "/safe/a.img", Policy("/", r + "/safe"));
  REQUIRE(ok.ok());
  CHECK(ok->size() == 4);
  CHECK(ReadAll(*ok) == "data");
  auto no = OpenLocalImage(r + "/secret/b.img", Policy("/", r + "/safe"));
  REQUIRE_FALSE(no.ok());
  CHECK(no.status().message().find("restricted") != std::string::npos);
  // A symlink out of a safe dir is judged by where it points.
  CHECK_FALSE(OpenLocalImage(r + "/safe/link/b.img", Policy("/", r + "/safe")).ok());
  // ".." cannot escape either.
  CHECK_FALSE(OpenLocalImage(r + "/safe/../secret/b.img", Policy("/", r + "/safe")).ok());
  // $HOME is always restricted.
  CHECK_FALSE(OpenLocalImage(r + "/secret/b.img", Policy("", "", r)).ok());
  // Missing file, directory.
  auto missing = OpenLocalImage(r + "/nope.img", Policy("", ""));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Status::Code::kNotFound);
  auto dir = OpenLocalImage(r + "/safe", Policy("", ""));
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.status().message().find("not a regular file") != std::string::npos);
}

TEST_CASE("local_path: with ONE_LOCATION set, $ONE_LOCATION/etc and /var are restricted (libfs.sh)") {
  Scratch s;
  std::string one = s.Path("one");
  std::string conf = s.Put("one/etc/oned.conf", "DB = [ BACKEND = \"sqlite\" ]");
  std::string db = s.Put("one/var/one.db", "SQLite format 3");
  std::string lib = s.Put("one/lib/ruby/x.rb", "x");
  for (const auto& f : {conf, db}) {
    CAPTURE(f);
    auto r = OpenLocalImage(f, Policy("", "", "", one));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
    CHECK(r.status().message().find("restricted") != std::string::npos);
    CHECK(OpenLocalImage(f, Policy("", "")).ok());  // without ONE_LOCATION: an ordinary directory
  }
  CHECK(OpenLocalImage(lib, Policy("", "", "", one)).ok());  // only etc and var, as libfs.sh
  // The system-wide places stay restricted on a self-contained install.
  auto always = AlwaysRestricted(Policy("", "", "/home/oneadmin", one));
  CHECK(always == std::vector<std::string>{"/var/lib/one", "/etc/one", one + "/var", one + "/etc", "/home/oneadmin"});
  // ONE_LOCATION given with a trailing slash or as a symlink still matches.
  fs::create_directory_symlink(s.root / "one", s.root / "one-link");
  CHECK_FALSE(OpenLocalImage(conf, Policy("", "", "", s.Path("one-link"))).ok());
  CHECK_FALSE(OpenLocalImage(db, Policy("", "", "", one + "/")).ok());
  // SAFE_DIRS still wins, as in the fs driver.
  CHECK(OpenLocalImage(conf, Policy("", one + "/etc", "", one)).ok());
}

TEST_CASE("local_path: the ipfs.conf in use is refused wherever it is, even under SAFE_DIRS") {
  Scratch s;
  std::string conf = s.Put("conf/ipfs.conf", "IPFS_API_AUTH = \"Bearer secret\"");
  std::string other = s.Put("conf/other.img", "x");
  LocalPathPolicy p = Policy("", "");
  p.restricted_files = {conf};
  auto no = OpenLocalImage(conf, p);
  REQUIRE_FALSE(no.ok());
  CHECK(no.status().message().find("configuration") != std::string::npos);
  CHECK(OpenLocalImage(other, p).ok());
  p.safe_dirs = s.Path("conf");  // SAFE_DIRS does not open it
  CHECK_FALSE(OpenLocalImage(conf, p).ok());
  CHECK(OpenLocalImage(other, p).ok());
}

TEST_CASE("local_path: a symlink in a safe dir that points into a restricted one is refused; safe targets are fine") {
  Scratch s;
  std::string one = s.Path("one");
  s.Put("one/etc/oned.conf", "secret");
  s.Put("safe/real.img", "image");
  fs::create_symlink(s.root / "one" / "etc" / "oned.conf", s.root / "safe" / "evil.img");
  fs::create_directory_symlink(s.root / "one" / "var", s.root / "safe" / "var");
  s.Put("one/var/one.db", "db");
  fs::create_symlink(s.root / "safe" / "real.img", s.root / "safe" / "alias.img");
  LocalPathPolicy p = Policy("", s.Path("safe"), "", one);
  CHECK_FALSE(OpenLocalImage(s.Path("safe/evil.img"), p).ok());
  CHECK_FALSE(OpenLocalImage(s.Path("safe/var/one.db"), p).ok());
  auto alias = OpenLocalImage(s.Path("safe/alias.img"), p);
  REQUIRE(alias.ok());
  CHECK(alias->real_path() == s.Path("safe/real.img"));
  CHECK(ReadAll(*alias) == "image");
  // A SAFE_DIRS entry that is itself a symlink stands for its target.
  fs::create_directory_symlink(s.root / "safe", s.root / "safe-link");
  CHECK(OpenLocalImage(s.Path("safe/real.img"), Policy("/", s.Path("safe-link"))).ok());
}

TEST_CASE("local_path: a symlink swapped in after the check is not followed; the checked file is what is read") {
  Scratch s;
  std::string r = s.root.string();
  s.Put("safe/dir/a.img", "checked");
  s.Put("secret/dir/a.img", "SECRET");
  SUBCASE("the file itself becomes a symlink") {
    LocalPathPolicy p = Policy("/", r + "/safe");
    p.before_open = [&] {
      fs::remove(s.root / "safe" / "dir" / "a.img");
      fs::create_symlink(s.root / "secret" / "dir" / "a.img", s.root / "safe" / "dir" / "a.img");
    };
    auto got = OpenLocalImage(r + "/safe/dir/a.img", p);
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().message().find("changed while it was checked") != std::string::npos);
  }
  SUBCASE("a directory in its path becomes a symlink") {
    LocalPathPolicy p = Policy("/", r + "/safe");
    p.before_open = [&] {
      fs::rename(s.root / "safe" / "dir", s.root / "safe" / "dir.old");
      fs::create_directory_symlink(s.root / "secret" / "dir", s.root / "safe" / "dir");
    };
    auto got = OpenLocalImage(r + "/safe/dir/a.img", p);
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().message().find("changed while it was checked") != std::string::npos);
  }
  SUBCASE("the descriptor keeps the checked file when the name is replaced after the open") {
    auto got = OpenLocalImage(r + "/safe/dir/a.img", Policy("/", r + "/safe"));
    REQUIRE(got.ok());
    fs::remove(s.root / "safe" / "dir" / "a.img");
    fs::create_symlink(s.root / "secret" / "dir" / "a.img", s.root / "safe" / "dir" / "a.img");
    CHECK(ReadAll(*got) == "checked");
  }
}

TEST_CASE("local_path: OpenNoSymlinks, with openat2 and with the O_NOFOLLOW walk") {
  Scratch s;
  std::string file = s.Put("d/e/f.img", "bytes");
  fs::create_directory_symlink(s.root / "d", s.root / "dl");
  fs::create_symlink(s.root / "d" / "e" / "f.img", s.root / "d" / "e" / "fl.img");
  ::mkfifo(s.Path("d/fifo").c_str(), 0600);
  for (NoFollowOpen how : {NoFollowOpen::kAuto, NoFollowOpen::kWalk}) {
    CAPTURE(static_cast<int>(how));
    auto fd = OpenNoSymlinks(file, how);
    REQUIRE(fd.ok());
    char buf[8] = {};
    CHECK(::read(*fd, buf, sizeof buf) == 5);
    ::close(*fd);
    for (const auto& bad : {s.Path("dl/e/f.img"), s.Path("d/e/fl.img")}) {
      CAPTURE(bad);
      auto no = OpenNoSymlinks(bad, how);
      REQUIRE_FALSE(no.ok());
      CHECK(no.status().code() == Status::Code::kInvalid);
    }
    CHECK_FALSE(OpenNoSymlinks(s.Path("d/e/../e/f.img"), how).ok());
    CHECK_FALSE(OpenNoSymlinks("relative/f.img", how).ok());
    CHECK(OpenNoSymlinks(s.Path("d/nope"), how).status().code() == Status::Code::kNotFound);
    // A FIFO does not block the open (nobody writes to it).
    auto fifo = OpenNoSymlinks(s.Path("d/fifo"), how);
    REQUIRE(fifo.ok());
    ::close(*fifo);
  }
  auto fifo = OpenLocalImage(s.Path("d/fifo"), Policy("", ""));
  REQUIRE_FALSE(fifo.ok());
  CHECK(fifo.status().message().find("not a regular file") != std::string::npos);
}

}  // namespace oneipfs
