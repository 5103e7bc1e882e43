#include "common/ipfs/cid.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace oneipfs {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Independently known CIDs (printed by kubo / js-ipfs, or well-known):
// QmbWqx... is the CIDv0 of bafybeigdyrzt5..., QmUNLL... the empty UnixFS
// directory, bafkreihdwd... the empty file with raw leaves (its digest is
// sha2-256 of nothing), bafkqaaa the empty inline (identity) raw block.
const char* kV0 = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR";
const char* kV1 = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
const char* kEmptyDirV0 = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn";
const char* kEmptyDirV1 = "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354";
const char* kEmptyFile = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const char* kPeer = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

// The vectors below were computed with a separate Python implementation
// (int-based base58/base36, the standard library's base32/base64/hex).
// A dag-pb CIDv1 in every multibase ParseCid accepts.
const char* kDagPb[] = {
    "bafybeib6uauioqqtj26cfql5q5idmly7ab7b6kc6idx4mkfj2wwzjp2fjq",
    "BAFYBEIB6UAUIOQQTJ26CFQL5Q5IDMLY7AB7B6KC6IDX4MKFJ2WWZJP2FJQ",
    "k2jmtxsxavi4t18krdqazb0pn8vr4afeompfjs5cjsg7193i7ipn9pos",
    "K2JMTXSXAVI4T18KRDQAZB0PN8VR4AFEOMPFJS5CJSG7193I7IPN9POS",
    "zdj7WZeN126sHxBGA9yU5DiYnhzZTwvLv8W8zunzywFzCxMqu",
    "f017012203ea0288742134ebc22c17d8750362f1f007e1f285e40efc628a9d5ad94bf454c",
    "F017012203EA0288742134EBC22C17D8750362F1F007E1F285E40EFC628A9D5AD94BF454C",
    "mAXASID6gKIdCE068IsF9h1A2Lx8Afh8oXkDvxiip1a2Uv0VM",
    "uAXASID6gKIdCE068IsF9h1A2Lx8Afh8oXkDvxiip1a2Uv0VM",
};
// A raw CIDv1 (sha2-256 of "one-ipfs\n"): its base64 forms differ ('/' vs '_').
const char* kRaw[] = {
    "bafkreifxxu54q3rydwic2vrlkzbljhxycgqtj5ahjihmbhm6jm4fg6bth4",
    "BAFKREIFXXU54Q3RYDWIC2VRLKZBLJHXYCGQTJ5AHJIHMBHM6JM4FG6BTH4",
    "k2cwued89l4cqbwgfs8szbakkih19odsar764a1ezsurfuzvhtup8pbz",
    "K2CWUED89L4CQBWGFS8SZBAKKIH19ODSAR764A1EZSURFUZVHTUP8PBZ",
    "zb2rhj1XAHxue2BpZGYPSyJkTs7VngDbmJDraLEtRRDR5YWYE",
    "f01551220b7bd3bc86e381d902d562b5642b49ef811a134f4074a0ec09d9e4b385378333f",
    "F01551220B7BD3BC86E381D902D562B5642B49EF811A134F4074A0EC09D9E4B385378333F",
    "mAVUSILe9O8huOB2QLVYrVkK0nvgRoTT0B0oOwJ2eSzhTeDM/",
    "uAVUSILe9O8huOB2QLVYrVkK0nvgRoTT0B0oOwJ2eSzhTeDM_",
};
const char* kRawV0 = "QmahtgEkfnmAsNQzQMD24ZUejWxitGyUwoYAakXdeoaLLW";  // same digest as kRaw, as CIDv0
// kPeer as a libp2p-key CIDv1 in base36 (what kubo prints) and base32.
const char* kPeerK51 = "k51qzi5uqu5dhdmyb9bd18pypu2wp5lpv2xnskfmrqa4lb5knqryrotb05e7or";
const char* kPeerB32 = "bafzaajaiaejcal72gwuz2or47oyxxn6b3rkwdmmkrxgkjxzy3rqt5kczyn7lcm3l";

