#include "common/catalog/history.h"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "common/base/scratch_files_test.h"
#include "common/catalog/history_spool.h"
#include "common/catalog/retention.h"
#include "common/ipfs/fake_mfs_test.h"
#include "common/trust/signed_record.h"
#include "common/trust/signing.h"

namespace oneipfs {
namespace {

// A client of its own over the shared fake daemon; `down` makes every call
// fail as a refused connection would.
struct Forward : HttpTransport {
  Forward(testing::FakeMfsDaemon& d, std::atomic<bool>& down) : d(d), down(down) {}
  Result<HttpResponse> Post(const HttpRequest& r) override {
    if (down) return Status::Unavailable("connection refused");
    return d.Post(r);
  }
  std::string Describe() const override { return d.Describe(); }
  testing::FakeMfsDaemon& d;
  std::atomic<bool>& down;
};

struct Fixture {
  testing::FakeMfsDaemon daemon;
  std::atomic<bool> down{false};
  std::filesystem::path dir = testing::MakeTempDir("history");
  Log log{"test"};
  ~Fixture() { std::filesystem::remove_all(dir); }

  std::unique_ptr<IpfsClient> Client() {
    IpfsOptions o;
    o.timeout = std::chrono::seconds(2);
    o.attempts = 1;
    return std::make_unique<IpfsClient>(std::make_unique<Forward>(daemon, down), o);
  }
  HistorySettings Settings() {
    HistorySettings s;
    s.key_path = (dir / "key.pem").string();
    s.spool_root = (dir / "spool").string();
    s.api = "http://fake-mfs:5001";
    s.budget = std::chrono::milliseconds(2000);
    return s;
  }
  void Record(CatalogEvent ev) {
    auto ipfs = Client();
    HistoryRecorder(*ipfs, "/one-ipfs", Settings(), log).Record(std::move(ev));
  }
  std::size_t Spooled() {
    auto spool = EventSpool::Open(Settings().spool_root, Settings().api, HistoryDir("/one-ipfs", "100"));
    REQUIRE(spool.ok());
    auto p = spool->Pending();
    REQUIRE(p.ok());
    return p->size();
  }
  HistoryRead Read() {
    auto ipfs = Client();
    auto r = ReadHistory(*ipfs, "/one-ipfs", "100", nullptr);
    REQUIRE(r.ok());
    return *r;
  }
};

CatalogEvent Ev(std::string action, std::string image, std::string cid) {
  CatalogEvent ev = NewEvent(std::move(action), 1, std::move(cid), "", 10, "");
  ev.datastore = "100";
  ev.image = std::move(image);
  ev.user = "oneadmin";
  return ev;
}

}  // namespace

TEST_CASE("catalog history: events are signed, linked and read back with their fields") {
  Fixture f;
  f.Record(Ev("cp", "5", "bafyA"));
  CatalogEvent save = Ev("mvds", "5", "bafyB");
  save.version = 2;
  save.old_cid = "bafyA";
  save.vm = "42";
  f.Record(save);
  HistoryRead h = f.Read();
  CHECK(h.dir == "/one-ipfs/.history/100");
  CHECK(h.breaks.empty());
  REQUIRE(h.entries.size() == 2);
  CHECK(h.entries[0].verified);
  CHECK(h.entries[1].verified);
  CHECK(h.entries[1].event.action == "mvds");
  CHECK(h.entries[1].event.version == 2);
  CHECK(h.entries[1].event.cid == "bafyB");
  CHECK(h.entries[1].event.old_cid == "bafyA");
  CHECK(h.entries[1].event.vm == "42");
  CHECK(h.entries[1].event.user == "oneadmin");
  CHECK(h.entries[1].event.time > 0);
  CHECK(!h.entries[1].event.eid.empty());
  // The key was made 0600 where the settings say.
  struct stat sb {};
  REQUIRE(::stat(f.Settings().key_path.c_str(), &sb) == 0);
  CHECK((sb.st_mode & 077) == 0);
  // The publisher is that key.
  auto key = SigningKey::LoadOrCreate(f.Settings().key_path);
  REQUIRE(key.ok());
  CHECK(h.entries[0].publisher == key->PublisherId());
}

TEST_CASE("catalog history: a daemon that is down spools the event; the next event appends it first") {
  Fixture f;
  f.Record(Ev("cp", "5", "bafyA"));
  f.down = true;
  auto t0 = std::chrono::steady_clock::now();
  f.Record(Ev("rm", "5", ""));  // never throws, never blocks past the budget
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
  CHECK(f.Spooled() == 1);
  f.down = false;
  CHECK(f.Read().entries.size() == 1);
  f.Record(Ev("cp", "6", "bafyC"));
  CHECK(f.Spooled() == 0);
  HistoryRead h = f.Read();
  CHECK(h.breaks.empty());
  REQUIRE(h.entries.size() == 3);
  CHECK(h.entries[1].event.action == "rm");  // in the order they were recorded
  CHECK(h.entries[2].event.image == "6");
}

TEST_CASE("catalog history: Flush appends what is spooled; a spooled event appended before a crash is not appended twice") {
  Fixture f;
  f.down = true;
  f.Record(Ev("cp", "7", "bafyA"));
  f.Record(Ev("clone", "8", "bafyB"));
  CHECK(f.Spooled() == 2);
  f.down = false;
  {
    auto ipfs = f.Client();
    auto left = HistoryRecorder(*ipfs, "/one-ipfs", f.Settings(), f.log).Flush("100");
    REQUIRE(left.ok());
    CHECK(*left == 0);
  }
  CHECK(f.Read().entries.size() == 2);
  // A crash after the append, before the spool file's removal: put it back
  // (same eid) and forget the head; the next event must not repeat it.
  auto spool = EventSpool::Open(f.Settings().spool_root, f.Settings().api, HistoryDir("/one-ipfs", "100"));
  REQUIRE(spool.ok());
  HistoryRead h = f.Read();
  REQUIRE(spool->Put(EventToJson(h.entries[1].event).dump()).ok());
  (void)std::filesystem::remove(spool->dir() + "/head");
  f.Record(Ev("rm", "7", ""));
  h = f.Read();
  CHECK(h.breaks.empty());
  REQUIRE(h.entries.size() == 3);
  CHECK(h.entries[2].event.action == "rm");
  CHECK(f.Spooled() == 0);
}

TEST_CASE("catalog history: a spool open to other users is not used (the event is appended directly)") {
  Fixture f;
  std::filesystem::create_directories(f.Settings().spool_root);
  ::chmod(f.Settings().spool_root.c_str(), 0777);
  CHECK(!EventSpool::Open(f.Settings().spool_root, "a", "b").ok());
  f.Record(Ev("cp", "5", "bafyA"));
  CHECK(f.Read().entries.size() == 1);
}

TEST_CASE("catalog history: concurrent recorders give one unbroken chain with every event") {
  Fixture f;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&f, i] {
      for (int j = 0; j < 4; ++j) f.Record(Ev("cp", std::to_string(i * 10 + j), "bafy"));
    });
  for (auto& t : threads) t.join();
  HistoryRead h = f.Read();
  CHECK(h.breaks.empty());
  REQUIRE(h.entries.size() == 32);
  std::set<std::string> images;
  for (const auto& e : h.entries) images.insert(e.event.image);
  CHECK(images.size() == 32);
  CHECK(f.Spooled() == 0);
}

