#include "common/one/config.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

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


TEST_CASE("config: operator-only keys in a datastore template are ignored, with one warning naming them") {
  std::string path = WriteTemp("IPFS_SSH = ssh -F /etc/one/ssh_config\nIPFS_REMOTE_DIR = /var/tmp/one\n");
  Config::Sources s;
  s.conf_path = path;
  s.ds_template = {{"IPFS_SSH", "sh -c 'touch /tmp/pwned' #"},
                   {"IPFS_SSH_OPTS", "-oProxyCommand=touch /tmp/pwned"},
                   {"IPFS_REMOTE_DIR", "/home/mallory"},
                   {"IPFS_LIBVIRT_URI", "qemu+ext:///system?command=/tmp/x"},
                   {"IPFS_API_AUTH", "Bearer stolen"},
                   {"IPFS_ALLOW_BACKING_FILE", "yes"},
                   {"IPFS_TIMEOUT", "30"}};
  auto c = Config::Load(s);
  REQUIRE(c.ok());
  CHECK(c->Get("IPFS_SSH") == "ssh -F /etc/one/ssh_config");
  CHECK(c->Origin("IPFS_SSH") == "ipfs.conf");
  CHECK(c->Get("IPFS_SSH_OPTS").empty());
  CHECK(c->Get("IPFS_REMOTE_DIR") == "/var/tmp/one");
  CHECK(c->Get("IPFS_LIBVIRT_URI") == "qemu:///system");
  CHECK(c->Get("IPFS_API_AUTH").empty());
  CHECK_FALSE(c->GetBool("IPFS_ALLOW_BACKING_FILE"));
  CHECK(c->Get("IPFS_TIMEOUT") == "30");  // a datastore key still applies
  REQUIRE(c->warnings().size() == 1);
  const std::string& w = c->warnings()[0];
  for (const char* k : {"IPFS_SSH,", "IPFS_SSH_OPTS", "IPFS_REMOTE_DIR", "IPFS_LIBVIRT_URI", "IPFS_API_AUTH",
                        "IPFS_ALLOW_BACKING_FILE"})
    CHECK_MESSAGE(w.find(k) != std::string::npos, k);
  CHECK(w.find("IPFS_TIMEOUT") == std::string::npos);
  CHECK(w.find("ipfs.conf") != std::string::npos);
  std::remove(path.c_str());
}

TEST_CASE("config: whether imports leave the publisher's daemon out (IPFS_MIRROR_FIRST) is the operator's") {
  CHECK(Config::IsOperatorOnly("IPFS_MIRROR_FIRST"));
  Config::Sources s;
  s.ds_template = {{"IPFS_MIRROR_FIRST", "no"}};
  auto c = Config::Load(s);
  REQUIRE(c.ok());
  CHECK(c->GetBool("IPFS_MIRROR_FIRST"));  // the default stays
  REQUIRE(c->warnings().size() == 1);
  CHECK(c->warnings()[0].find("IPFS_MIRROR_FIRST") != std::string::npos);
}

TEST_CASE("config: every key that chooses a command, file, URI or secret is operator-only") {
  for (const char* k : {"IPFS_SSH", "IPFS_SSH_OPTS", "IPFS_SSH_CONTROL_PERSIST", "IPFS_SSH_CONTROL_DIR",
                        "IPFS_REMOTE_DIR", "IPFS_LIBVIRT_URI", "IPFS_TMPDIR", "IPFS_MFS_LOCK", "IPFS_HOST_MFS_LOCK",
                        "IPFS_REPO_PATH", "IPFS_API_AUTH", "IPFS_API_ALLOW", "IPFS_HOST_API",
                        "IPFS_ALLOW_BACKING_FILE", "ONE_VERSION", "IPFS_TM_DATASTORE", "IPFS_IMPORT_MAX_MB",
                        "IPFS_SIGNING_KEY", "IPFS_DELETE_GRACE", "IPFS_HISTORY_KEEP", "IPFS_HISTORY_APPEND"})
    CHECK_MESSAGE(Config::IsOperatorOnly(k), k);
  // A datastore manager cannot turn the history's append mode (nor its key) from the template.
  Config::Sources s;
  s.ds_template = {{"IPFS_HISTORY_APPEND", "inline"}, {"IPFS_SIGNING_KEY", "/tmp/theirs.key"}};
  auto c = Config::Load(s);
  REQUIRE(c.ok());
  CHECK(c->Get("IPFS_HISTORY_APPEND") == "background");
  CHECK(c->Get("IPFS_SIGNING_KEY").empty());
  REQUIRE(c->warnings().size() == 1);
  CHECK(c->warnings()[0].find("IPFS_HISTORY_APPEND") != std::string::npos);
  for (const char* k : {"IPFS_API", "IPFS_CATALOG", "SAFE_DIRS", "RESTRICTED_DIRS", "IPFS_TIMEOUT", "DRIVER"})
    CHECK_FALSE_MESSAGE(Config::IsOperatorOnly(k), k);
}

