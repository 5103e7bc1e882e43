#include "common/ipfs/ipfs_path.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace oneipfs {
namespace {

using Kind = PathRef::Kind;

// Real CIDs and keys (see cid_test.cc for where they come from).
const std::string kCid = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
const std::string kCidUpper = "BAFYBEIGDYRZT5SFP7UDM7HU76UH7Y26NF3EFUYLQABF3OCLGTQY55FBZDI";
const std::string kV0 = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR";
const std::string kB36 = "k2jmtxsxavi4t18krdqazb0pn8vr4afeompfjs5cjsg7193i7ipn9pos";
const std::string kB58 = "zdj7WZeN126sHxBGA9yU5DiYnhzZTwvLv8W8zunzywFzCxMqu";
const std::string kPeer = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
const std::string kK51 = "k51qzi5uqu5dhdmyb9bd18pypu2wp5lpv2xnskfmrqa4lb5knqryrotb05e7or";

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("ipfs_path: IPFS and IPNS references in every form") {
  struct Case {
    std::string in;
    Kind kind;
    std::string root, sub;
  } cases[] = {
      // Paths.
      {"/ipfs/" + kCid, Kind::kIpfs, kCid, ""},
      {"/ipfs/" + kCid + "/", Kind::kIpfs, kCid, ""},
      {"/ipfs/" + kCid + "/a/b", Kind::kIpfs, kCid, "/a/b"},
      {"/ipfs/" + kCid + "/a//b/./disk.qcow2/", Kind::kIpfs, kCid, "/a/b/disk.qcow2"},
      {"/ipfs/" + kCid + "/a%20b", Kind::kIpfs, kCid, "/a%20b"},  // not a URL: no decoding
      {"/ipfs/" + kV0, Kind::kIpfs, kV0, ""},
      {"/ipfs/" + kB36 + "/x", Kind::kIpfs, kB36, "/x"},  // root kept as written
      {"/ipfs/" + kB58, Kind::kIpfs, kB58, ""},
      {"/ipns/" + kK51, Kind::kIpns, kK51, ""},
      {"/ipns/" + kPeer + "/img", Kind::kIpns, kPeer, "/img"},
      {"/ipns/docs.ipfs.tech/x", Kind::kIpns, "docs.ipfs.tech", "/x"},
      {"  /ipfs/" + kCid + "\n", Kind::kIpfs, kCid, ""},  // surrounding blanks ignored
      // Native URLs.
      {"ipfs://" + kCid, Kind::kIpfs, kCid, ""},
      {"ipfs://" + kCid + "/x", Kind::kIpfs, kCid, "/x"},
      {"IPFS://" + kCid + "/x", Kind::kIpfs, kCid, "/x"},
      {"ipfs://" + kCid + "/a%20b.qcow2?filename=c.qcow2#top", Kind::kIpfs, kCid, "/a b.qcow2"},
      {"ipns://" + kK51, Kind::kIpns, kK51, ""},
      {"ipns://docs.ipfs.tech/x/", Kind::kIpns, "docs.ipfs.tech", "/x"},
      // fs: paths.
      {"fs:/ipfs/" + kCid + "/x", Kind::kIpfs, kCid, "/x"},
      {"fs:/ipns/" + kPeer, Kind::kIpns, kPeer, ""},
      // Path gateways.
      {"https://ipfs.io/ipfs/" + kCid + "/a", Kind::kIpfs, kCid, "/a"},
      {"https://ipfs.io/ipfs/" + kCid + "/a%20b/c%2Fd?download=true#x", Kind::kIpfs, kCid, "/a b/c/d"},
      {"https://ipfs.io/ipfs/" + kV0, Kind::kIpfs, kV0, ""},
      {"http://127.0.0.1:8080/ipns/" + kPeer, Kind::kIpns, kPeer, ""},
      {"http://127.0.0.1:8080/ipns/docs.ipfs.tech/", Kind::kIpns, "docs.ipfs.tech", ""},
      {"http://user:pw@[::1]:8080/ipfs/" + kCid, Kind::kIpfs, kCid, ""},
      {"HTTPS://IPFS.IO/ipfs/" + kCid, Kind::kIpfs, kCid, ""},
      // Subdomain gateways.
      {"https://" + kCid + ".ipfs.dweb.link/a/b", Kind::kIpfs, kCid, "/a/b"},
      {"https://" + kCid + ".ipfs.dweb.link", Kind::kIpfs, kCid, ""},
      {"https://" + kCid + ".ipfs.dweb.link/a?x=1#f", Kind::kIpfs, kCid, "/a"},
      {"https://" + kCidUpper + ".ipfs.dweb.link/", Kind::kIpfs, kCid, ""},  // DNS ignores case
      {"https://" + kB36 + ".ipfs.dweb.link/", Kind::kIpfs, kB36, ""},
      {"http://" + kCid + ".ipfs.localhost:8080/d%20e", Kind::kIpfs, kCid, "/d e"},
      {"https://docs-ipfs-tech.ipns.dweb.link/", Kind::kIpns, "docs.ipfs.tech", ""},
      {"https://en-wikipedia--on--ipfs-org.ipns.dweb.link/wiki/", Kind::kIpns, "en.wikipedia-on-ipfs.org", "/wiki"},
      {"https://" + kK51 + ".ipns.dweb.link/x", Kind::kIpns, kK51, "/x"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.in);
    auto r = ClassifyPath(c.in);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(r->kind == c.kind);
    CHECK(r->is_ipfs());
    CHECK(r->root == c.root);
    CHECK(r->subpath == c.sub);
    CHECK(r->ToString() == (c.kind == Kind::kIpfs ? "/ipfs/" : "/ipns/") + c.root + c.sub);
    // The normal form classifies to the same reference.
    auto again = ClassifyPath(r->ToString());
    REQUIRE(again.ok());
    CHECK(again->root == c.root);
    CHECK(again->subpath == c.sub);
  }
  CHECK(ClassifyPath("  /ipfs/" + kCid + " ")->original == "/ipfs/" + kCid);
  CHECK(ClassifyPath("ipfs://" + kCid + "/x")->original == "ipfs://" + kCid + "/x");
}

TEST_CASE("ipfs_path: local files and ordinary URLs") {
  struct Case {
    std::string in;
    Kind kind;
  } cases[] = {
      {"/var/tmp/alpine.qcow2", Kind::kLocal},
      {"/var/lib/one/datastores/100/3f2a", Kind::kLocal},
      {"/ipfsx/y", Kind::kLocal},
      {"/home/u/ipfs/" + kCid, Kind::kLocal},
      {"https://example.com/a.qcow2", Kind::kUrl},
      {"http://example.com:8080/ipfsx/" + kCid, Kind::kUrl},
      {"https://docs.ipfs.tech/alpine.qcow2", Kind::kUrl},  // "x.ipfs.y" host, but no CID in it
      {"https://www.ipfs.io/", Kind::kUrl},
      {"https://blog.ipns.example.org/a.img", Kind::kUrl},
      {"HTTPS://Example.com/A%20B.img", Kind::kUrl},
  };
  for (const auto& c : cases) {
    CAPTURE(c.in);
    auto r = ClassifyPath(c.in);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(r->kind == c.kind);
    CHECK_FALSE(r->is_ipfs());
    CHECK(r->original == c.in);  // untouched: no decoding, no normalisation
    CHECK(r->ToString() == c.in);
    CHECK(r->root.empty());
  }
}

// `oneimage create --path ipfs://<cid>` (OpenNebula's CLI, oneimage_helper.rb)
// sends "<its working directory>/ipfs://<cid>": the URL the user typed.
TEST_CASE("ipfs_path: ipfs:// and ipns:// as OpenNebula's CLI passes them") {
  struct Case {
    std::string in;
    Kind kind;
    std::string root, sub, original;
  } cases[] = {
      {"/root/ipfs://" + kCid, Kind::kIpfs, kCid, "", "ipfs://" + kCid},
      {"/var/lib/one/ipfs://" + kCid + "/a/disk.qcow2", Kind::kIpfs, kCid, "/a/disk.qcow2",
       "ipfs://" + kCid + "/a/disk.qcow2"},
      {"//ipfs://" + kCid, Kind::kIpfs, kCid, "", "ipfs://" + kCid},  // run from /
      {"/home/u/IPFS://" + kCid, Kind::kIpfs, kCid, "", "IPFS://" + kCid},
      {"/home/my ipfs:/ipns://" + kK51 + "/x", Kind::kIpns, kK51, "/x", "ipns://" + kK51 + "/x"},
      {"/tmp/d/ipns://docs.ipfs.tech/img", Kind::kIpns, "docs.ipfs.tech", "/img", "ipns://docs.ipfs.tech/img"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.in);
    auto r = ClassifyPath(c.in);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(r->kind == c.kind);
    CHECK(r->root == c.root);
    CHECK(r->subpath == c.sub);
    CHECK(r->original == c.original);
  }
  // Not the CLI's doing: a "//" inside the directory part, no '/' before the
  // scheme, another scheme, or nothing after "://" that is a CID.
  for (const std::string& local : std::vector<std::string>{"/a//b/ipfs://" + kCid, "/a/xipfs://" + kCid, "/a/ftp://x", "/a/b://c"}) {
    CAPTURE(local);
    auto r = ClassifyPath(local);
    REQUIRE(r.ok());
    CHECK(r->kind == Kind::kLocal);
  }
  auto bad = ClassifyPath("/root/ipfs://notacid");
  REQUIRE_FALSE(bad.ok());
  CHECK_MESSAGE(Contains(bad.status().message(), "'ipfs://notacid' is not a valid IPFS path"), bad.status().message());
}

TEST_CASE("ipfs_path: malformed references are errors that name the input and the reason") {
  const std::string bad_v0 = kV0.substr(0, 45) + "0";
  struct Case {
    std::string in;
    std::string why;
  } cases[] = {
      {"", "empty"},
      {" \t\n", "empty"},
      {"/ipfs/", "no CID"},
      {"/ipfs", "no CID"},
      {"/ipns/", "no IPNS name"},
      {"/ipfs//" + kCid, "no CID"},
      {"/ipfs/notacid", "'notacid' is not a valid CID"},
      {"/ipfs/xyz", "unknown multibase prefix 'x'"},
      {"/ipfs/" + bad_v0, "bad base58 character '0'"},
      {"/ipfs/" + kCid + "/../x", "'..'"},
      {"/ipfs/" + kCid + "/a/..", "'..'"},
      {"/ipfs/" + kCid + "/a\x01" "b", "control character \\x01"},
      {"/ipns/not_a_name", "not a valid IPNS name"},
      {"/ipns/nodots", "not a valid IPNS name"},
      {"/ipns/" + kCid, "codec 0x70, not a libp2p-key"},
      {"ipfs://", "no CID"},
      {"ipfs://notacid/x", "not a valid CID"},
      {"ipns://nodots", "not a valid IPNS name"},
      {"fs:/ipfs/", "no CID"},
      {"fs:/var/x", "fs: must be followed by /ipfs/ or /ipns/"},
      {"https://ipfs.io/ipfs", "no CID"},
      {"https://ipfs.io/ipfs/", "no CID"},
      {"https://gw.example/ipfs/bafyinvalid", "not a valid CID"},
      {"https://ipfs.io/ipfs/" + kCid + "/%2e%2e/x", "'..'"},
      {"https://ipfs.io/ipfs/" + kCid + "/a%00b", "control character \\x00"},
      {"https://ipfs.io/ipns/nodots", "not a valid IPNS name"},
      {"https://" + kB58 + ".ipfs.dweb.link/", "is a CIDv1 in a case-sensitive base"},
      {"https://" + kV0 + ".ipfs.dweb.link/", "is a CIDv0"},
      {"https://" + kCid.substr(0, 58) + "1.ipfs.dweb.link/", "bad base32 character '1'"},
      {"https://" + kK51.substr(0, 60) + ".ipns.dweb.link/", "neither a key nor a DNSLink name"},
      {"s3://bucket/x", "the s3: scheme is not supported"},
      {"ftp://example.com/a.img", "the ftp: scheme is not supported"},
      {"relative/path.img", "neither an IPFS path, an http(s) URL nor an absolute file path"},
      {"ipfs/" + kCid, "neither an IPFS path"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.in);
    auto r = ClassifyPath(c.in);
    REQUIRE_FALSE(r.ok());
    const std::string& m = r.status().message();
    CHECK(r.status().code() == Status::Code::kInvalid);
    CHECK_MESSAGE(Contains(m, c.why), m);
    CHECK_MESSAGE(m.find('\n') == std::string::npos, m);
    std::string shown = c.in.substr(0, c.in.find('\x01'));
    if (!c.why.starts_with("empty")) CHECK_MESSAGE(Contains(m, "'" + shown.substr(0, 30)), m);
  }
  CHECK(ClassifyPath("/ipfs/" + bad_v0).status().message() ==
        "'/ipfs/" + bad_v0 + "' is not a valid IPFS path: '" + bad_v0 +
            "' is not a valid CID (bad base58 character '0')");
  CHECK(Contains(ClassifyPath("/ipns/nodots").status().message(), "'/ipns/nodots' is not a valid IPNS path: "));
}

}  // namespace oneipfs
