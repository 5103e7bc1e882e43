#include "common/local_path.h"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace oneipfs {

TEST_CASE("local_path: PathIsUnder matches whole components") {
  CHECK(PathIsUnder("/var/tmp/a.qcow2", "/var/tmp"));
  CHECK(PathIsUnder("/var/tmp/a.qcow2", "/var/tmp/"));
  CHECK(PathIsUnder("/var/tmp", "/var/tmp"));
  CHECK_FALSE(PathIsUnder("/var/tmpx/a", "/var/tmp"));
  CHECK(PathIsUnder("/etc/passwd", "/"));
  CHECK_FALSE(PathIsUnder("/var", "/var/tmp"));
}

TEST_CASE("local_path: RESTRICTED_DIRS, SAFE_DIRS and the always-restricted dirs") {
  namespace fs = std::filesystem;
  char tmpl[] = "/tmp/one-ipfs-lp-XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  fs::path root = tmpl;
  fs::create_directories(root / "safe");
  fs::create_directories(root / "secret");
  std::ofstream(root / "safe" / "a.img") << "data";
  std::ofstream(root / "secret" / "b.img") << "data";
  fs::create_directory_symlink(root / "secret", root / "safe" / "link");

  std::string r = root.string();
  // Default: allowed.
  CHECK(CheckLocalImagePath(r + "/secret/b.img", "", "", "").ok());
  // RESTRICTED_DIRS "/" with SAFE_DIRS: only the safe dir.
  auto ok = CheckLocalImagePath(r + "/safe/a.img", "/", r + "/safe", "");
  REQUIRE(ok.ok());
  CHECK(ok->size == 4);
  auto no = CheckLocalImagePath(r + "/secret/b.img", "/", r + "/safe", "");
  REQUIRE_FALSE(no.ok());
  CHECK(no.status().message().find("restricted") != std::string::npos);
  // A symlink out of a safe dir is judged by where it points.
  CHECK_FALSE(CheckLocalImagePath(r + "/safe/link/b.img", "/", r + "/safe", "").ok());
  // ".." cannot escape either.
  CHECK_FALSE(CheckLocalImagePath(r + "/safe/../secret/b.img", "/", r + "/safe", "").ok());
  // $HOME is always restricted.
  CHECK_FALSE(CheckLocalImagePath(r + "/secret/b.img", "", "", r).ok());
  // Missing file, directory.
  auto missing = CheckLocalImagePath(r + "/nope.img", "", "", "");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Status::Code::kNotFound);
  CHECK_FALSE(CheckLocalImagePath(r + "/safe", "", "", "").ok());
  fs::remove_all(root);
}

}  // namespace oneipfs
