// ipfs_names_test.cc: the IPNS calls against canned daemon replies. Each
// case says which daemon behaviour the reply stands for (kubo's from its RPC
// reference and core/commands/{keystore,name}; js-ipfs 0.66 as seen on the
// daemons the integration tests start).
#include <doctest/doctest.h>

#include <deque>
#include <memory>

#include "common/ipfs/canned_http_test.h"
#include "common/ipfs/ipfs.h"

namespace oneipfs {
namespace {

using testing::Arg;
using testing::CannedTransport;
using testing::Ok;
using testing::Reply;

struct Canned {
  explicit Canned(std::deque<HttpResponse> replies) {
    auto t = std::make_unique<CannedTransport>(std::move(replies));
    fake = t.get();
    IpfsOptions o;
    o.timeout = std::chrono::seconds(30);
    o.attempts = 1;
    client = std::make_unique<IpfsClient>(std::move(t), o);
  }
  std::string Query(std::size_t i, const std::string& key) const {
    for (const auto& [k, v] : fake->requests.at(i).query)
      if (k == key) return v;
    return "<absent>";
  }
  CannedTransport* fake = nullptr;
  std::unique_ptr<IpfsClient> client;
};

const char* kKubo = "k51qzi5uqu5dm8ef2rb4n5veqkow8c5gnptx0cmuhxpmqf5nh8ynjwkzvt4aqf";
const char* kJs = "12D3KooWS9xtspXNnXB3xi6e3Hw1gTy5ZAunqbo7FRFhj5Y2jBgS";  // the same key

}  // namespace

TEST_CASE("ipns: key/gen asks for ed25519 (js-ipfs 0.66 would make RSA) and takes kubo's k51 id") {
  // kubo: key/gen replies {"Name","Id"} with the id in base36 (k51...).
  Canned c({Ok(std::string(R"({"Name":"market-a","Id":")") + kKubo + "\"}")});
  auto k = c.client->KeyGen("market-a");
  REQUIRE(k.ok());
  CHECK(k->id == kKubo);
  CHECK(c.fake->requests[0].path == "/api/v0/key/gen");
  CHECK(Arg(c.fake->requests[0]) == "market-a");
  CHECK(c.Query(0, "type") == "ed25519");
}

TEST_CASE("ipns: key/list once per key (js-ipfs lists each twice); EnsureKey finds a key made meanwhile") {
  // js-ipfs 0.66: every key twice.
  Canned js({Ok(std::string(R"({"Keys":[{"Name":"self","Id":"12D3KooWLHxpQm4bxADkUp5GRuu3nra9ebtns1JURziSLEnTWaYg"},)"
                            R"({"Name":"self","Id":"12D3KooWLHxpQm4bxADkUp5GRuu3nra9ebtns1JURziSLEnTWaYg"},)"
                            R"({"Name":"m","Id":")") + kJs + R"("},{"Name":"m","Id":")" + kJs + "\"}]}")});
  auto keys = js.client->KeyList();
  REQUIRE(keys.ok());
  CHECK(keys->size() == 2);
  // kubo: "key with name 'm' already exists" when another process made it
  // between our list and our gen; the second list finds it.
  Canned race({Ok(R"({"Keys":[{"Name":"self","Id":"k51qzi5uqu5dlmynpa47dcbfn7fakjxugwc2orsvjfuqoum2iik2mei8doiedi"}]})"),
               Reply(500, R"({"Message":"key with name 'm' already exists","Code":0,"Type":"error"})"),
               Ok(std::string(R"({"Keys":[{"Name":"m","Id":")") + kKubo + "\"}]}")});
  auto m = race.client->EnsureKey("m");
  REQUIRE_MESSAGE(m.ok(), m.status().message());
  CHECK(m->id == kKubo);
  CHECK(race.fake->requests.size() == 3);
  // An existing key is not generated again.
  Canned there({Ok(std::string(R"({"Keys":[{"Name":"m","Id":")") + kKubo + "\"}]}")});
  CHECK(there.client->EnsureKey("m").ok());
  CHECK(there.fake->requests.size() == 1);
}

TEST_CASE("ipns: name/publish sends the key, allow-offline, resolve=false, lifetime and ttl; kubo's reply is read") {
  // kubo: {"Name":"k51...","Value":"/ipfs/..."}; allow-offline lets kubo
  // publish with no peer (js-ipfs 0.66 accepts it and still needs to be online).
  Canned c({Ok(std::string(R"({"Name":")") + kKubo + R"(","Value":"/ipfs/bafyroot"})")});
  auto name = c.client->NamePublish("/ipfs/bafyroot", "market-a", IpfsClient::PublishOptions{"48h", "1m"});
  REQUIRE(name.ok());
  CHECK(*name == kKubo);
  CHECK(c.fake->requests[0].path == "/api/v0/name/publish");
  CHECK(Arg(c.fake->requests[0]) == "/ipfs/bafyroot");
  CHECK(c.Query(0, "key") == "market-a");
  CHECK(c.Query(0, "allow-offline") == "true");
  CHECK(c.Query(0, "resolve") == "false");
  CHECK(c.Query(0, "lifetime") == "48h");
  CHECK(c.Query(0, "ttl") == "1m");
  // kubo without the key: its error is the action's error.
  Canned missing({Reply(500, R"({"Message":"no key by the given name was found","Code":0,"Type":"error"})")});
  auto failed = missing.client->NamePublish("/ipfs/x", "nokey", {});
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().message().find("no key by the given name") != std::string::npos);
}

TEST_CASE("ipns: name/resolve is bounded, fresh, and sends the key as js-ipfs needs it") {
  Canned c({Ok(R"({"Path":"/ipfs/bafyroot"})")});
  auto p = c.client->ResolveNameWithin(std::string("/ipns/") + kKubo, std::chrono::seconds(7), true);
  REQUIRE(p.ok());
  CHECK(*p == "/ipfs/bafyroot");
  // js-ipfs 0.66 reads k51... as a DNSLink domain: the base58btc form goes out.
  CHECK(Arg(c.fake->requests[0]) == std::string("/ipns/") + kJs);
  CHECK(c.Query(0, "nocache") == "true");
  CHECK(c.Query(0, "recursive") == "true");
  CHECK(c.Query(0, "dht-timeout") == "7s");  // kubo's bound on the routing lookup
  CHECK(c.Query(0, "timeout") == "7s");      // the daemon-side bound of every call
  CHECK(c.fake->requests[0].total_timeout == std::chrono::seconds(12));

  // kubo: a name nobody published: "could not resolve name".
  Canned kubo({Reply(500, R"({"Message":"could not resolve name","Code":0,"Type":"error"})")});
  CHECK(kubo.client->ResolveNameWithin(std::string("/ipns/") + kKubo, std::chrono::seconds(5), true).status().code() ==
        Status::Code::kNotFound);
  // js-ipfs (pubsub on, no record): "record requested for <k51> was not found in the network".
  Canned js({Reply(500, std::string(R"({"Message":"record requested for )") + kKubo +
                            R"( was not found in the network","Code":0,"Type":"error"})")});
  CHECK(js.client->ResolveNameWithin(std::string("/ipns/") + kJs, std::chrono::seconds(5), false).status().code() ==
        Status::Code::kNotFound);
  CHECK(js.Query(0, "nocache") == "<absent>");
  // kubo past dht-timeout: "context deadline exceeded" is a timeout, not "not found".
  Canned slow({Reply(500, R"({"Message":"context deadline exceeded","Code":0,"Type":"error"})")});
  CHECK(slow.client->ResolveNameWithin(std::string("/ipns/") + kKubo, std::chrono::seconds(1), true).status().code() ==
        Status::Code::kTimeout);
}

}  // namespace oneipfs
