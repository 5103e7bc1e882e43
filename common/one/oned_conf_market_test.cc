#include "common/one/oned_conf_market.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/one/oned_conf.h"

namespace oneipfs {
namespace {

namespace fs = std::filesystem;

std::vector<std::pair<std::string, std::string>> Fixtures() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : fs::directory_iterator(fs::path(ONEIPFS_TEST_SOURCE_DIR) / "tests" / "fixtures" / "oned.conf"))
    if (e.path().extension() == ".conf") {
      std::ifstream f(e.path(), std::ios::binary);
      std::ostringstream ss;
      ss << f.rdbuf();
      out.emplace_back(e.path().filename().string(), ss.str());
    }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("oned.conf marketplace: every release's file registers ipfs in MARKET_MAD, MARKET_MAD_CONF and export, and back") {
  auto fixtures = Fixtures();
  REQUIRE(fixtures.size() >= 5);
  for (const auto& [name, text] : fixtures) {
    INFO(name);
    auto before = InspectOnedConfMarket(text);
    REQUIRE(before.ok());
    CHECK_FALSE(before->market_mad_listed);
    CHECK_FALSE(before->market_mad_conf);
    auto drivers = RegisterIpfs(text);
    REQUIRE(drivers.ok());
    auto reg = RegisterIpfsMarket(*drivers);
    REQUIRE(reg.ok());
    auto after = InspectOnedConfMarket(*reg);
    REQUIRE(after.ok());
    CHECK(after->complete());
    CHECK(reg->find(",ipfs\"") != std::string::npos);
    CHECK(reg->find("APP_ACTIONS = \"create, delete, monitor\"") != std::string::npos);
    // Idempotent, and undone byte for byte (market first, then the drivers).
    CHECK(*RegisterIpfsMarket(*reg) == *reg);
    auto back = UnregisterIpfsMarket(*reg);
    REQUIRE(back.ok());
    CHECK(*back == *drivers);
    CHECK(*UnregisterIpfs(*back) == text);
    // The marketplace part alone on a file without the drivers: also undone exactly.
    auto alone = RegisterIpfsMarket(text);
    REQUIRE(alone.ok());
    CHECK(*UnregisterIpfsMarket(*alone) == text);
  }
}

TEST_CASE("oned.conf marketplace: a registration made before the marketplace gets export in MARKETPLACE_ACTIONS") {
  std::string text =
      "MARKET_MAD = [ EXECUTABLE = \"one_market\", ARGUMENTS = \"-t 15 -m http,one\" ]\n"
      "DS_MAD_CONF = [\n    NAME = \"ipfs\",\n    REQUIRED_ATTRS = \"\",\n    MARKETPLACE_ACTIONS = \"\"\n]\n";
  auto r = RegisterIpfsMarket(text);
  REQUIRE(r.ok());
  CHECK(r->find("MARKETPLACE_ACTIONS = \"export\"") != std::string::npos);
  CHECK(r->find("-m http,one,ipfs\"") != std::string::npos);
  CHECK(InspectOnedConfMarket(*r)->complete());
  std::string other = "MARKET_MAD = [ EXECUTABLE = \"one_market\", ARGUMENTS = \"-m http\" ]\n"
                      "DS_MAD_CONF = [ NAME = \"ipfs\", MARKETPLACE_ACTIONS = \"import\" ]\n"
                      "DS_MAD_CONF = [ NAME = \"fs\" ]\n";
  auto r2 = RegisterIpfsMarket(other);
  REQUIRE(r2.ok());
  CHECK(r2->find("MARKETPLACE_ACTIONS = \"import, export\"") != std::string::npos);
  std::string missing = "MARKET_MAD = [ EXECUTABLE = \"one_market\", ARGUMENTS = \"-m http\" ]\n"
                        "DS_MAD_CONF = [ NAME = \"ipfs\", REQUIRED_ATTRS = \"\" ]\n";
  auto r3 = RegisterIpfsMarket(missing);
  REQUIRE(r3.ok());
  CHECK(r3->find("REQUIRED_ATTRS = \"\",\n    MARKETPLACE_ACTIONS = \"export\" ]") != std::string::npos);
  CHECK(InspectOnedConfMarket(*r3)->complete());
}

TEST_CASE("oned.conf marketplace: files it cannot place are refused with the line") {
  CHECK_FALSE(RegisterIpfsMarket("DATASTORE_MAD = [ ARGUMENTS = \"-d fs\" ]\n").ok());  // no MARKET_MAD
  auto two = RegisterIpfsMarket("MARKET_MAD = [ ARGUMENTS = \"-m a -m b\" ]\n");
  REQUIRE_FALSE(two.ok());
  CHECK(two.status().message().find("line 1") != std::string::npos);
  CHECK_FALSE(RegisterIpfsMarket("MARKET_MAD = [ ARGUMENTS = \"-t 15\" ]\n").ok());
  auto only = UnregisterIpfsMarket("MARKET_MAD = [ ARGUMENTS = \"-m ipfs\" ]\n");
  REQUIRE_FALSE(only.ok());
  CHECK(only.status().message().find("only driver") != std::string::npos);
}

}  // namespace oneipfs
