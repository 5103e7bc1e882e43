#include "common/deploy/host_cache.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>

#include <doctest/doctest.h>

#include "common/ipfs/canned_http_test.h"
#include "common/ipfs/http.h"
#include "common/base/scratch_files_test.h"

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
using testing::Arg;
using testing::Args;
using testing::MakeTempDir;
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
      Ok(""),  // Refresh: files/mv
      // Keep: files/cp, files/ls of its dir, files/rm of the older stamp
      Ok(""), Ok(R"({"Entries":[{"Name":"49000","Type":0,"Size":9,"Hash":"x"},{"Name":"50000","Type":0,"Size":9,"Hash":"x"}]})"),
      Ok(""),
      // List: the cache root (with an earlier helper's MFS leases) and each entry
      Ok(R"({"Entries":[{"Name":"bafyA","Type":1,"Size":0,"Hash":"d"},{"Name":".leases","Type":1,"Size":0,"Hash":"f"},)"
         R"({"Name":"bafyOld","Type":1,"Size":0,"Hash":"e"}]})"),
      Ok(R"({"Entries":[{"Name":"50000","Type":0,"Size":9,"Hash":"x"}]})"),
      Ok(R"({"Entries":[{"Name":"100","Type":0,"Size":9,"Hash":"x"}]})"),
      Ok(""),  // files/rm of /one-ipfs-cache/.leases
      Ok(""),  // eviction of bafyOld (over the 9-byte budget): files/rm
  };
  auto t = std::make_unique<LockProbe>(std::move(replies), lock);
  LockProbe* fake = t.get();
  IpfsClient ipfs(std::move(t), lock.Options(std::chrono::seconds(5)));
  Log log("test");
  auto dir = MakeTempDir("hostcache");
  HostCache cache(ipfs, log, dir.string());
  REQUIRE(cache.Lease("bafyA").ok());  // a local flock: no daemon call
  CHECK(fake->requests.empty());
  REQUIRE(cache.Refresh("bafyA", now - 1000, now).ok());
  auto evicted = cache.Keep("bafyA", now, 9);
  REQUIRE(evicted.ok());
  CHECK(*evicted == std::vector<std::string>{"bafyOld"});
  REQUIRE(fake->requests.size() == 9);
  CHECK(Args(fake->requests[7]) == std::vector<std::string>{"/one-ipfs-cache/.leases"});
  CHECK(fake->CheckWritesHeldLock({"/api/v0/files/mv", "/api/v0/files/cp", "/api/v0/files/rm"}) == 5);
  CHECK(lock.GcCouldRun());  // and every lock is given back
  std::filesystem::remove_all(dir);
}

TEST_CASE("host cache: while a repo gc holds the host's MFS lock, nothing is written") {
  LockFile lock;
  RunningGc gc(lock);
  auto t = std::make_unique<Canned>(std::deque<HttpResponse>{});  // any request fails the test
  Canned* fake = t.get();
  IpfsClient ipfs(std::move(t), lock.Options(std::chrono::seconds(1)));
  Log log("test");
  HostCache cache(ipfs, log);
  auto kept = cache.Keep("bafyA", 100, 1 << 20);
  CHECK(kept.status().code() == Status::Code::kTimeout);
  CHECK(kept.status().message().find("a GC running?") != std::string::npos);
  CHECK(cache.Refresh("bafyA", 50, 100).code() == Status::Code::kTimeout);
  CHECK(fake->requests.empty());
}

namespace {

// Keep of bafyNew over a cache that also holds the older bafyOld, 9 bytes
// each, with a budget of 9: the replies Keep needs. One of the two goes:
// bafyOld, or when it is leased bafyNew (a deploy's own lease ends at Keep).
std::deque<HttpResponse> KeepReplies() {
  std::deque<HttpResponse> r = {
      Ok(""),                                                     // files/cp
      Ok(R"({"Entries":[{"Name":"500","Type":0,"Size":9,"Hash":"x"}]})"),  // files/ls of its dir
      Ok(R"({"Entries":[{"Name":"bafyNew","Type":1,"Size":0,"Hash":"d"},{"Name":"bafyOld","Type":1,"Size":0,"Hash":"e"}]})"),
      Ok(R"({"Entries":[{"Name":"500","Type":0,"Size":9,"Hash":"x"}]})"),
      Ok(R"({"Entries":[{"Name":"100","Type":0,"Size":9,"Hash":"x"}]})"),
  };
  r.push_back(Ok(""));  // files/rm of the evicted one
  return r;
}

// The paths Keep asked to remove.
std::vector<std::string> Removed(const Canned& fake) {
  std::vector<std::string> out;
  for (const auto& r : fake.requests)
    if (r.path == "/api/v0/files/rm") out.push_back(Arg(r));
  return out;
}

}  // namespace

