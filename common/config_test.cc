#include "common/config.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>

namespace oneipfs {
namespace {

std::string WriteTemp(const std::string& text) {
  char name[] = "/tmp/one-ipfs-conf-XXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(name) << text;
  return name;
}

}  // namespace

TEST_CASE("config: defaults") {
  Config c;
  CHECK(c.Get("IPFS_API") == "/ip4/127.0.0.1/tcp/5001");
  CHECK(c.Origin("IPFS_API") == "default");
  CHECK(c.GetSeconds("IPFS_TIMEOUT").count() == 300);
  CHECK(c.GetBool("IPFS_RAW_LEAVES"));
  CHECK_FALSE(c.GetBool("IPFS_IPNS_FOLLOW"));
  CHECK(c.Get("NOT_A_KEY").empty());
}

TEST_CASE("config: precedence defaults < file < datastore template < environment") {
  std::string path = WriteTemp(
      "# comment\n"
      "IPFS_API = \"/ip4/127.0.0.1/tcp/6001\"\n"
      "IPFS_TIMEOUT=42\n"
      "IPFS_CATALOG = '/from-file'\n"
      "IPFS_CHUNKER = size-262144\n"
      "BOGUS_KEY = 1\n");
  std::map<std::string, std::string> env = {{"IPFS_CATALOG", "/from-env"}, {"IPFS_STAT_TIMEOUT", ""}};
  Config::Sources s;
  s.conf_path = path;
  s.ds_template = {{"IPFS_TIMEOUT", "7"}, {"IPFS_CATALOG", "/from-ds"}, {"IPFS_CHUNKER", ""}, {"DS_MAD", "ipfs"}};
  s.getenv = [&](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto c = Config::Load(s);
  REQUIRE(c.ok());
  CHECK(c->Get("IPFS_API") == "/ip4/127.0.0.1/tcp/6001");
  CHECK(c->Origin("IPFS_API") == "ipfs.conf");
  CHECK(c->Get("IPFS_TIMEOUT") == "7");
  CHECK(c->Origin("IPFS_TIMEOUT") == "datastore template");
  CHECK(c->Get("IPFS_CATALOG") == "/from-env");
  CHECK(c->Origin("IPFS_CATALOG") == "environment");
  // An empty value in a higher layer does not override a lower one.
  CHECK(c->Get("IPFS_CHUNKER") == "size-262144");
  CHECK(c->Get("IPFS_STAT_TIMEOUT") == "20");
  // Template keys that are not settings are ignored; unknown file keys warn.
  CHECK(c->Get("DS_MAD").empty());
  REQUIRE(c->warnings().size() == 1);
  CHECK(c->warnings()[0].find("BOGUS_KEY") != std::string::npos);
  std::remove(path.c_str());
}

TEST_CASE("config: a malformed line is an error naming file and line") {
  std::string path = WriteTemp("IPFS_API=/ip4/127.0.0.1/tcp/1\nthis is not a setting\n");
  Config::Sources s;
  s.conf_path = path;
  auto c = Config::Load(s);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().message().find(path + " line 2") != std::string::npos);
  std::remove(path.c_str());
}

TEST_CASE("config: a missing file is not an error") {
  Config::Sources s;
  s.conf_path = "/nonexistent/ipfs.conf";
  auto c = Config::Load(s);
  REQUIRE(c.ok());
  CHECK(c->Origin("IPFS_API") == "default");
}

TEST_CASE("config: bad numbers fall back to the default") {
  Config c;
  c.Set("IPFS_TIMEOUT", "soon", "test");
  CHECK(c.GetSeconds("IPFS_TIMEOUT").count() == 300);
  c.Set("IPFS_TIMEOUT", "0", "test");
  CHECK(c.GetSeconds("IPFS_TIMEOUT").count() == 300);
  c.Set("IPFS_TIMEOUT", "15", "test");
  CHECK(c.GetSeconds("IPFS_TIMEOUT").count() == 15);
}

}  // namespace oneipfs
