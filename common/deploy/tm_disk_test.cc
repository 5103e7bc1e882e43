// tm_disk_test.cc: RemoveOnHost's rm -rf guard (tm_disk.h): only a VM
// directory <DATASTORE_LOCATION>/<system ds id>/<vm id> and the disk files
// in it reach the host; everything else is refused before ssh runs.
#include "common/deploy/tm_disk.h"

#include <deque>
#include <memory>

#include <doctest/doctest.h>

#include "common/ipfs/canned_http_test.h"
#include "common/one/one_cli.h"

namespace oneipfs {
namespace {

// Records what would run on the host; every command succeeds.
class RecordingHost : public RemoteRunner {
 public:
  Result<RemoteResult> Run(const std::string& host, const RemoteCommand& cmd) override {
    runs.push_back(host);
    argvs.push_back(cmd.argv);
    return RemoteResult{};
  }
  std::vector<std::string> runs;
  std::vector<std::vector<std::string>> argvs;
};

struct Removal {
  Config config;
  RecordingHost host;
  std::unique_ptr<IpfsClient> ipfs =
      std::make_unique<IpfsClient>(std::make_unique<testing::CannedTransport>(std::deque<HttpResponse>{}), IpfsOptions{});
  Log log{"delete"};
  OneCli one{MakeLocalRunner()};
  Status Remove(const std::string& path, const std::string& vm = "7") {
    TmContext ctx{{}, "", config, *ipfs, host, log, one};
    return RemoveOnHost(ctx, "node1", vm, {path}, true);
  }
};

}  // namespace

TEST_CASE("tm_disk: rm -rf reaches the host only for a VM directory and its disk files") {
  for (const char* ok : {"/var/lib/one/datastores/0/7", "/var/lib/one//datastores/0/7", "/var/lib/one/datastores/0/7/",
                         "/var/lib/one/datastores/0/7/disk.0", "/var/lib/one/datastores/0/7/disk.12.snap",
                         "/var/lib/one/datastores/101/7/disk.3.one-ipfs-saveas", "/srv/one/ds/0/7/disk.1"}) {
    CAPTURE(ok);
    Removal r;
    CHECK(r.Remove(ok).ok());
    CHECK(r.host.runs.size() == 1);
  }
  for (const char* bad : {"/", "/var", "/var/lib", "/etc/one", "/var/lib/one", "/var/lib/one/datastores",
                          "/var/lib/one/datastores/0", "/var/lib/one/datastores/0/8", "/var/lib/one/datastores/0/7x",
                          "/var/lib/one/datastores/x/7", "/0/7", "/var/lib/one/datastores/0/7/..",
                          "/var/lib/one/datastores/0/7/../../0/8", "/var/lib/one/datastores/0/./7",
                          "/var/lib/one/datastores/0/7/disk.0/..", "/var/lib/one/datastores/0/7/disk.x",
                          "/var/lib/one/datastores/0/7/disk.0.other", "/var/lib/one/datastores/0/7/deployment.0",
                          "/var/lib/one/datastores/0/7/disk.0/sub", "/home/oneadmin/.ssh", "relative/0/7",
                          "/var/lib/one/datastores/0/7/disk.0;touch x", "",
                          // what counting slashes let through (fuzz/tm_args finding)
                          "/./var", "/var/.", "/var//", "//var", "/var/lib/./../.."}) {
    CAPTURE(bad);
    Removal r;
    Status st = r.Remove(bad);
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK(st.message().find("refusing to delete") != std::string::npos);
    CHECK(r.host.runs.empty());
  }
  // The VM id must be the action's own.
  Removal r;
  CHECK_FALSE(r.Remove("/var/lib/one/datastores/0/7/disk.0", "8").ok());
  CHECK_FALSE(r.Remove("/var/lib/one/datastores/0/7", "").ok());
  CHECK_FALSE(r.Remove("/var/lib/one/datastores/0/7", "-1").ok());
  CHECK(r.host.runs.empty());
}

}  // namespace oneipfs
