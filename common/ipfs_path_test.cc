#include "common/ipfs_path.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace oneipfs {
namespace {
const std::string kCid = "bafybeib6uauioqqtj26cfql5q5idmly7ab7b6kc6idx4mkfj2wwzjp2fjq";
const std::string kV0 = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR";
const std::string kPeer = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
const std::string kK51 = "k51qzi5uqu5dhdmyb9bd18pypu2wp5lpv2xnskfmrqa4lb5knqryrotb05e7or";
}  // namespace

TEST_CASE("ipfs_path: every accepted form") {
  struct Case {
    std::string in;
    PathRef::Kind kind;
    std::string root, sub;
  } cases[] = {
      {"/ipfs/" + kCid, PathRef::Kind::kIpfs, kCid, ""},
      {"/ipfs/" + kCid + "/", PathRef::Kind::kIpfs, kCid, ""},
      {"/ipfs/" + kCid + "/a//b/./disk.qcow2", PathRef::Kind::kIpfs, kCid, "/a/b/disk.qcow2"},
      {"/ipfs/" + kV0, PathRef::Kind::kIpfs, kV0, ""},
      {"ipfs://" + kCid + "/x", PathRef::Kind::kIpfs, kCid, "/x"},
      {"fs:/ipfs/" + kCid, PathRef::Kind::kIpfs, kCid, ""},
      {"fs:/ipns/" + kPeer, PathRef::Kind::kIpns, kPeer, ""},
      {"/ipns/" + kK51, PathRef::Kind::kIpns, kK51, ""},
      {"/ipns/" + kPeer + "/img", PathRef::Kind::kIpns, kPeer, "/img"},
      {"/ipns/docs.ipfs.tech/x", PathRef::Kind::kIpns, "docs.ipfs.tech", "/x"},
      {"ipns://" + kK51, PathRef::Kind::kIpns, kK51, ""},
      {"https://ipfs.io/ipfs/" + kCid + "/a%20b", PathRef::Kind::kIpfs, kCid, "/a b"},
      {"http://127.0.0.1:8080/ipns/" + kPeer, PathRef::Kind::kIpns, kPeer, ""},
      {"https://" + kCid + ".ipfs.dweb.link/a/b?x=1", PathRef::Kind::kIpfs, kCid, "/a/b"},
      {"https://docs-ipfs-tech.ipns.dweb.link/", PathRef::Kind::kIpns, "docs.ipfs.tech", ""},
      {"https://my--site-org.ipns.dweb.link/", PathRef::Kind::kIpns, "my-site.org", ""},
      {"https://" + kK51 + ".ipns.dweb.link/", PathRef::Kind::kIpns, kK51, ""},
      {"/var/tmp/alpine.qcow2", PathRef::Kind::kLocal, "", ""},
      {"https://example.com/debian.qcow2", PathRef::Kind::kUrl, "", ""},
  };
  for (const auto& c : cases) {
    auto r = ClassifyPath(c.in);
    REQUIRE_MESSAGE(r.ok(), c.in, ": ", r.status().message());
    CHECK_MESSAGE(r->kind == c.kind, c.in);
    CHECK_MESSAGE(r->root == c.root, c.in);
    CHECK_MESSAGE(r->subpath == c.sub, c.in);
  }
  CHECK(ClassifyPath("ipfs://" + kCid + "/x")->ToString() == "/ipfs/" + kCid + "/x");
  CHECK(ClassifyPath("/var/tmp/a")->ToString() == "/var/tmp/a");
}

TEST_CASE("ipfs_path: malformed references are errors that name the input") {
  for (const std::string& bad : std::vector<std::string>{"", "   ", "/ipfs/", "/ipfs/notacid", "/ipfs/" + kCid + "/../etc",
                          "ipfs://", "/ipns/", "/ipns/not_a_name", "s3://bucket/key", "relative/path.img",
                          "https://zdj7WZeN126sHxBGA9yU5DiYnhzZTwvLv8W8zunzywFzCxMqu.ipfs.dweb.link/",
                          "https://gw.example/ipfs/bafyinvalid"}) {
    auto r = ClassifyPath(bad);
    CHECK_MESSAGE(!r.ok(), "accepted: '", bad, "'");
    if (!r.ok() && !bad.empty() && bad != "   ")
      CHECK_MESSAGE(r.status().message().find(bad.substr(0, 10)) != std::string::npos, r.status().message());
  }
}

}  // namespace oneipfs
