#include "common/one/action.h"

#include <doctest/doctest.h>

#include <vector>

namespace oneipfs {
namespace {

const char* kCpXml =
    "<DS_DRIVER_ACTION_DATA><IMAGE><ID>5</ID><NAME>alpine</NAME><SOURCE><![CDATA[]]></SOURCE>"
    "<PATH><![CDATA[/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi]]></PATH>"
    "<FORMAT><![CDATA[]]></FORMAT><SIZE>1024</SIZE><REGTIME>1767225600</REGTIME>"
    "<TEMPLATE><MD5><![CDATA[abc]]></MD5></TEMPLATE>"
    "<SNAPSHOTS><SNAPSHOT><ID>0</ID></SNAPSHOT><SNAPSHOT><ID>3</ID></SNAPSHOT></SNAPSHOTS></IMAGE>"
    "<DATASTORE><ID>100</ID><DS_MAD><![CDATA[ipfs]]></DS_MAD><TM_MAD><![CDATA[ipfs]]></TM_MAD>"
    "<TYPE>0</TYPE><TEMPLATE><IPFS_API><![CDATA[http://127.0.0.1:5001]]></IPFS_API>"
    "<SAFE_DIRS><![CDATA[/var/tmp]]></SAFE_DIRS></TEMPLATE></DATASTORE></DS_DRIVER_ACTION_DATA>";

}  // namespace

TEST_CASE("action: base64 round trip and errors") {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", "hello world\n", std::string("\0\xff\x10", 3)}) {
    auto d = Base64Decode(Base64Encode(s));
    REQUIRE(d.ok());
    CHECK(*d == s);
  }
  CHECK(Base64Decode("aGVs\nbG8=").value() == "hello");
  CHECK_FALSE(Base64Decode("aGVs*G8=").ok());
  CHECK_FALSE(Base64Decode("aGVsbG8=x").ok());
  CHECK_FALSE(Base64Decode("a").ok());
}

TEST_CASE("action: stdin form (OpenNebula >= 6.8)") {
  auto a = DecodeDsInput({"cp", "5"}, Base64Encode(kCpXml));
  REQUIRE(a.ok());
  CHECK(a->request_id == "5");
  CHECK(a->image.present);
  CHECK(a->image.id == "5");
  CHECK(a->image.path == "/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi");
  CHECK(a->image.source.empty());
  CHECK(a->image.size_mb == "1024");
  CHECK(a->image.regtime == "1767225600");
  CHECK(a->image.tmpl.at("MD5") == "abc");
  CHECK(a->image.snapshot_ids == std::vector<std::string>{"0", "3"});
  CHECK(a->datastore.id == "100");
  CHECK(a->datastore.ds_mad == "ipfs");
  CHECK(a->datastore.tmpl.at("SAFE_DIRS") == "/var/tmp");
}

TEST_CASE("action: argv form (OpenNebula <= 6.6)") {
  auto a = DecodeDsInput({"cp", Base64Encode(kCpXml), "5"}, "");
  REQUIRE(a.ok());
  CHECK(a->request_id == "5");
  CHECK(a->image.name == "alpine");
}

TEST_CASE("action: monitor documents have no IMAGE") {
  auto a = ParseDsDocument(
      "<DS_DRIVER_ACTION_DATA><DATASTORE><ID>100</ID><TEMPLATE/></DATASTORE></DS_DRIVER_ACTION_DATA>");
  REQUIRE(a.ok());
  CHECK_FALSE(a->image.present);
  CHECK(a->datastore.id == "100");
}

TEST_CASE("action: bad input is one clear error") {
  auto none = DecodeDsInput({"cp"}, "");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message().find("no action document") != std::string::npos);

  auto b64 = DecodeDsInput({"cp", "5"}, "!!!not base64!!!");
  REQUIRE_FALSE(b64.ok());
  CHECK(b64.status().message().find("base64") != std::string::npos);

  auto xml = DecodeDsInput({"cp", "5"}, Base64Encode("<DS_DRIVER_ACTION_DATA><IMAGE>"));
  REQUIRE_FALSE(xml.ok());
  CHECK(xml.status().message().find("well-formed") != std::string::npos);

  auto root = DecodeDsInput({"cp", "5"}, Base64Encode("<VM><ID>1</ID></VM>"));
  REQUIRE_FALSE(root.ok());
  CHECK(root.status().message().find("DS_DRIVER_ACTION_DATA") != std::string::npos);

  auto nods = DecodeDsInput({"cp", "5"}, Base64Encode("<DS_DRIVER_ACTION_DATA><IMAGE/></DS_DRIVER_ACTION_DATA>"));
  REQUIRE_FALSE(nods.ok());
  CHECK(nods.status().message().find("DATASTORE") != std::string::npos);
}

}  // namespace oneipfs
