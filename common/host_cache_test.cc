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

}  // namespace oneipfs
