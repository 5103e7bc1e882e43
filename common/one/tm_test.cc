#include "common/one/tm.h"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/base/scratch_files_test.h"

namespace oneipfs {

namespace fs = std::filesystem;

TEST_CASE("tm: SshOptionsFrom shares connections unless told not to") {
  const fs::path dir_path = testing::MakeTempDir("tm-ssh");
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{dir_path};
  Config c;
  c.Set("IPFS_SSH", "ssh -F /etc/one/ssh_config", "environment");
  c.Set("IPFS_SSH_OPTS", "-o ControlMaster=no", "environment");
  SUBCASE("IPFS_SSH_CONTROL_DIR is made 0700 and used, with IPFS_SSH_CONTROL_PERSIST") {
    std::string ctl = (dir_path / "ctl").string();
    c.Set("IPFS_SSH_CONTROL_DIR", ctl, "environment");
    c.Set("IPFS_SSH_CONTROL_PERSIST", "30", "environment");
    SshOptions o = SshOptionsFrom(c);
    CHECK(o.ssh == "ssh");
    CHECK(o.extra_args == std::vector<std::string>{"-F", "/etc/one/ssh_config", "-o", "ControlMaster=no"});
    CHECK(o.control_dir == ctl);
    CHECK(o.control_persist == 30);
    CHECK(fs::is_directory(ctl));
  }
  SUBCASE("IPFS_SSH_CONTROL_PERSIST 0 or no: no sharing, nothing created") {
    std::string ctl = (dir_path / "ctl").string();
    c.Set("IPFS_SSH_CONTROL_DIR", ctl, "environment");
    for (const char* off : {"0", "no"}) {
      c.Set("IPFS_SSH_CONTROL_PERSIST", off, "environment");
      CHECK(SshOptionsFrom(c).control_dir.empty());
    }
    CHECK_FALSE(fs::exists(ctl));
  }
  SUBCASE("an unusable directory: no sharing") {
    fs::path open = dir_path / "open";
    fs::create_directory(open);
    ::chmod(open.c_str(), 0777);
    c.Set("IPFS_SSH_CONTROL_DIR", open.string(), "environment");
    SshOptions o = SshOptionsFrom(c);
    CHECK(o.control_dir.empty());
  }
  SUBCASE("the default directory when none is set") {
    CHECK(c.Get("IPFS_SSH_CONTROL_DIR").empty());
    CHECK(c.GetInt("IPFS_SSH_CONTROL_PERSIST", 0) == 60);
    std::string d = DefaultSshControlDir();
    CHECK((d == "/run/one/one-ipfs-ssh" || d == "/tmp/one-ipfs-ssh-" + std::to_string(::geteuid())));
  }
}

}  // namespace oneipfs