TEST_CASE("catalog history: an event re-signed by another key, or unsigned, is a break naming it") {
  Fixture f;
  for (int i = 0; i < 3; ++i) f.Record(Ev("cp", std::to_string(i), "bafy"));
  HistoryRead h = f.Read();
  REQUIRE(h.entries.size() == 3);
  auto ipfs = f.Client();
  // Event 2 replaced by the same fields signed with another key.
  auto other = SigningKey::Generate();
  REQUIRE(other.ok());
  nlohmann::json fields = EventToJson(h.entries[1].event);
  fields["seq"] = 2;
  fields["prev"] = h.entries[0].cid;
  fields["user"] = "mallory";
  auto sealed = SealRecord(*other, fields.dump());
  REQUIRE(sealed.ok());
  f.daemon.Link("/one-ipfs/.history/100/2", f.daemon.PutBlock(*sealed));
  auto key = SigningKey::LoadOrCreate(f.Settings().key_path);
  REQUIRE(key.ok());
  std::string trusted = key->PublisherId();
  auto r = ReadHistory(*ipfs, "/one-ipfs", "100", [&](std::string_view p) { return p == trusted; });
  REQUIRE(r.ok());
  REQUIRE(!r->breaks.empty());
  CHECK(r->breaks[0].seq == 2);
  REQUIRE(r->entries.size() == 3);
  CHECK(!r->entries[1].verified);
  CHECK(r->entries[1].event.user == "mallory");  // shown, untrusted
  CHECK(r->entries[0].verified);
  // An unsigned block in its place.
  f.daemon.Link("/one-ipfs/.history/100/2", f.daemon.PutBlock(fields.dump()));
  r = ReadHistory(*ipfs, "/one-ipfs", "100", nullptr);
  REQUIRE(r.ok());
  REQUIRE(!r->breaks.empty());
  CHECK(r->breaks[0].seq == 2);
}

TEST_CASE("retention: IPFS_DELETE_GRACE and deleted-area names") {
  CHECK(ParseGrace("0") == 0);
  CHECK(ParseGrace("90") == 90);
  CHECK(ParseGrace("2m") == 120);
  CHECK(ParseGrace("3h") == 3 * 3600);
  CHECK(ParseGrace("7d") == 7 * 86400);
  CHECK(!ParseGrace("-1"));
  CHECK(!ParseGrace("1w"));
  CHECK(!ParseGrace("d"));
  CHECK(!ParseGrace("99999999999d"));
  auto e = ParseDeletedLabel("/one-ipfs", "100/5-1700000000-1700000500");
  REQUIRE(e);
  CHECK(e->image == "5");
  CHECK(e->regtime == "1700000000");
  CHECK(e->deleted_at == 1700000500);
  CHECK(e->dir == "/one-ipfs/.deleted/100/5-1700000000-1700000500");
  CHECK(ParseDeletedLabel("/one-ipfs", "/one-ipfs/.deleted/100/5-1-2"));
  CHECK(!ParseDeletedLabel("/one-ipfs", "100/../5-1-2"));
  CHECK(!ParseDeletedLabel("/one-ipfs", "100/5-1"));
  CHECK(!ParseDeletedLabel("/one-ipfs", "x/5-1-2"));
}

}  // namespace oneipfs
