// tm_disk_test.cc: RemoveOnHost's guard (tm_disk.h): what reaches a host's
// rm -rf. The host is a recording runner; nothing runs.
#include "common/tm_disk.h"

#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/canned_http_test.h"

namespace oneipfs {
namespace {

class RecordingHost : public RemoteRunner {
 public:
  Result<RemoteResult> Run(const std::string& host, const RemoteCommand& cmd) override {
    ran.push_back(cmd.argv);
    return RemoteResult{};
  }
  std::vector<std::vector<std::string>> ran;
};

// RemoveOnHost of `path` on node1: whether an rm -rf ran.
bool Removes(const std::string& path) {
  Config config;
  IpfsClient ipfs(std::make_unique<testing::CannedTransport>(std::deque<HttpResponse>{}), IpfsOptions{});
  RecordingHost host;
  Log log("delete");
  OneCli one(MakeLocalRunner());
  TmContext ctx{{}, "", config, ipfs, host, log, one};
  Status st = RemoveOnHost(ctx, "node1", {path}, true);
  CHECK(st.ok() == !host.ran.empty());
  if (!st.ok()) CHECK(st.message().find("refusing to delete") != std::string::npos);
  return !host.ran.empty();
}

TEST_CASE("tm_disk: rm -rf never reaches / or a top-level directory (fuzz/tm_args finding)") {
  CHECK(Removes("/var/lib/one/datastores/0/42/disk.0"));
  CHECK(Removes("/var/lib/one/datastores/0/42"));
  for (std::string p : {"/", "/var", "var/lib", "", "/var/..", "/a/../var",
                        // what counting slashes let through
                        "/./var", "/var/.", "/var//", "//var", "/var/lib/./../.."}) {
    CAPTURE(p);
    CHECK_FALSE(Removes(p));
  }
}

}  // namespace
}  // namespace oneipfs
