// The marketplace's flows over the stateful fake daemon (fake_mfs_test.h):
// one daemon stands for the network (every front end reads every block),
// each "cloud" has its own signing key, IPNS key and settings.
#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/base/base64.h"
#include "common/base/scratch_files_test.h"
#include "common/ipfs/fake_mfs_test.h"
#include "common/market/app_record.h"
#include "common/market/market_follow.h"
#include "common/market/market_import.h"
#include "common/market/market_log.h"
#include "common/market/market_monitor.h"
#include "common/market/market_tree.h"
#include "common/trust/signed_record.h"

namespace oneipfs {
namespace {


// One cloud's marketplace: its settings, its key file, its client.
struct Cloud {
  Cloud(testing::FakeMfsDaemon& d, const std::filesystem::path& dir, std::string name, std::string key)
      : daemon(d), ipfs(testing::FakeClientOf(d)), log("test-" + name) {
    settings.key = std::move(key);
    settings.signing_key_path = (dir / (name + ".key")).string();
    market_id = name == "a" ? "100" : name == "b" ? "101" : "102";
  }
  std::string Id() { return SigningKey::LoadOrCreate(settings.signing_key_path)->PublisherId(); }
  MarketContext Ctx(const MarketAction& action) {
    MarketContext c{action, config, settings, *ipfs, log};
    c.new_client = [this]() -> Result<std::unique_ptr<IpfsClient>> { return testing::FakeClientOf(daemon); };
    return c;
  }
  Result<std::string> Import(const std::string& id, const std::string& name, const std::string& source) {
    MarketAction a;
    a.market.id = market_id;
    a.app.present = true;
    a.app.id = id;
    a.app.regtime = "1700000000";
    a.app.name = name;
    a.app.type = "1";
    a.app.version = "1.0";
    a.import.import_source = source;
    a.import.format = "raw";
    a.import.size = "1";
    auto ctx = Ctx(a);
    return ImportApp(ctx);
  }
  Result<std::string> Delete(const std::string& id, const std::string& name) {
    MarketAction a;
    a.market.id = market_id;
    a.app.present = true;
    a.app.id = id;
    a.app.regtime = "1700000000";
    a.app.name = name;
    auto ctx = Ctx(a);
    return DeleteApp(ctx);
  }
  Result<MonitorApps> Monitor() {
    MarketAction a;
    a.market.id = market_id;
    auto ctx = Ctx(a);
    return ListMarketApps(ctx);
  }
  std::string Name() {  // the IPNS name of its key
    auto keys = ipfs->KeyList();
    REQUIRE_MESSAGE(keys.ok(), keys.status().message());
    for (const auto& k : *keys)
      if (k.name == settings.key) return k.id;
    FAIL("no key " << settings.key);
    return "";
  }
  testing::FakeMfsDaemon& daemon;
  std::unique_ptr<IpfsClient> ipfs;
  Log log;
  Config config;
  MarketSettings settings;
  std::string market_id;
};

// The APP templates of a monitor's lines, decoded.
std::vector<std::string> Templates(const MonitorApps& m) {
  std::vector<std::string> out;
  for (const auto& l : m.lines) out.push_back(*Base64Decode(l.substr(5, l.size() - 6)));
  return out;
}

}  // namespace

TEST_CASE("marketplace: A publishes a signed app, B follows A's name and lists it only when it trusts A") {
  testing::FakeMfsDaemon daemon;
  auto dir = testing::MakeTempDir("market-flow");
  Cloud a(daemon, dir, "a", "market-a"), b(daemon, dir, "b", "");
  std::string cid = daemon.PutBlock(std::string(1000, 'x'));

  auto printed = a.Import("12", "alpine", "/ipfs/" + cid);
  REQUIRE_MESSAGE(printed.ok(), printed.status().message());
  CHECK(printed->find("\nMD5=\"") != std::string::npos);
  CHECK(printed->find("\nSIZE=\"1\"") != std::string::npos);
  CHECK(printed->find("SOURCE=\"/ipfs/" + cid + "\"") == 0);
  CHECK(printed->find("FORMAT=\"raw\"") != std::string::npos);
  CHECK(daemon.publishes() >= 1);
  // The content is linked into A's tree, not copied (same CID).
  auto linked = a.ipfs->Stat(fmt::format("/one-ipfs-market/market-a/apps/{}-12-1700000000/image",
                                         PublisherTag(a.Id())));
  REQUIRE(linked.ok());
  CHECK(linked->cid == cid);

  b.settings.follow = {a.Name()};
  auto untrusted = b.Monitor();
  REQUIRE(untrusted.ok());
  CHECK(untrusted->lines.empty());
  auto listing = Follow(*b.ipfs, b.settings.follow, std::chrono::seconds(2),
                        [](std::string_view) { return false; });
  REQUIRE_MESSAGE(listing.ok(), listing.status().message());
  REQUIRE(listing->warnings.size() == 1);
  CHECK(listing->warnings[0].find("not in IPFS_MARKET_TRUST") != std::string::npos);

  b.settings.trust = {a.Id()};
  auto listed = b.Monitor();
  REQUIRE(listed.ok());
  REQUIRE(listed->lines.size() == 1);
  std::string t = Templates(*listed)[0];
  CHECK(t.find("NAME=\"alpine (" + PublisherTag(a.Id()).substr(0, 8) + ")\"") != std::string::npos);
  CHECK(t.find("SOURCE=\"/ipfs/" + cid + "\"") != std::string::npos);
  CHECK(t.find("PUBLISHER=\"" + a.Id() + "\"") != std::string::npos);
  // A lists its own app under the name it was created with.
  auto own = a.Monitor();
  REQUIRE(own.ok());
  REQUIRE(own->lines.size() == 1);
  CHECK(Templates(*own)[0].find("NAME=\"alpine\"") != std::string::npos);
  CHECK(own->own_bytes == 1000);
  // Stable: the same lines at the next monitor.
  CHECK(b.Monitor()->lines == listed->lines);
  std::filesystem::remove_all(dir);
}

TEST_CASE("marketplace: an IMPORT_SOURCE outside the exported datastore is refused before anything is read") {
  testing::FakeMfsDaemon daemon;
  auto dir = testing::MakeTempDir("market-src");
  Cloud a(daemon, dir, "a", "market-a");
  // (source, what the refusal says): each refused before ssh or the daemon is used
  for (const auto& [src, why] : std::vector<std::pair<std::string, std::string>>{
           {"ssh://node1:/var/lib/one/datastores/1/../../../../etc/shadow", "'..' component"},
           {"ssh://node1:/var/lib/one/datastores/1/./x", "'.' component"},
           {"ssh://node1:/var/lib/one/datastores/10/x", "not a file of datastore 1"},
           {"ssh://node1:/etc/passwd", "not a file of datastore 1"},
           {(dir / "elsewhere").string(), "does not exist"}}) {
    INFO(src);
    MarketAction act;
    act.market.id = "100";
    act.app.present = true;
    act.app.id = "9";
    act.app.regtime = "1700000000";
    act.app.name = "evil";
    act.app.type = "1";
    act.datastore.id = "1";
    act.datastore.base_path = "/var/lib/one/datastores/1";
    act.import.import_source = src;
    auto ctx = a.Ctx(act);
    auto r = ImportApp(ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find(why) != std::string::npos);
    CHECK(r.status().message().find('\n') == std::string::npos);
  }
  CHECK(daemon.publishes() == 0);
  CHECK(daemon.calls("add") == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("marketplace: a record changed in A's tree is not listed; a read-only marketplace refuses create and delete") {
  testing::FakeMfsDaemon daemon;
  auto dir = testing::MakeTempDir("market-tamper");
  Cloud a(daemon, dir, "a", "market-a"), b(daemon, dir, "b", "");
  std::string c1 = daemon.PutBlock("one"), c2 = daemon.PutBlock("two");
  REQUIRE(a.Import("12", "alpine", "/ipfs/" + c1).ok());
  REQUIRE(a.Import("13", "debian", "/ipfs/" + c2).ok());
  b.settings.follow = {a.Name()};
  b.settings.trust = {a.Id()};
  REQUIRE(b.Monitor()->lines.size() == 2);

  // Point alpine's record at other content, keeping A's signature, and republish.
  std::string rec_path = fmt::format("/one-ipfs-market/market-a/apps/{}-12-1700000000/record", PublisherTag(a.Id()));
  nlohmann::json j = nlohmann::json::parse(*a.ipfs->FilesRead(rec_path));
  nlohmann::json p = nlohmann::json::parse(j["payload"].get<std::string>());
  p["cid"] = c2;
  j["payload"] = p.dump();
  daemon.Link(rec_path, daemon.PutBlock(j.dump()));
  MarketTree tree(*a.ipfs, "market-a");
  REQUIRE(tree.Publish(PublishLockPath(a.settings.signing_key_path, "market-a"), a.log).ok());
  auto after = b.Monitor();
  REQUIRE(after.ok());
  REQUIRE(after->lines.size() == 1);
  CHECK(Templates(*after)[0].find("debian") != std::string::npos);
  auto listing = Follow(*b.ipfs, b.settings.follow, std::chrono::seconds(2),
                        [&](std::string_view pub) { return pub == a.Id(); });
  REQUIRE(listing.ok());
  REQUIRE(listing->warnings.size() == 1);
  CHECK(listing->warnings[0].find(PublisherTag(a.Id()) + "-12-1700000000") != std::string::npos);
  CHECK(listing->warnings[0].find("signature") != std::string::npos);

  auto ro = b.Import("1", "x", "/ipfs/" + c1);
  REQUIRE_FALSE(ro.ok());
  CHECK(ro.status().message().find("read only") != std::string::npos);
  CHECK_FALSE(b.Delete("1", "x").ok());
  std::filesystem::remove_all(dir);
}

TEST_CASE("marketplace: a name that does not answer costs one WARN; the next name (a mirror) or the last listing serves") {
  testing::FakeMfsDaemon daemon;
  auto dir = testing::MakeTempDir("market-mirror");
  Cloud a(daemon, dir, "a", "market-a"), b(daemon, dir, "b", ""), c(daemon, dir, "c", "market-c");
  std::string cid = daemon.PutBlock(std::string(4096, 'm'));
  REQUIRE(a.Import("12", "alpine", "/ipfs/" + cid).ok());
  std::string a_name = a.Name();

  // C follows A and holds the content in its catalog (it imported the app).
  REQUIRE(c.ipfs->FilesCp("/ipfs/" + cid, "/one-ipfs/1/5-1700000000/1").ok());
  c.settings.follow = {a_name};
  c.settings.trust = {a.Id()};
  c.Import("1", "c-own", "/ipfs/" + daemon.PutBlock("c's own")).status();  // C publishes something of its own
  auto cm = c.Monitor();
  REQUIRE(cm.ok());
  CHECK(cm->lines.size() == 2);
  // The mirror holds A's record byte for byte.
  std::string dir_name = fmt::format("{}-12-1700000000", PublisherTag(a.Id()));
  CHECK(*c.ipfs->FilesRead("/one-ipfs-market/market-c/apps/" + dir_name + "/record") ==
        *a.ipfs->FilesRead("/one-ipfs-market/market-a/apps/" + dir_name + "/record"));

  // A's name stops answering: B, following A then C, lists A's app from C.
  daemon.silent_names.insert(a_name);
  b.settings.follow = {a_name, c.Name()};
  b.settings.trust = {a.Id()};
  b.settings.resolve_timeout = std::chrono::seconds(1);
  auto t0 = std::chrono::steady_clock::now();
  auto listed = b.Monitor();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  REQUIRE(listed.ok());
  REQUIRE(listed->lines.size() == 1);  // C's own app is not trusted by B
  CHECK(Templates(*listed)[0].find("SOURCE=\"/ipfs/" + cid + "\"") != std::string::npos);
  std::string first = listed->lines[0];

  // Neither answers: the last listing stays.
  daemon.silent_names.insert(c.Name());
  auto kept = b.Monitor();
  REQUIRE(kept.ok());
  REQUIRE(kept->lines.size() == 1);
  CHECK(kept->lines[0] == first);

  // A deletes: C's mirror drops it at its next monitor, and B, back on A, no longer lists it.
  daemon.silent_names.clear();
  REQUIRE(a.Delete("12", "alpine").ok());
  REQUIRE(c.Monitor().ok());
  CHECK_FALSE(c.ipfs->Stat("/one-ipfs-market/market-c/apps/" + dir_name).ok());
  auto gone = b.Monitor();
  REQUIRE(gone.ok());
  CHECK(gone->lines.empty());
  std::filesystem::remove_all(dir);
}

TEST_CASE("marketplace: the log verifies, and a rewritten event breaks it (signature or link)") {
  testing::FakeMfsDaemon daemon;
  auto dir = testing::MakeTempDir("market-log");
  Cloud a(daemon, dir, "a", "market-a");
  REQUIRE(a.Import("12", "alpine", "/ipfs/" + daemon.PutBlock("1")).ok());
  REQUIRE(a.Import("13", "debian", "/ipfs/" + daemon.PutBlock("2")).ok());
  REQUIRE(a.Delete("12", "alpine").ok());
  auto root = ResolveRoot(*a.ipfs, a.Name(), std::chrono::seconds(2));
  REQUIRE_MESSAGE(root.ok(), root.status().message());
  auto v = VerifyPublishedLog(*a.ipfs, *root, "");
  REQUIRE(v.ok());
  CHECK(v->report.ok());
  REQUIRE(v->report.events.size() == 3);
  CHECK(v->report.events[2].fields["event"] == "delete");
  CHECK(v->publisher == a.Id());
  CHECK(FormatLog(*v).find("3 events, every signature and link verified") != std::string::npos);
  // Only A's log: --publisher of another id breaks every event.
  auto other = SigningKey::Generate();
  CHECK(VerifyPublishedLog(*a.ipfs, *root, other->PublisherId())->report.breaks.size() == 3);

  // Event 1 rewritten and re-signed with A's own key: event 2's link breaks.
  auto key = SigningKey::Load(a.settings.signing_key_path);
  REQUIRE(key.ok());
  std::string ev1 = *a.ipfs->FilesRead("/one-ipfs-market/market-a/log/1");
  nlohmann::json p = nlohmann::json::parse(nlohmann::json::parse(ev1)["payload"].get<std::string>());
  p["name"] = "not-alpine";
  daemon.Link("/one-ipfs-market/market-a/log/1", daemon.PutBlock(*SealRecord(*key, p.dump())));
  MarketTree tree(*a.ipfs, "market-a");
  REQUIRE(tree.Publish(PublishLockPath(a.settings.signing_key_path, "market-a"), a.log).ok());
  auto v2 = VerifyPublishedLog(*a.ipfs, *ResolveRoot(*a.ipfs, a.Name(), std::chrono::seconds(2)), "");
  REQUIRE(v2.ok());
  REQUIRE(v2->report.breaks.size() == 1);
  CHECK(v2->report.breaks[0].seq == 2);
  CHECK(v2->report.breaks[0].why.find("prev") != std::string::npos);

  // Event 3 changed without a signature: it breaks itself.
  std::string ev3 = *a.ipfs->FilesRead("/one-ipfs-market/market-a/log/3");
  nlohmann::json j3 = nlohmann::json::parse(ev3);
  j3["payload"] = std::string(j3["payload"].get<std::string>()).replace(0, 1, "{ ");
  daemon.Link("/one-ipfs-market/market-a/log/3", daemon.PutBlock(j3.dump()));
  REQUIRE(tree.Publish(PublishLockPath(a.settings.signing_key_path, "market-a"), a.log).ok());
  auto v3 = VerifyPublishedLog(*a.ipfs, *ResolveRoot(*a.ipfs, a.Name(), std::chrono::seconds(2)), "");
  REQUIRE(v3.ok());
  bool third = false;
  for (const auto& b : v3->report.breaks) third = third || b.seq == 3;
  CHECK(third);
  CHECK(FormatLog(*v3).find("BREAK at event 3") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("marketplace: concurrent imports all land in the tree, the log has no fork and the last publish is the tree") {
  testing::FakeMfsDaemon daemon;
  auto dir = testing::MakeTempDir("market-race");
  Cloud a(daemon, dir, "a", "market-a");
  REQUIRE(a.ipfs->EnsureKey("market-a").ok());
  constexpr int kN = 8;
  std::vector<std::string> cids;
  for (int i = 0; i < kN; ++i) cids.push_back(daemon.PutBlock("content " + std::to_string(i)));
  std::vector<std::thread> threads;
  std::vector<Status> results(kN);
  for (int i = 0; i < kN; ++i)
    threads.emplace_back([&, i] {
      Cloud me(daemon, dir, "a", "market-a");  // same key file, own client
      auto r = me.Import(std::to_string(20 + i), "app" + std::to_string(i), "/ipfs/" + cids[i]);
      results[i] = r.status();
    });
  for (auto& t : threads) t.join();
  for (const auto& st : results) CHECK_MESSAGE(st.ok(), st.message());
  MarketTree tree(*a.ipfs, "market-a");
  CHECK(tree.Apps()->size() == static_cast<std::size_t>(kN));
  auto root = tree.RootCid();
  auto published = ResolveRoot(*a.ipfs, a.Name(), std::chrono::seconds(2));
  REQUIRE(published.ok());
  CHECK(*published == *root);
  auto v = VerifyPublishedLog(*a.ipfs, *published, "");
  REQUIRE(v.ok());
  CHECK(v->report.ok());
  CHECK(v->report.events.size() == static_cast<std::size_t>(kN));
  std::filesystem::remove_all(dir);
}

}  // namespace oneipfs
