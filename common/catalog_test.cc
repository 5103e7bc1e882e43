#include "common/catalog.h"

#include <doctest/doctest.h>

#include "common/source.h"
#include "common/tm.h"

namespace oneipfs {

TEST_CASE("catalog: SOURCE forms") {
  auto e = ParseCatalogSource("mfs:/one-ipfs/100/5-1767225600");
  REQUIRE(e);
  CHECK(e->dir == "/one-ipfs/100/5-1767225600");
  CHECK(e->Source() == "mfs:/one-ipfs/100/5-1767225600");
  auto prefixed = ParseCatalogSource("frontend:mfs:/one-ipfs/100/5-1");
  REQUIRE(prefixed);
  CHECK(prefixed->dir == "/one-ipfs/100/5-1");
  for (const char* bad : {"mfs:", "mfs:relative/x", "mfs:/a/../b", "mfs:/a//b", "mfs:/a/b/", "mfs:/a b",
                          "/ipfs/bafy", "ipfs://bafy", "a:b:mfs:/x", "x mfs:/a"})
    CHECK_MESSAGE(!ParseCatalogSource(bad), bad);
}

TEST_CASE("source: host prefixes oned adds are stripped, schemes are not") {
  CHECK(StripHostPrefix("frontend:/ipfs/bafy") == "/ipfs/bafy");
  CHECK(StripHostPrefix("fe.example.com:/ipns/k51abc") == "/ipns/k51abc");
  CHECK(StripHostPrefix("fe:mfs:/one-ipfs/1/2-3") == "mfs:/one-ipfs/1/2-3");
  CHECK(StripHostPrefix("fe:ipfs://bafy") == "ipfs://bafy");
  CHECK(StripHostPrefix("ipfs://bafy") == "ipfs://bafy");
  CHECK(StripHostPrefix("mfs:/one-ipfs/1/2-3") == "mfs:/one-ipfs/1/2-3");
  CHECK(StripHostPrefix("/ipfs/bafy") == "/ipfs/bafy");
  CHECK(StripHostPrefix("https://gw/ipfs/bafy") == "https://gw/ipfs/bafy");
  CHECK(StripHostPrefix("fe:/var/lib/one/x") == "fe:/var/lib/one/x");
}

TEST_CASE("tm: disk paths versus VM directories") {
  CHECK(IsDiskPath("/var/lib/one//datastores/0/42/disk.0"));
  CHECK(IsDiskPath("/var/lib/one/datastores/0/42/disk.15"));
  CHECK_FALSE(IsDiskPath("/var/lib/one/datastores/0/42"));
  CHECK_FALSE(IsDiskPath("/var/lib/one/datastores/0/42/disk.0.snap"));
  CHECK_FALSE(IsDiskPath("/var/lib/one/datastores/0/42/disk.x"));
}

}  // namespace oneipfs
