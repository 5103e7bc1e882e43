// gc_guard_test.cc: temporary pins (content_hold.h), the pin/* calls behind
// them, and one-ipfs-fsck's checks (fsck.h), against a routing fake daemon
// that answers each command with canned replies. Each canned reply says which
// daemon behaviour it stands for.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <map>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/catalog/catalog.h"
#include "common/ipfs/content_hold.h"
#include "common/catalog/image_store.h"
#include "common/catalog/fsck.h"
#include "common/ipfs/ipfs.h"
#include "common/ipfs/ipfs_json.h"

namespace oneipfs {
namespace {

struct Canned {
  long status = 200;
  std::string body;
  Status error;  // non-ok: the transport fails with it
};
Canned Ok200(std::string body) { return Canned{200, std::move(body), Status::Ok()}; }
Canned Err500(std::string message) {
  return Canned{500, fmt::format(R"({{"Message":"{}","Code":0,"Type":"error"}})", message), Status::Ok()};
}

struct Seen {
  std::string command;  // without /api/v0/
  std::map<std::string, std::string> args;  // last value per key
  std::vector<std::string> arg;             // every "arg"
  std::string uploaded, upload_name;
};

// Routes by command: each command has a queue of replies (the last one
// repeats), or a function of the request.
class RoutingFake : public HttpTransport {
 public:
  std::string Describe() const override { return address; }
  Result<HttpResponse> Post(const HttpRequest& request) override {
    Seen s;
    s.command = request.path.substr(std::string("/api/v0/").size());
    for (const auto& [k, v] : request.query) {
      s.args[k] = v;
      if (k == "arg") s.arg.push_back(v);
    }
    if (request.upload) {
      char buf[64];
      for (;;) {
        auto n = request.upload(buf, sizeof buf);
        if (!n.ok()) return n.status();
        if (*n == 0) break;
        s.uploaded.append(buf, *n);
      }
      s.upload_name = request.upload_name;
    }
    seen.push_back(s);
    Canned c;
    if (auto f = fns.find(s.command); f != fns.end()) {
      c = f->second(s);
    } else {
      auto& q = queues[s.command];
      REQUIRE_MESSAGE(!q.empty(), "unexpected request " << s.command);
      c = q.front();
      if (q.size() > 1) q.pop_front();
    }
    if (!c.error.ok()) return c.error;
    HttpResponse resp;
    resp.status = c.status;
    if (request.on_body && c.status >= 200 && c.status < 300) {
      RETURN_IF_ERROR(request.on_body(c.body));
    } else {
      resp.body = c.body;
    }
    return resp;
  }
  std::vector<std::string> Commands() const {
    std::vector<std::string> out;
    for (const auto& s : seen) out.push_back(s.command);
    return out;
  }
  std::string address = "http://fake:5001";
  std::map<std::string, std::deque<Canned>> queues;
  std::map<std::string, std::function<Canned(const Seen&)>> fns;
  std::vector<Seen> seen;
};

struct Daemon {
  explicit Daemon(std::string address = "http://fake:5001") {
    auto t = std::make_unique<RoutingFake>();
    fake = t.get();
    fake->address = std::move(address);
    IpfsOptions o;
    o.timeout = std::chrono::seconds(30);
    client = std::make_unique<IpfsClient>(std::move(t), o);
  }
  RoutingFake* fake;
  std::unique_ptr<IpfsClient> client;
};

const char* kCid = "bafkreigchcv6eevbsxk46s5762xevya5ttu7xouecjy7zhl3rgo7gfrh4y";
const char* kHold = "bafyreigstnj7zvj4gdovu32csl2ljruuegyecywxeilsyosyim2ml2fh4q";

}  // namespace

TEST_CASE("gc_guard: pin/add of kubo (core/commands/pin: {\"Pins\":[...]}) and its arguments") {
  Daemon d;
  // kubo `pin add` answers {"Pins":["<cid>"]} once every block is fetched.
  d.fake->queues["pin/add"] = {Ok200(fmt::format(R"({{"Pins":["{}"]}})", kHold))};
  REQUIRE(d.client->PinAdd(kHold, true).ok());
  REQUIRE(d.client->PinAdd(kHold, false, std::chrono::seconds(20)).ok());
  CHECK(d.fake->seen[0].args.at("recursive") == "true");
  CHECK(d.fake->seen[0].args.at("timeout") == "30s");
  CHECK(d.fake->seen[1].args.at("recursive") == "false");
  CHECK(d.fake->seen[1].args.at("timeout") == "20s");  // the bounded direct pin
}

TEST_CASE("gc_guard: pin/rm: kubo's and js-ipfs's \"not pinned\" are not errors, other failures are") {
  Daemon d;
  d.fake->queues["pin/rm"] = {
      // kubo: boxo pinner ErrNotPinned, HTTP 500.
      Err500("not pinned or pinned indirectly"),
      // js-ipfs 0.66 (observed on the test daemon).
      Err500(fmt::format("Failed to remove pin: {} is not pinned", kHold)),
      // kubo success: {"Pins":["<cid>"]}.
      Ok200(fmt::format(R"({{"Pins":["{}"]}})", kHold)),
  };
  auto a = d.client->PinRm(kHold);
  REQUIRE(a.ok());
  CHECK_FALSE(*a);
  auto b = d.client->PinRm(kHold);
  REQUIRE(b.ok());
  CHECK_FALSE(*b);
  auto c = d.client->PinRm(kHold);
  REQUIRE(c.ok());
  CHECK(*c);
  CHECK(d.fake->seen[0].args.at("recursive") == "true");

  Daemon e;
  e.fake->queues["pin/rm"] = {Err500("context canceled")};
  CHECK_FALSE(e.client->PinRm(kHold).ok());
}

TEST_CASE("gc_guard: pin/ls replies of kubo") {
  Daemon d;
  d.fake->queues["pin/ls"] = {
      // kubo `pin ls --type=recursive` (names present since pin names exist).
      Ok200(fmt::format(R"({{"Keys":{{"{}":{{"Type":"recursive","Name":""}},"{}":{{"Type":"recursive"}}}}}})", kCid,
                        kHold)),
      // kubo `pin ls <cid>` of a pinned CID.
      Ok200(fmt::format(R"({{"Keys":{{"{}":{{"Type":"recursive"}}}}}})", kCid)),
      // kubo `pin ls <cid>` of a CID that is not pinned: HTTP 500.
      Err500(fmt::format("path '{}' is not pinned", kCid)),
      // kubo with no pins at all: "Keys": {} (older kubo: null).
      Ok200(R"({"Keys":null})"),
  };
  auto all = d.client->PinLsRecursive();
  REQUIRE(all.ok());
  CHECK(all->size() == 2);
  CHECK(d.fake->seen[0].args.at("type") == "recursive");
  auto yes = d.client->PinnedRecursively(kCid);
  REQUIRE(yes.ok());
  CHECK(*yes);
  auto no = d.client->PinnedRecursively(kCid);
  REQUIRE(no.ok());
  CHECK_FALSE(*no);
  auto none = d.client->PinLsRecursive();
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("gc_guard: add under a hold pins the wrapper directory, returns the file's CID") {
  Daemon d;
  // kubo/js-ipfs add of "one-ipfs-hold/<name>": progress, the file, then the
  // implicit directory (the only root either daemon pins).
  d.fake->queues["add"] = {Ok200(fmt::format(
      "{{\"Name\":\"one-ipfs-hold/n\",\"Bytes\":3}}\n{{\"Name\":\"one-ipfs-hold/n\",\"Hash\":\"{}\",\"Size\":3}}\n"
      "{{\"Name\":\"one-ipfs-hold\",\"Hash\":\"{}\",\"Size\":60}}\n",
      kCid, kHold))};
  std::string data = "abc";
  bool done = false;
  auto added = d.client->Add("disk.0", [&](char* buf, std::size_t) -> Result<std::size_t> {
    if (done) return std::size_t{0};
    done = true;
    std::memcpy(buf, data.data(), 3);
    return std::size_t{3};
  }, nullptr, "one-ipfs-hold-1-2-0000000a-fe");
  REQUIRE(added.ok());
  CHECK(added->cid == kCid);
  CHECK(added->held_root == kHold);
  CHECK(added->bytes == 3);
  CHECK(d.fake->seen[0].args.at("pin") == "true");
  CHECK(d.fake->seen[0].upload_name == "one-ipfs-hold/one-ipfs-hold-1-2-0000000a-fe");

  // A reply without the wrapper line would leave nothing to release: refused.
  Daemon e;
  e.fake->queues["add"] = {Ok200(fmt::format("{{\"Name\":\"one-ipfs-hold/n\",\"Hash\":\"{}\"}}\n", kCid))};
  done = false;
  auto bad = e.client->Add("x", [&](char*, std::size_t) -> Result<std::size_t> { return std::size_t{0}; }, nullptr,
                           "one-ipfs-hold-1-2-0000000a-fe");
  CHECK_FALSE(bad.ok());
}

TEST_CASE("gc_guard: Acquire puts a hold node, pins it directly, fetches, pins recursively; Release unpins it") {
  Daemon d;
  // dag/put: kubo and js-ipfs answer {"Cid":{"/":"<cid>"}}.
  d.fake->queues["dag/put"] = {Ok200(fmt::format(R"({{"Cid":{{"/":"{}"}}}})", kHold))};
  d.fake->queues["pin/add"] = {Ok200(fmt::format(R"({{"Pins":["{}"]}})", kHold))};
  d.fake->queues["refs"] = {Ok200(fmt::format("{{\"Ref\":\"{}\",\"Err\":\"\"}}\n", kCid))};
  d.fake->queues["pin/rm"] = {Ok200(fmt::format(R"({{"Pins":["{}"]}})", kHold))};
  Log log("test");
  {
    auto hold = ContentHold::Acquire(*d.client, kCid, log);
    REQUIRE(hold.ok());
    CHECK(hold->root() == kHold);
    CHECK(d.fake->Commands() == std::vector<std::string>{"dag/put", "pin/add", "refs", "pin/add"});
    // The hold node names the content as a link and carries the hold name.
    auto doc = nlohmann::json::parse(d.fake->seen[0].uploaded);
    CHECK(doc["content"]["/"] == kCid);
    CHECK(ParseHoldName(doc["one-ipfs-hold"].get<std::string>()).has_value());
    CHECK(d.fake->seen[0].args.at("store-codec") == "dag-cbor");
    CHECK(d.fake->seen[1].args.at("recursive") == "false");
    CHECK(d.fake->seen[3].args.at("recursive") == "true");
    CHECK(d.fake->seen[3].arg == std::vector<std::string>{kHold});
    REQUIRE(hold->Release().ok());
    CHECK(d.fake->seen.back().command == "pin/rm");
    CHECK(d.fake->seen.back().arg == std::vector<std::string>{kHold});
  }
  // Released once: the destructor does not unpin again.
  CHECK(d.fake->seen.back().command == "pin/rm");
  CHECK(d.fake->seen.size() == 5);
}

TEST_CASE("gc_guard: Acquire puts the hold node again when the direct pin times out (a GC took it)") {
  Daemon d;
  d.fake->queues["dag/put"] = {Ok200(fmt::format(R"({{"Cid":{{"/":"{}"}}}})", kHold))};
  int pins = 0;
  d.fake->fns["pin/add"] = [&](const Seen&) {
    // kubo/js-ipfs with timeout=: the daemon's own deadline message.
    if (++pins == 1) return Err500("context deadline exceeded");
    return Ok200(fmt::format(R"({{"Pins":["{}"]}})", kHold));
  };
  d.fake->queues["refs"] = {Ok200("")};
  d.fake->queues["pin/rm"] = {Ok200("{}")};
  Log log("test");
  auto hold = ContentHold::Acquire(*d.client, kCid, log);
  REQUIRE(hold.ok());
  CHECK(d.fake->Commands() == std::vector<std::string>{"dag/put", "pin/add", "dag/put", "pin/add", "refs", "pin/add"});
}

TEST_CASE("gc_guard: a failed fetch releases the hold") {
  Daemon d;
  d.fake->queues["dag/put"] = {Ok200(fmt::format(R"({{"Cid":{{"/":"{}"}}}})", kHold))};
  d.fake->queues["pin/add"] = {Ok200("{}")};
  d.fake->queues["refs"] = {Err500("block was not found locally (offline)")};
  d.fake->queues["pin/rm"] = {Ok200("{}")};
  Log log("test");
  auto hold = ContentHold::Acquire(*d.client, kCid, log);
  CHECK_FALSE(hold.ok());
  CHECK(d.fake->Commands().back() == "pin/rm");
}

TEST_CASE("gc_guard: Acquire kLocalFirst: content all local is pinned by one offline recursive pin, no refs walk") {
  Daemon d;
  d.fake->queues["dag/put"] = {Ok200(fmt::format(R"({{"Cid":{{"/":"{}"}}}})", kHold))};
  // kubo pin/add (direct, then recursive offline with every block local): {"Pins":[...]}.
  d.fake->queues["pin/add"] = {Ok200(fmt::format(R"({{"Pins":["{}"]}})", kHold))};
  d.fake->queues["pin/rm"] = {Ok200("{}")};
  Log log("test");
  auto hold = ContentHold::Acquire(*d.client, kCid, log, HoldFetch::kLocalFirst);
  REQUIRE(hold.ok());
  CHECK(hold->root() == kHold);
  CHECK(d.fake->Commands() == std::vector<std::string>{"dag/put", "pin/add", "pin/add"});
  CHECK(d.fake->seen[1].args.at("recursive") == "false");
  CHECK(d.fake->seen[2].args.at("recursive") == "true");
  CHECK(d.fake->seen[2].args.at("offline") == "true");
  CHECK(d.fake->seen[2].arg == std::vector<std::string>{kHold});
  CHECK(d.fake->seen[2].args.at("timeout") == "30s");  // kLocalPinLimit, below the client's 30 s
}

TEST_CASE("gc_guard: Acquire kLocalFirst falls back to the walk when a block is missing") {
  // kubo pin/add offline=true with a block missing: boxo's offline
  // blockservice error; js-ipfs 0.66 ignores offline, fetches, and answers
  // "Failed to add pin: request timed out" at the limit. Both: the walk.
  for (const char* offline_error : {"block was not found locally (offline): ipld: could not find bafkrei",
                                    "Failed to add pin: request timed out"}) {
    CAPTURE(offline_error);
    Daemon d;
    d.fake->queues["dag/put"] = {Ok200(fmt::format(R"({{"Cid":{{"/":"{}"}}}})", kHold))};
    d.fake->fns["pin/add"] = [&](const Seen& s) {
      if (s.args.count("offline")) return Err500(offline_error);
      return Ok200(fmt::format(R"({{"Pins":["{}"]}})", kHold));
    };
    d.fake->queues["refs"] = {Ok200(fmt::format("{{\"Ref\":\"{}\",\"Err\":\"\"}}\n", kCid))};
    d.fake->queues["pin/rm"] = {Ok200("{}")};
    Log log("test");
    auto hold = ContentHold::Acquire(*d.client, kCid, log, HoldFetch::kLocalFirst);
    REQUIRE(hold.ok());
    CHECK(d.fake->Commands() == std::vector<std::string>{"dag/put", "pin/add", "pin/add", "refs", "pin/add"});
    CHECK(d.fake->seen[4].args.at("recursive") == "true");
    CHECK(d.fake->seen[4].args.count("offline") == 0);
    CHECK(d.fake->seen[4].arg == std::vector<std::string>{kHold});
  }
}

TEST_CASE("gc_guard: StoreNewImage links version 1 with one files/cp (no listing), then releases the hold") {
  Daemon d;
  d.fake->queues["dag/put"] = {Ok200(fmt::format(R"({{"Cid":{{"/":"{}"}}}})", kHold))};
  d.fake->queues["pin/add"] = {Ok200(fmt::format(R"({{"Pins":["{}"]}})", kHold))};
  // kubo files/cp answers an empty 200; js-ipfs the same.
  d.fake->queues["files/cp"] = {Ok200("")};
  d.fake->queues["pin/rm"] = {Ok200("{}")};
  Catalog catalog(*d.client, "/one-ipfs");
  CatalogEntry e = catalog.EntryFor("100", "7", "1767225600");
  Log log("test");
  REQUIRE(StoreNewImage(*d.client, catalog, e, kCid, log).ok());
  CHECK(d.fake->Commands() == std::vector<std::string>{"dag/put", "pin/add", "pin/add", "files/cp", "pin/rm"});
  CHECK(d.fake->seen[3].arg == std::vector<std::string>{std::string("/ipfs/") + kCid, "/one-ipfs/100/7-1767225600/1"});
  CHECK(d.fake->seen[4].arg == std::vector<std::string>{kHold});  // released only after the link
}

TEST_CASE("gc_guard: AddFirstVersion on an entry that has a version 1 already lists it and adds the next") {
  Daemon d;
  int cps = 0;
  d.fake->fns["files/cp"] = [&](const Seen&) {
    // kubo and js-ipfs (files/cp.js ERR_ALREADY_EXISTS) refuse an existing destination.
    if (++cps == 1) return Err500("directory already has entry by that name");
    return Ok200("");
  };
  // kubo files/ls long=true: {"Entries":[{"Name","Type","Size","Hash"}]}, Type 0 = file.
  d.fake->queues["files/ls"] = {Ok200(fmt::format(R"({{"Entries":[{{"Name":"1","Type":0,"Size":3,"Hash":"{}"}}]}})", kCid))};
  Catalog catalog(*d.client, "/one-ipfs");
  CatalogEntry e = catalog.EntryFor("100", "7", "1");
  auto v = catalog.AddFirstVersion(e, kCid);
  REQUIRE(v.ok());
  CHECK(*v == 2);
  CHECK(d.fake->Commands() == std::vector<std::string>{"files/cp", "files/ls", "files/cp"});
  CHECK(d.fake->seen[2].arg.at(1) == "/one-ipfs/100/7-1/2");
}

TEST_CASE("catalog: DatastoreBytes lists only entries whose CID the memo does not know") {
  const char* kDirA = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdA";
  const char* kDirB = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdB";
  const char* kDirC = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdC";
  Daemon d;
  // kubo/js-ipfs files/ls long=true: {"Entries":[{"Name","Type","Size","Hash"}]}, Type 1 = directory.
  std::map<std::string, std::string> ls = {
      {"/one-ipfs/100", fmt::format(R"({{"Entries":[{{"Name":"5-1","Type":1,"Size":0,"Hash":"{}"}},)"
                                    R"({{"Name":"6-2","Type":1,"Size":0,"Hash":"{}"}},)"
                                    R"({{"Name":"7-3","Type":1,"Size":0,"Hash":"{}"}}]}})",
                                    kDirA, kDirB, kDirC)},
      {"/one-ipfs/100/6-2", R"({"Entries":[{"Name":"1","Type":0,"Size":1000,"Hash":"x"},{"Name":"2","Type":0,"Size":24,"Hash":"y"}]})"},
      {"/one-ipfs/100/7-3", R"({"Entries":[{"Name":"1","Type":0,"Size":5,"Hash":"z"}]})"}};
  d.fake->fns["files/ls"] = [&](const Seen& s) { return Ok200(ls.at(s.arg.at(0))); };
  // files/stat of an MFS directory: its Hash. 7-3 changed after the first
  // listing (a save-back linked a version): another CID, so not remembered.
  d.fake->fns["files/stat"] = [&](const Seen& s) {
    std::string hash = s.arg.at(0) == "/one-ipfs/100/6-2" ? kDirB : "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdD";
    return Ok200(fmt::format(R"({{"Hash":"{}","Size":0,"CumulativeSize":99,"Blocks":2,"Type":"directory"}})", hash));
  };
  Catalog catalog(*d.client, "/one-ipfs");
  EntrySizeMemo memo;
  memo.known[kDirA] = 4096;
  memo.known["QmGone"] = 7;  // an entry removed since: not kept
  auto used = catalog.DatastoreBytes("100", &memo);
  REQUIRE(used.ok());
  CHECK(*used == 4096 + 1024 + 5);
  CHECK(d.fake->Commands() ==
        std::vector<std::string>{"files/ls", "files/ls", "files/stat", "files/ls", "files/stat"});
  CHECK(memo.seen == std::map<std::string, std::uint64_t>{{kDirA, 4096}, {kDirB, 1024}});

  // Without a memo: every entry listed, nothing statted.
  Daemon e;
  e.fake->fns["files/ls"] = d.fake->fns["files/ls"];
  Catalog plain(*e.client, "/one-ipfs");
  ls["/one-ipfs/100/5-1"] = R"({"Entries":[{"Name":"1","Type":0,"Size":4096,"Hash":"w"}]})";
  auto all = plain.DatastoreBytes("100");
  REQUIRE(all.ok());
  CHECK(*all == 4096 + 1024 + 5);
  CHECK(e.fake->Commands() == std::vector<std::string>{"files/ls", "files/ls", "files/ls", "files/ls"});
}

TEST_CASE("gc_guard: catalog writes take IPFS_MFS_LOCK shared; a GC holding it exclusively makes them wait") {
  char dir[] = "/tmp/one-ipfs-mfslock.XXXXXX";
  REQUIRE(::mkdtemp(dir));
  std::string path = std::string(dir) + "/mfs.lock";
  {
    auto none = MfsWriteLock::Take("", std::chrono::seconds(1));
    REQUIRE(none.ok());
    CHECK_FALSE(none->held());
    auto a = MfsWriteLock::Take(path, std::chrono::seconds(1));
    REQUIRE(a.ok());
    CHECK(a->held());
    auto b = MfsWriteLock::Take(path, std::chrono::seconds(1));  // shared: two writers at once
    REQUIRE(b.ok());
    int gc = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    CHECK(::flock(gc, LOCK_EX | LOCK_NB) != 0);  // `flock FILE ipfs repo gc` waits for them
    ::close(gc);
  }
  int gc = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(::flock(gc, LOCK_EX | LOCK_NB) == 0);  // released with the locks
  auto waited = MfsWriteLock::Take(path, std::chrono::seconds(1));
  CHECK(waited.status().code() == Status::Code::kTimeout);
  ::close(gc);
  std::remove(path.c_str());
  ::rmdir(dir);
}

TEST_CASE("gc_guard: dag/get of a hold's name: kubo's dag-json string and js-ipfs's bare text") {
  Daemon d;
  d.fake->queues["dag/get"] = {
      Ok200("\"one-ipfs-hold-1-2-0000000a-fe\"\n"),  // kubo: dag-json
      Ok200("one-ipfs-hold-1-2-0000000a-fe"),        // js-ipfs 0.66 (observed)
      Ok200(R"({"Data":{},"Links":[]})"),            // not a string
  };
  for (int i = 0; i < 2; ++i) {
    auto n = d.client->DagGetString("bafyx/one-ipfs-hold");
    REQUIRE(n.ok());
    CHECK(*n == "one-ipfs-hold-1-2-0000000a-fe");
  }
  CHECK_FALSE(d.client->DagGetString("bafyx/one-ipfs-hold").ok());
}

TEST_CASE("gc_guard: hold names") {
  std::string n = NewHoldName();
  auto h = ParseHoldName(n);
  REQUIRE(h.has_value());
  CHECK(h->pid == static_cast<long>(::getpid()));
  CHECK(h->started > 1700000000);
  CHECK_FALSE(h->host.empty());
  auto dashed = ParseHoldName("one-ipfs-hold-1767225600-42-0badf00d-front-end-1");
  REQUIRE(dashed.has_value());
  CHECK(dashed->host == "front-end-1");
  CHECK(dashed->pid == 42);
  CHECK_FALSE(ParseHoldName("one-ipfs-hold-x-42-0badf00d-h"));
  CHECK_FALSE(ParseHoldName("one-ipfs-hold-1-42-short-h"));
  CHECK_FALSE(ParseHoldName("disk.0"));
  CHECK(NewHoldName() != n);
}

namespace {

// A catalog for fsck: MFS listings by path, refs by CID, pins.
struct FsckDaemon : Daemon {
  std::map<std::string, std::string> ls;       // MFS path -> files/ls body
  std::map<std::string, std::string> missing;  // CID -> refs error
  std::set<std::string> gone;                  // missing CIDs the daemon says it cannot find
  std::vector<std::string> pins;               // recursive pins
  std::vector<std::string> direct;             // direct pins
  std::map<std::string, std::string> wrappers;  // pin -> its links' names, ','-separated (ls)
  std::map<std::string, std::string> holds;    // pin -> hold name (dag/get <pin>/one-ipfs-hold)
  std::vector<std::string> removed, unpinned;

  FsckDaemon() {
    fake->fns["files/ls"] = [this](const Seen& s) {
      auto it = ls.find(s.arg.at(0));
      // kubo files/ls of a missing path: "file does not exist".
      return it == ls.end() ? Err500("file does not exist") : Ok200(it->second);
    };
    fake->fns["refs"] = [this](const Seen& s) {
      // The check is offline; a repair fetches (online) and finds nobody:
      // it times out, or, for `gone` CIDs, the daemon answers "not found"
      // (kubo offline: "block was not found locally (offline)").
      auto it = missing.find(s.arg.at(0));
      if (!s.args.count("offline") && it != missing.end())
        return gone.count(s.arg.at(0)) ? Err500("block was not found locally (offline)")
                                       : Err500("context deadline exceeded");
      // kubo refs -r --offline on a missing block: "block was not found locally (offline)".
      return it == missing.end() ? Ok200("") : Err500(it->second);
    };
    fake->fns["pin/ls"] = [this](const Seen& s) {
      // kubo and js-ipfs `pin ls --type=<t>`: {"Keys":{"<cid>":{"Type":"<t>"}}}.
      const std::string& type = s.args.at("type");
      nlohmann::json keys = nlohmann::json::object();
      for (const auto& p : type == "direct" ? direct : pins) keys[p] = {{"Type", type}};
      return Ok200(nlohmann::json{{"Keys", keys}}.dump());
    };
    fake->fns["dag/get"] = [this](const Seen& s) {
      std::string pin = s.arg.at(0).substr(0, s.arg.at(0).find('/'));
      auto it = holds.find(pin);
      // kubo dag get <dag-pb>/one-ipfs-hold: no such link.
      return it == holds.end() ? Err500("no link named \\\"one-ipfs-hold\\\"") : Ok200(nlohmann::json(it->second).dump());
    };
    fake->fns["ls"] = [this](const Seen& s) {
      // kubo `ls --resolve-type=false --size=false <dir>`: {"Objects":[{"Hash","Links":[{"Name","Hash"}]}]}.
      nlohmann::json links = nlohmann::json::array();
      if (auto it = wrappers.find(s.arg.at(0)); it != wrappers.end())
        for (size_t i = 0, j; i <= it->second.size(); i = j + 1) {
          j = it->second.find(',', i);
          if (j == std::string::npos) j = it->second.size();
          links.push_back({{"Name", it->second.substr(i, j - i)}, {"Hash", "F"}});
        }
      return Ok200(nlohmann::json{{"Objects", {{{"Hash", s.arg.at(0)}, {"Links", links}}}}}.dump());
    };
    fake->fns["files/rm"] = [this](const Seen& s) {
      removed.push_back(s.arg.at(0));
      return Ok200("");
    };
    fake->fns["pin/rm"] = [this](const Seen& s) {
      unpinned.push_back(s.arg.at(0));
      return Ok200("{}");
    };
  }
  static std::string Entries(std::vector<std::tuple<std::string, std::string, int>> e) {
    nlohmann::json list = nlohmann::json::array();
    for (auto& [name, hash, type] : e) list.push_back({{"Name", name}, {"Hash", hash}, {"Size", 10}, {"Type", type}});
    return nlohmann::json{{"Entries", list}}.dump();
  }
};

// What fsck found, as subject -> kind name.
std::map<std::string, std::string> KindsBySubject(const FsckReport& r) {
  std::map<std::string, std::string> got;
  for (const auto& f : r.findings) got[f.subject] = std::string(FsckKindName(f.kind));
  return got;
}

// oned's images listed just now: these entries named by SOURCE, these "<id>-<regtime>" images.
OnedImages Listed(std::set<std::string> entries, std::set<std::string> images = {}) {
  OnedImages o;
  o.listed_at = ::time(nullptr);
  o.entries = std::move(entries);
  o.images = std::move(images);
  return o;
}

// Pid 222 is the running action whose holds fsck must leave alone.
bool Pid222Alive(long pid) { return pid == 222; }

}  // namespace

TEST_CASE("fsck: a healthy catalog has no findings and nothing is changed") {
  FsckDaemon d;
  // .providers (providers.h: who holds what) sits beside the datastores and is not an entry.
  d.ls["/one-ipfs"] = FsckDaemon::Entries({{"100", "d", 1}, {".providers", "p", 1}});
  d.ls["/one-ipfs/.providers"] = FsckDaemon::Entries({{"bafkqaaa", "c", 1}});
  d.ls["/one-ipfs/.providers/bafkqaaa"] = FsckDaemon::Entries({{"node1", "r", 0}});
  d.ls["/one-ipfs/100"] = FsckDaemon::Entries({{"5-1", "e", 1}, {"6-2", "e2", 1}});
  d.ls["/one-ipfs/100/5-1"] = FsckDaemon::Entries({{"1", "A", 0}, {"2", "B", 0}, {"snap-0", "S", 0}});
  d.ls["/one-ipfs/100/6-2"] = FsckDaemon::Entries({});  // a save-as reservation
  FsckOptions o;
  o.oned = Listed({"/one-ipfs/100/5-1", "/one-ipfs/100/6-2"});
  Log log("test");
  auto r = RunFsck(*d.client, "/one-ipfs", o, log);
  REQUIRE(r.ok());
  CHECK(r->findings.empty());
  CHECK(r->entries == 2);
  CHECK(r->versions == 2);
  CHECK(d.removed.empty());
}

TEST_CASE("fsck: finds every kind of problem and changes nothing without repair") {
  FsckDaemon d;
  d.ls["/one-ipfs"] = FsckDaemon::Entries({{"100", "d", 1}});
  d.ls["/one-ipfs/100"] = FsckDaemon::Entries({{"5-1", "e", 1}, {"7-3", "o", 1}});
  d.ls["/one-ipfs/100/5-1"] = FsckDaemon::Entries(
      {{"1", "A", 0}, {"2", "B", 0}, {"3", "C", 0}, {".staging-4", "D", 0}, {"snap-0", "S", 0}});
  d.missing["C"] = "block was not found locally (offline)";
  d.pins = {"P1", "P2", "P3", "OPERATOR"};
  d.holds["P1"] = "one-ipfs-hold-1000-111-00000001-fe";  // pid 111 is gone
  d.holds["P2"] = fmt::format("one-ipfs-hold-{}-222-00000002-fe", ::time(nullptr) - 60);  // pid 222 runs
  d.holds["P3"] = "one-ipfs-hold-1000-333-00000003-other-host";  // another host, old
  FsckOptions o;
  o.oned = Listed({"/one-ipfs/100/5-1"});
  o.relist_oned = [] { return Result<OnedImages>(Listed({"/one-ipfs/100/5-1"})); };  // not called without repair
  o.prune_history = 2;
  o.this_host = "fe";
  o.pid_alive = Pid222Alive;
  Log log("test");
  auto r = RunFsck(*d.client, "/one-ipfs", o, log);
  REQUIRE(r.ok());
  auto got = KindsBySubject(*r);
  CHECK(got["/one-ipfs/100/7-3"] == "orphan");
  CHECK(got["/one-ipfs/100/5-1/.staging-4"] == "stale");
  CHECK(got["/one-ipfs/100/5-1/1"] == "history");
  CHECK(got["/one-ipfs/100/5-1/3"] == "not-local");
  CHECK(got["/ipfs/P1"] == "stale-pin");
  CHECK(got["/ipfs/P3"] == "stale-pin");
  CHECK(got.count("/ipfs/P2") == 0);
  CHECK(got.count("/ipfs/OPERATOR") == 0);  // not ours: never touched
  CHECK(r->findings.size() == 6);
  CHECK(r->holds_running == 1);
  CHECK(r->open() == 6);
  CHECK(d.removed.empty());
  CHECK(d.unpinned.empty());
  CHECK(FormatFsckReport(*r, false).find("6 problem(s)") != std::string::npos);
}

TEST_CASE("fsck: --repair removes leftovers, unpins stale holds, drops a history version only when the daemon says it is gone") {
  FsckDaemon d;
  d.ls["/one-ipfs"] = FsckDaemon::Entries({{"100", "d", 1}});
  d.ls["/one-ipfs/100"] = FsckDaemon::Entries({{"5-1", "e", 1}, {"7-3", "o", 1}});
  d.ls["/one-ipfs/100/5-1"] =
      FsckDaemon::Entries({{"1", "A", 0}, {"2", "B", 0}, {"3", "G", 0}, {"4", "C", 0}, {".staging-5", "D", 0}});
  d.missing["B"] = "block was not found locally (offline)";  // the fetch times out: maybe a peer is away
  d.missing["G"] = "block was not found locally (offline)";
  d.gone = {"G"};                                           // the daemon answers "not found"
  d.missing["C"] = "block was not found locally (offline)";
  d.pins = {"P1"};
  d.holds["P1"] = "one-ipfs-hold-1000-111-00000001-fe";
  // Repair fetches under a hold: dag/put then a fetch that fails (nobody has it).
  d.fake->queues["dag/put"] = {Ok200(R"({"Cid":{"/":"H"}})")};
  d.fake->queues["pin/add"] = {Ok200("{}")};
  FsckOptions o;
  o.repair = true;
  o.oned = Listed({"/one-ipfs/100/5-1"});
  o.relist_oned = [] { return Result<OnedImages>(Listed({"/one-ipfs/100/5-1"})); };
  o.this_host = "fe";
  o.pid_alive = [](long) { return false; };
  Log log("test");
  auto r = RunFsck(*d.client, "/one-ipfs", o, log);
  REQUIRE(r.ok());
  std::set<std::string> removed(d.removed.begin(), d.removed.end());
  CHECK(removed.count("/one-ipfs/100/7-3"));             // orphan
  CHECK(removed.count("/one-ipfs/100/5-1/.staging-5"));  // stale
  CHECK(removed.count("/one-ipfs/100/5-1/3"));           // history the daemon says is gone
  CHECK_FALSE(removed.count("/one-ipfs/100/5-1/2"));     // a timeout drops nothing
  CHECK_FALSE(removed.count("/one-ipfs/100/5-1/4"));     // the current content stays
  CHECK(std::find(d.unpinned.begin(), d.unpinned.end(), "P1") != d.unpinned.end());
  CHECK(r->open() == 2);
  std::string text = FormatFsckReport(*r, true);
  CHECK(text.find("NOT repaired") != std::string::npos);
  for (const auto& f : r->findings)
    if (f.subject == "/one-ipfs/100/5-1/2") CHECK(f.repair_error.find("kept") != std::string::npos);
}

TEST_CASE("fsck: --repair never removes an entry registered after oned's images were listed") {
  // oned lists its images, then an image is registered (cp writes its entry
  // while oned shows it LOCKED, then READY): its entry is not in the list.
  FsckDaemon d;
  const long now = ::time(nullptr);
  const std::string fresh = fmt::format("8-{}", now);        // <image id>-<regtime>: just now
  const std::string locked = fmt::format("9-{}", now - 3600);  // oned lists it, its cp still runs: no SOURCE yet
  const std::string taken = fmt::format("10-{}", now - 7200);  // an image names it by the second listing
  d.ls["/one-ipfs"] = FsckDaemon::Entries({{"100", "d", 1}});
  d.ls["/one-ipfs/100"] = FsckDaemon::Entries(
      {{"5-1", "e", 1}, {"7-3", "o", 1}, {fresh, "f", 1}, {locked, "l", 1}, {taken, "t", 1}, {"odd", "x", 1}});
  for (const auto& e : {std::string("5-1"), fresh, locked, taken, std::string("odd")})
    d.ls["/one-ipfs/100/" + e] = FsckDaemon::Entries({{"1", "A", 0}});
  FsckOptions o;
  o.repair = true;
  OnedImages first = Listed({"/one-ipfs/100/5-1"}, {"5-1", locked});
  first.listed_at = now - 1;  // asked for before image 8 was registered
  o.oned = first;
  int relisted = 0;
  o.relist_oned = [&] {
    ++relisted;
    return Result<OnedImages>(Listed({"/one-ipfs/100/5-1", "/one-ipfs/100/" + taken}, {"5-1", locked, fresh}));
  };
  Log log("test");
  auto r = RunFsck(*d.client, "/one-ipfs", o, log);
  REQUIRE(r.ok());
  std::set<std::string> removed(d.removed.begin(), d.removed.end());
  CHECK(removed == std::set<std::string>{"/one-ipfs/100/7-3"});  // registered long before the listing, still no image
  CHECK(relisted == 1);  // once, after the walk, before the removals
  auto kinds = KindsBySubject(*r);
  CHECK(kinds.count("/one-ipfs/100/" + fresh) == 0);
  CHECK(kinds.count("/one-ipfs/100/" + locked) == 0);
  CHECK(kinds.count("/one-ipfs/100/" + taken) == 0);  // dropped from the findings: an image has it now
  CHECK(kinds["/one-ipfs/100/odd"] == "orphan");      // no regtime in its name: listed, never removed
  CHECK(kinds["/one-ipfs/100/7-3"] == "orphan");
  std::string text = FormatFsckReport(*r, true);
  CHECK(text.find(fresh + ": registered around or after") != std::string::npos);
  CHECK(text.find(taken + ": an image has it now") != std::string::npos);
  CHECK(r->open() == 1);  // odd
}

TEST_CASE("fsck: without a second listing of oned, orphans are listed and not removed") {
  FsckDaemon d;
  d.ls["/one-ipfs"] = FsckDaemon::Entries({{"100", "d", 1}});
  d.ls["/one-ipfs/100"] = FsckDaemon::Entries({{"7-3", "o", 1}});
  for (bool can_relist : {false, true}) {
    CAPTURE(can_relist);
    d.removed.clear();
    FsckOptions o;
    o.repair = true;
    o.oned = Listed({});
    if (can_relist) o.relist_oned = [] { return Result<OnedImages>(Status::Timeout("oned did not answer")); };
    Log log("test");
    auto r = RunFsck(*d.client, "/one-ipfs", o, log);
    REQUIRE(r.ok());
    CHECK(d.removed.empty());
    REQUIRE(r->findings.size() == 1);
    CHECK_FALSE(r->findings[0].repaired);
    CHECK(r->findings[0].repair_error.find("could not be listed again") != std::string::npos);
    if (can_relist) CHECK(r->findings[0].repair_error.find("oned did not answer") != std::string::npos);
  }
}

TEST_CASE("fsck: direct pins of holds (a kill before the fetch) are found and removed; odd ones only listed") {
  FsckDaemon d;
  d.ls["/one-ipfs"] = FsckDaemon::Entries({});
  d.pins = {"W1", "W2", "OPERATOR"};
  d.wrappers["W1"] = "one-ipfs-hold-1000-111-00000001-fe";  // an add wrapper of a killed process
  d.wrappers["W2"] = "one-ipfs-hold-1000-112-00000001-fe,other";  // not the shape fsck knows
  d.direct = {"D1", "D2", "D3", "D4"};
  d.holds["D1"] = "one-ipfs-hold-1000-111-00000001-fe";  // process gone: stale
  d.holds["D2"] = fmt::format("one-ipfs-hold-{}-222-00000002-fe", ::time(nullptr) - 60);  // running
  d.holds["D3"] = "one-ipfs-hold-garbage";  // a hold node whose name does not parse
  // D4: the operator's direct pin of a dag-pb node (no one-ipfs-hold link).
  for (bool repair : {false, true}) {
    CAPTURE(repair);
    d.unpinned.clear();
    d.fake->seen.clear();
    FsckOptions o;
    o.repair = repair;
    o.this_host = "fe";
    o.pid_alive = Pid222Alive;
    Log log("test");
    auto r = RunFsck(*d.client, "/one-ipfs", o, log);
    REQUIRE(r.ok());
    auto got = KindsBySubject(*r);
    CHECK(got == std::map<std::string, std::string>{{"/ipfs/W1", "stale-pin"},
                                                    {"/ipfs/W2", "odd-pin"},
                                                    {"/ipfs/D1", "stale-pin"},
                                                    {"/ipfs/D3", "odd-pin"}});
    CHECK(r->holds_running == 1);
    // Direct pins are looked at as hold nodes only: their children need not
    // be local, and js-ipfs's ls would read every child from the network.
    for (const auto& s : d.fake->seen)
      if (s.command == "ls") CHECK((s.arg.at(0) == "W1" || s.arg.at(0) == "W2" || s.arg.at(0) == "OPERATOR"));
    if (repair) {
      CHECK(std::set<std::string>(d.unpinned.begin(), d.unpinned.end()) == std::set<std::string>{"W1", "D1"});
      CHECK(r->open() == 2);  // the odd pins stay, listed
      CHECK(FormatFsckReport(*r, true).find("odd-pin    /ipfs/D3") != std::string::npos);
    } else {
      CHECK(d.unpinned.empty());
    }
  }
}

TEST_CASE("fsck: oneimage list -x SOURCEs name the entries; every image's id and regtime count") {
  auto pool = ParseImagePool(
      "<IMAGE_POOL><IMAGE><ID>5</ID><REGTIME>1</REGTIME><SOURCE>mfs:/one-ipfs/100/5-1</SOURCE></IMAGE>"
      "<IMAGE><ID>6</ID><REGTIME>2</REGTIME><SOURCE>fe:mfs:/one-ipfs/100/6-2</SOURCE></IMAGE>"
      "<IMAGE><ID>7</ID><REGTIME>3</REGTIME><SOURCE>/ipfs/bafyx</SOURCE></IMAGE>"
      "<IMAGE><ID>8</ID><REGTIME>1767225600</REGTIME><SOURCE></SOURCE></IMAGE><IMAGE><ID>9</ID></IMAGE></IMAGE_POOL>",
      1767225700);
  REQUIRE(pool.ok());
  CHECK(pool->entries == std::set<std::string>{"/one-ipfs/100/5-1", "/one-ipfs/100/6-2"});
  CHECK(pool->images == std::set<std::string>{"5-1", "6-2", "7-3", "8-1767225600", "9-0"});
  CHECK(pool->listed_at == 1767225700);
  CHECK_FALSE(ParseImagePool("<HOST_POOL/>", 0).ok());
  CHECK_FALSE(ParseImagePool("not xml", 0).ok());
}

}  // namespace oneipfs
