#include "common/catalog/catalog.h"

#include <doctest/doctest.h>

#include "common/catalog/source.h"
#include "common/one/tm.h"

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

namespace oneipfs {

TEST_CASE("catalog: entry shape and ownership") {
  auto e = [](const char* dir) { return CatalogEntry{dir}; };
  auto shape = EntryShape(e("/one-ipfs/100/5-1767225600"), "/one-ipfs");
  REQUIRE(shape);
  CHECK(shape->datastore == "100");
  CHECK(shape->image == "5");
  CHECK(shape->regtime == "1767225600");
  CHECK(EntryShape(e("/a/b/100/5-1"), "/a/b"));
  CHECK(EntryShape(e("/100/5-1"), "/"));
  // Above an entry, beside the catalog, or not the shape: never an entry.
  for (const char* bad : {"/one-ipfs", "/one-ipfs/100", "/one-ipfs/100/5-1/1", "/one-ipfs/100/5", "/one-ipfs/100/x-1",
                          "/one-ipfs/100/5-x", "/one-ipfs/x/5-1", "/one-ipfs-other/100/5-1", "/other/100/5-1",
                          "/one-ipfs/100/-1", "/one-ipfs/100/5-", "/one-ipfs/.providers/5-1", "/one-ipfs/100/5-1-2"})
    CHECK_MESSAGE(!EntryShape(e(bad), "/one-ipfs"), bad);
  CHECK(!EntryShape(e("/one-ipfs/100/5-1"), ""));

  CHECK(CheckEntryOf(e("/one-ipfs/100/5-1"), "/one-ipfs", "100", "5", "w").ok());
  CHECK(CheckEntryOf(e("/one-ipfs/100/5-1"), "/one-ipfs", "100", "", "w").ok());
  Status other_ds = CheckEntryOf(e("/one-ipfs/101/5-1"), "/one-ipfs", "100", "5", "cannot save");
  CHECK(other_ds.code() == Status::Code::kInvalid);
  CHECK(other_ds.message().find("cannot save: SOURCE mfs:/one-ipfs/101/5-1 is an entry of datastore 101") == 0);
  Status alias = CheckEntryOf(e("/one-ipfs/100/5-1"), "/one-ipfs", "100", "9", "w");
  CHECK(alias.message().find("image 5's entry, not image 9's") != std::string::npos);
  Status root = CheckEntryOf(e("/one-ipfs"), "/one-ipfs", "100", "", "w");
  CHECK(root.message().find("is not a catalog entry (/one-ipfs/<datastore>/<image>-<regtime>)") !=
        std::string::npos);
}

}  // namespace oneipfs