TEST_CASE("config: a template's IPFS_API is used only when it is the operator's or in IPFS_API_ALLOW") {
  std::string path = WriteTemp(
      "IPFS_API = /ip4/127.0.0.1/tcp/5001\n"
      "IPFS_API_AUTH = \"Bearer s3cret\"\n"
      "IPFS_API_ALLOW = \"/ip4/10.0.0.5/tcp/5001 https://ipfs2.example:5443\"\n");
  Config::Sources s;
  s.conf_path = path;

  s.ds_template = {{"IPFS_API", "http://127.0.0.1:9999"}};
  auto c = Config::Load(s);
  REQUIRE(c.ok());
  CHECK(c->Get("IPFS_API") == "/ip4/127.0.0.1/tcp/5001");
  CHECK(c->ApiIsOperators("IPFS_API"));
  REQUIRE(c->warnings().size() == 1);
  CHECK(c->warnings()[0].find("'http://127.0.0.1:9999' is not in IPFS_API_ALLOW") != std::string::npos);

  // The operator's own API, written another way: used, and the secret goes with it.
  s.ds_template = {{"IPFS_API", "http://127.0.0.1:5001/"}};
  c = Config::Load(s);
  REQUIRE(c.ok());
  CHECK(c->Origin("IPFS_API") == "datastore template");
  CHECK(c->ApiIsOperators("IPFS_API"));
  CHECK(c->warnings().empty());

  // An allowed other API: used, but the operator's secret is not its secret.
  s.ds_template = {{"IPFS_API", "/ip4/10.0.0.5/tcp/5001"}};
  c = Config::Load(s);
  REQUIRE(c.ok());
  CHECK(c->Get("IPFS_API") == "/ip4/10.0.0.5/tcp/5001");
  CHECK_FALSE(c->ApiIsOperators("IPFS_API"));
  s.ds_template = {{"IPFS_API", "HTTPS://IPFS2.example:5443"}};
  c = Config::Load(s);
  REQUIRE(c.ok());
  CHECK(c->Origin("IPFS_API") == "datastore template");
  CHECK(c->warnings().empty());
  std::remove(path.c_str());
}

TEST_CASE("config: NormalizeApiAddress") {
  CHECK(NormalizeApiAddress("/ip4/127.0.0.1/tcp/5001") == "http://127.0.0.1:5001");
  CHECK(NormalizeApiAddress("http://127.0.0.1:5001/") == "http://127.0.0.1:5001");
  CHECK(NormalizeApiAddress("/dns4/Front.Example/tcp/5001") == "http://front.example:5001");
  CHECK(NormalizeApiAddress("/ip6/::1/tcp/5001") == "http://[::1]:5001");
  CHECK(NormalizeApiAddress("/unix/run/ipfs.sock") == "/unix/run/ipfs.sock");
  CHECK(NormalizeApiAddress("/ip4/127.0.0.1/tcp/5001") != NormalizeApiAddress("/ip4/127.0.0.1/tcp/5002"));
}

}  // namespace oneipfs

namespace oneipfs {

TEST_CASE("config: docs/configuration.md and install/ipfs.conf list every key") {
  namespace fs = std::filesystem;
  const fs::path root = ONEIPFS_TEST_SOURCE_DIR;
  auto read = [](const fs::path& p) {
    std::ifstream in(p);
    REQUIRE_MESSAGE(in.good(), "cannot read " << p.string());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string doc = read(root / "docs" / "configuration.md");
  const std::string conf = read(root / "install" / "ipfs.conf");

  // The table rows: "| `KEY`[, `KEY2`] | default | meaning |".
  std::map<std::string, std::pair<std::string, std::string>> rows;  // key -> (default cell, meaning)
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    size_t c1 = line.find(" | ", 2), c2 = c1 == std::string::npos ? c1 : line.find(" | ", c1 + 3);
    REQUIRE_MESSAGE(c2 != std::string::npos, line);
    std::string keys = line.substr(2, c1 - 2), def = line.substr(c1 + 3, c2 - c1 - 3), meaning = line.substr(c2 + 3);
    for (size_t at = keys.find('`'); at != std::string::npos; at = keys.find('`', keys.find('`', at + 1) + 1)) {
      std::string k = keys.substr(at + 1, keys.find('`', at + 1) - at - 1);
      CHECK_MESSAGE(Config::IsKnownKey(k), "docs/configuration.md documents an unknown key " << k);
      rows[k] = {def, meaning};
    }
  }
  for (const auto& k : Config::Keys()) {
    INFO("key " << k.key);
    auto it = rows.find(k.key);
    REQUIRE_MESSAGE(it != rows.end(), "docs/configuration.md has no row for " << k.key);
    const auto& [def, meaning] = it->second;
    std::string d = k.default_value;
    if (!d.empty())
      CHECK_MESSAGE(def.find(d) != std::string::npos, "default cell '" << def << "' does not say " << d);
    else {
      bool described = def.find('`') == std::string::npos || def.find("FREE_MB") != std::string::npos ||
                       def.find("VERSION") != std::string::npos;
      CHECK_MESSAGE(described, "an empty default documented as a value: " << def);
    }
    bool marked = meaning.rfind("**(operator)**", 0) == 0;
    CHECK_MESSAGE(marked == (k.scope == Config::KeyScope::kOperator),
                  (marked ? "marked (operator) but a datastore may set it" : "operator-only but not marked"));
    // ipfs.conf: "# KEY = ..." with its default, "(operator" on the line above for operator keys.
    std::string want = std::string("\n# ") + k.key + " = ";
    size_t at = conf.find(want);
    REQUIRE_MESSAGE(at != std::string::npos, "install/ipfs.conf does not list " << k.key);
    size_t line_start = conf.rfind('\n', at - 1);
    std::string above = conf.substr(line_start + 1, at - line_start - 1);
    bool conf_marked = above.find("(operator") != std::string::npos;
    CHECK_MESSAGE(conf_marked == (k.scope == Config::KeyScope::kOperator),
                  "install/ipfs.conf: the line above " << k.key << " is '" << above << "'");
  }
}

}  // namespace oneipfs
