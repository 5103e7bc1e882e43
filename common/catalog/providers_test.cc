#include "common/catalog/providers.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "common/ipfs/canned_http_test.h"
#include "common/ipfs/http.h"

namespace oneipfs {
namespace {

using testing::Arg;
using testing::CannedTransport;
using testing::LockFile;
using testing::LockProbe;
using testing::RunningGc;
using testing::NotFound;
using testing::Ok;

ProviderRecord Rec(std::string host, std::string peer, std::int64_t time, bool fetching = false) {
  ProviderRecord r;
  r.host = std::move(host);
  r.peer = std::move(peer);
  r.addresses = {"/ip4/10.0.0.1/tcp/4001"};
  r.time = time;
  r.fetching = fetching;
  return r;
}

}  // namespace

TEST_CASE("providers: record JSON round trip and refusals") {
  ProviderRecord r = Rec("node1", "12D3KooWabc", 1767225600, true);
  r.addresses.push_back("/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWabc");
  auto back = ParseProviderRecord(ProviderRecordJson(r));
  REQUIRE(back.ok());
  CHECK(back->host == "node1");
  CHECK(back->peer == "12D3KooWabc");
  CHECK(back->time == 1767225600);
  CHECK(back->fetching);
  CHECK(back->addresses == r.addresses);
  auto held = ParseProviderRecord(R"({"host":"h","peer":"p","addresses":[],"time":5,"state":"weird"})");
  REQUIRE(held.ok());
  CHECK_FALSE(held->fetching);
  for (const char* bad : {"", "[]", "{", R"({"host":"h","addresses":[],"time":1})",
                          R"({"host":"h","peer":"p","addresses":[],"time":"1"})",
                          R"({"host":"h","peer":"p","addresses":"x","time":1})",
                          R"({"host":"h","peer":"p","addresses":[1],"time":1})", R"({"host":"","peer":"p","addresses":[],"time":1})"})
    CHECK_MESSAGE(!ParseProviderRecord(bad).ok(), bad);
}

TEST_CASE("providers: a record's time is 0 to 2^63 - 1, so freshness cannot overflow (fuzz/ipfs_json finding)") {
  // -2^63 (or 2^63, read as int64) made `now - r.time` overflow: UB, and in
  // practice a record that never expires.
  for (const char* bad : {R"({"host":"h","peer":"p","addresses":["/ip4/10.0.0.1/tcp/4001"],"time":-9223372036854775808})",
                          R"({"host":"h","peer":"p","addresses":["/ip4/10.0.0.1/tcp/4001"],"time":9223372036854775808})",
                          R"({"host":"h","peer":"p","addresses":["/ip4/10.0.0.1/tcp/4001"],"time":-1})"})
    CHECK_MESSAGE(!ParseProviderRecord(bad).ok(), bad);
  auto edge = ParseProviderRecord(R"({"host":"h","peer":"p","addresses":[],"time":9223372036854775807})");
  REQUIRE(edge.ok());
  CHECK(edge->time == INT64_MAX);
  CHECK(ParseProviderRecord(R"({"host":"h","peer":"p","addresses":[],"time":0})").ok());
}

TEST_CASE("providers: the lead's deputy is its oldest follower, by name within a second, and comes next for the others") {
  const std::int64_t now = 10000, ttl = 600;
  std::vector<ProviderRecord> records = {
      Rec("lead", "Plead", now - 9, true),   // the lead: never its own deputy
      Rec("f-b", "Pb", now - 5, true),       // followers: f-a and f-b started in the same second
      Rec("f-a", "Pa", now - 5, true),
      Rec("f-c", "Pc", now - 2, true),
      Rec("stale", "Ps", now - ttl - 1, true),  // expired: not a follower
      Rec("holder", "Ph", now - 50),            // holders are no followers
  };
  CHECK(IsDeputy(records, "f-a", "lead", now, ttl));
  CHECK_FALSE(IsDeputy(records, "f-b", "lead", now, ttl));
  CHECK_FALSE(IsDeputy(records, "f-c", "lead", now, ttl));
  CHECK_FALSE(IsDeputy(records, "lead", "lead", now, ttl));
  CHECK_FALSE(IsDeputy(records, "f-a", "", now, ttl));        // no lead, no deputy
  CHECK_FALSE(IsDeputy(records, "unknown", "lead", now, ttl));  // no record of its own
  // Every other follower asks the deputy right after the lead.
  std::vector<ProviderRecord> fetching(records.begin(), records.begin() + 4);
  for (const char* self : {"f-b", "f-c"}) {
    auto order = ChooseProviderAddresses(fetching, self, now, ttl, 3, "lead");
    REQUIRE(order.size() >= 2);
    CHECK(order[0] == "/ip4/10.0.0.1/tcp/4001/p2p/Plead");
    CHECK(order[1] == "/ip4/10.0.0.1/tcp/4001/p2p/Pa");
  }
}

TEST_CASE("providers: the peer-selection policy") {
  const std::int64_t now = 10000, ttl = 600;
  std::vector<ProviderRecord> records = {
      Rec("self", "Pself", now),                // the deploying host itself: never
      Rec("old", "Pold", now - ttl - 1),        // stale: never
      Rec("fetch", "Pfetch", now, true),        // in progress: after holders
      Rec("held-old", "Pheld1", now - 100),     // holder, older
      Rec("held-new", "Pheld2", now - 10),      // holder, newest
  };
  records.push_back(Rec("noaddr", "Pnoaddr", now));
  records.back().addresses.clear();  // nothing to dial: never

  auto two = ChooseProviderAddresses(records, "self", now, ttl, 2);
  REQUIRE(two.size() == 2);
  CHECK(two[0] == "/ip4/10.0.0.1/tcp/4001/p2p/Pheld2");
  CHECK(two[1] == "/ip4/10.0.0.1/tcp/4001/p2p/Pheld1");

  auto all = ChooseProviderAddresses(records, "self", now, ttl, 10);
  REQUIRE(all.size() == 3);
  CHECK(all[2] == "/ip4/10.0.0.1/tcp/4001/p2p/Pfetch");

  CHECK(ChooseProviderAddresses(records, "self", now, ttl, 0).empty());  // IPFS_P2P_PEERS=0: front end only

  // Every other fresh host with the CID, whatever the cap, once each: the
  // connections a fetch closes (peer_sources.h). An address is not needed.
  CHECK(OtherProviderPeers(records, "self", now, ttl) ==
        std::vector<std::string>{"Pfetch", "Pheld1", "Pheld2", "Pnoaddr"});

  // An address that already names its peer is kept as it is; one peer known
  // under two host names counts once.
  std::vector<ProviderRecord> twice = {Rec("a", "P", now), Rec("b", "P", now - 1)};
  twice[0].addresses = {"/ip4/1.2.3.4/tcp/1/p2p/P"};
  auto once = ChooseProviderAddresses(twice, "x", now, ttl, 3);
  REQUIRE(once.size() == 1);
  CHECK(once[0] == "/ip4/1.2.3.4/tcp/1/p2p/P");
}

TEST_CASE("providers: one lead per CID") {
  // kubo core/commands/files.go mkdir without parents on an existing path:
  // error 500 {"Message":"file already exists"}; files/stat then answers.
  HttpResponse exists;
  exists.status = 500;
  exists.body = R"({"Message":"file already exists","Code":0,"Type":"error"})";
  std::deque<HttpResponse> replies = {
      Ok(""), Ok(""), Ok(""),                                                 // mkdir -p, mkdir, write: the lead
      Ok(""), exists, Ok(R"({"Hash":"x","Size":0,"CumulativeSize":4,"Type":"directory"})"),  // taken
      Ok(R"({"Entries":[{"Name":"node-a","Type":0,"Size":6,"Hash":"y"}]})"),  // files/ls of .lead
      Ok(""),                                                                 // release
      NotFound(),                                                             // files/ls of .lead: none
  };
  auto t = std::make_unique<CannedTransport>(std::move(replies));
  CannedTransport* fake = t.get();
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  ProviderStore store(ipfs, "/c", 600);
  CHECK(store.TakeLead("bafyZ", "node-a"));
  CHECK(Arg(fake->requests[1]) == "/c/.providers/bafyZ/.lead");
  bool parents_false = false;
  for (const auto& [k, v] : fake->requests[1].query) parents_false |= k == "parents" && v == "false";
  CHECK(parents_false);
  CHECK(fake->requests[2].path == "/api/v0/files/write");
  CHECK(Arg(fake->requests[2]) == "/c/.providers/bafyZ/.lead/node-a");
  CHECK_FALSE(store.TakeLead("bafyZ", "node-b"));
  CHECK(store.LeadHost("bafyZ") == "node-a");
  CHECK(Arg(fake->requests[6]) == "/c/.providers/bafyZ/.lead");
  store.ReleaseLead("bafyZ");
  CHECK(fake->requests[7].path == "/api/v0/files/rm");
  CHECK(Arg(fake->requests[7]) == "/c/.providers/bafyZ/.lead");
  CHECK(store.LeadHost("bafyZ").empty());
}

TEST_CASE("providers: the lead goes first among fetchers, the other fetchers oldest first") {
  const std::int64_t now = 10000, ttl = 600;
  std::vector<ProviderRecord> records = {
      Rec("f-new", "Pnew", now - 1, true),
      Rec("f-old", "Pold", now - 30, true),
      Rec("lead", "Plead", now - 5, true),
      Rec("holder", "Phold", now - 50),
  };
  auto chosen = ChooseProviderAddresses(records, "self", now, ttl, 3, "lead");
  REQUIRE(chosen.size() == 3);
  CHECK(chosen[0] == "/ip4/10.0.0.1/tcp/4001/p2p/Phold");
  CHECK(chosen[1] == "/ip4/10.0.0.1/tcp/4001/p2p/Plead");
  CHECK(chosen[2] == "/ip4/10.0.0.1/tcp/4001/p2p/Pold");  // f-new left out: the longest in progress first
  // With 8 hosts and IPFS_P2P_PEERS=3 the lead is never crowded out.
  for (int i = 0; i < 6; ++i) records.push_back(Rec("f" + std::to_string(i), "P" + std::to_string(i), now - 100, true));
  auto many = ChooseProviderAddresses(records, "self", now, ttl, 2, "lead");
  REQUIRE(many.size() == 2);
  CHECK(many[1] == "/ip4/10.0.0.1/tcp/4001/p2p/Plead");
  // Unknown lead (not written yet): fetchers oldest first.
  auto nolead = ChooseProviderAddresses(records, "self", now, ttl, 10);
  CHECK(nolead.back() == "/ip4/10.0.0.1/tcp/4001/p2p/Pnew");
}

TEST_CASE("providers: wantlist fingerprints") {
  // kubo core/commands/bitswap.go KeyList and js-ipfs 0.66 ipfs-http-server
  // bitswap.js: {"Keys":[{"/":"<cid>"}...]}; kubo encodes an empty list as null.
  auto a = WantlistFingerprint(R"({"Keys":[{"/":"bafyB"},{"/":"bafyA"}]})");
  auto b = WantlistFingerprint(R"({"Keys":[{"/":"bafyA"},{"/":"bafyB"}]})");
  REQUIRE(a);
  CHECK(*a == *b);  // order does not matter
  CHECK(*a != *WantlistFingerprint(R"({"Keys":[{"/":"bafyA"}]})"));
  CHECK(WantlistFingerprint(R"({"Keys":null})") == std::optional<std::string>(""));
  CHECK(WantlistFingerprint(R"({"Keys":[]})") == std::optional<std::string>(""));
  CHECK_FALSE(WantlistFingerprint("not json"));
  CHECK_FALSE(WantlistFingerprint(R"({"Message":"peer not connected"})"));
  CHECK_FALSE(WantlistFingerprint(R"({"Keys":[42]})"));
}

TEST_CASE("providers: the progress clock") {
  using W = std::vector<std::optional<std::string>>;
  ProgressClock clock(10000, 0);
  // A wantlist that keeps changing is progress even with nothing written
  // (blocks arrive out of order behind a missing one).
  CHECK_FALSE(clock.Observe(1000, 0, W{"a", "lead1"}));
  CHECK_FALSE(clock.Observe(9000, 0, W{"a", "lead2"}));   // the lead's wants moved
  CHECK_FALSE(clock.Observe(18000, 0, W{"b", "lead2"}));  // ours moved
  CHECK(clock.last_progress_ms() == 18000);
  // Unreadable (nullopt) and unchanged lists are no progress: a stall.
  CHECK_FALSE(clock.Observe(25000, 0, W{std::nullopt, "lead2"}));
  CHECK(clock.Observe(28001, 0, W{"b", "lead2"}));
  // Reported again only after another full stall.
  CHECK_FALSE(clock.Observe(30000, 0, W{"b", "lead2"}));
  CHECK(clock.Observe(38002, 0, W{"b", "lead2"}));
  // Bytes written are progress, with or without lists.
  CHECK_FALSE(clock.Observe(47000, 100, W{}));
  CHECK_FALSE(clock.Observe(56000, 200, W{}));
  CHECK(clock.Observe(66001, 200, W{}));
  // A peer that moves while nothing reaches us holds a stall off only so long.
  ProgressClock busy(1000, 0);
  int stalls = 0;
  for (int t = 500; t <= 6000; t += 500) stalls += busy.Observe(t, 0, W{"mine", "peer" + std::to_string(t)});
  CHECK(stalls == 0);
  CHECK(busy.Observe(ProgressClock::kPeerOnlyStalls * 1000 + 1, 0, W{"mine", "peer-again"}));
  // A daemon too busy to answer any read: no stall, but only so long.
  ProgressClock mute(1000, 0);
  stalls = 0;
  for (int t = 500; t <= 6000; t += 500) stalls += mute.Observe(t, 0, W{std::nullopt, std::nullopt});
  CHECK(stalls == 0);
  CHECK(mute.Observe(ProgressClock::kPeerOnlyStalls * 1000 + 1, 0, W{std::nullopt, std::nullopt}));
}

TEST_CASE("providers: safe names") {
  CHECK(SafeProviderName("node-1.example.com"));
  CHECK(SafeProviderName("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"));
  for (const char* bad : {"", ".hosts", "a/b", "a b", "..", "a\nb"}) CHECK_MESSAGE(!SafeProviderName(bad), bad);
}

TEST_CASE("providers: the store lists fresh records and prunes stale or damaged ones") {
  const std::int64_t now = 5000;
  std::deque<HttpResponse> replies = {
      Ok(R"({"Entries":[{"Name":"h1","Type":0,"Size":90,"Hash":"x"},{"Name":"h2","Type":0,"Size":90,"Hash":"y"},)"
         R"({"Name":"h3","Type":0,"Size":3,"Hash":"z"}]})"),
      Ok(ProviderRecordJson(Rec("h1", "P1", now - 10))),
      Ok(ProviderRecordJson(Rec("h2", "P2", now - 1000))),  // older than the TTL
      Ok(""),                                                 // its files/rm
      Ok("garbage"),                                          // damaged
      Ok(""),                                                 // its files/rm
  };
  auto t = std::make_unique<CannedTransport>(std::move(replies));
  CannedTransport* fake = t.get();
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  ProviderStore store(ipfs, "/one-ipfs", 600);
  auto list = store.List("bafyX", now);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].host == "h1");
  REQUIRE(fake->requests.size() == 6);
  CHECK(fake->requests[0].path == "/api/v0/files/ls");
  CHECK(Arg(fake->requests[0]) == "/one-ipfs/.providers/bafyX");
  CHECK(fake->requests[3].path == "/api/v0/files/rm");
  CHECK(Arg(fake->requests[3]) == "/one-ipfs/.providers/bafyX/h2");
  CHECK(Arg(fake->requests[5]) == "/one-ipfs/.providers/bafyX/h3");
}

