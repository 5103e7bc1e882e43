// ipfs_json_fuzz.cc: the daemon's replies (ipfs.h, ipfs_json.h) and the
// provider records read back from MFS (providers.h). A daemon, or anyone
// who can write to its MFS, chooses these bytes.
//
// Feeds the input as the body of every reply IpfsClient parses (version, id,
// name/resolve, resolve, files/stat, files/ls, files/read, cat with an
// X-Content-Length header taken from the body's first line, add and refs and
// repo/gc as NDJSON, dag/put, dag/get, ls, pin/*, block/get, repo/stat,
// swarm/connect) with status 200, streamed bodies delivered in chunks of a
// size taken from the input; then as a 500 error body; then to
// ParseProviderRecord, the peer-selection policy and WantlistFingerprint.
// Asserts (beyond no crash, no sanitizer report, no escaping exception):
//  - a streamed NDJSON reply gives the same outcome whatever its chunking;
//  - a stat that succeeds has a CID and a lower-case type; its sizes are the
//    reply's numbers exactly when they fit 64 bits (JSON numbers or decimal
//    strings), and saturate at 2^64 - 1 when they do not (never wrap);
//  - a failed call's message names the daemon and the command;
//  - a provider record that parses has a time >= 0, prints as JSON that
//    parses to the same record, and the peer-selection policy runs on it
//    without overflow.
#include <ctime>
#include <limits>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/ipfs/http.h"
#include "common/ipfs/ipfs.h"
#include "common/ipfs/ipfs_json.h"
#include "common/catalog/providers.h"
#include "common/base/text.h"
#include "fuzz/fuzz.h"

using namespace oneipfs;
using fuzz::Q;

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// Answers every request with `status` and `body`; a streamed body (on_body)
// arrives in chunks of `chunk` bytes.
class ReplyTransport : public HttpTransport {
 public:
  ReplyTransport(long status, std::string body, std::size_t chunk)
      : status_(status), body_(std::move(body)), chunk_(chunk) {}
  std::string Describe() const override { return "http://fuzz:5001"; }
  Result<HttpResponse> Post(const HttpRequest& r) override {
    HttpResponse resp;
    resp.status = status_;
    resp.headers["x-content-length"] = body_.substr(0, std::min(body_.find('\n'), std::size_t{40}));
    if (r.on_body && status_ >= 200 && status_ < 300) {
      for (std::size_t at = 0; at < body_.size(); at += chunk_) {
        Status st = r.on_body(std::string_view(body_).substr(at, chunk_));
        if (!st.ok()) return st;
      }
    } else {
      resp.body = body_;
    }
    return resp;
  }

 private:
  long status_;
  std::string body_;
  std::size_t chunk_;
};

IpfsClient Client(long status, std::string_view body, std::size_t chunk) {
  IpfsOptions o;
  o.attempts = 1;  // no retries: no sleeping between them
  o.retry_backoff = std::chrono::milliseconds(0);
  return IpfsClient(std::make_unique<ReplyTransport>(status, std::string(body), chunk), o);
}

