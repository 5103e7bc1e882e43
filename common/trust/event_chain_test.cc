#include "common/trust/event_chain.h"

#include <doctest/doctest.h>

#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "common/ipfs/fake_mfs_test.h"
#include "common/trust/signed_record.h"

namespace oneipfs {

TEST_CASE("event chain: appends link each event to the one before, and Read verifies them") {
  testing::FakeMfsDaemon daemon;
  auto ipfs = testing::FakeClientOf(daemon);
  auto key = SigningKey::Generate();
  REQUIRE(key.ok());
  EventChain chain(*ipfs, "/one-ipfs/.history/100");
  CHECK(*chain.Head() == 0);
  std::vector<std::string> cids;
  for (int i = 0; i < 3; ++i) {
    auto ev = chain.Append(*key, {{"action", "cp"}, {"image", 5 + i}});
    REQUIRE(ev.ok());
    CHECK(ev->seq == static_cast<std::uint64_t>(i + 1));
    CHECK(ev->fields["prev"] == (i == 0 ? std::string() : cids.back()));
    cids.push_back(ev->cid);
  }
  CHECK(*chain.Head() == 3);
  auto report = chain.Read();
  REQUIRE(report.ok());
  CHECK(report->ok());
  REQUIRE(report->events.size() == 3);
  CHECK(report->events[2].fields["image"] == 7);
  CHECK(report->events[2].publisher == key->PublisherId());
  // Only the publisher the caller trusts.
  auto other = SigningKey::Generate();
  REQUIRE(other.ok());
  auto untrusted = chain.Read([&](std::string_view p) { return p == other->PublisherId(); });
  REQUIRE(untrusted.ok());
  CHECK(untrusted->breaks.size() == 3);
  CHECK(untrusted->breaks[0].why.find("not a trusted publisher") != std::string::npos);
}

TEST_CASE("event chain: a rewritten event breaks the chain where it is, and after it") {
  testing::FakeMfsDaemon daemon;
  auto ipfs = testing::FakeClientOf(daemon);
  auto key = SigningKey::Generate();
  REQUIRE(key.ok());
  EventChain chain(*ipfs, "/h");
  for (int i = 0; i < 4; ++i) REQUIRE(chain.Append(*key, {{"n", i}}).ok());
  auto before = chain.Read();
  REQUIRE(before.ok());
  REQUIRE(before->ok());

  SUBCASE("re-signed with other content: event 3's prev no longer names it") {
    nlohmann::json forged = before->events[1].fields;
    forged["n"] = 99;
    auto sealed = SealRecord(*key, forged.dump());
    REQUIRE(sealed.ok());
    daemon.Link("/h/2", daemon.PutBlock(*sealed));
    auto after = chain.Read();
    REQUIRE(after.ok());
    REQUIRE(after->breaks.size() == 1);
    CHECK(after->breaks[0].seq == 3);
    CHECK(after->breaks[0].why.find("is not event 2") != std::string::npos);
  }
  SUBCASE("an unsigned block") {
    daemon.Link("/h/2", daemon.PutBlock(R"({"payload":"{}","publisher":"x","signature":""})"));
    auto after = chain.Read();
    REQUIRE(after.ok());
    REQUIRE(after->breaks.size() == 2);
    CHECK(after->breaks[0].seq == 2);
    CHECK(after->breaks[0].why.find("not a publisher id") != std::string::npos);
    CHECK(after->breaks[1].seq == 3);
  }
  SUBCASE("a payload changed under its signature") {
    auto sealed = daemon.PutBlock(nlohmann::json{{"payload", R"({"n":1,"prev":"","seq":1})"},
                                                 {"publisher", key->PublisherId()},
                                                 {"signature", std::string(88, 'A')}}
                                      .dump());
    daemon.Link("/h/1", sealed);
    auto after = chain.Read();
    REQUIRE(after.ok());
    REQUIRE_FALSE(after->ok());
    CHECK(after->breaks[0].seq == 1);
  }
  SUBCASE("a missing event") {
    REQUIRE(ipfs->FilesRm("/h/2", false).ok());
    auto after = chain.Read();
    REQUIRE(after.ok());
    REQUIRE(after->breaks.size() == 2);
    CHECK(after->breaks[0].why == "events 2 to 2 are missing");
    CHECK(after->breaks[1].seq == 3);
  }
}

TEST_CASE("event chain: concurrent appenders never fork the chain") {
  testing::FakeMfsDaemon daemon;
  auto key = SigningKey::Generate();
  REQUIRE(key.ok());
  constexpr int kThreads = 15, kEach = 8;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      auto ipfs = testing::FakeClientOf(daemon);
      EventChain chain(*ipfs, "/h");
      for (int i = 0; i < kEach; ++i)
        if (!chain.Append(*key, {{"thread", t}, {"i", i}}, std::chrono::milliseconds(20000)).ok()) ++failures[t];
    });
  for (auto& th : threads) th.join();
  for (int f : failures) CHECK(f == 0);
  auto ipfs = testing::FakeClientOf(daemon);
  auto report = EventChain(*ipfs, "/h").Read();
  REQUIRE(report.ok());
  CHECK(report->ok());
  REQUIRE(report->events.size() == kThreads * kEach);
  std::set<std::pair<int, int>> seen;
  for (const auto& e : report->events) seen.insert({e.fields["thread"].get<int>(), e.fields["i"].get<int>()});
  CHECK(seen.size() == kThreads * kEach);  // every event present once
}

TEST_CASE("signed record: seal and open, and what is refused") {
  auto key = SigningKey::Generate();
  REQUIRE(key.ok());
  auto sealed = SealRecord(*key, R"({"name":"alpine"})");
  REQUIRE(sealed.ok());
  auto opened = OpenRecord(*sealed);
  REQUIRE(opened.ok());
  CHECK(opened->payload == R"({"name":"alpine"})");
  CHECK(opened->publisher == key->PublisherId());
  nlohmann::json j = nlohmann::json::parse(*sealed);
  j["payload"] = R"({"name":"alpine2"})";
  CHECK(OpenRecord(j.dump()).status().message().find("does not verify") != std::string::npos);
  j = nlohmann::json::parse(*sealed);
  j["extra"] = 1;
  CHECK_FALSE(OpenRecord(j.dump()).ok());
  for (const char* bad : {"", "[]", "{}", "null", "{\"payload\":1,\"publisher\":\"x\",\"signature\":\"y\"}"})
    CHECK_FALSE_MESSAGE(OpenRecord(bad).ok(), bad);
}

}  // namespace oneipfs
