#include "common/ipfs/holder_first.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "common/base/private_dir.h"
#include "common/ipfs/canned_http_test.h"
#include "common/ipfs/content_hold.h"

namespace oneipfs {
namespace {

using Canned = testing::CannedTransport;
using testing::Arg;
using testing::Ok;
using testing::Reply;

const std::string kPublisher = "12D3KooW9tHTtS3inCZiYykw4u5G4frbjVFqhkmJX12gSNCVeH3e";
const std::string kMirror = "12D3KooW9xCm2jWjNVrwh51SWCQBMYdMyeU3NpT85QhLVkF6PcNM";
const std::string kOther = "12D3KooWA284B2yjxoAAqAFwwVj6eRQ8DogF3t8wdpMzZ8Hh8wh4";
const std::string kCid = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
// The same CID as CIDv0 (base58btc): hints and sources may print it either way.
const std::string kCidV0 = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";

HttpResponse Connected() { return testing::SwarmConnected(); }
HttpResponse DialFailed() { return testing::SwarmDialFailed(); }
HttpResponse Peers(const std::vector<std::pair<std::string, std::string>>& peers) {
  return testing::SwarmPeersReply(peers);
}
// kubo's files/stat of /ipfs/<cid>.
HttpResponse Stat() {
  return Ok(fmt::format(R"({{"Hash":"{}","Size":0,"CumulativeSize":10,"Blocks":1,"Type":"directory"}})", kCid));
}

PeerAddrs Peer(const std::string& id, const std::string& addr) { return PeerAddrs{id, {addr}}; }

// A note as this process's fetch number `n` names it.
std::string NotePath(const std::string& id, unsigned n = 0) {
  return fmt::format("{}/avoided-{}.{}.{}", SourceLockDir(), id, ::getpid(), n);
}
// The notes that leave `id` out, whoever wrote them.
std::vector<std::string> NotesOf(const std::string& id) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(SourceLockDir()))
    if (e.path().filename().string().starts_with("avoided-" + id + ".")) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("holder first: a peer's addresses lose their /p2p/ suffix; another peer's address or a non-id is refused") {
  auto p = ParsePeerAddrs(fmt::format(R"({{"id":"{0}","addrs":["/ip4/10.0.0.1/tcp/4001/p2p/{0}","/ip4/10.0.0.1/tcp/4001","/dns4/a.example/tcp/4001"]}})", kMirror));
  REQUIRE(p.ok());
  CHECK(p->id == kMirror);
  CHECK(p->addrs == std::vector<std::string>{"/ip4/10.0.0.1/tcp/4001", "/dns4/a.example/tcp/4001"});
  CHECK(p->DialAddrs().front() == "/ip4/10.0.0.1/tcp/4001/p2p/" + kMirror);
  CHECK(ParsePeerAddrs(PeerAddrsJson(*p))->addrs == p->addrs);

  auto other = ParsePeerAddrs(fmt::format(R"({{"id":"{}","addrs":["/ip4/10.0.0.1/tcp/4001/p2p/{}"]}})", kMirror, kOther));
  CHECK(other.status().code() == Status::Code::kInvalid);
  CHECK(ParsePeerAddrs(R"({"id":"not-a-peer","addrs":[]})").status().code() == Status::Code::kInvalid);
  CHECK(ParsePeerAddrs(fmt::format(R"({{"id":"{}","addrs":["/ip4/1.2.3.4/tcp/1;rm -rf /"]}})", kMirror)).status().code() ==
        Status::Code::kInvalid);
  CHECK(ParsePeerAddrs(fmt::format(R"({{"id":"{}","addrs":["ip4/1.2.3.4"]}})", kMirror)).status().code() ==
        Status::Code::kInvalid);
  std::string many = fmt::format(R"({{"id":"{}","addrs":[)", kMirror);
  for (int i = 0; i < 20; ++i) many += fmt::format(R"({}"/ip4/10.0.0.{}/tcp/4001")", i ? "," : "", i);
  auto capped = ParsePeerAddrs(many + "]}");
  REQUIRE(capped.ok());
  CHECK(capped->addrs.size() == kMaxPeerAddrs);
}

TEST_CASE("holder first: hints round-trip; a hint with a bad CID does not parse") {
  SourceHints h;
  h.avoid.push_back(Peer(kPublisher, "/ip4/10.0.0.1/tcp/4001"));
  h.holders.emplace_back(kCid, std::vector<PeerAddrs>{Peer(kMirror, "/ip4/10.0.0.2/tcp/4001")});
  auto back = ParseSourceHints(SourceHintsJson(h));
  REQUIRE(back.ok());
  REQUIRE(back->holders.size() == 1);
  CHECK(back->holders[0].first == kCid);
  CHECK(back->holders[0].second[0].id == kMirror);
  CHECK(back->avoid[0].id == kPublisher);
  CHECK_FALSE(ParseSourceHints(R"({"avoid":[],"holders":{"nope":[]}})").ok());
  CHECK_FALSE(ParseSourceHints(R"({"holders":{}})").ok());
}

TEST_CASE("holder first: hints are written only when they changed (WriteMfsIfChanged)") {
  SourceHints h;
  h.avoid.push_back(Peer(kPublisher, "/ip4/10.0.0.1/tcp/4001"));
  auto t = std::make_unique<Canned>(std::deque<HttpResponse>{
      Ok(SourceHintsJson(h)),          // the same: nothing written
      Ok("{}"), Ok(""),                // other: written
      testing::NotFound(), Ok("")});   // none yet: written
  Canned* fake = t.get();
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  REQUIRE(SaveSourceHints(ipfs, "market-1", h).ok());
  REQUIRE(fake->requests.size() == 1);
  CHECK(fake->requests[0].path == "/api/v0/files/read");
  CHECK(Arg(fake->requests[0]) == std::string(kSourceHintsDir) + "/market-1");
  REQUIRE(SaveSourceHints(ipfs, "market-1", h).ok());
  REQUIRE(SaveSourceHints(ipfs, "market-1", h).ok());
  REQUIRE(fake->requests.size() == 5);
  CHECK(fake->requests[2].path == "/api/v0/files/write");
  CHECK(fake->requests[4].path == "/api/v0/files/write");
  CHECK(SaveSourceHints(ipfs, "../x", h).code() == Status::Code::kInvalid);
}

TEST_CASE("holder first: sources of a CID over every hint set, in any base; a bad set is skipped; a holder is never avoided") {
  SourceHints a;
  a.avoid = {Peer(kPublisher, "/ip4/10.0.0.1/tcp/4001"), Peer(kOther, "/ip4/10.0.0.3/tcp/4001")};
  a.holders.emplace_back(kCidV0, std::vector<PeerAddrs>{Peer(kMirror, "/ip4/10.0.0.2/tcp/4001")});
  SourceHints b;  // another marketplace: the same mirror, and kOther holds it too
  b.avoid = {Peer(kPublisher, "/ip4/10.0.0.1/tcp/4001")};
  b.holders.emplace_back(kCid, std::vector<PeerAddrs>{Peer(kMirror, "/ip4/10.0.0.2/tcp/4001"),
                                                       Peer(kOther, "/ip4/10.0.0.3/tcp/4001")});
  auto t = std::make_unique<Canned>(std::deque<HttpResponse>{
      Ok(R"({"Entries":[{"Name":"market-1","Type":0},{"Name":"market-2","Type":0},{"Name":"market-3","Type":0}]})"),
      Ok(SourceHintsJson(a)), Ok("{not json"), Ok(SourceHintsJson(b))});
  Canned* fake = t.get();
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  auto s = FindFetchSources(ipfs, kCid);
  REQUIRE(s.ok());
  REQUIRE(s->holders.size() == 2);
  CHECK(s->holders[0].id == kMirror);
  CHECK(s->holders[1].id == kOther);
  REQUIRE(s->avoid.size() == 1);
  CHECK(s->avoid[0].id == kPublisher);
  CHECK(fake->requests[0].path == "/api/v0/files/ls");
  CHECK(Arg(fake->requests[0]) == std::string(kSourceHintsDir));

  auto none = std::make_unique<Canned>(std::deque<HttpResponse>{testing::NotFound()});
  IpfsClient empty(std::move(none), IpfsOptions{});
  auto n = FindFetchSources(empty, kCid);
  REQUIRE(n.ok());
  CHECK(n->holders.empty());
}

TEST_CASE("holder first: holders connected, the connected publisher left out with a note, dialled again at the end") {
  FetchSources src;
  src.holders = {Peer(kMirror, "/ip4/10.0.0.2/tcp/4001")};
  src.avoid = {Peer(kPublisher, "/ip4/10.0.0.1/tcp/4001"), Peer(kOther, "/ip4/10.0.0.3/tcp/4001")};
  auto t = std::make_unique<Canned>(std::deque<HttpResponse>{
      Connected(),                                                            // the mirror
      Peers({{kMirror, "/ip4/10.0.0.2/tcp/4001"}, {kPublisher, "/ip4/10.0.0.1/tcp/51000"}}),  // kOther is not connected
      Ok(R"({"Strings":["disconnect ok"]})"),                                 // the publisher
      Stat(),                                                                 // the probe
      Connected()});                                                          // Restore: the publisher
  Canned* fake = t.get();
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  Log log("test");
  {
    HolderFirst h(ipfs, log);
    CHECK(h.Begin(kCid, src));
    CHECK(h.active());
    auto notes = NotesOf(kPublisher);
    REQUIRE(notes.size() == 1);  // avoided-<id>.<pid>.<n>
    CHECK(notes[0].starts_with(fmt::format("{}/avoided-{}.{}.", SourceLockDir(), kPublisher, ::getpid())));
    std::ifstream note(notes[0]);
    REQUIRE(note.good());
    std::string pid, addr;
    std::getline(note, pid);
    std::getline(note, addr);
    CHECK(pid == std::to_string(::getpid()));
    CHECK(addr == "/ip4/10.0.0.1/tcp/4001/p2p/" + kPublisher);
    CHECK(NotesOf(kOther).empty());
  }  // the destructor restores
  CHECK(NotesOf(kPublisher).empty());
  REQUIRE(fake->requests.size() == 5);
  CHECK(fake->requests[0].path == "/api/v0/swarm/connect");
  CHECK(Arg(fake->requests[0]) == "/ip4/10.0.0.2/tcp/4001/p2p/" + kMirror);
  CHECK(fake->requests[2].path == "/api/v0/swarm/disconnect");
  CHECK(Arg(fake->requests[2]) == "/p2p/" + kPublisher);
  CHECK(fake->requests[3].path == "/api/v0/files/stat");
  CHECK(Arg(fake->requests[3]) == "/ipfs/" + kCid);
  CHECK(fake->requests[4].path == "/api/v0/swarm/connect");
  CHECK(Arg(fake->requests[4]) == "/ip4/10.0.0.1/tcp/4001/p2p/" + kPublisher);
}

TEST_CASE("holder first: two fetches leave the publisher out; the first to end leaves it to the other, the last dials it") {
  FetchSources src;
  src.holders = {Peer(kMirror, "/ip4/10.0.0.2/tcp/4001")};
  src.avoid = {Peer(kPublisher, "/ip4/10.0.0.1/tcp/4001")};
  auto begin = [] {
    return std::deque<HttpResponse>{Connected(),  // the mirror
                                    Peers({{kMirror, "/ip4/10.0.0.2/tcp/4001"}, {kPublisher, "/ip4/10.0.0.1/tcp/51000"}}),
                                    Ok(R"({"Strings":["disconnect ok"]})"),  // the publisher
                                    Stat()};                                // the probe
  };
  auto t1 = std::make_unique<Canned>(begin());
  auto replies2 = begin();
  replies2.push_back(Connected());  // the second to end: the publisher
  auto t2 = std::make_unique<Canned>(replies2);
  Canned* f1 = t1.get();
  Canned* f2 = t2.get();
  IpfsClient ipfs1(std::move(t1), IpfsOptions{});
  IpfsClient ipfs2(std::move(t2), IpfsOptions{});
  Log log("test");
  auto first = std::make_unique<HolderFirst>(ipfs1, log);
  HolderFirst second(ipfs2, log);
  REQUIRE(first->Begin(kCid, src));
  REQUIRE(second.Begin(kCid, src));
  CHECK(NotesOf(kPublisher).size() == 2);  // one each: neither overwrites the other's
  first.reset();                           // ends first
  CHECK(f1->requests.size() == 4);         // no dial: the other fetch still leaves it out
  CHECK(NotesOf(kPublisher).size() == 1);
  second.Restore();
  REQUIRE(f2->requests.size() == 5);
  CHECK(f2->requests[4].path == "/api/v0/swarm/connect");
  CHECK(Arg(f2->requests[4]) == "/ip4/10.0.0.1/tcp/4001/p2p/" + kPublisher);
  CHECK(NotesOf(kPublisher).empty());
}

TEST_CASE("holder first: one source, the first holder that connects; the other holders are left out too") {
  FetchSources src;
  src.holders = {Peer(kMirror, "/ip4/10.0.0.2/tcp/4001"), Peer(kOther, "/ip4/10.0.0.3/tcp/4001")};
  src.avoid = {Peer(kPublisher, "/ip4/10.0.0.1/tcp/4001")};
  Log log("test");
  SUBCASE("the first connects: the second, connected from before, is left out with the publisher") {
    auto t = std::make_unique<Canned>(std::deque<HttpResponse>{
        Connected(),
        Peers({{kMirror, "/ip4/10.0.0.2/tcp/4001"}, {kPublisher, "/ip4/10.0.0.1/tcp/4001"}, {kOther, "/ip4/10.0.0.3/tcp/4001"}}),
        Ok("{}"), Ok("{}"), Stat(), Connected(), Connected()});
    Canned* fake = t.get();
    IpfsClient ipfs(std::move(t), IpfsOptions{});
    HolderFirst h(ipfs, log);
    REQUIRE(h.Begin(kCid, src));
    CHECK(Arg(fake->requests[2]) == "/p2p/" + kPublisher);
    CHECK(Arg(fake->requests[3]) == "/p2p/" + kOther);
    h.Restore();
    REQUIRE(fake->requests.size() == 7);
    CHECK(Arg(fake->requests[5]) == "/ip4/10.0.0.1/tcp/4001/p2p/" + kPublisher);
    CHECK(Arg(fake->requests[6]) == "/ip4/10.0.0.3/tcp/4001/p2p/" + kOther);
  }
  SUBCASE("the first does not connect: the second is the source") {
    auto t = std::make_unique<Canned>(std::deque<HttpResponse>{
        DialFailed(), Connected(), Peers({{kOther, "/ip4/10.0.0.3/tcp/4001"}, {kPublisher, "/ip4/10.0.0.1/tcp/4001"}}),
        Ok("{}"), Stat(), Connected()});
    Canned* fake = t.get();
    IpfsClient ipfs(std::move(t), IpfsOptions{});
    HolderFirst h(ipfs, log);
    REQUIRE(h.Begin(kCid, src));
    CHECK(Arg(fake->requests[1]) == "/ip4/10.0.0.3/tcp/4001/p2p/" + kOther);
    CHECK(Arg(fake->requests[3]) == "/p2p/" + kPublisher);  // kMirror is not connected: nothing to leave out
    h.Restore();
    CHECK(fake->requests.size() == 6);
  }
}

TEST_CASE("holder first: no holder reachable leaves every connection; a probe that fails restores at once") {
  Log log("test");
  FetchSources src;
  src.holders = {Peer(kMirror, "/ip4/10.0.0.2/tcp/4001")};
  src.avoid = {Peer(kPublisher, "/ip4/10.0.0.1/tcp/4001")};
  {
    auto t = std::make_unique<Canned>(std::deque<HttpResponse>{DialFailed()});
    Canned* fake = t.get();
    IpfsClient ipfs(std::move(t), IpfsOptions{});
    HolderFirst h(ipfs, log);
    CHECK_FALSE(h.Begin(kCid, src));
    CHECK_FALSE(h.active());
    CHECK(fake->requests.size() == 1);  // no disconnect
  }
  {
    auto t = std::make_unique<Canned>(std::deque<HttpResponse>{
        Connected(), Peers({{kPublisher, "/ip4/10.0.0.1/tcp/4001"}}), Ok("{}"),
        Reply(500, R"({"Message":"context deadline exceeded","Code":0,"Type":"error"})"),  // the probe
        Connected()});                                                                     // restored
    Canned* fake = t.get();
    IpfsClient ipfs(std::move(t), IpfsOptions{});
    HolderFirst h(ipfs, log);
    CHECK_FALSE(h.Begin(kCid, src));
    CHECK_FALSE(h.active());
    REQUIRE(fake->requests.size() == 5);
    CHECK(fake->requests[4].path == "/api/v0/swarm/connect");
    CHECK(NotesOf(kPublisher).empty());
  }
}

TEST_CASE("holder first: another fetch dials the avoided peers again; a gone process's note is removed") {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  ::waitpid(child, nullptr, 0);  // a pid no process has now
  {
    std::ofstream(NotePath(kPublisher, 90)) << child << "\n/ip4/10.0.0.1/tcp/4001/p2p/" << kPublisher << "\n";
    std::ofstream(NotePath(kOther, 91)) << ::getpid() << "\n/ip4/10.0.0.3/tcp/4001/p2p/" << kOther << "\n";
  }
  auto t = std::make_unique<Canned>(std::deque<HttpResponse>{Connected(), Connected()});
  Canned* fake = t.get();
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  Log log("test");
  ReconnectAvoided(ipfs, log);
  REQUIRE(fake->requests.size() == 2);
  std::vector<std::string> dialled = {Arg(fake->requests[0]), Arg(fake->requests[1])};
  std::sort(dialled.begin(), dialled.end());
  CHECK(dialled == std::vector<std::string>{"/ip4/10.0.0.1/tcp/4001/p2p/" + kPublisher,
                                            "/ip4/10.0.0.3/tcp/4001/p2p/" + kOther});
  // Each dial within kReconnectDial (it runs before every datastore action).
  for (const auto& req : fake->requests) {
    auto t = std::find_if(req.query.begin(), req.query.end(), [](const auto& kv) { return kv.first == "timeout"; });
    REQUIRE(t != req.query.end());
    CHECK(t->second == fmt::format("{}s", kReconnectDial.count()));
  }
  CHECK(ipfs.timeout() == IpfsOptions{}.timeout);  // the client's own again
  CHECK_FALSE(std::filesystem::exists(NotePath(kPublisher, 90)));
  CHECK(std::filesystem::exists(NotePath(kOther, 91)));  // its fetch still runs
  std::filesystem::remove(NotePath(kOther, 91));
}

namespace {
// A daemon whose first refs -r stalls (the transport's stall limit), for
// ContentHold::Acquire's walk; every other call answers as kubo does.
class StallingRefs : public HttpTransport {
 public:
  std::string Describe() const override { return "http://fake:5001"; }
  Result<HttpResponse> Post(const HttpRequest& r) override {
    std::string arg;
    for (const auto& [k, v] : r.query)
      if (k == "arg") arg = v;
    calls.push_back(r.path.substr(8) + " " + arg);
    stalls.push_back(r.stall_timeout);
    if (r.path == "/api/v0/dag/put") return Ok(R"({"Cid":{"/":"bafyreihold"}})");
    if (r.path == "/api/v0/pin/add") return Ok(R"({"Pins":["bafyreihold"]})");
    if (r.path == "/api/v0/swarm/connect" || r.path == "/api/v0/swarm/disconnect") return Ok(R"({"Strings":["ok"]})");
    if (r.path == "/api/v0/swarm/peers") return Peers({{kPublisher, "/ip4/10.0.0.1/tcp/4001"}});
    if (r.path == "/api/v0/files/stat") return Stat();
    if (r.path == "/api/v0/refs") {
      if (++refs == 1) return Status::Timeout("stalled");
      if (r.on_body) (void)r.on_body(R"({"Ref":"bafyleaf","Err":""})" "\n");
      return Ok("");
    }
    return Reply(500, R"({"Message":"unexpected","Code":0,"Type":"error"})");
  }
  std::vector<std::string> calls;
  std::vector<std::chrono::seconds> stalls;
  int refs = 0;
};
}  // namespace

TEST_CASE("holder first: a walk that stalls with the holders restores the publisher and walks again") {
  auto t = std::make_unique<StallingRefs>();
  StallingRefs* fake = t.get();
  IpfsOptions o;
  o.timeout = std::chrono::seconds(300);
  IpfsClient ipfs(std::move(t), o);
  Log log("test");
  FetchSources src;
  src.holders = {Peer(kMirror, "/ip4/10.0.0.2/tcp/4001")};
  src.avoid = {Peer(kPublisher, "/ip4/10.0.0.1/tcp/4001")};
  HolderFirst h(ipfs, log);
  REQUIRE(h.Begin(kCid, src));
  const std::size_t begun = fake->calls.size();
  auto hold = ContentHold::Acquire(ipfs, kCid, log, HoldFetch::kWalk, &h);
  REQUIRE(hold.ok());
  CHECK_FALSE(h.active());
  std::vector<std::string> after(fake->calls.begin() + static_cast<long>(begun), fake->calls.end());
  REQUIRE(after.size() == 6);
  CHECK(after[0] == "dag/put ");
  CHECK(after[2] == "refs " + kCid);
  CHECK(fake->stalls[begun + 2] == kHolderStall);  // holder-first: a short stall limit
  CHECK(after[3] == "swarm/connect /ip4/10.0.0.1/tcp/4001/p2p/" + kPublisher);
  CHECK(after[4] == "refs " + kCid);
  CHECK(fake->stalls[begun + 4] == std::chrono::seconds(300));  // then the client's own
  CHECK(after[5] == "pin/add bafyreihold");
  CHECK(ipfs.timeout() == std::chrono::seconds(300));
  hold->Detach();
}

}  // namespace oneipfs
