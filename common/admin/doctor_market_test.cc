#include "common/admin/doctor_market.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "common/base/scratch_files_test.h"
#include "common/ipfs/fake_mfs_test.h"
#include "common/market/market_tree.h"

namespace oneipfs {
namespace {


const CheckRow* Row(const Report& r, std::string_view check) {
  for (const auto& row : r.rows())
    if (row.check.find(check) != std::string::npos) return &row;
  return nullptr;
}

}  // namespace

TEST_CASE("doctor: onemarket list -x parsed; the ipfs marketplaces checked: key, published root, signing key") {
  auto pool = ParseMarketPool(
      "<MARKETPLACE_POOL><MARKETPLACE><ID>100</ID><NAME>pub</NAME><MARKET_MAD>ipfs</MARKET_MAD><TEMPLATE>"
      "<IPFS_MARKET_KEY>market-a</IPFS_MARKET_KEY></TEMPLATE></MARKETPLACE><MARKETPLACE><ID>0</ID><NAME>"
      "OpenNebula Public</NAME><MARKET_MAD>one</MARKET_MAD><TEMPLATE/></MARKETPLACE></MARKETPLACE_POOL>");
  REQUIRE(pool.ok());
  REQUIRE(pool->size() == 2);
  CHECK((*pool)[0].tmpl.at("IPFS_MARKET_KEY") == "market-a");
  CHECK_FALSE(ParseMarketPool("<IMAGE_POOL/>").ok());

  auto dir = testing::MakeTempDir("doctor-market");
  testing::FakeMfsDaemon daemon;
  IpfsOptions o;
  o.timeout = std::chrono::seconds(5);
  IpfsClient ipfs(std::make_unique<testing::ForwardTo>(daemon), o);
  std::string key_path = (dir / "sign.key").string();
  ::setenv("IPFS_SIGNING_KEY", key_path.c_str(), 1);
  auto config = Config::Load({"", {}, std::getenv});
  REQUIRE(config.ok());
  FrontEndFacts facts;
  facts.remotes = (dir / "remotes").string();

  // Nothing yet: actions missing (FAIL), no signing key (WARN), the key not made yet (WARN).
  Report r1;
  CheckMarketplaces(facts, *config, ipfs, true, *pool, r1);
  REQUIRE(Row(r1, "marketplace actions"));
  CHECK(Row(r1, "marketplace actions")->outcome == Outcome::kFail);
  REQUIRE(Row(r1, "signing key"));
  CHECK(Row(r1, "signing key")->outcome == Outcome::kWarn);
  REQUIRE(Row(r1, "marketplace 100"));
  CHECK(Row(r1, "marketplace 100")->outcome == Outcome::kWarn);
  CHECK_FALSE(Row(r1, "marketplace 0"));  // not an ipfs marketplace

  // Installed actions, a key, a published tree: every row passes.
  std::filesystem::create_directories(dir / "remotes" / "market" / "ipfs");
  for (const char* a : {"import", "delete", "monitor"}) {
    auto p = dir / "remotes" / "market" / "ipfs" / a;
    std::ofstream(p) << "#!/bin/sh\n";
    std::filesystem::permissions(p, std::filesystem::perms::owner_all);
  }
  REQUIRE(SigningKey::LoadOrCreate(key_path).ok());
  MarketTree tree(ipfs, "market-a");
  REQUIRE(tree.PutApp("x-1-2", "{}", daemon.PutBlock("content")).ok());
  REQUIRE(tree.Publish(PublishLockPath(key_path, "market-a"), Log("test")).ok());
  Report r2;
  CheckMarketplaces(facts, *config, ipfs, true, *pool, r2);
  CHECK(Row(r2, "marketplace actions")->outcome == Outcome::kPass);
  CHECK(Row(r2, "signing key")->outcome == Outcome::kPass);
  CHECK(Row(r2, "signing key")->detail.find("did:key:z6Mk") != std::string::npos);
  CHECK(Row(r2, "marketplace 100")->outcome == Outcome::kPass);
  CHECK(Row(r2, "marketplace 100")->detail.find("publishes /ipns/") != std::string::npos);

  // The tree changed but was not published: WARN (an older root).
  REQUIRE(tree.PutApp("x-1-3", "{}", daemon.PutBlock("more")).ok());
  Report r3;
  CheckMarketplaces(facts, *config, ipfs, true, *pool, r3);
  CHECK(Row(r3, "marketplace 100")->outcome == Outcome::kWarn);
  CHECK(Row(r3, "marketplace 100")->detail.find("older root") != std::string::npos);

  // A key others can read: FAIL.
  std::filesystem::permissions(key_path, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  Report r4;
  CheckMarketplaces(facts, *config, ipfs, true, *pool, r4);
  CHECK(Row(r4, "signing key")->outcome == Outcome::kFail);
  ::unsetenv("IPFS_SIGNING_KEY");
  std::filesystem::remove_all(dir);
}

}  // namespace oneipfs
