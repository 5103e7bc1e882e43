// DeployToHost's provider bookkeeping around a re-deploy (host_ops.h): the
// front-end daemon is a canned transport, the host a fake runner.
#include "common/deploy/host_ops.h"

#include <ctime>
#include <deque>
#include <memory>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "common/ipfs/canned_http_test.h"
#include "common/ipfs/http.h"
#include "common/catalog/providers.h"

namespace oneipfs {
namespace {

using testing::Arg;
using testing::CannedTransport;
using testing::NotFound;
using testing::Ok;

// The host: records the argv and answers as one-ipfs-host fetch does.
class FakeHost : public RemoteRunner {
 public:
  explicit FakeHost(std::string report) : report_(std::move(report)) {}
  Result<RemoteResult> Run(const std::string& host, const RemoteCommand& cmd) override {
    hosts.push_back(host);
    argvs.push_back(cmd.argv);
    // --rest-on-stdin: the rest of the arguments, one JSON array on stdin.
    std::string in;
    char buf[4096];
    while (cmd.stdin_source) {
      auto n = cmd.stdin_source(buf, sizeof buf);
      if (!n.ok() || *n == 0) break;
      in.append(buf, *n);
    }
    stdins.push_back(in);
    if (auto j = nlohmann::json::parse(in, nullptr, false); j.is_array())
      for (const auto& v : j) argvs.back().push_back(v.get<std::string>());
    RemoteResult r;
    r.out = report_;
    return r;
  }
  std::vector<std::string> hosts;
  std::vector<std::vector<std::string>> argvs;  // with the arguments sent on stdin
  std::vector<std::string> stdins;

 private:
  std::string report_;
};

const char* kCid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const char* kAddr = "/ip4/10.0.0.1/tcp/4001";

ProviderRecord Self(std::int64_t time) {
  ProviderRecord r;
  r.host = "node1";
  r.peer = "12D3KooWnode1";
  r.addresses = {kAddr};
  r.time = time;
  return r;
}

struct Deploy {
  CannedTransport* fake = nullptr;  // owned by ipfs
  std::unique_ptr<IpfsClient> ipfs;
  FakeHost host{R"({"peer":"12D3KooWnode1","addresses":["/ip4/10.0.0.1/tcp/4001"],"held":true,"frontend":false,"evicted":[]})"};
  Status result;

