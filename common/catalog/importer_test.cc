// importer_test.cc: IPFS_IMPORT_MAX_MB (importer.h ImportLimit): where the
// limit comes from, and an import that passes it is cut off mid-add.
#include "common/catalog/importer.h"

#include <limits>
#include <memory>

#include <doctest/doctest.h>
#include <fmt/format.h>

namespace oneipfs {
namespace {

constexpr std::uint64_t kMiB = 1048576;

// A daemon whose `add` reads the whole upload (as kubo and js-ipfs do) and
// then answers like a pinned add under a hold; an upload that fails fails
// the request, as libcurl's aborted read does.
class AddDaemon : public HttpTransport {
 public:
  std::string Describe() const override { return "http://fake:5001"; }
  Result<HttpResponse> Post(const HttpRequest& req) override {
    ++requests;
    if (req.upload) {
      char buf[65536];
      for (;;) {
        auto n = req.upload(buf, sizeof buf);
        if (!n.ok()) return n.status();
        if (*n == 0) break;
        uploaded += *n;
      }
    }
    HttpResponse r;
    r.status = 200;
    std::string body =
        "{\"Name\":\"one-ipfs-hold/x\",\"Hash\":\"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy\"}\n"
        "{\"Name\":\"one-ipfs-hold\",\"Hash\":\"bafybeihold\"}\n";
    if (req.on_body) {
      RETURN_IF_ERROR(req.on_body(body));  // NDJSON replies are streamed
    } else {
      r.body = body;
    }
    return r;
  }
  int requests = 0;
  std::uint64_t uploaded = 0;
};

Config With(const char* max_mb) {
  Config c;
  if (max_mb) c.Set("IPFS_IMPORT_MAX_MB", max_mb, "ipfs.conf");
  return c;
}

DatastoreDoc FreeMb(std::string free) {
  DatastoreDoc d;
  d.free_mb = std::move(free);
  return d;
}

}  // namespace

TEST_CASE("importer: IPFS_IMPORT_MAX_MB, else the datastore's FREE_MB, else no limit") {
  Log log("cp");
  auto set = ImportLimitFor(With("5"), FreeMb("990"), log);
  REQUIRE(set.ok());
  CHECK(set->bytes == 5 * kMiB);
  CHECK(set->from == "IPFS_IMPORT_MAX_MB");
  auto free = ImportLimitFor(With(nullptr), FreeMb("7"), log);
  REQUIRE(free.ok());
  CHECK(free->bytes == 7 * kMiB);
  CHECK(free->from.find("FREE_MB") != std::string::npos);
  auto zero = ImportLimitFor(With(nullptr), FreeMb("0"), log);  // a full datastore takes nothing
  REQUIRE(zero.ok());
  CHECK(zero->bytes == 0u);
  auto none = ImportLimitFor(With(nullptr), FreeMb(""), log);
  REQUIRE(none.ok());
  CHECK_FALSE(none->bytes.has_value());
  for (const char* bad : {"abc", "-1", "1.5", " 5", "5MB"}) {
    CAPTURE(bad);
    auto r = ImportLimitFor(With(bad), FreeMb("990"), log);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("IPFS_IMPORT_MAX_MB") != std::string::npos);
  }
  auto huge = ImportLimitFor(With("18446744073709551615"), FreeMb(""), log);
  REQUIRE(huge.ok());
  CHECK(huge->bytes == std::numeric_limits<std::uint64_t>::max());  // saturated, not wrapped
  CHECK(set->Exceeded("'/x/big.img'", 3 * kMiB + 1).message() ==
        "'/x/big.img' is 4 MB, more than the import limit of 5 MB (IPFS_IMPORT_MAX_MB)");
  CHECK(set->Exceeded("http://h/x", std::nullopt).message() ==
        "http://h/x is larger, more than the import limit of 5 MB (IPFS_IMPORT_MAX_MB)");
}

TEST_CASE("importer: an import past the limit is cut off mid-add; one at the limit goes in") {
  Log log("cp");
  auto limit = ImportLimitFor(With("1"), FreeMb(""), log);
  REQUIRE(limit.ok());
  {
    auto t = std::make_unique<AddDaemon>();
    AddDaemon* daemon = t.get();
    IpfsClient ipfs(std::move(t), IpfsOptions{});
    auto r = Import(ipfs, "big.img", ZeroSource(3 * kMiB), 3 * kMiB, log, *limit, "'big.img'");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
    CHECK(r.status().message() == "'big.img' is 3 MB, more than the import limit of 1 MB (IPFS_IMPORT_MAX_MB)");
    CHECK(daemon->requests == 1);              // not retried
    CHECK(daemon->uploaded <= 1 * kMiB);       // never more than the limit went out
  }
  {
    auto t = std::make_unique<AddDaemon>();
    AddDaemon* daemon = t.get();
    IpfsClient ipfs(std::move(t), IpfsOptions{});
    auto r = Import(ipfs, "ok.img", ZeroSource(kMiB), kMiB, log, *limit, "'ok.img'");
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(r->bytes == kMiB);
    CHECK(daemon->uploaded == kMiB);
  }
}

}  // namespace oneipfs
