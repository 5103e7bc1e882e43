#include "common/market/market_doc.h"

#include <doctest/doctest.h>

#include "common/base/base64.h"
#include "common/ipfs/ipfs_path.h"
#include "common/market/market_config.h"
#include "common/market/market_reply.h"
#include "common/one/reply.h"

namespace oneipfs {

TEST_CASE("market document: argv as one_market.rb passes it, stdin too; every part read") {
  std::string xml =
      "<MARKET_DRIVER_ACTION_DATA><MARKETPLACEAPP><ID>12</ID><UID>0</UID><REGTIME>1700000000</REGTIME>"
      "<NAME>alpine</NAME><TYPE>1</TYPE><VERSION>1.0</VERSION><APPTEMPLATE64>RA==</APPTEMPLATE64>"
      "<TEMPLATE><VMTEMPLATE64>Vk0=</VMTEMPLATE64></TEMPLATE></MARKETPLACEAPP>"
      "<MARKETPLACE><ID>100</ID><NAME>m</NAME><MARKET_MAD>ipfs</MARKET_MAD><TEMPLATE><IPFS_MARKET_KEY>k"
      "</IPFS_MARKET_KEY></TEMPLATE><MARKETPLACEAPPS><ID>12</ID><ID>13</ID></MARKETPLACEAPPS></MARKETPLACE>"
      "<IMAGE><ID>5</ID><SOURCE>mfs:/one-ipfs/1/5-1</SOURCE></IMAGE><DATASTORE><ID>1</ID><BASE_PATH>/var/lib/one/"
      "datastores/1</BASE_PATH></DATASTORE><IMPORT_SOURCE>/ipfs/bafy</IMPORT_SOURCE><MD5>abc</MD5><SIZE>4</SIZE>"
      "<FORMAT>qcow2</FORMAT><DISPOSE>NO</DISPOSE><DISPOSE_CMD></DISPOSE_CMD></MARKET_DRIVER_ACTION_DATA>";
  auto a = DecodeMarketInput({"import", Base64Encode(xml), "12"}, "");
  REQUIRE(a.ok());
  CHECK(a->request_id == "12");
  CHECK(a->app.present);
  CHECK(a->app.name == "alpine");
  CHECK(a->app.tmpl.at("VMTEMPLATE64") == "Vk0=");
  CHECK(a->market.tmpl.at("IPFS_MARKET_KEY") == "k");
  CHECK(a->market.app_ids.size() == 2);
  CHECK(a->image.source == "mfs:/one-ipfs/1/5-1");
  CHECK(a->datastore.base_path == "/var/lib/one/datastores/1");
  CHECK(a->import.import_source == "/ipfs/bafy");
  CHECK(a->import.format == "qcow2");
  auto s = DecodeMarketInput({"monitor", "100"}, Base64Encode(xml));
  REQUIRE(s.ok());
  CHECK(s->request_id == "100");
  CHECK_FALSE(DecodeMarketInput({"monitor", "%%%", "1"}, "").ok());
  CHECK_FALSE(DecodeMarketInput({"monitor", Base64Encode("<X/>"), "1"}, "").ok());
  auto no_market = DecodeMarketInput({"monitor", Base64Encode("<MARKET_DRIVER_ACTION_DATA/>"), "1"}, "");
  REQUIRE_FALSE(no_market.ok());
  CHECK(no_market.status().message().find("MARKETPLACE") != std::string::npos);
}

TEST_CASE("market settings: the template's keys checked, operator-only keys and foreign APIs ignored") {
  auto load = [](std::map<std::string, std::string> tmpl) {
    Config::Sources src{"", std::move(tmpl), nullptr, "marketplace template"};
    return Config::Load(src);
  };
  auto ok = load({{"IPFS_MARKET_KEY", "market-a"},
                  {"IPFS_MARKET_FOLLOW", "12D3KooWS9xtspXNnXB3xi6e3Hw1gTy5ZAunqbo7FRFhj5Y2jBgS /ipns/k51qzi5uqu5dm8ef2rb4n5veqkow8c5gnptx0cmuhxpmqf5nh8ynjwkzvt4aqf"},
                  {"IPFS_MARKET_GATEWAY", "http://gw.example:8080/"},
                  {"IPFS_SIGNING_KEY", "/tmp/evil.key"},
                  {"IPFS_API", "http://10.0.0.9:5001"}});
  REQUIRE(ok.ok());
  CHECK(ok->Get("IPFS_SIGNING_KEY").empty());  // operator-only: the template cannot choose the key file
  CHECK(ok->Origin("IPFS_MARKET_KEY") == "marketplace template");
  CHECK(ok->Get("IPFS_API") == "/ip4/127.0.0.1/tcp/5001");
  bool warned_key = false, warned_api = false;
  for (const auto& w : ok->warnings()) {
    warned_key = warned_key || (w.find("IPFS_SIGNING_KEY") != std::string::npos && w.find("marketplace template") != std::string::npos);
    warned_api = warned_api || w.find("marketplace template's IPFS_API") != std::string::npos;
  }
  CHECK(warned_key);
  CHECK(warned_api);
  auto s = MarketSettingsFrom(*ok, nullptr);
  REQUIRE(s.ok());
  CHECK(s->writable());
  REQUIRE(s->follow.size() == 2);
  CHECK(s->follow[1] == "k51qzi5uqu5dm8ef2rb4n5veqkow8c5gnptx0cmuhxpmqf5nh8ynjwkzvt4aqf");
  CHECK(s->gateway == "http://gw.example:8080");
  CHECK(s->signing_key_path == "/var/lib/one/.one/one-ipfs-signing.key");
  CHECK(AppSource(*s, "bafyx") == "http://gw.example:8080/ipfs/bafyx");
  // The gateway SOURCE an fs datastore downloads is, for our cp, the CID
  // itself (fetched over bitswap, never through the gateway).
  const std::string cid = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
  auto ref = ClassifyPath(AppSource(*s, cid));
  REQUIRE(ref.ok());
  CHECK(ref->kind == PathRef::Kind::kIpfs);
  CHECK(ref->root == cid);
  CHECK(ref->subpath.empty());
  CHECK(IsSourceToken(AppSource(*s, cid)));
  CHECK(MarketSettingsFrom(*load({}), "/opt/one")->signing_key_path == "/opt/one/var/.one/one-ipfs-signing.key");
  CHECK(AppSource(*MarketSettingsFrom(*load({}), nullptr), "bafyx") == "/ipfs/bafyx");

  for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"IPFS_MARKET_KEY", "self"},
           {"IPFS_MARKET_KEY", "../x"},
           {"IPFS_MARKET_FOLLOW", "not a name!"},
           {"IPFS_MARKET_FOLLOW", "/ipns/"},
           {"IPFS_MARKET_FOLLOW", "/ipfs/bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am"},
           {"IPFS_MARKET_FOLLOW", "12D3KooWS9xtspXNnXB3xi6e3Hw1gTy5ZAunqbo7FRFhj5Y2jBgS;rm"},
           {"IPFS_MARKET_KEY", "a b"},
           {"IPFS_MARKET_KEY", "key$(id)"},
           {"IPFS_MARKET_KEY", std::string(65, 'k')},
           {"IPFS_MARKET_TRUST", "12D3KooWS9xtspXNnXB3xi6e3Hw1gTy5ZAunqbo7FRFhj5Y2jBgS"},
           {"IPFS_MARKET_TRUST", "did:key:zBogus"},
           {"IPFS_MARKET_GATEWAY", "file:///etc/passwd"},
           {"IPFS_MARKET_GATEWAY", "http://gw/x\"y"},
           {"IPFS_MARKET_GATEWAY", "http://gw/prefix"},
           {"IPFS_MARKET_RESOLVE_TIMEOUT", "0"}}) {
    INFO(k << "=" << v);
    auto cfg = load({{k, v}});
    REQUIRE(cfg.ok());
    auto bad = MarketSettingsFrom(*cfg, nullptr);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message().find(k) != std::string::npos);
  }
}

