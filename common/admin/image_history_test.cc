#include "common/admin/image_history.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <sstream>

#include "common/base/scratch_files_test.h"
#include "common/catalog/catalog.h"
#include "common/catalog/retention.h"
#include "common/ipfs/fake_mfs_test.h"

namespace oneipfs {
namespace {


// oned's CLI: `oneimage show -x` prints `image_xml`; `oneimage create`
// keeps the template it was given and prints "ID: 31".
struct OnedState {
  std::string image_xml;
  std::string created_template;
  std::vector<std::vector<std::string>> calls;
};
struct FakeOned : RemoteRunner {
  OnedState* st;
  explicit FakeOned(OnedState* s) : st(s) {}
  Result<RemoteResult> Run(const std::string&, const RemoteCommand& cmd) override {
    st->calls.push_back(cmd.argv);
    RemoteResult r;
    if (cmd.argv.size() >= 4 && cmd.argv[1] == "show") {
      if (st->image_xml.empty()) {
        r.exit_code = 255;
        r.err = "[one.image.info] Error getting image.";
      }
      r.out = st->image_xml;
    } else if (cmd.argv.size() == 5 && cmd.argv[1] == "create") {
      st->created_template = testing::ReadWholeFile(cmd.argv[4]);
      r.out = "ID: 31\n";
    }
    return r;
  }
};

struct Fixture {
  testing::FakeMfsDaemon daemon;
  std::unique_ptr<IpfsClient> ipfs;
  std::filesystem::path dir = testing::MakeTempDir("image-history");
  Config config;
  Log log{"test"};
  OnedState oned_state;
  OnedState* oned = &oned_state;
  std::vector<std::vector<std::string>>& calls = oned_state.calls;
  std::unique_ptr<OneCli> one;
  std::ostringstream out;
  Catalog* catalog = nullptr;
  std::unique_ptr<Catalog> owned;
  CatalogEntry entry;
  std::vector<std::string> cids;

  Fixture() {
    IpfsOptions o;
    o.timeout = std::chrono::seconds(5);
    ipfs = std::make_unique<IpfsClient>(std::make_unique<testing::ForwardTo>(daemon), o);
    config.Set("IPFS_CATALOG", "/one-ipfs", "test");
    config.Set("IPFS_SIGNING_KEY", (dir / "key.pem").string(), "test");
    config.Set("IPFS_API", "http://127.0.0.1:1", "test");  // events: refused at once, spooled
    owned = std::make_unique<Catalog>(*ipfs, "/one-ipfs");
    catalog = owned.get();
    entry = catalog->EntryFor("100", "5", "1700000000");
    for (const char* v : {"one", "two", "three"}) cids.push_back(daemon.PutBlock(v));
    REQUIRE(catalog->AddFirstVersion(entry, cids[0]).ok());
    REQUIRE(catalog->AddVersion(entry, cids[1]).ok());
    REQUIRE(catalog->AddVersion(entry, cids[2]).ok());
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
  // A context with a CLI of its own: OneCli keeps what it read for its lifetime.
  ImageToolContext Ctx() {
    one = std::make_unique<OneCli>(std::make_unique<FakeOned>(&oned_state));
    return ImageToolContext{*ipfs, config, log, *one, out, {}, 1700000900};
  }
  void Image(int state, int vms, const std::string& source) {
    oned->image_xml = "<IMAGE><ID>5</ID><STATE>" + std::to_string(state) + "</STATE><RUNNING_VMS>" +
                      std::to_string(vms) + "</RUNNING_VMS><SOURCE>" + source + "</SOURCE></IMAGE>";
  }
  std::size_t Versions() { return catalog->Versions(entry)->size(); }
  Status Revert(std::string_view id, std::uint64_t v) {
    auto ctx = Ctx();
    return RevertImage(ctx, id, v);
  }
};

}  // namespace

TEST_CASE("one-ipfs-image revert: refused while oned says the image is in use, for another SOURCE, when oned cannot be asked") {
  Fixture f;
  f.Image(8, 1, f.entry.Source());  // USED_PERS
  CHECK(f.Revert("5", 1).message().find("in use (USED_PERS, 1 VM(s))") != std::string::npos);
  f.Image(1, 0, "mfs:/one-ipfs/100/6-1");
  CHECK(f.Revert("5", 1).message().find("has SOURCE 'mfs:/one-ipfs/100/6-1'") != std::string::npos);
  f.oned->image_xml.clear();
  CHECK(f.Revert("5", 1).message().find("cannot tell whether image 5 is in use") != std::string::npos);
  CHECK(f.Versions() == 3);
  f.Image(1, 0, f.entry.Source());
  CHECK(f.Revert("5", 3).message().find("current version") != std::string::npos);
  CHECK(f.Revert("5", 9).code() == Status::Code::kNotFound);
  CHECK(f.Revert("5; x", 1).code() == Status::Code::kInvalid);
  CHECK(f.Versions() == 3);
}

TEST_CASE("one-ipfs-image revert: the old version's content becomes the next version") {
  Fixture f;
  auto ctx = f.Ctx();
  f.Image(1, 0, "node1:" + f.entry.Source());
  REQUIRE(RevertImage(ctx, "5", 1).ok());
  auto v = f.catalog->Versions(f.entry);
  REQUIRE(v->size() == 4);
  CHECK(v->back().number == 4);
  CHECK(v->back().cid == f.cids[0]);
  CHECK(f.out.str().find("version 1") != std::string::npos);
  CHECK(f.calls.at(0) == std::vector<std::string>{"oneimage", "show", "-x", "5"});
}

TEST_CASE("one-ipfs-image restore: oneimage create in the same datastore with the entry's current content") {
  Fixture f;
  auto ctx = f.Ctx();
  auto moved = MoveToDeleted(*f.ipfs, f.entry, *EntryShape(f.entry, "/one-ipfs"), 1700000500);
  REQUIRE(moved.ok());
  auto id = RestoreImage(ctx, moved->Label());
  REQUIRE(id.ok());
  CHECK(*id == "31");
  REQUIRE(!f.calls.empty());
  CHECK(f.calls.back()[3] == "100");
  // No rm event could be read here: the defaults.
  CHECK(f.oned->created_template.find("PATH = \"/ipfs/" + f.cids[2] + "\"") != std::string::npos);
  CHECK(f.oned->created_template.find("NAME = \"image-5-restored-1700000500\"") != std::string::npos);
  CHECK(f.oned->created_template.find("TYPE = \"OS\"") != std::string::npos);
  CHECK(f.oned->created_template.find("PERSISTENT = \"NO\"") != std::string::npos);
  CHECK(!RestoreImage(ctx, "100/5-1700000000").ok());
  CHECK(RestoreImage(ctx, "100/9-1-2").status().code() == Status::Code::kNotFound);
}

}  // namespace oneipfs