// The reference value of member `key` in `body` as Num must read it: exact
// for numbers and decimal strings that fit (a JSON fraction truncated, a
// negative number 0), saturated above; nullopt when the reply does not have
// that exact key with such a value.
std::optional<std::uint64_t> ExpectedNumber(std::string_view body, const char* key) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer()) return std::uint64_t{0};  // negative
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (!(d > 0)) return std::uint64_t{0};
    return d >= 18446744073709551616.0 ? kMax : static_cast<std::uint64_t>(d);
  }
  if (!it->is_string()) return std::nullopt;
  std::string_view s = Trim(it->get_ref<const std::string&>());
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : s) {
    if (n > (kMax - static_cast<std::uint64_t>(c - '0')) / 10) return kMax;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

std::string Outcome(const Status& st) { return st.ok() ? "ok" : st.message(); }

void CheckFailure(const Status& st, std::string_view command) {
  if (st.ok()) return;
  FUZZ_CHECK(st.message().find("http://fuzz:5001") != std::string::npos, "failure without the daemon: {}",
             Q(st.message()));
  FUZZ_CHECK(st.message().find(command) != std::string::npos, "failure of {} without its name: {}", command,
             Q(st.message()));
}

void Replies(std::string_view body, std::size_t chunk) {
  IpfsClient c = Client(200, body, chunk);
  CheckFailure(c.Version().status(), "version");
  CheckFailure(c.Id().status(), "id");
  CheckFailure(c.ResolveName("/ipns/k51fuzz").status(), "name/resolve");
  CheckFailure(c.ResolvePath("/ipfs/bafyfuzz/a").status(), "resolve");
  auto st = c.Stat("/ipfs/bafyfuzz");
  CheckFailure(st.status(), "files/stat");
  if (st.ok()) {
    FUZZ_CHECK(!st->cid.empty() && !st->type.empty(), "stat without CID or type");
    FUZZ_CHECK(Lower(st->type) == st->type, "stat type {} is not lower case", Q(st->type));
    if (auto size = ExpectedNumber(body, "Size"))
      FUZZ_CHECK(st->size == *size, "stat Size {} read as {}", *size, st->size);
    if (auto size = ExpectedNumber(body, "CumulativeSize"))
      FUZZ_CHECK(st->cumulative_size == *size, "stat CumulativeSize {} read as {}", *size, st->cumulative_size);
  }
  CheckFailure(c.FilesLs("/one-ipfs/100").status(), "files/ls");
  CheckFailure(c.FilesMkdir("/one-ipfs/100"), "files/mkdir");
  CheckFailure(c.FilesRead("/one-ipfs/.providers/x").status(), "files/read");
  CheckFailure(c.CatRange("/ipfs/bafyfuzz", 3, 7).status(), "cat");
  CheckFailure(c.Cat("/ipfs/bafyfuzz", 0, std::nullopt, [](std::string_view) { return Status::Ok(); }), "cat");
  CheckFailure(c.DagPutJson("{}").status(), "dag/put");
  CheckFailure(c.DagGetString("bafyfuzz/one-ipfs-hold").status(), "dag/get");
  CheckFailure(c.LsLinks("bafyfuzz").status(), "ls");
  CheckFailure(c.PinAdd("bafyfuzz", true), "pin/add");
  CheckFailure(c.PinRm("bafyfuzz").status(), "pin/rm");
  CheckFailure(c.PinLsRecursive().status(), "pin/ls");
  CheckFailure(c.PinnedRecursively("bafyfuzz").status(), "pin/ls");
  CheckFailure(c.DagPut("raw", "x").status(), "dag/put");
  CheckFailure(c.BlockGet("bafyfuzz").status(), "block/get");
  CheckFailure(c.GetRepoStat().status(), "repo/stat");
  CheckFailure(c.SwarmConnect("/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWfuzz"), "swarm/connect");
}

// The NDJSON calls, whole and in chunks.
void Streams(std::string_view body, std::size_t chunk) {
  IpfsClient whole = Client(200, body, body.size() + 1), split = Client(200, body, chunk);
  auto source = [](char*, std::size_t) -> Result<std::size_t> { return std::size_t{0}; };
  for (std::string_view hold : {"", "fuzz-hold"}) {
    auto a = whole.Add("disk.img", source, nullptr, hold);
    auto b = split.Add("disk.img", source, nullptr, hold);
    FUZZ_CHECK(Outcome(a.status()) == Outcome(b.status()), "add: {} whole, {} in chunks of {}",
               Outcome(a.status()), Outcome(b.status()), chunk);
    if (a.ok())
      FUZZ_CHECK(a->cid == b->cid && a->bytes == b->bytes && a->held_root == b->held_root,
                 "add reads differently in chunks of {}", chunk);
    CheckFailure(a.status(), "add");
  }
  std::uint64_t blocks_whole = 0, blocks_split = 0;
  Status fw = whole.FetchAll("bafyfuzz", [&](std::uint64_t n) { blocks_whole = n; });
  Status fs = split.FetchAll("bafyfuzz", [&](std::uint64_t n) { blocks_split = n; });
  FUZZ_CHECK(Outcome(fw) == Outcome(fs) && blocks_whole == blocks_split, "refs: {} ({} blocks) whole, {} ({}) split",
             Outcome(fw), blocks_whole, Outcome(fs), blocks_split);
  Status gw = whole.RepoGc(), gs = split.RepoGc();
  FUZZ_CHECK(Outcome(gw) == Outcome(gs), "repo/gc: {} whole, {} split", Outcome(gw), Outcome(gs));
  CheckFailure(gw, "repo/gc");
}

void Errors(std::string_view body) {
  for (long status : {500L, 404L}) {
    IpfsClient c = Client(status, body, 1);
    auto st = c.Stat("/ipfs/bafyfuzz");
    FUZZ_CHECK(!st.ok(), "HTTP {} is a success", status);
    CheckFailure(st.status(), "files/stat");
    CheckFailure(c.FilesRm("/one-ipfs/100/5-1", true), "files/rm");
    auto pinned = c.PinRm("bafyfuzz");
    if (pinned.ok()) FUZZ_CHECK(!*pinned, "a failed pin/rm removed a pin");
  }
  (void)ipfs_json::ErrorText(body);
}

void Records(std::string_view body) {
  auto r = ParseProviderRecord(body);
  (void)WantlistFingerprint(body);
  if (!r.ok()) return;
  FUZZ_CHECK(r->time >= 0, "record {} has time {}: now - time can overflow", Q(body), r->time);
  std::string printed = ProviderRecordJson(*r);
  auto again = ParseProviderRecord(printed);
  FUZZ_CHECK(again.ok(), "record {} prints as {}, which does not parse: {}", Q(body), Q(printed),
             again.status().message());
  FUZZ_CHECK(again->host == r->host && again->peer == r->peer && again->addresses == r->addresses &&
                 again->time == r->time && again->fetching == r->fetching,
             "record {} prints as {}, which parses differently", Q(body), Q(printed));
  const std::int64_t now = std::time(nullptr);
  std::vector<ProviderRecord> records = {*r};
  (void)ChooseProviderAddresses(records, "self", now, 604800, 3, r->host);
  (void)IsDeputy(records, "self", "lead", now, 604800);
  (void)OtherProviderPeers(records, "self", now, 604800);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body = fuzz::AsText(data, size);
  std::size_t chunk = 1 + (size ? static_cast<unsigned char>(body[size / 2]) % 17 : 0);
  Replies(body, chunk);
  Streams(body, chunk);
  Errors(body);
  Records(body);
  return 0;
}