TEST_CASE("market replies: import prints exactly SOURCE, MD5, SIZE, FORMAT; monitor KEY=VALUE; delete nothing") {
  std::string good = "SOURCE=\"/ipfs/bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am\"\n"
                     "MD5=\"0123456789abcdef0123456789abcdef\"\nSIZE=\"4\"\nFORMAT=\"qcow2\"";
  CHECK(CheckMarketReply("import", good).ok());
  CHECK_FALSE(CheckMarketReply("import", good + "\nSIZE=\"5\"").ok());
  CHECK_FALSE(CheckMarketReply("import", "SOURCE=\"/ipfs/x y\"\nMD5=\"0123456789abcdef0123456789abcdef\"\nSIZE=\"4\"\nFORMAT=\"raw\"").ok());
  CHECK_FALSE(CheckMarketReply("import", "SOURCE=\"/ipfs/x\"\nMD5=\"0123\"\nSIZE=\"4\"\nFORMAT=\"raw\"").ok());
  CHECK_FALSE(CheckMarketReply("import", "SOURCE=\"/ipfs/x\"").ok());
  CHECK(CheckMarketReply("monitor", "APP=\"QUJD\"\nUSED_MB=1\nFREE_MB=2\nTOTAL_MB=3").ok());
  CHECK_FALSE(CheckMarketReply("monitor", "APP=\"not base64!\"").ok());
  CHECK_FALSE(CheckMarketReply("monitor", "APP=\"QUJD\"\nINJECT").ok());
  CHECK(CheckMarketReply("delete", "").ok());
  CHECK_FALSE(CheckMarketReply("delete", "x").ok());
}

}  // namespace oneipfs
