#include "common/cid.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace oneipfs {
namespace {

// One dag-pb CIDv1 printed in every multibase the daemons use; the vectors
// were computed with an independent implementation (Python).
const char* kB32 = "bafybeib6uauioqqtj26cfql5q5idmly7ab7b6kc6idx4mkfj2wwzjp2fjq";
const char* kB58 = "zdj7WZeN126sHxBGA9yU5DiYnhzZTwvLv8W8zunzywFzCxMqu";
const char* kB36 = "k2jmtxsxavi4t18krdqazb0pn8vr4afeompfjs5cjsg7193i7ipn9pos";
const char* kB16 = "f017012203ea0288742134ebc22c17d8750362f1f007e1f285e40efc628a9d5ad94bf454c";
const char* kB64 = "mAXASID6gKIdCE068IsF9h1A2Lx8Afh8oXkDvxiip1a2Uv0VM";

}  // namespace

TEST_CASE("cid: the same CID in every multibase compares equal") {
  auto ref = ParseCid(kB32);
  REQUIRE(ref.ok());
  CHECK(ref->version == 1);
  CHECK(ref->codec == 0x70);
  CHECK(ref->multihash.size() == 34);
  for (const char* s : {kB58, kB36, kB16, kB64}) {
    auto c = ParseCid(s);
    REQUIRE_MESSAGE(c.ok(), s);
    CHECK_MESSAGE(*c == *ref, s);
    CHECK(CidEqual(s, kB32));
  }
  std::string upper = "B" + std::string(kB32 + 1);
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK(CidEqual(upper, kB32));
  CHECK(ref->ToString() == kB32);
}

TEST_CASE("cid: v0 and v1 of the same content share the multihash but differ") {
  auto v0 = ParseCid("QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR");
  auto v1 = ParseCid("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi");
  REQUIRE(v0.ok());
  REQUIRE(v1.ok());
  CHECK(v0->version == 0);
  CHECK(v0->multihash == v1->multihash);
  CHECK(*v0 != *v1);
  CHECK(v0->ToString() == "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR");
  CHECK(ParseCid("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn").ok());  // empty directory
  auto raw = ParseCid("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");  // empty file, raw leaves
  REQUIRE(raw.ok());
  CHECK(raw->codec == 0x55);
}

TEST_CASE("cid: malformed CIDs are rejected with a reason") {
  struct Case {
    std::string text;
    std::string why;
  } cases[] = {
      {"", "empty"},
      {"QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMn", "46 characters"},
      {"QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMn0", "base58"},
      {"QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnO", "base58"},
      {"QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnl", "base58"},
      {"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzd1", "base32"},
      {"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzd8", "base32"},
      {"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdiaa", ""},   // trailing bytes
      {"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbz", ""},      // truncated digest
      {"bafyBEigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "mixed-case"},
      {"xafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "multibase prefix"},
      {"f027012203ea0288742134ebc22c17d8750362f1f007e1f285e40efc628a9d5ad94bf454c", "version 2"},
      {"bafy", ""},
      {"zzzz", ""},
  };
  for (const auto& c : cases) {
    auto r = ParseCid(c.text);
    CHECK_MESSAGE(!r.ok(), c.text);
    if (!r.ok() && !c.why.empty()) CHECK_MESSAGE(r.status().message().find(c.why) != std::string::npos, r.status().message());
  }
}

TEST_CASE("cid: IPNS keys in both forms are the same key") {
  const char* peer = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
  const char* k51 = "k51qzi5uqu5dhdmyb9bd18pypu2wp5lpv2xnskfmrqa4lb5knqryrotb05e7or";
  auto a = IpnsKeyMultihash(peer);
  auto b = IpnsKeyMultihash(k51);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == *b);
  CHECK(PeerIdBase58(k51) == peer);
  CHECK(PeerIdBase58(peer) == peer);
  CHECK(PeerIdBase58("docs.ipfs.tech") == "docs.ipfs.tech");
  CHECK_FALSE(IpnsKeyMultihash(kB32));  // a dag-pb CID is not a key
  CHECK(ValidateIpnsName(peer).ok());
  CHECK(ValidateIpnsName(k51).ok());
  CHECK(ValidateIpnsName("docs.ipfs.tech").ok());
  CHECK_FALSE(ValidateIpnsName("-bad.example").ok());
  CHECK_FALSE(ValidateIpnsName("nodots").ok());
  CHECK_FALSE(ValidateIpnsName("a..b").ok());
  CHECK_FALSE(ValidateIpnsName("white space.org").ok());
}

TEST_CASE("cid: base58 round trip keeps leading zeros") {
  std::vector<std::uint8_t> bytes = {0, 0, 1, 2, 255};
  auto back = Base58btcDecode(Base58btcEncode(bytes));
  REQUIRE(back.ok());
  CHECK(*back == bytes);
}

}  // namespace oneipfs