TEST_CASE("providers: no record yet, put, remove") {
  std::deque<HttpResponse> replies = {NotFound(), Ok(""), NotFound()};
  auto t = std::make_unique<CannedTransport>(std::move(replies));
  CannedTransport* fake = t.get();
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  ProviderStore store(ipfs, "/c", 600);
  auto none = store.List("bafyY", 1);
  REQUIRE(none.ok());
  CHECK(none->empty());
  REQUIRE(store.Put("bafyY", Rec("h1", "P1", 1)).ok());
  CHECK(fake->requests[1].path == "/api/v0/files/write");
  CHECK(Arg(fake->requests[1]) == "/c/.providers/bafyY/h1");
  CHECK(store.Remove("bafyY", "h1").ok());  // already gone is fine
  CHECK_FALSE(store.Put("bafyY", Rec("../x", "P", 1)).ok());
  CHECK(fake->requests.size() == 3);
}

TEST_CASE("providers: every MFS write holds IPFS_MFS_LOCK shared, so no flock'd repo gc runs meanwhile") {
  // The records share the catalog's MFS tree: on js-ipfs (its gc keeps MFS
  // only through a pin of the root it read when it started) and kubo < 0.43
  // (issue #10842) a write racing `repo gc` loses the directory nodes it made.
  // Replies as kubo's core/commands/files.go gives them (see CannedTransport).
  LockFile lock;
  HttpResponse exists;
  exists.status = 500;
  exists.body = R"({"Message":"file already exists","Code":0,"Type":"error"})";
  const std::int64_t now = 5000;
  std::deque<HttpResponse> replies = {
      Ok(""),                                                          // Put: files/write
      Ok(""),                                                          // PutIdentity: files/write
      NotFound(),                                                      // Remove: files/rm of an absent record
      Ok(""), Ok(""), Ok(""),                                          // TakeLead: mkdir -p, mkdir .lead, .lead/<host>
      Ok(""),                                                          // ReleaseLead: files/rm
      Ok(""), exists, Ok(R"({"Hash":"x","Size":0,"CumulativeSize":4,"Type":"directory"})"),  // TakeLead: taken
      Ok(R"({"Entries":[{"Name":"h2","Type":0,"Size":90,"Hash":"y"}]})"),  // List: files/ls
      Ok(ProviderRecordJson(Rec("h2", "P2", now - 1000))),                // files/read: older than the TTL
      Ok(""),                                                          // its files/rm
  };
  auto t = std::make_unique<LockProbe>(std::move(replies), lock);
  LockProbe* fake = t.get();
  IpfsClient ipfs(std::move(t), lock.Options(std::chrono::seconds(5)));
  ProviderStore store(ipfs, "/c", 600);
  REQUIRE(store.Put("bafyL", Rec("h1", "P1", now)).ok());
  REQUIRE(store.PutIdentity(Rec("h1", "P1", now)).ok());
  REQUIRE(store.Remove("bafyL", "h1").ok());
  CHECK(store.TakeLead("bafyL", "h1"));
  store.ReleaseLead("bafyL");
  CHECK_FALSE(store.TakeLead("bafyL", "h2"));
  auto list = store.List("bafyL", now);
  REQUIRE(list.ok());
  CHECK(list->empty());
  REQUIRE(fake->requests.size() == 13);
  CHECK(fake->CheckWritesHeldLock({"/api/v0/files/write", "/api/v0/files/rm", "/api/v0/files/mkdir"}) == 10);
  CHECK(lock.GcCouldRun());  // and every lock is given back
}

TEST_CASE("providers: while a repo gc holds IPFS_MFS_LOCK, no record is written") {
  LockFile lock;
  RunningGc gc(lock);
  auto t = std::make_unique<CannedTransport>(std::deque<HttpResponse>{});
  CannedTransport* fake = t.get();
  IpfsClient ipfs(std::move(t), lock.Options(std::chrono::seconds(1)));  // how long a write waits for the GC
  ProviderStore store(ipfs, "/c", 600);
  Status put = store.Put("bafyG", Rec("h1", "P1", 1));
  CHECK(put.code() == Status::Code::kTimeout);
  CHECK(store.Remove("bafyG", "h1").code() == Status::Code::kTimeout);
  CHECK(store.TakeLead("bafyG", "h1"));  // trouble with the records: this deploy leads
  store.ReleaseLead("bafyG");
  CHECK(fake->requests.empty());
}

}  // namespace oneipfs
