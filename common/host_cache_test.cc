#include "common/host_cache.h"

#include <deque>
#include <memory>

#include <doctest/doctest.h>

#include "common/canned_http_test.h"
#include "common/http.h"

namespace oneipfs {

TEST_CASE("host cache: least recently deployed first, never a leased CID") {
  constexpr std::uint64_t MiB = 1 << 20;
  std::vector<CachedImage> cached = {{"new", 300, 40 * MiB}, {"old", 100, 40 * MiB}, {"mid", 200, 40 * MiB}};
  CHECK(ChooseEvictions(cached, {}, 120 * MiB).empty());  // within budget: nothing
  CHECK(ChooseEvictions(cached, {}, 100 * MiB) == std::vector<std::string>{"old"});
  CHECK(ChooseEvictions(cached, {}, 40 * MiB) == std::vector<std::string>{"old", "mid"});
  // A running deploy reads "old": it stays, the next oldest go instead.
  CHECK(ChooseEvictions(cached, {"old"}, 40 * MiB) == std::vector<std::string>{"mid", "new"});
  // Everything leased: over budget for a while rather than dropping what is read.
  CHECK(ChooseEvictions(cached, {"old", "mid", "new"}, 0).empty());
  // Budget smaller than one image: nothing unleased is kept.
  CHECK(ChooseEvictions(cached, {}, 10 * MiB) == std::vector<std::string>{"old", "mid", "new"});
}

namespace {

using Canned = testing::CannedTransport;
using testing::Args;
using testing::LockFile;
using testing::LockProbe;
using testing::RunningGc;
using testing::NotFound;
using testing::Ok;
using testing::Reply;

}  // namespace

TEST_CASE("host cache: Holds names the newest stamp; Refresh moves it to now") {
  std::deque<HttpResponse> replies = {
      Reply(200, R"({"Entries":[{"Name":"100","Type":0,"Size":9,"Hash":"x"},{"Name":"250","Type":0,"Size":9,"Hash":"x"}]})"),
      Reply(500, R"({"Message":"file does not exist","Code":0,"Type":"error"})"),
      Reply(200, ""),
  };
  auto t = std::make_unique<Canned>(std::move(replies));
  Canned* fake = t.get();
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  Log log("test");
  HostCache cache(ipfs, log);
  auto held = cache.Holds("bafyA");
  REQUIRE(held.ok());
  REQUIRE(held->has_value());
  CHECK(**held == 250);
  CHECK(Args(fake->requests[0]) == std::vector<std::string>{"/one-ipfs-cache/bafyA"});
  auto absent = cache.Holds("bafyB");
  REQUIRE(absent.ok());
  CHECK_FALSE(absent->has_value());
  auto none = cache.Holds("../etc");  // not a CID: not held, nothing asked
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(cache.Refresh("bafyA", 250, 300).ok());
  CHECK(fake->requests[2].path == "/api/v0/files/mv");
  CHECK(Args(fake->requests[2]) == std::vector<std::string>{"/one-ipfs-cache/bafyA/250", "/one-ipfs-cache/bafyA/300"});
  CHECK(cache.Refresh("bafyA", 300, 300).ok());  // same second: nothing to move
  CHECK(fake->requests.size() == 3);
}

TEST_CASE("host cache: every MFS write holds the host's MFS lock shared, so no flock'd repo gc runs meanwhile") {
  // On js-ipfs and kubo < 0.43 (issue #10842) an MFS write racing the host's
  // `repo gc` loses the directory nodes it made. Replies as kubo's
  // core/commands/files.go gives them (see CannedTransport).
  LockFile lock;
  const std::int64_t now = 50000;
  std::deque<HttpResponse> replies = {
      Ok(""),  // Lease: files/mkdir
      Ok(""),  // Refresh: files/mv
      // Keep: files/cp, files/ls of its dir, files/rm of the older stamp
      Ok(""), Ok(R"({"Entries":[{"Name":"49000","Type":0,"Size":9,"Hash":"x"},{"Name":"50000","Type":0,"Size":9,"Hash":"x"}]})"),
      Ok(""),
      // List: the cache root and each entry
      Ok(R"({"Entries":[{"Name":"bafyA","Type":1,"Size":0,"Hash":"d"},{"Name":"bafyOld","Type":1,"Size":0,"Hash":"e"}]})"),
      Ok(R"({"Entries":[{"Name":"50000","Type":0,"Size":9,"Hash":"x"}]})"),
      Ok(R"({"Entries":[{"Name":"100","Type":0,"Size":9,"Hash":"x"}]})"),
      // Leased: an expired lease of a crashed helper, then its files/rm
      Ok(R"({"Entries":[{"Name":"bafyOld.100.7","Type":1,"Size":0,"Hash":"f"}]})"),
      Ok(""),
      // our own lease is the only one on bafyA
      Ok(R"({"Entries":[]})"),
      Ok(""),  // eviction of bafyOld (over the 9-byte budget): files/rm
      Ok(""),  // Release: files/rm of the lease
  };
  auto t = std::make_unique<LockProbe>(std::move(replies), lock);
  LockProbe* fake = t.get();
  IpfsClient ipfs(std::move(t), lock.Options(std::chrono::seconds(5)));
  Log log("test");
  HostCache cache(ipfs, log);
  REQUIRE(cache.Lease("bafyA", now).ok());
  REQUIRE(cache.Refresh("bafyA", now - 1000, now).ok());
  auto evicted = cache.Keep("bafyA", now, 9);
  REQUIRE(evicted.ok());
  CHECK(*evicted == std::vector<std::string>{"bafyOld"});
  cache.Release();
  REQUIRE(fake->requests.size() == 13);
  CHECK(fake->CheckWritesHeldLock(
            {"/api/v0/files/mkdir", "/api/v0/files/mv", "/api/v0/files/cp", "/api/v0/files/rm"}) == 7);
  CHECK(lock.GcCouldRun());  // and every lock is given back
}

TEST_CASE("host cache: while a repo gc holds the host's MFS lock, nothing is written") {
  LockFile lock;
  RunningGc gc(lock);
  auto t = std::make_unique<Canned>(std::deque<HttpResponse>{});  // any request fails the test
  Canned* fake = t.get();
  IpfsClient ipfs(std::move(t), lock.Options(std::chrono::seconds(1)));
  Log log("test");
  HostCache cache(ipfs, log);
  Status st = cache.Lease("bafyA", 100);
  CHECK(st.code() == Status::Code::kTimeout);
  CHECK(st.message().find("a GC running?") != std::string::npos);
  CHECK(cache.Refresh("bafyA", 50, 100).code() == Status::Code::kTimeout);
  CHECK(fake->requests.empty());
}

}  // namespace oneipfs
