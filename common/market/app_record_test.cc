#include "common/market/app_record.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "common/market/app_listing.h"
#include "common/base/base64.h"
#include "common/trust/signed_record.h"

namespace oneipfs {
namespace {

AppRecord Sample() {
  AppRecord r;
  r.id = "12-1700000000";
  r.name = "alpine";
  r.version = "3.19";
  r.description = "a small image";
  r.cid = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
  r.bytes = 3 * 1048576 + 1;
  r.size_mb = 4;
  r.format = "qcow2";
  r.md5 = "0123456789abcdef0123456789abcdef";
  r.time = 1700000100;
  r.app_template64 = Base64Encode("DEV_PREFIX=\"vd\"\n");
  return r;
}

// The sealed record with its payload edited by `edit` (signature kept).
std::string Tampered(const std::string& sealed, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(sealed);
  nlohmann::json payload = nlohmann::json::parse(j["payload"].get<std::string>());
  edit(payload);
  j["payload"] = payload.dump();
  return j.dump();
}

}  // namespace

TEST_CASE("app record: sealed by the publisher, opened with every field; changed bytes or another signer fail") {
  auto key = SigningKey::Generate();
  REQUIRE(key.ok());
  AppRecord r = Sample();
  auto sealed = SealAppRecord(*key, r);
  REQUIRE(sealed.ok());
  CHECK(r.publisher == key->PublisherId());
  auto opened = OpenAppRecord(*sealed);
  REQUIRE(opened.ok());
  CHECK(opened->name == "alpine");
  CHECK(opened->cid == r.cid);
  CHECK(opened->bytes == r.bytes);
  CHECK(opened->publisher == key->PublisherId());
  CHECK(opened->app_template64 == r.app_template64);

  // One changed field under the old signature: refused.
  auto renamed = OpenAppRecord(Tampered(*sealed, [](nlohmann::json& p) { p["cid"] = "bafkreiawoejdmkw3hmqedqi7om3ug6ds7hmcdzl6rq7n22gypioqxk6q6u"; }));
  CHECK_FALSE(renamed.ok());

  // Re-signed by another key but still claiming the first publisher: refused.
  auto other = SigningKey::Generate();
  REQUIRE(other.ok());
  auto payload = AppRecordPayload(r);  // publisher = key's
  REQUIRE(payload.ok());
  auto forged = SealRecord(*other, *payload);
  REQUIRE(forged.ok());
  auto f = OpenAppRecord(*forged);
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message().find("signed it") != std::string::npos);

  // Another publisher's honest record opens, as theirs.
  AppRecord theirs = Sample();
  auto s2 = SealAppRecord(*other, theirs);
  REQUIRE(s2.ok());
  auto o2 = OpenAppRecord(*s2);
  REQUIRE(o2.ok());
  CHECK(o2->publisher == other->PublisherId());
}

TEST_CASE("app record: fields of the wrong shape are refused even when signed") {
  auto key = SigningKey::Generate();
  REQUIRE(key.ok());
  auto bad = [&](const std::function<void(AppRecord&)>& edit) {
    AppRecord r = Sample();
    edit(r);
    auto sealed = SealAppRecord(*key, r);
    REQUIRE(sealed.ok());
    return OpenAppRecord(*sealed);
  };
  CHECK_FALSE(bad([](AppRecord& r) { r.cid = "not-a-cid"; }).ok());
  CHECK_FALSE(bad([](AppRecord& r) { r.md5 = "xyz"; }).ok());
  CHECK_FALSE(bad([](AppRecord& r) { r.format = "qcow2\nSOURCE=x"; }).ok());
  CHECK_FALSE(bad([](AppRecord& r) { r.id = "../x"; }).ok());
  CHECK_FALSE(bad([](AppRecord& r) { r.name = ""; }).ok());
  CHECK_FALSE(bad([](AppRecord& r) { r.name = "a\nb"; }).ok());
  CHECK_FALSE(bad([](AppRecord& r) { r.app_template64 = "not base64 \"quoted\""; }).ok());
  CHECK(bad([](AppRecord& r) { r.description = "fine, with \"quotes\""; }).ok());
  CHECK_FALSE(OpenAppRecord("{}").ok());
  CHECK_FALSE(OpenAppRecord("not json").ok());
}

TEST_CASE("app listing: own apps keep their names, others carry the publisher tag, clashes keep the oldest") {
  auto self = SigningKey::Generate(), a = SigningKey::Generate();
  REQUIRE(self.ok());
  REQUIRE(a.ok());
  AppRecord own = Sample();
  own.publisher = self->PublisherId();
  AppRecord theirs = Sample();
  theirs.publisher = a->PublisherId();
  AppRecord theirs_newer = theirs;
  theirs_newer.id = "13-1700000500";
  theirs_newer.time = theirs.time + 10;
  auto names = ListedNames({theirs_newer, own, theirs}, self->PublisherId());
  REQUIRE(names.size() == 3);
  CHECK(names[1] == "alpine");
  std::string tag = PublisherTag(a->PublisherId()).substr(0, 8);
  CHECK(names[2] == "alpine (" + tag + ")");
  CHECK(names[0] == "alpine (" + tag + ") #13-1700000500");
  // Stable: the same records in another order get the same names.
  auto again = ListedNames({theirs, own, theirs_newer}, self->PublisherId());
  CHECK(again[0] == names[2]);
  CHECK(again[2] == names[0]);
}

TEST_CASE("app listing: names and values oned would misread are made safe") {
  CHECK(SafeAppName("a&b|c:d;e/f'g#h{i}j$k<l>m\"n\\o") == "a_b_c_d_e_f_g_h_i_j_k_l_m_n_o");
  CHECK(SafeAppName("") == "app");
  std::string longname(200, 'x');
  CHECK(SafeAppName(longname).size() == 128);
  std::string utf(127, 'x');
  utf += "\xc3\xa9";  // é across the 128-byte cut
  CHECK(SafeAppName(utf).size() == 127);
  AppRecord r = Sample();
  r.description = "say \"hi\"\\ ]]> now\n";
  std::string t = AppTemplate(r, "alpine", "/ipfs/" + r.cid);
  CHECK(t.find("DESCRIPTION=\"say 'hi'/ ]] > now \"\n") != std::string::npos);
  CHECK(t.find("SOURCE=\"/ipfs/" + r.cid + "\"") != std::string::npos);
  CHECK(t.find("TYPE=\"IMAGE\"") != std::string::npos);
  CHECK(t.find("ORIGIN_ID=\"-1\"") != std::string::npos);
  CHECK(t.find("SIZE=\"4\"") != std::string::npos);
  std::string line = AppLine(r, "alpine", "/ipfs/" + r.cid);
  REQUIRE(line.rfind("APP=\"", 0) == 0);
  auto decoded = Base64Decode(line.substr(5, line.size() - 6));
  REQUIRE(decoded.ok());
  CHECK(*decoded == t);
}

}  // namespace oneipfs
