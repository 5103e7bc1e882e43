// Unit tests for p2p_settings: which settings defeat the one-source policy.
#include "common/ipfs/p2p_settings.h"

#include <doctest/doctest.h>

using namespace oneipfs;

TEST_CASE("p2p settings: js-ipfs defaults defeat the policy twice, the harness's settings not at all") {
  auto d = ParseP2pSettings(R"({"Swarm":{"ConnMgr":{}}})", "js-ipfs/0.18.1");
  REQUIRE(d.ok());
  CHECK(d->routing == "dhtclient");
  CHECK_FALSE(d->routing_set);
  auto p = P2pProblems(*d);
  REQUIRE(p.size() == 2);
  CHECK(p[0].fix == "ipfs config Routing.Type none");
  CHECK(p[0].what.find("the default") != std::string::npos);
  CHECK(p[1].fix == "ipfs config --json Swarm.ConnMgr.LowWater 0");

  auto ok = ParseP2pSettings(R"({"Routing":{"Type":"none"},"Swarm":{"ConnMgr":{"LowWater":0,"HighWater":900}}})",
                             "js-ipfs/0.18.1");
  REQUIRE(ok.ok());
  CHECK(P2pProblems(*ok).empty());
  CHECK(P2pSummary(*ok) == "Routing.Type none, Swarm.ConnMgr.LowWater 0");

  auto low = ParseP2pSettings(R"({"Routing":{"Type":"none"},"Swarm":{"ConnMgr":{"LowWater":50}}})", "js-ipfs/0.18.1");
  REQUIRE(low.ok());
  REQUIRE(P2pProblems(*low).size() == 1);
  CHECK(P2pProblems(*low)[0].what.find("is 50") != std::string::npos);
}

TEST_CASE("p2p settings: kubo's routing matters, its LowWater does not") {
  auto k = ParseP2pSettings(R"({"Routing":{"Type":null},"Swarm":{"ConnMgr":{"LowWater":32}}})", "kubo/0.29.0/abc");
  REQUIRE(k.ok());
  CHECK(k->routing == "auto");
  REQUIRE(P2pProblems(*k).size() == 1);
  CHECK(P2pSummary(*k) == "Routing.Type auto");
  auto none = ParseP2pSettings(R"({"Routing":{"Type":"none"}})", "kubo/0.29.0/abc");
  REQUIRE(none.ok());
  CHECK(P2pProblems(*none).empty());
  auto dht = ParseP2pSettings(R"({"Routing":{"Type":"dht"}})", "kubo/0.29.0/abc");
  REQUIRE(dht.ok());
  CHECK(P2pProblems(*dht).size() == 1);
}

TEST_CASE("p2p settings: a reply that is not a config object is an error, odd types are defaults") {
  CHECK_FALSE(ParseP2pSettings("not json", "kubo/0.29.0/").ok());
  CHECK_FALSE(ParseP2pSettings("[1,2]", "kubo/0.29.0/").ok());
  auto odd = ParseP2pSettings(R"({"Routing":"none","Swarm":{"ConnMgr":{"LowWater":"0"}}})", "js-ipfs/0.18.1");
  REQUIRE(odd.ok());
  CHECK(odd->routing == "dhtclient");  // Routing is not an object: the default applies
  CHECK_FALSE(odd->low_water);         // a string is not a count
  CHECK(P2pProblems(*odd).size() == 2);
}
