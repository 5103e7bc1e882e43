#include "common/catalog/retention.h"

#include <doctest/doctest.h>

#include <map>
#include <memory>

#include "common/catalog/fsck.h"
#include "common/ipfs/fake_mfs_test.h"

namespace oneipfs {
TEST_CASE("retention: rm's move keeps the whole entry in the deleted area; gone already is NotFound") {
  testing::FakeMfsDaemon daemon;
  auto ipfs = testing::FakeClientOf(daemon);
  Catalog catalog(*ipfs, "/one-ipfs");
  CatalogEntry e = catalog.EntryFor("100", "5", "1700000000");
  REQUIRE(catalog.AddFirstVersion(e, daemon.PutBlock("one")).ok());
  REQUIRE(catalog.AddVersion(e, daemon.PutBlock("two")).ok());
  REQUIRE(catalog.PutSnapshot(e, 0, daemon.PutBlock("snap")).ok());
  auto shape = EntryShape(e, "/one-ipfs");
  REQUIRE(shape);
  auto moved = MoveToDeleted(*ipfs, e, *shape, 1700000500);
  INFO(moved.status().message());
  REQUIRE(moved.ok());
  CHECK(moved->Label() == "100/5-1700000000-1700000500");
  CHECK(!ipfs->Stat(e.dir).ok());
  CatalogEntry kept{moved->dir};
  auto versions = catalog.Versions(kept);
  REQUIRE(versions.ok());
  CHECK(versions->size() == 2);
  auto snaps = catalog.Snapshots(kept);
  REQUIRE(snaps.ok());
  CHECK(snaps->size() == 1);
  auto again = MoveToDeleted(*ipfs, e, *shape, 1700000600);
  CHECK(again.status().code() == Status::Code::kNotFound);
  auto listed = ListDeleted(*ipfs, "/one-ipfs");
  REQUIRE(listed.ok());
  REQUIRE(listed->entries.size() == 1);
  CHECK(listed->entries[0].image == "5");
  CHECK(*DirFileBytes(*ipfs, moved->dir) == 3 + 3 + 4);
}

TEST_CASE("retention: IPFS_HISTORY_KEEP prunes the oldest versions, never the current one nor a snapshot") {
  testing::FakeMfsDaemon daemon;
  auto ipfs = testing::FakeClientOf(daemon);
  Catalog catalog(*ipfs, "/one-ipfs");
  CatalogEntry e = catalog.EntryFor("100", "5", "1");
  REQUIRE(catalog.AddFirstVersion(e, daemon.PutBlock("v1")).ok());
  for (int i = 2; i <= 4; ++i) REQUIRE(catalog.AddVersion(e, daemon.PutBlock("v" + std::to_string(i))).ok());
  REQUIRE(catalog.PutSnapshot(e, 0, daemon.PutBlock("v1")).ok());
  auto pruned = PruneVersions(catalog, e, 2);
  REQUIRE(pruned.ok());
  REQUIRE(pruned->size() == 2);
  CHECK((*pruned)[0].number == 1);
  CHECK((*pruned)[1].number == 2);
  auto left = catalog.Versions(e);
  REQUIRE(left.ok());
  REQUIRE(left->size() == 2);
  CHECK(left->back().number == 4);
  CHECK(catalog.Snapshots(e)->size() == 1);
  // keep 0 is read as 1: the current version always stays.
  REQUIRE(PruneVersions(catalog, e, 0).ok());
  CHECK(catalog.Versions(e)->size() == 1);
  CHECK(catalog.Versions(e)->back().number == 4);
}

TEST_CASE("fsck: deleted entries past IPFS_DELETE_GRACE are purged with --repair; those within it are kept") {
  testing::FakeMfsDaemon daemon;
  auto ipfs = testing::FakeClientOf(daemon);
  Catalog catalog(*ipfs, "/one-ipfs");
  for (const auto& [image, at] : std::map<std::string, std::int64_t>{{"5", 1000}, {"6", 1950}}) {
    CatalogEntry e = catalog.EntryFor("100", image, "1");
    REQUIRE(catalog.AddFirstVersion(e, daemon.PutBlock("content " + image)).ok());
    REQUIRE(MoveToDeleted(*ipfs, e, *EntryShape(e, "/one-ipfs"), at).ok());
  }
  daemon.Link("/one-ipfs/.deleted/100/junk", daemon.PutBlock("x"));
  FsckOptions o;
  o.delete_grace = 100;
  o.now = 2000;
  Log log("test");
  auto report = RunFsck(*ipfs, "/one-ipfs", o, log);
  REQUIRE(report.ok());
  std::vector<std::string> expired;
  for (const auto& f : report->findings)
    if (f.kind == FsckFinding::Kind::kExpired) expired.push_back(f.subject);
  REQUIRE(expired.size() == 1);
  CHECK(expired[0] == "/one-ipfs/.deleted/100/5-1-1000");
  CHECK(report->deleted_kept == 1);
  CHECK(ipfs->Stat("/one-ipfs/.deleted/100/5-1-1000").ok());  // nothing changed without repair
  o.repair = true;
  report = RunFsck(*ipfs, "/one-ipfs", o, log);
  REQUIRE(report.ok());
  CHECK(!ipfs->Stat("/one-ipfs/.deleted/100/5-1-1000").ok());
  CHECK(ipfs->Stat("/one-ipfs/.deleted/100/6-1-1950").ok());
  CHECK(ipfs->Stat("/one-ipfs/.deleted/100/junk").ok());  // an odd name is a note, never removed
  // Grace 0: everything deleted is past it.
  o.delete_grace = 0;
  report = RunFsck(*ipfs, "/one-ipfs", o, log);
  REQUIRE(report.ok());
  CHECK(!ipfs->Stat("/one-ipfs/.deleted/100/6-1-1950").ok());
  // Without a grace the area is not looked at.
  o.delete_grace.reset();
  report = RunFsck(*ipfs, "/one-ipfs", o, log);
  REQUIRE(report.ok());
  CHECK(report->deleted_kept == 0);
}

}  // namespace oneipfs