Bytes FromHex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("cid: the same CIDv1 in every multibase parses to one Cid") {
  for (const auto* set : {kDagPb, kRaw}) {
    auto ref = ParseCid(set[0]);
    REQUIRE(ref.ok());
    CHECK(ref->version == 1);
    CHECK(ref->multihash.size() == 34);
    CHECK(ref->ToString() == set[0]);
    for (std::size_t i = 0; i < std::size(kDagPb); ++i) {
      CAPTURE(set[i]);
      auto c = ParseCid(set[i]);
      REQUIRE_MESSAGE(c.ok(), c.status().message());
      CHECK(*c == *ref);
      CHECK(c->ToString() == set[0]);  // printed back as base32 lower
      CHECK(CidEqual(set[i], set[0]));
    }
  }
  CHECK(ParseCid(kDagPb[0])->codec == 0x70);
  CHECK(ParseCid(kRaw[0])->codec == 0x55);
}

TEST_CASE("cid: known CIDs from the daemons") {
  auto v0 = ParseCid(kV0);
  auto v1 = ParseCid(kV1);
  REQUIRE(v0.ok());
  REQUIRE(v1.ok());
  CHECK(v0->version == 0);
  CHECK(v0->codec == 0x70);
  CHECK(v1->version == 1);
  CHECK(v1->codec == 0x70);
  CHECK(v0->multihash == v1->multihash);  // same content...
  CHECK(*v0 != *v1);                      // ...but not the same CID
  CHECK_FALSE(CidEqual(kV0, kV1));
  CHECK(v0->ToString() == kV0);
  CHECK(v1->ToString() == kV1);
  CHECK(v0->multihash == FromHex("1220c3c4733ec8affd06cf9e9ff50ffc6bcd2ec85a6170004bb709669c31de94391a"));

  auto dir0 = ParseCid(kEmptyDirV0);
  auto dir1 = ParseCid(kEmptyDirV1);
  REQUIRE(dir0.ok());
  REQUIRE(dir1.ok());
  CHECK(dir0->multihash == dir1->multihash);
  CHECK(dir0->ToString() == kEmptyDirV0);

  auto empty = ParseCid(kEmptyFile);
  REQUIRE(empty.ok());
  CHECK(empty->codec == 0x55);  // raw
  CHECK(empty->multihash == FromHex("1220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));

  auto inline_empty = ParseCid("bafkqaaa");  // identity multihash, no digest
  REQUIRE(inline_empty.ok());
  CHECK(inline_empty->multihash == Bytes{0x00, 0x00});
  CHECK(inline_empty->ToString() == "bafkqaaa");

  auto raw_v0 = ParseCid(kRawV0);
  REQUIRE(raw_v0.ok());
  CHECK(raw_v0->multihash == ParseCid(kRaw[0])->multihash);
}

TEST_CASE("cid: Cid::ToString round-trips through ParseCid") {
  // Identity multihashes of every length exercise every base32 tail length;
  // a multi-byte codec varint exercises the varint writer.
  for (std::uint64_t codec : {0x55ull, 0x70ull, 0x72ull, 0x300001ull, (1ull << 63) - 1}) {
    for (std::size_t n = 0; n <= 40; ++n) {
      Cid c;
      c.codec = codec;
      c.multihash = {0x00, static_cast<std::uint8_t>(n)};
      for (std::size_t i = 0; i < n; ++i) c.multihash.push_back(static_cast<std::uint8_t>(i * 37 + n));
      std::string s = c.ToString();
      CAPTURE(s);
      auto back = ParseCid(s);
      REQUIRE_MESSAGE(back.ok(), back.status().message());
      CHECK(*back == c);
    }
  }
  Cid big;
  big.codec = 0x300001;
  big.multihash = ParseCid(kRaw[0])->multihash;
  CHECK(big.ToString() == "bagaybqabciqlppj3zbxdqhmqfvlcwvscwsppqenbgt2aosqoycoz4szykn4dgpy");  // Python
  Cid v0;
  v0.version = 0;
  v0.multihash = ParseCid(kRaw[0])->multihash;
  CHECK(v0.ToString() == kRawV0);
}

TEST_CASE("cid: base58btc and base32 encoders") {
  CHECK(Base58btcEncode({}) == "");
  std::string hello = "hello world";
  CHECK(Base58btcEncode(Bytes(hello.begin(), hello.end())) == "StV1DL6CwTryKyV");
  CHECK(Base58btcEncode({0, 0, 0}) == "111");
  CHECK(Base58btcEncode({0, 0, 1}) == "112");
  for (const Bytes& b : {Bytes{}, Bytes{0}, Bytes{0, 0, 1, 2, 255}, Bytes{255, 255, 255, 255}, Bytes(40, 0x80)}) {
    auto back = Base58btcDecode(Base58btcEncode(b));
    REQUIRE(back.ok());
    CHECK(*back == b);
  }
  auto bad = Base58btcDecode("abc0");
  REQUIRE_FALSE(bad.ok());
  CHECK(Contains(bad.status().message(), "bad base58 character '0'"));

  // RFC 4648 section 10 test vectors, lower case without padding.
  const std::pair<std::string, std::string> rfc[] = {{"", ""},          {"f", "my"},          {"fo", "mzxq"},
                                                     {"foo", "mzxw6"}, {"foob", "mzxw6yq"}, {"fooba", "mzxw6ytb"},
                                                     {"foobar", "mzxw6ytboi"}};
  for (const auto& [in, out] : rfc) CHECK(Base32LowerEncode(Bytes(in.begin(), in.end())) == out);
}

TEST_CASE("cid: malformed CIDs are rejected with the reason") {
  const std::string v0 = kV0;
  const std::string v1 = kV1;
  const std::string hex_prefix = "f01701220";  // CIDv1 dag-pb, sha2-256, 32 bytes
  const std::string digest = "c3c4733ec8affd06cf9e9ff50ffc6bcd2ec85a6170004bb709669c31de94391a";
  struct Case {
    std::string text;
    std::string why;
  } cases[] = {
      {"", "empty"},
      {v0.substr(0, 45), "a CIDv0 has 46 characters, this one 45"},
      {v0 + "R", "a CIDv0 has 46 characters, this one 47"},
      {v0.substr(0, 45) + "0", "bad base58 character '0'"},
      {v0.substr(0, 45) + "O", "bad base58 character 'O'"},
      {v0.substr(0, 45) + "I", "bad base58 character 'I'"},
      {v0.substr(0, 45) + "l", "bad base58 character 'l'"},
      {"Qmzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "not a sha2-256 multihash"},
      {v1.substr(0, 58) + "1", "bad base32 character '1'"},
      {v1.substr(0, 58) + "8", "bad base32 character '8'"},
      {v1.substr(0, 58) + "9", "bad base32 character '9'"},
      {v1.substr(0, 58) + "=", "bad base32 character '='"},
      {"bafyBEIgdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "mixed-case base32"},
      {"Bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "mixed-case base32"},
      {"K2jmtxsxavi4t18krdqazb0pn8vr4afeompfjs5cjsg7193i7ipn9pos", "mixed-case base36"},
      {"zdj7WZeN126sHxBGA9yU5DiYnhzZTwvLv8W8zunzywFzCxMq0", "bad base58btc character '0'"},
      {"mAXASID6gKIdCE068IsF9h1A2Lx8Afh8oXkDvxiip1a2Uv0VM=", "bad base64 character '='"},
      {"mAVUSILe9O8huOB2QLVYrVkK0nvgRoTT0B0oOwJ2eSzhTeDM_", "bad base64 character '_'"},
      {"uAVUSILe9O8huOB2QLVYrVkK0nvgRoTT0B0oOwJ2eSzhTeDM/", "bad base64url character '/'"},
      {hex_prefix + digest + "0", "impossible base16 length"},
      {"ba", "impossible base32 length 1"},
      {"bab", "non-zero base32 padding bits"},
      {"x" + v1.substr(1), "unknown multibase prefix 'x'"},
      {"b", "nothing after the multibase prefix"},
      {v1 + "aa", "1 extra bytes after the 32-byte multihash digest"},
      {hex_prefix + digest.substr(0, 62), "truncated multihash: 31 digest bytes of 32"},
      {hex_prefix + digest + "00", "1 extra bytes after the 32-byte multihash digest"},
      {"f01701221" + digest + "00", "a sha2-256 digest has 32 bytes, not 33"},
      {"f01701200", "empty multihash digest"},
      {"f0170", "no multihash"},
      {"f017012", "truncated multihash length varint"},
      {"f01f0", "truncated codec varint"},
      {"f0270" + hex_prefix.substr(5) + digest, "unsupported CID version 2"},
      {"f0070" + hex_prefix.substr(5) + digest, "unsupported CID version 0"},
      {"f8100" + hex_prefix.substr(3) + digest, "over-long version varint"},
      {"f01ffffffffffffffffff01" + hex_prefix.substr(5) + digest, "codec varint longer than 9 bytes"},
      {"bafy" + std::string(2000, 'a'), "2004 characters is too long"},
      {"Qm\nbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMn", "bad base58 character 0x0a"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto r = ParseCid(c.text);
    REQUIRE_FALSE(r.ok());
    const std::string& m = r.status().message();
    CHECK(r.status().code() == Status::Code::kInvalid);
    CHECK_MESSAGE(Contains(m, c.why), m);
    CHECK_MESSAGE(Contains(m, "is not a valid CID"), m);
    CHECK_MESSAGE(m.find('\n') == std::string::npos, m);
    CHECK_FALSE(CidEqual(c.text, c.text));
  }
  CHECK(ParseCid(v0.substr(0, 45) + "0").status().message() ==
        "'" + v0.substr(0, 45) + "0' is not a valid CID (bad base58 character '0')");
}

TEST_CASE("cid: an IPNS key in every form is the same key") {
  // kPeer is an ed25519 key: an identity multihash of the protobuf public key.
  auto a = IpnsKeyMultihash(kPeer);
  REQUIRE(a);
  CHECK(a->size() == 38);
  CHECK((*a)[0] == 0x00);
  CHECK((*a)[1] == 36);

  // Its CIDv1 form: codec libp2p-key (0x72) around the same multihash.
  Cid key;
  key.codec = 0x72;
  key.multihash = *a;
  CHECK(key.ToString() == kPeerB32);
  auto k51 = ParseCid(kPeerK51);
  REQUIRE(k51.ok());
  CHECK(*k51 == key);

  for (const char* form : {kPeer, kPeerK51, kPeerB32}) {
    CAPTURE(form);
    auto mh = IpnsKeyMultihash(form);
    REQUIRE(mh);
    CHECK(*mh == *a);
    CHECK(PeerIdBase58(form) == kPeer);
    CHECK(ValidateIpnsName(form).ok());
  }
  // A legacy RSA peer id is a bare sha2-256 multihash, "Qm...".
  CHECK(IpnsKeyMultihash(kV0) == ParseCid(kV0)->multihash);
  CHECK(PeerIdBase58(kV0) == kV0);

  // Not keys.
  CHECK_FALSE(IpnsKeyMultihash(kV1));         // a dag-pb CIDv1
  CHECK_FALSE(IpnsKeyMultihash(kRaw[2]));     // base36 but raw, not libp2p-key
  CHECK_FALSE(IpnsKeyMultihash("docs.ipfs.tech"));
  CHECK_FALSE(IpnsKeyMultihash(""));
  CHECK_FALSE(IpnsKeyMultihash("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5S"));  // truncated
  CHECK_FALSE(IpnsKeyMultihash("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU50"));  // bad character
  CHECK(PeerIdBase58("docs.ipfs.tech") == "docs.ipfs.tech");
  CHECK(PeerIdBase58("garbage") == "garbage");
}

TEST_CASE("cid: ValidateIpnsName accepts keys and DNS names only") {
  for (const char* good : {"docs.ipfs.tech", "en.wikipedia-on-ipfs.org", "a.b", "EXAMPLE.COM", "1.2.3.4"}) {
    CAPTURE(good);
    CHECK(ValidateIpnsName(good).ok());
  }
  const std::string label63(63, 'a');
  Bytes sha512_mh = {0x13, 64};  // well formed, but no peer id uses sha2-512
  sha512_mh.resize(66, 0xab);
  Cid sha512_key;
  sha512_key.codec = 0x72;
  sha512_key.multihash = sha512_mh;
  struct Case {
    std::string name;
    std::string why;
  } cases[] = {
      {"", "empty"},
      {"nodots", "neither a libp2p key nor a DNS name"},
      {"-bad.example", "starts or ends with '-'"},
      {"bad-.example", "starts or ends with '-'"},
      {"a..b", "empty DNS label"},
      {".a.b", "empty DNS label"},
      {"a.b.", "empty DNS label"},
      {"white space.org", "character ' '"},
      {"under_score.org", "character '_'"},
      {label63 + "a.org", "longer than 63"},
      {label63 + "." + label63 + "." + label63 + "." + label63 + ".org", "longer than 253"},
      {kV1, "a CID with codec 0x70, not a libp2p-key (0x72)"},
      {"12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU50", "bad base58 character '0'"},
      {"12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5S", "truncated multihash"},
      {sha512_key.ToString(), "a libp2p-key CID whose multihash is neither identity nor sha2-256"},
      {std::string(kPeerK51).substr(0, 60), "not a valid IPNS name"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Status st = ValidateIpnsName(c.name);
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK_MESSAGE(Contains(st.message(), c.why), st.message());
    CHECK_MESSAGE(Contains(st.message(), "'" + c.name.substr(0, 20)), st.message());
  }
}

}  // namespace oneipfs