TEST_CASE("host cache: a CID a deploy reads (its lease flock'd) is not evicted; once let go it is, with its lease file") {
  auto dir = MakeTempDir("hostcache");
  Log log("test");
  {
    IpfsClient none(std::make_unique<Canned>(std::deque<HttpResponse>{}), IpfsOptions{});
    HostCache reader(none, log, dir.string());
    REQUIRE(reader.Lease("bafyOld").ok());
    CHECK(std::filesystem::exists(dir / "lease-bafyOld"));
    auto t = std::make_unique<Canned>(KeepReplies());
    Canned* fake = t.get();
    IpfsClient ipfs(std::move(t), IpfsOptions{});
    HostCache keeper(ipfs, log, dir.string());
    auto evicted = keeper.Keep("bafyNew", 500, 9);  // over budget; bafyOld is older, but read
    REQUIRE(evicted.ok());
    CHECK(*evicted == std::vector<std::string>{"bafyNew"});
    CHECK(Removed(*fake) == std::vector<std::string>{"/one-ipfs-cache/bafyNew"});
    CHECK(std::filesystem::exists(dir / "lease-bafyOld"));
    CHECK(fake->unused() == 0);  // every canned reply asked for
  }  // the reader's lease ends with it
  auto t = std::make_unique<Canned>(KeepReplies());
  Canned* fake = t.get();
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  HostCache keeper(ipfs, log, dir.string());
  auto evicted = keeper.Keep("bafyNew", 500, 9);
  REQUIRE(evicted.ok());
  CHECK(*evicted == std::vector<std::string>{"bafyOld"});
  CHECK(Removed(*fake) == std::vector<std::string>{"/one-ipfs-cache/bafyOld"});
  CHECK_FALSE(std::filesystem::exists(dir / "lease-bafyOld"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("host cache: a killed helper's lease ends with it (the kernel drops its flock)") {
  auto dir = MakeTempDir("hostcache");
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    IpfsClient none(std::make_unique<Canned>(std::deque<HttpResponse>{}), IpfsOptions{});
    Log log("child");
    HostCache reader(none, log, dir.string());
    char ok = reader.Lease("bafyOld").ok() ? '1' : '0';
    (void)!::write(ready[1], &ok, 1);
    for (;;) ::pause();
  }
  struct Reap {  // the child never outlives the test, whatever fails
    pid_t pid;
    ~Reap() {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
  } reap{child};
  char ok = 0;
  REQUIRE(::read(ready[0], &ok, 1) == 1);
  CHECK(ok == '1');
  Log log("test");
  {
    auto t = std::make_unique<Canned>(KeepReplies());
    IpfsClient ipfs(std::move(t), IpfsOptions{});
    HostCache keeper(ipfs, log, dir.string());
    auto evicted = keeper.Keep("bafyNew", 500, 9);
    REQUIRE(evicted.ok());
    CHECK(*evicted == std::vector<std::string>{"bafyNew"});  // the helper is alive: bafyOld is leased
  }
  ::kill(child, SIGKILL);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  reap.pid = 0;
  auto t = std::make_unique<Canned>(KeepReplies());
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  HostCache keeper(ipfs, log, dir.string());
  auto evicted = keeper.Keep("bafyNew", 500, 9);
  REQUIRE(evicted.ok());
  CHECK(*evicted == std::vector<std::string>{"bafyOld"});
  ::close(ready[0]);
  ::close(ready[1]);
  std::filesystem::remove_all(dir);
}

TEST_CASE("host cache: a lease waits out a running eviction and then holds the lease file the path names") {
  auto dir = MakeTempDir("hostcache");
  const auto path = dir / "lease-bafyA";
  // An eviction of bafyA in progress: its lease file taken exclusively.
  int evicting = ::open(path.c_str(), O_RDONLY | O_CREAT, 0600);
  REQUIRE(evicting >= 0);
  REQUIRE(::flock(evicting, LOCK_EX) == 0);
  IpfsClient none(std::make_unique<Canned>(std::deque<HttpResponse>{}), IpfsOptions{});
  Log log("test");
  HostCache reader(none, log, dir.string());
  auto leased = std::async(std::launch::async, [&] { return reader.Lease("bafyA"); });
  CHECK(leased.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
  // The eviction removes the entry, unlinks the lease file, lets go.
  REQUIRE(::unlink(path.c_str()) == 0);
  ::close(evicting);
  REQUIRE(leased.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  REQUIRE(leased.get().ok());
  // The lease is on the file the path names now: a second eviction sees it.
  int probe = ::open(path.c_str(), O_RDONLY);
  REQUIRE(probe >= 0);
  CHECK(::flock(probe, LOCK_EX | LOCK_NB) != 0);
  ::close(probe);
  reader.Release();
  probe = ::open(path.c_str(), O_RDONLY);
  CHECK(::flock(probe, LOCK_EX | LOCK_NB) == 0);
  ::close(probe);
  std::filesystem::remove_all(dir);
}

TEST_CASE("host cache: without a lease directory a lease fails with a reason, and nothing counts as leased") {
  IpfsClient none(std::make_unique<Canned>(std::deque<HttpResponse>{}), IpfsOptions{});
  Log log("test");
  HostCache cache(none, log, "");
  Status st = cache.Lease("bafyA");
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("no private directory") != std::string::npos);
  CHECK(cache.Lease("../x").code() == Status::Code::kInvalid);
  auto t = std::make_unique<Canned>(KeepReplies());
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  HostCache keeper(ipfs, log, "");
  auto evicted = keeper.Keep("bafyNew", 500, 9);
  REQUIRE(evicted.ok());
  CHECK(*evicted == std::vector<std::string>{"bafyOld"});
}

}  // namespace oneipfs