  explicit Deploy(std::deque<HttpResponse> replies, std::function<Status()> ready = {}) {
    Config config;
    config.Set("IPFS_FRONTEND_SWARM", "/ip4/10.0.0.9/tcp/4001/p2p/12D3KooWfe", "environment");  // no `id` call
    auto t = std::make_unique<CannedTransport>(std::move(replies));
    fake = t.get();
    ipfs = std::make_unique<IpfsClient>(std::move(t), IpfsOptions{});
    Log log("clone");
    OneCli one(MakeLocalRunner());
    TmContext ctx{{}, "", config, *ipfs, host, log, one};
    result = DeployToHost(ctx, kCid, 1048576, HostPath{"node1", "/var/lib/one/datastores/0/1/disk.0"}, ready);
  }
  std::vector<std::string> Paths() const {
    std::vector<std::string> out;
    for (const auto& r : fake->requests) out.push_back(r.path + " " + Arg(r));
    return out;
  }
};

std::string Listing() { return R"({"Entries":[{"Name":"node1","Type":0,"Size":120,"Hash":"x"}]})"; }

}  // namespace

TEST_CASE("host_ops: a re-deploy to a host whose fresh record holds the CID writes no provider record") {
  const std::int64_t now = std::time(nullptr);
  Deploy d({Ok(Listing()), Ok(ProviderRecordJson(Self(now - 60)))});
  REQUIRE(d.result.ok());
  const std::string dir = std::string("/one-ipfs/.providers/") + kCid;
  // Only the list: no "fetching" record, no lead, nothing written after the fetch.
  CHECK(d.Paths() == std::vector<std::string>{"/api/v0/files/ls " + dir, "/api/v0/files/read " + dir + "/node1"});
  REQUIRE(d.host.argvs.size() == 1);
  const auto& argv = d.host.argvs[0];
  CHECK(argv[1] == "fetch");
  CHECK(std::find(argv.begin(), argv.end(), "--peer") == argv.end());
  CHECK(std::find(argv.begin(), argv.end(), "/ip4/10.0.0.9/tcp/4001/p2p/12D3KooWfe") != argv.end());
}

TEST_CASE("host_ops: an own record older than an hour is written again after the re-deploy") {
  const std::int64_t now = std::time(nullptr);
  Deploy d({Ok(Listing()), Ok(ProviderRecordJson(Self(now - 7200))), Ok(""), Ok("")});
  REQUIRE(d.result.ok());
  const std::string dir = std::string("/one-ipfs/.providers/") + kCid;
  CHECK(d.Paths() == std::vector<std::string>{"/api/v0/files/ls " + dir, "/api/v0/files/read " + dir + "/node1",
                                              "/api/v0/files/write /one-ipfs/.providers/.hosts/node1",
                                              "/api/v0/files/write " + dir + "/node1"});
}

TEST_CASE("host_ops: a first deploy records the host as fetching, takes the lead, then records it as holding") {
  const std::int64_t now = std::time(nullptr);
  Deploy d({NotFound(),                                  // files/ls: no record of this CID
            Ok(ProviderRecordJson(Self(now - 99999))),   // .hosts/node1: its identity from another image
            Ok(""),                                      // files/write: fetching
            Ok(Listing()), Ok(R"({"host":"node1","peer":"12D3KooWnode1","addresses":[],"time":)" +
                                 std::to_string(now) + R"(,"state":"fetching"})"),
            Ok(""), Ok(""), Ok(""),                      // files/mkdir -p, files/mkdir .lead, .lead/node1
            Ok(""),                                      // files/rm .lead
            Ok(""), Ok("")});                            // identity, held record
  REQUIRE(d.result.ok());
  const std::string dir = std::string("/one-ipfs/.providers/") + kCid;
  CHECK(d.Paths() == std::vector<std::string>{
                         "/api/v0/files/ls " + dir, "/api/v0/files/read /one-ipfs/.providers/.hosts/node1",
                         "/api/v0/files/write " + dir + "/node1", "/api/v0/files/ls " + dir,
                         "/api/v0/files/read " + dir + "/node1", "/api/v0/files/mkdir " + dir,
                         "/api/v0/files/mkdir " + dir + "/.lead", "/api/v0/files/write " + dir + "/.lead/node1",
                         "/api/v0/files/rm " + dir + "/.lead",
                         "/api/v0/files/write /one-ipfs/.providers/.hosts/node1",
                         "/api/v0/files/write " + dir + "/node1"});
}

TEST_CASE("host_ops: the helper starts before the checks; a failed check stops it with null and nothing else") {
  const std::int64_t now = std::time(nullptr);
  Deploy d({Ok(Listing()), Ok(ProviderRecordJson(Self(now - 60)))},
           [] { return Status::Invalid("cannot deploy x: it has a backing file"); });
  CHECK(d.result.message() == "cannot deploy x: it has a backing file");
  REQUIRE(d.host.argvs.size() == 1);
  const auto& argv = d.host.argvs[0];
  CHECK(std::find(argv.begin(), argv.end(), "--rest-on-stdin") != argv.end());
  CHECK(d.host.stdins == std::vector<std::string>{"null\n"});  // the helper stops: no peers, no front end
}

TEST_CASE("host_ops: what the front end learns after the helper started goes on stdin") {
  const std::int64_t now = std::time(nullptr);
  Deploy d({Ok(Listing()), Ok(ProviderRecordJson(Self(now - 60)))}, [] { return Status::Ok(); });
  REQUIRE(d.result.ok());
  REQUIRE(d.host.stdins.size() == 1);
  auto j = nlohmann::json::parse(d.host.stdins[0]);
  REQUIRE(j.is_array());
  auto rest = j.get<std::vector<std::string>>();
  CHECK(std::find(rest.begin(), rest.end(), "--stall") != rest.end());
  CHECK(std::find(rest.begin(), rest.end(), "/ip4/10.0.0.9/tcp/4001/p2p/12D3KooWfe") != rest.end());
  CHECK(std::find(rest.begin(), rest.end(), "--cache-mb") == rest.end());  // known at start: in argv
}

}  // namespace oneipfs
