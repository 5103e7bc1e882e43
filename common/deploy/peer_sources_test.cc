#include "common/deploy/peer_sources.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <memory>

#include <doctest/doctest.h>

#include "common/ipfs/canned_http_test.h"
#include "common/base/scratch_files_test.h"

namespace oneipfs {

namespace {

using Canned = testing::CannedTransport;
using testing::Arg;
using testing::Ok;
using testing::Reply;

HttpResponse Connected() { return testing::SwarmConnected(); }
HttpResponse DialFailed() { return testing::SwarmDialFailed(); }

const std::vector<std::string> kAddresses = {
    "/ip4/10.0.0.1/tcp/4001/p2p/PeerA", "/ip4/10.0.0.2/tcp/4001/p2p/PeerA",  // one host, two addresses
    "/ip4/10.0.0.3/tcp/4001/p2p/PeerB", "/ip4/10.0.0.4/tcp/4001/p2p/PeerC"};

}  // namespace

TEST_CASE("peer sources: addresses grouped by peer id, in order of first appearance") {
  auto g = GroupByPeer({"/a/p2p/P1", "/b/p2p/P2", "/c/p2p/P1", "/no-peer"});
  REQUIRE(g.size() == 3);
  CHECK(g[0].peer == "P1");
  CHECK(g[0].addresses == std::vector<std::string>{"/a/p2p/P1", "/c/p2p/P1"});
  CHECK(g[1].peer == "P2");
  CHECK(g[2].peer == "");
  CHECK(g[2].addresses == std::vector<std::string>{"/no-peer"});
}

// Connected peers, each at one address.
HttpResponse PeersReply(const std::vector<std::string>& peers) {
  std::vector<std::pair<std::string, std::string>> listed;
  for (const auto& p : peers) listed.emplace_back(p, "/ip4/10.9.9.9/tcp/4001");
  return testing::SwarmPeersReply(listed);
}

TEST_CASE("peer sources: one host at a time; its other addresses before the next host; spares disconnected") {
  auto t = std::make_unique<Canned>(std::deque<HttpResponse>{
      DialFailed(), Connected(),                   // PeerA: first address refused, second connects
      PeersReply({"PeerA", "PeerB", "PeerD", "PeerZ"}),  // connected now (C is not; Z is no spare)
      Ok(R"({"Strings":["disconnect ok"]})"), Ok("{}"),  // B, D
      Connected(),                                 // stall: PeerB
      DialFailed()});                              // stall: PeerC is gone; nothing left
  Canned* fake = t.get();
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  Log log("test");
  auto dir = testing::MakeTempDir("one-ipfs-sources");
  PeerSources s(kAddresses, {"PeerD", "PeerA"}, dir.string(), log);
  CHECK_FALSE(s.empty());
  CHECK(s.untried() == 3);
  CHECK(s.ConnectNext(ipfs) == std::optional<std::string>("PeerA"));
  CHECK(s.untried() == 2);
  s.DisconnectSpares(ipfs);
  CHECK(s.ConnectNext(ipfs) == std::optional<std::string>("PeerB"));
  CHECK_FALSE(s.ConnectNext(ipfs).has_value());
  CHECK(s.connected() == std::vector<std::string>{"PeerA", "PeerB"});
  REQUIRE(fake->requests.size() == 7);
  CHECK(fake->requests[0].path == "/api/v0/swarm/connect");
  CHECK(Arg(fake->requests[0]) == kAddresses[0]);
  CHECK(Arg(fake->requests[1]) == kAddresses[1]);
  CHECK(fake->requests[2].path == "/api/v0/swarm/peers");
  CHECK(fake->requests[3].path == "/api/v0/swarm/disconnect");
  CHECK(Arg(fake->requests[3]) == "/p2p/PeerB");
  CHECK(Arg(fake->requests[4]) == "/p2p/PeerD");
  CHECK(Arg(fake->requests[5]) == kAddresses[2]);
  CHECK(Arg(fake->requests[6]) == kAddresses[3]);
  std::filesystem::remove_all(dir);
}

TEST_CASE("peer sources: when swarm/peers cannot be read, every spare is disconnected") {
  auto t = std::make_unique<Canned>(std::deque<HttpResponse>{
      Connected(), Reply(500, R"({"Message":"busy"})"), Ok("{}"), Ok("{}"), Ok("{}")});
  Canned* fake = t.get();
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  Log log("test");
  PeerSources s(kAddresses, {"PeerD"}, "", log);
  REQUIRE(s.ConnectNext(ipfs) == std::optional<std::string>("PeerA"));
  s.DisconnectSpares(ipfs);
  REQUIRE(fake->requests.size() == 5);
  CHECK(Arg(fake->requests[2]) == "/p2p/PeerB");
  CHECK(Arg(fake->requests[3]) == "/p2p/PeerC");
  CHECK(Arg(fake->requests[4]) == "/p2p/PeerD");
}

TEST_CASE("peer sources: a spare that another fetch on this host uses as its source stays connected") {
  auto dir = testing::MakeTempDir("one-ipfs-sources");
  Log log("test");
  // Fetch 1 connects PeerB and holds its mark.
  auto t1 = std::make_unique<Canned>(std::deque<HttpResponse>{Connected()});
  IpfsClient ipfs1(std::move(t1), IpfsOptions{});
  auto first = std::make_unique<PeerSources>(std::vector<std::string>{kAddresses[2]}, std::vector<std::string>{},
                                             dir.string(), log);
  REQUIRE(first->ConnectNext(ipfs1) == std::optional<std::string>("PeerB"));
  {
    int fd = ::open((dir / "PeerB").c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK(::flock(fd, LOCK_EX | LOCK_NB) != 0);  // marked: held shared by fetch 1
    ::close(fd);
  }
  // Fetch 2 uses PeerA; of its connected spares B and C only C is closed.
  auto t2 = std::make_unique<Canned>(
      std::deque<HttpResponse>{Connected(), PeersReply({"PeerA", "PeerB", "PeerC"}), Ok("{}")});
  Canned* fake = t2.get();
  IpfsClient ipfs2(std::move(t2), IpfsOptions{});
  PeerSources second(kAddresses, {}, dir.string(), log);
  REQUIRE(second.ConnectNext(ipfs2) == std::optional<std::string>("PeerA"));
  second.DisconnectSpares(ipfs2);
  REQUIRE(fake->requests.size() == 3);
  CHECK(Arg(fake->requests[2]) == "/p2p/PeerC");
  // Fetch 1 ends: its mark goes, and PeerB is a spare like any other.
  first.reset();
  auto t3 = std::make_unique<Canned>(std::deque<HttpResponse>{PeersReply({"PeerB", "PeerC"}), Ok("{}"), Ok("{}")});
  Canned* fake3 = t3.get();
  IpfsClient ipfs3(std::move(t3), IpfsOptions{});
  second.DisconnectSpares(ipfs3);
  REQUIRE(fake3->requests.size() == 3);
  CHECK(Arg(fake3->requests[1]) == "/p2p/PeerB");
  CHECK(Arg(fake3->requests[2]) == "/p2p/PeerC");
  std::filesystem::remove_all(dir);
}

TEST_CASE("peer sources: no candidates, nothing asked") {
  auto t = std::make_unique<Canned>(std::deque<HttpResponse>{});
  IpfsClient ipfs(std::move(t), IpfsOptions{});
  Log log("test");
  PeerSources s({}, {}, "", log);
  CHECK(s.empty());
  CHECK_FALSE(s.ConnectNext(ipfs).has_value());
  s.DisconnectSpares(ipfs);
}

TEST_CASE("peer sources: the mark directory is private to this user") {
  auto dir = SourceLockDir();
  REQUIRE_FALSE(dir.empty());
  CHECK(std::filesystem::is_directory(std::filesystem::symlink_status(dir)));
  CHECK((std::filesystem::status(dir).permissions() & std::filesystem::perms::group_all) ==
        std::filesystem::perms::none);
  CHECK((std::filesystem::status(dir).permissions() & std::filesystem::perms::others_all) ==
        std::filesystem::perms::none);
}

}  // namespace oneipfs
