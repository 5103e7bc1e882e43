// history_background.h: spooling an action's event, the WARN about events a
// flush left behind, and the flush that appends them.
#include "common/catalog/history_background.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <cstdio>

#include <fmt/format.h>

#include "common/base/scratch_files_test.h"
#include "common/catalog/history_spool.h"
#include "common/ipfs/fake_mfs_test.h"

namespace oneipfs {
namespace {

// Captures what the Log writes to stderr (fd 2) while alive.
struct StderrCapture {
  FILE* file = std::tmpfile();
  int saved = ::dup(2);
  StderrCapture() {
    std::fflush(stderr);
    ::dup2(::fileno(file), 2);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::fclose(file);
  }
  std::string Text() const {
    std::fflush(stderr);
    std::string out;
    std::rewind(file);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) out.append(buf, n);
    return out;
  }
};

struct Fixture {
  testing::FakeMfsDaemon daemon;
  std::filesystem::path dir = testing::MakeTempDir("history-bg");
  Log log{"test"};
  ~Fixture() { std::filesystem::remove_all(dir); }
  HistorySettings Settings() {
    HistorySettings s;
    s.key_path = (dir / "key.pem").string();
    s.spool_root = (dir / "spool").string();
    s.api = "http://fake-mfs:5001";
    return s;
  }
  EventSpool Spool() {
    auto spool = EventSpool::Open(Settings().spool_root, Settings().api, HistoryDir("/one-ipfs", "100"));
    REQUIRE(spool.ok());
    return *spool;
  }
  std::size_t Spooled() {
    auto p = Spool().Pending();
    REQUIRE(p.ok());
    return p->size();
  }
};

CatalogEvent Ev(std::string action, std::string image) {
  CatalogEvent ev = NewEvent(std::move(action), 1, "bafyA", "", 10, "");
  ev.datastore = "100";
  ev.image = std::move(image);
  return ev;
}

}  // namespace

TEST_CASE("history in the background: an event is spooled, in order, and appended by the flush") {
  Fixture f;
  {
    StderrCapture err;
    REQUIRE(SpoolCatalogEvent(f.Settings(), "/one-ipfs", Ev("cp", "5"), f.log).ok());
    REQUIRE(SpoolCatalogEvent(f.Settings(), "/one-ipfs", Ev("rm", "5"), f.log).ok());
    CHECK(err.Text().empty());  // no daemon call, no warning
  }
  CHECK(f.Spooled() == 2);
  auto ipfs = testing::FakeClientOf(f.daemon);
  auto left = FlushSpooledEvents(*ipfs, f.Settings(), "/one-ipfs", "100", f.log);
  REQUIRE(left.ok());
  CHECK(*left == 0);
  CHECK(f.Spooled() == 0);
  auto h = ReadHistory(*ipfs, "/one-ipfs", "100", nullptr);
  REQUIRE(h.ok());
  CHECK(h->breaks.empty());
  REQUIRE(h->entries.size() == 2);
  CHECK(h->entries[0].event.action == "cp");
  CHECK(h->entries[1].event.action == "rm");
  CHECK(h->entries[1].verified);
}

TEST_CASE("history in the background: a flush that fails keeps the events and why; the next event says so once") {
  Fixture f;
  REQUIRE(SpoolCatalogEvent(f.Settings(), "/one-ipfs", Ev("cp", "5"), f.log).ok());
  {  // a key that does not load: nothing can be signed
    std::ofstream(f.Settings().key_path) << "not a key\n";
    std::filesystem::permissions(f.Settings().key_path, std::filesystem::perms::owner_read |
                                                            std::filesystem::perms::owner_write);
  }
  auto ipfs = testing::FakeClientOf(f.daemon);
  auto left = FlushSpooledEvents(*ipfs, f.Settings(), "/one-ipfs", "100", f.log);
  CHECK(!left.ok());
  CHECK(f.Spooled() == 1);
  auto error = f.Spool().LastError();
  REQUIRE(error.has_value());
  CHECK(error->time > 0);
  CHECK(!error->why.empty());
  {
    StderrCapture err;
    REQUIRE(SpoolCatalogEvent(f.Settings(), "/one-ipfs", Ev("rm", "5"), f.log).ok());
    std::string text = err.Text();
    CHECK(text.find("WARN:") == 0);
    CHECK(text.find('\n') == text.size() - 1);  // one line
    CHECK(text.find("1 earlier event(s)") != std::string::npos);
    CHECK(text.find(error->why) != std::string::npos);
  }
  // A good key again: the next flush appends both, oldest first, and the
  // reason is gone.
  std::filesystem::remove(f.Settings().key_path);
  left = FlushSpooledEvents(*ipfs, f.Settings(), "/one-ipfs", "100", f.log);
  REQUIRE(left.ok());
  CHECK(*left == 0);
  CHECK(!f.Spool().LastError().has_value());
  auto h = ReadHistory(*ipfs, "/one-ipfs", "100", nullptr);
  REQUIRE(h.ok());
  REQUIRE(h->entries.size() == 2);
  CHECK(h->entries[0].event.action == "cp");
  {
    StderrCapture err;
    REQUIRE(SpoolCatalogEvent(f.Settings(), "/one-ipfs", Ev("cp", "6"), f.log).ok());
    CHECK(err.Text().empty());
  }
}

TEST_CASE("history in the background: events waiting longer than kFlushStale are reported even without a reason") {
  Fixture f;
  EventSpool spool = f.Spool();
  REQUIRE(spool.Put("{}").ok());
  auto pending = spool.Pending();
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 1);
  auto at = EventSpool::SpooledAtNs(pending->front());
  REQUIRE(at.has_value());
  // Renamed as if spooled 10 minutes ago.
  std::string old_name = fmt::format("e-{:020}-0000000001-000000", *at - 600LL * 1000000000LL);
  std::filesystem::rename(spool.dir() + "/" + pending->front(), spool.dir() + "/" + old_name);
  StderrCapture err;
  REQUIRE(SpoolCatalogEvent(f.Settings(), "/one-ipfs", Ev("cp", "5"), f.log).ok());
  CHECK(err.Text().find("no flush has finished") != std::string::npos);
  CHECK(err.Text().find("waits for 6") != std::string::npos);  // ~600 s
}

TEST_CASE("history in the background: spool names carry their time; others do not") {
  CHECK(EventSpool::SpooledAtNs("e-00000000000000000042-0000000001-000001") == 42);
  CHECK(!EventSpool::SpooledAtNs("head").has_value());
  CHECK(!EventSpool::SpooledAtNs("e-12x").has_value());
  CHECK(!EventSpool::SpooledAtNs("bad-e-00000000000000000042-0000000001-000001").has_value());
}

TEST_CASE("history in the background: the flusher's place; a missing flusher is an error, not a crash") {
  CHECK(HistoryFlusherPath("/r") == "/r/datastore/ipfs/one-ipfs-history-flush");
  CHECK(HistoryFlusherPath("").empty());
  HistorySettings s;
  CHECK(!StartHistoryFlush("", s, "/one-ipfs", "100").ok());
  CHECK(!StartHistoryFlush("/nonexistent/one-ipfs-history-flush", s, "/one-ipfs", "100").ok());
}

}  // namespace oneipfs
