// ipfs_test.cc: IpfsClient against a FakeTransport.
//
// Each case puts the daemon's canned reply beside the exact request the
// client must send for it (curl-test style), then checks what the client made
// of the reply.
#include "common/ipfs/ipfs.h"

#include <deque>
#include <limits>

#include <doctest/doctest.h>

#include "common/ipfs/ipfs_json.h"

namespace oneipfs {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

// One canned exchange: either a transport failure or an HTTP reply.
struct Reply {
  Status error;  // non-ok: Post returns it
  long status = 200;
  std::map<std::string, std::string> headers;
  std::string body;
  std::string trailer;  // X-Stream-Error
};

Reply Json200(std::string body) { return Reply{Status::Ok(), 200, {}, std::move(body), ""}; }
Reply Http(long status, std::string body) { return Reply{Status::Ok(), status, {}, std::move(body), ""}; }
Reply Fails(Status st) { return Reply{std::move(st), 0, {}, "", ""}; }

struct Recorded {
  HttpRequest request;
  std::string uploaded;  // what the upload source produced
};

class FakeTransport : public HttpTransport {
 public:
  explicit FakeTransport(std::deque<Reply> replies, std::size_t chunk = 7)
      : replies_(std::move(replies)), chunk_(chunk) {}

  std::string Describe() const override { return "http://fake:5001"; }

  Result<HttpResponse> Post(const HttpRequest& request) override {
    Recorded rec{request, ""};
    if (request.upload) {
      char buf[5];  // small, to exercise repeated pulls
      for (;;) {
        auto n = request.upload(buf, sizeof buf);
        if (!n.ok()) {
          recorded.push_back(rec);
          return n.status();
        }
        if (*n == 0) break;
        rec.uploaded.append(buf, *n);
      }
    }
    recorded.push_back(rec);
    REQUIRE_MESSAGE(!replies_.empty(), "unexpected request " << request.path);
    Reply r = replies_.front();
    replies_.pop_front();
    if (!r.error.ok()) {
      // A connection that breaks mid-reply: part of the body, then the error.
      if (request.on_body && !r.body.empty()) (void)request.on_body(r.body);
      return r.error;
    }
    HttpResponse resp;
    resp.status = r.status;
    resp.headers = r.headers;
    resp.stream_error = r.trailer;
    if (request.on_body && r.status >= 200 && r.status < 300) {
      for (std::size_t i = 0; i < r.body.size(); i += chunk_) {  // arrives in pieces
        Status st = request.on_body(std::string_view(r.body).substr(i, chunk_));
        if (!st.ok()) return st;
      }
    } else {
      resp.body = r.body;
    }
    return resp;
  }

  std::vector<Recorded> recorded;
  std::size_t pending() const { return replies_.size(); }

 private:
  std::deque<Reply> replies_;
  std::size_t chunk_;
};

// One attempt per call unless `attempts` says otherwise: most cases check
// exactly one exchange; the retry cases give several replies.
struct Fixture {
  explicit Fixture(std::deque<Reply> replies, int attempts = 1,
                   std::chrono::milliseconds backoff = std::chrono::milliseconds(1),
                   std::chrono::seconds timeout = std::chrono::seconds(30)) {
    auto t = std::make_unique<FakeTransport>(std::move(replies));
    fake = t.get();
    IpfsOptions o;
    o.timeout = timeout;
    o.attempts = attempts;
    o.retry_backoff = backoff;
    client = std::make_unique<IpfsClient>(std::move(t), o);
  }
  const HttpRequest& req(std::size_t i = 0) const { return fake->recorded.at(i).request; }
  FakeTransport* fake = nullptr;
  std::unique_ptr<IpfsClient> client;
};

Status Discard(std::string_view) { return Status::Ok(); }

// A declarative case: the reply, the request it answers, and a check of the
// client's result.
struct Case {
  const char* name;
  Reply reply;
  std::string path;
  Query query;  // exact, in order
  std::function<void(IpfsClient&)> run;
};

const Query kT = {{"timeout", "30s"}};
Query With(Query q) {
  q.emplace_back("timeout", "30s");
  return q;
}

}  // namespace

TEST_CASE("ipfs_test: requests and replies of every call") {
  const std::vector<Case> cases = {
      {"version", Json200(R"({"Version":"0.29.0","Commit":"","Repo":"15"})"), "/api/v0/version", kT,
       [](IpfsClient& c) {
         auto v = c.Version();
         REQUIRE(v.ok());
         CHECK(*v == "0.29.0");
       }},
      {"id", Json200(R"({"ID":"12D3KooWabc","Addresses":["/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWabc"],
                         "AgentVersion":"js-ipfs/0.66.1"})"),
       "/api/v0/id", kT,
       [](IpfsClient& c) {
         auto p = c.Id();
         REQUIRE(p.ok());
         CHECK(p->id == "12D3KooWabc");
         CHECK(p->agent_version == "js-ipfs/0.66.1");
         REQUIRE(p->addresses.size() == 1);
         CHECK(p->addresses[0] == "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWabc");
       }},
      {"id without addresses", Json200(R"({"ID":"12D3KooWabc","Addresses":null})"), "/api/v0/id", kT,
       [](IpfsClient& c) {
         auto p = c.Id();
         REQUIRE(p.ok());
         CHECK(p->addresses.empty());
       }},
      {"name/resolve", Json200(R"({"Path":"/ipfs/bafyroot/disk.qcow2"})"), "/api/v0/name/resolve",
       With({{"arg", "/ipns/k51abc/disk.qcow2"}, {"recursive", "true"}}),
       [](IpfsClient& c) {
         auto p = c.ResolveName("/ipns/k51abc/disk.qcow2");
         REQUIRE(p.ok());
         CHECK(*p == "/ipfs/bafyroot/disk.qcow2");
       }},
      {"resolve", Json200(R"({"Path":"/ipfs/bafyleaf"})"), "/api/v0/resolve", With({{"arg", "/ipfs/bafyroot/a/b"}}),
       [](IpfsClient& c) {
         auto p = c.ResolvePath("/ipfs/bafyroot/a/b");
         REQUIRE(p.ok());
         CHECK(*p == "/ipfs/bafyleaf");
       }},
      {"files/stat of an /ipfs/ path, numbers as strings",
       Json200(R"({"Hash":"zb2rhabc","Size":"1048577","CumulativeSize":"1048700","Blocks":2,"Type":"file"})"),
       "/api/v0/files/stat", With({{"arg", "/ipfs/zb2rhabc"}}),
       [](IpfsClient& c) {
         auto s = c.Stat("/ipfs/zb2rhabc");
         REQUIRE(s.ok());
         CHECK(s->cid == "zb2rhabc");
         CHECK(s->is_file());
         CHECK(s->size == 1048577);
         CHECK(s->cumulative_size == 1048700);
       }},
      {"files/stat of an MFS directory",
       Json200(R"({"Hash":"QmDir","Size":0,"CumulativeSize":1234,"Blocks":3,"Type":"directory"})"),
       "/api/v0/files/stat", With({{"arg", "/one-ipfs/images"}}),
       [](IpfsClient& c) {
         auto s = c.Stat("/one-ipfs/images");
         REQUIRE(s.ok());
         CHECK(s->type == "directory");
         CHECK(!s->is_file());
         CHECK(s->cumulative_size == 1234);
       }},
      {"files/stat of a raw block", Json200(R"({"Hash":"bafkraw","Size":5,"CumulativeSize":5,"Type":"raw"})"),
       "/api/v0/files/stat", With({{"arg", "/ipfs/bafkraw"}}),
       [](IpfsClient& c) {
         auto s = c.Stat("/ipfs/bafkraw");
         REQUIRE(s.ok());
         CHECK(s->is_file());
       }},
      {"files/stat missing", Http(500, R"({"Message":"file does not exist","Code":0,"Type":"error"})"),
       "/api/v0/files/stat", With({{"arg", "/one-ipfs/images/7"}}),
       [](IpfsClient& c) {
         auto s = c.Stat("/one-ipfs/images/7");
         REQUIRE(!s.ok());
         CHECK(s.status().code() == Status::Code::kNotFound);
         CHECK(s.status().message() == "IPFS daemon at http://fake:5001: files/stat /one-ipfs/images/7: file does not exist");
       }},
      {"files/ls", Json200(R"({"Entries":[{"Name":"5","Type":0,"Size":1024,"Hash":"bafyfile"},
                                            {"Name":"sub","Type":1,"Size":"0","Hash":"QmDir"}]})"),
       "/api/v0/files/ls", With({{"arg", "/one-ipfs/images"}, {"long", "true"}}),
       [](IpfsClient& c) {
         auto l = c.FilesLs("/one-ipfs/images");
         REQUIRE(l.ok());
         REQUIRE(l->size() == 2);
         CHECK((*l)[0].name == "5");
         CHECK((*l)[0].cid == "bafyfile");
         CHECK((*l)[0].size == 1024);
         CHECK(!(*l)[0].is_dir);
         CHECK((*l)[1].name == "sub");
         CHECK((*l)[1].is_dir);
       }},
      {"files/ls null entries", Json200(R"({"Entries":null})"), "/api/v0/files/ls",
       With({{"arg", "/empty"}, {"long", "true"}}),
       [](IpfsClient& c) {
         auto l = c.FilesLs("/empty");
         REQUIRE(l.ok());
         CHECK(l->empty());
       }},
      {"files/ls other spellings", Json200(R"({"entries":[{"name":"d","hash":"QmD","size":"7","type":"directory"}]})"),
       "/api/v0/files/ls", With({{"arg", "/x"}, {"long", "true"}}),
       [](IpfsClient& c) {
         auto l = c.FilesLs("/x");
         REQUIRE(l.ok());
         REQUIRE(l->size() == 1);
         CHECK((*l)[0].name == "d");
         CHECK((*l)[0].cid == "QmD");
         CHECK((*l)[0].size == 7);
         CHECK((*l)[0].is_dir);
       }},
      {"files/mkdir", Json200(""), "/api/v0/files/mkdir", With({{"arg", "/one-ipfs/images"}, {"parents", "true"}}),
       [](IpfsClient& c) { CHECK(c.FilesMkdir("/one-ipfs/images").ok()); }},
      {"files/cp", Json200(""), "/api/v0/files/cp",
       With({{"arg", "/ipfs/bafyx"}, {"arg", "/one-ipfs/images/5"}, {"parents", "true"}}),
       [](IpfsClient& c) { CHECK(c.FilesCp("/ipfs/bafyx", "/one-ipfs/images/5").ok()); }},
      {"files/mv", Json200(""), "/api/v0/files/mv", With({{"arg", "/a"}, {"arg", "/b"}}),
       [](IpfsClient& c) { CHECK(c.FilesMv("/a", "/b").ok()); }},
      {"files/rm", Json200(""), "/api/v0/files/rm", With({{"arg", "/one-ipfs/images/5"}}),
       [](IpfsClient& c) { CHECK(c.FilesRm("/one-ipfs/images/5", false).ok()); }},
      {"files/rm recursive", Json200(""), "/api/v0/files/rm", With({{"arg", "/one-ipfs/tmp"}, {"recursive", "true"}}),
       [](IpfsClient& c) { CHECK(c.FilesRm("/one-ipfs/tmp", true).ok()); }},
      {"files/rm missing (js-ipfs wording)",
       Http(500, R"({"Message":"/one-ipfs/images/9 does not exist","Code":0,"Type":"error"})"), "/api/v0/files/rm",
       With({{"arg", "/one-ipfs/images/9"}}),
       [](IpfsClient& c) {
         Status st = c.FilesRm("/one-ipfs/images/9", false);
         CHECK(st.code() == Status::Code::kNotFound);
       }},
      {"resolve: no link named", Http(500, R"({"Message":"no link named \"x\" under bafyroot","Code":0})"),
       "/api/v0/resolve", With({{"arg", "/ipfs/bafyroot/x"}}),
       [](IpfsClient& c) { CHECK(c.ResolvePath("/ipfs/bafyroot/x").status().code() == Status::Code::kNotFound); }},
      {"repo/stat, js-ipfs strings",
       Json200(R"({"NumObjects":"12","RepoSize":"123456789012","RepoPath":"/tmp/r","Version":"12","StorageMax":"10000000000"})"),
       "/api/v0/repo/stat", kT,
       [](IpfsClient& c) {
         auto s = c.GetRepoStat();
         REQUIRE(s.ok());
         CHECK(s->num_objects == 12);
         CHECK(s->repo_size == 123456789012ULL);
         CHECK(s->storage_max == 10000000000ULL);
         CHECK(s->repo_path == "/tmp/r");
       }},
      {"repo/stat, kubo numbers",
       Json200(R"({"RepoSize":4096,"StorageMax":9999,"NumObjects":3,"RepoPath":"/var/ipfs","Version":"fs-repo@15"})"),
       "/api/v0/repo/stat", kT,
       [](IpfsClient& c) {
         auto s = c.GetRepoStat();
         REQUIRE(s.ok());
         CHECK(s->repo_size == 4096);
         CHECK(s->storage_max == 9999);
         CHECK(s->num_objects == 3);
       }},
      // kubo core/commands/repo.go repoStatCmd: with size-only it emits
      // corerepo.Stat{SizeStat: corerepo.RepoSize()}, so the other fields are
      // Go zero values (RepoPath "", NumObjects 0), numbers as JSON numbers.
      {"repo/stat size-only, kubo (StorageMax 10GB, the default config)",
       Json200(R"({"RepoSize":4096,"StorageMax":10000000000,"NumObjects":0,"NumProviders":0,"NumValues":0,)"
               R"("RepoPath":"","Version":""})"),
       "/api/v0/repo/stat", With({{"size-only", "true"}}),
       [](IpfsClient& c) {
         auto s = c.GetRepoStat(true);
         REQUIRE(s.ok());
         CHECK(s->repo_size == 4096);
         CHECK(s->storage_max == 10000000000ULL);
         CHECK(s->storage_max_limited());
         CHECK(s->repo_path.empty());
       }},
      // kubo corerepo/stat.go RepoSize: no Datastore.StorageMax in the config
      // -> NoLimit = math.MaxUint64.
      {"repo/stat size-only, kubo without StorageMax",
       Json200(R"({"RepoSize":1,"StorageMax":18446744073709551615,"NumObjects":0,"RepoPath":"","Version":""})"),
       "/api/v0/repo/stat", With({{"size-only", "true"}}),
       [](IpfsClient& c) {
         auto s = c.GetRepoStat(true);
         REQUIRE(s.ok());
         CHECK(s->storage_max == 18446744073709551615ULL);
         CHECK_FALSE(s->storage_max_limited());
       }},
      // kubo without size-only: corerepo.RepoStat fills RepoPath from
      // fsrepo.BestKnownPath() ($IPFS_PATH or ~/.ipfs of the daemon).
      {"repo/stat full, kubo: RepoPath",
       Json200(R"({"RepoSize":4096,"StorageMax":10000000000,"NumObjects":3,"NumProviders":0,"NumValues":9,)"
               R"("RepoPath":"/var/lib/ipfs","Version":"fs-repo@15"})"),
       "/api/v0/repo/stat", kT,
       [](IpfsClient& c) {
         auto s = c.GetRepoStat(false);
         REQUIRE(s.ok());
         CHECK(s->repo_path == "/var/lib/ipfs");
         CHECK(s->num_objects == 3);
       }},
      // js-ipfs 0.66 (checked on the test daemon): size-only is ignored,
      // every number is a string, StorageMax without a limit is
      // Number.MAX_SAFE_INTEGER.
      {"repo/stat size-only, js-ipfs ignores it",
       Json200(R"({"NumObjects":"0","RepoSize":"1612","RepoPath":"/tmp/ipfs-fe","Version":"12",)"
               R"("StorageMax":"9007199254740991"})"),
       "/api/v0/repo/stat", With({{"size-only", "true"}}),
       [](IpfsClient& c) {
         auto s = c.GetRepoStat(true);
         REQUIRE(s.ok());
         CHECK(s->repo_size == 1612);
         CHECK(s->repo_path == "/tmp/ipfs-fe");
         CHECK_FALSE(s->storage_max_limited());
       }},
      {"repo/stat without RepoSize is an error", Json200(R"({"StorageMax":1})"), "/api/v0/repo/stat",
       With({{"size-only", "true"}}),
       [](IpfsClient& c) { CHECK(c.GetRepoStat(true).status().code() == Status::Code::kFailed); }},
      {"swarm/connect", Json200(R"({"Strings":["connect 12D3KooWabc success"]})"), "/api/v0/swarm/connect",
       With({{"arg", "/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWabc"}}),
       [](IpfsClient& c) { CHECK(c.SwarmConnect("/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWabc").ok()); }},
      {"repo/gc", Json200("{\"Key\":{\"/\":\"bafya\"}}\n{\"Key\":{\"/\":\"bafyb\"}}\n"), "/api/v0/repo/gc", kT,
       [](IpfsClient& c) { CHECK(c.RepoGc().ok()); }},
      {"repo/gc with a kubo Error line", Json200("{\"Key\":{\"/\":\"bafya\"}}\n{\"Error\":\"could not remove bafyb\"}\n"),
       "/api/v0/repo/gc", kT,
       [](IpfsClient& c) {
         Status st = c.RepoGc();
         CHECK(st.code() == Status::Code::kFailed);
         CHECK(st.message() == "IPFS daemon at http://fake:5001: repo/gc: could not remove bafyb");
       }},
      {"repo/gc with a js-ipfs Err line", Json200("{\"Err\":\"boom\"}\n"), "/api/v0/repo/gc", kT,
       [](IpfsClient& c) { CHECK(c.RepoGc().code() == Status::Code::kFailed); }},
      {"raw call", Json200(R"({"Strings":[]})"), "/api/v0/bootstrap/list", kT,
       [](IpfsClient& c) {
         auto b = c.Call("bootstrap/list", {});
         REQUIRE(b.ok());
         CHECK(*b == R"({"Strings":[]})");
       }},
      {"raw call error names its argument", Http(500, R"({"Message":"invalid path","Code":0,"Type":"error"})"),
       "/api/v0/block/stat", With({{"arg", "nope"}}),
       [](IpfsClient& c) {
         auto b = c.Call("block/stat", {{"arg", "nope"}});
         CHECK(b.status().message() == "IPFS daemon at http://fake:5001: block/stat nope: invalid path");
       }},
      {"JSON error body", Http(500, R"({"Message":"cid too short","Code":0,"Type":"error"})"), "/api/v0/files/cp",
       With({{"arg", "/ipfs/bad"}, {"arg", "/x"}, {"parents", "true"}}),
       [](IpfsClient& c) {
         Status st = c.FilesCp("/ipfs/bad", "/x");
         CHECK(st.code() == Status::Code::kFailed);
         CHECK(st.message() == "IPFS daemon at http://fake:5001: files/cp /ipfs/bad /x: cid too short");
       }},
      {"plain-text 404 (kubo: unknown command)", Http(404, "404 page not found\n"), "/api/v0/version", kT,
       [](IpfsClient& c) {
         auto v = c.Version();
         CHECK(v.status().code() == Status::Code::kFailed);  // not NotFound: the command is missing
         CHECK(v.status().message() ==
               "IPFS daemon at http://fake:5001: version: the daemon does not implement this command "
               "(HTTP 404: 404 page not found)");
       }},
      {"plain-text 500", Http(500, "internal trouble\n"), "/api/v0/version", kT,
       [](IpfsClient& c) {
         CHECK(c.Version().status().message() == "IPFS daemon at http://fake:5001: version: internal trouble");
       }},
      {"empty error body", Http(502, ""), "/api/v0/version", kT,
       [](IpfsClient& c) { CHECK(c.Version().status().message() == "IPFS daemon at http://fake:5001: version: HTTP 502"); }},
      {"403", Http(403, "403 - Forbidden\n"), "/api/v0/version", kT,
       [](IpfsClient& c) {
         auto v = c.Version();
         CHECK(v.status().code() == Status::Code::kFailed);
         CHECK(v.status().message().find("authorization") != std::string::npos);
       }},
      {"daemon-side deadline", Http(500, R"({"Message":"context deadline exceeded","Code":0,"Type":"error"})"),
       "/api/v0/files/stat", With({{"arg", "/ipfs/bafymissing"}}),
       [](IpfsClient& c) {
         auto s = c.Stat("/ipfs/bafymissing");
         CHECK(s.status().code() == Status::Code::kTimeout);
         CHECK(s.status().message() ==
               "IPFS daemon at http://fake:5001 did not answer files/stat /ipfs/bafymissing within 30 s "
               "(context deadline exceeded)");
       }},
      {"unavailable", Fails(Status::Unavailable("Failed to connect to fake port 5001: Connection refused")),
       "/api/v0/files/stat", With({{"arg", "/ipfs/bafyx"}}),
       [](IpfsClient& c) {
         auto s = c.Stat("/ipfs/bafyx");
         CHECK(s.status().code() == Status::Code::kUnavailable);
         CHECK(s.status().message() ==
               "IPFS daemon at http://fake:5001 is not reachable (Failed to connect to fake port 5001: Connection "
               "refused)");
       }},
      {"client-side timeout", Fails(Status::Timeout("Operation timed out after 35000 milliseconds")),
       "/api/v0/files/stat", With({{"arg", "/ipfs/bafyx"}}),
       [](IpfsClient& c) {
         auto s = c.Stat("/ipfs/bafyx");
         CHECK(s.status().code() == Status::Code::kTimeout);
         CHECK(s.status().message() == "IPFS daemon at http://fake:5001 did not answer files/stat /ipfs/bafyx within 30 s");
       }},
      {"transport I/O error", Fails(Status::Io("Recv failure: Connection reset by peer")), "/api/v0/version", kT,
       [](IpfsClient& c) {
         auto v = c.Version();
         CHECK(v.status().code() == Status::Code::kIo);
         CHECK(v.status().message() == "IPFS daemon at http://fake:5001: version: Recv failure: Connection reset by peer");
       }},
      {"unreadable 200", Json200("<html>proxy</html>"), "/api/v0/version", kT,
       [](IpfsClient& c) {
         auto v = c.Version();
         CHECK(v.status().code() == Status::Code::kFailed);
         CHECK(v.status().message().rfind("IPFS daemon at http://fake:5001: version: unreadable reply", 0) == 0);
       }},
      {"200 without the expected field", Json200("{}"), "/api/v0/files/stat", With({{"arg", "/x"}}),
       [](IpfsClient& c) { CHECK(c.Stat("/x").status().code() == Status::Code::kFailed); }},
  };

  for (const Case& tc : cases) {
    CAPTURE(tc.name);
    Fixture f({tc.reply});
    tc.run(*f.client);
    REQUIRE(f.fake->recorded.size() == 1);
    CHECK(f.req().path == tc.path);
    CHECK(f.req().query == tc.query);
    CHECK(f.req().total_timeout == std::chrono::seconds(35));
    CHECK(f.req().stall_timeout == std::chrono::seconds(0));
    CHECK(!f.req().upload);
    CHECK(f.fake->pending() == 0);
  }
}

// ---------------------------------------------------------------------------
// Transfers: cat, add, refs.

TEST_CASE("ipfs_test: cat streams with a stall limit and no daemon deadline") {
  Reply r = Json200("hello world");
  r.headers["x-content-length"] = "11";
  Fixture f({r});
  std::string got;
  std::vector<std::uint64_t> progress;
  Status st = f.client->Cat(
      "/ipfs/bafyx", 0, std::nullopt,
      [&](std::string_view c) {
        got.append(c);
        return Status::Ok();
      },
      [&](std::uint64_t n) { progress.push_back(n); });
  REQUIRE(st.ok());
  CHECK(got == "hello world");
  CHECK(progress == std::vector<std::uint64_t>{7, 11});
  CHECK(f.req().path == "/api/v0/cat");
  CHECK(f.req().query == Query{{"arg", "/ipfs/bafyx"}, {"offset", "0"}});
  CHECK(f.req().stall_timeout == std::chrono::seconds(30));
  CHECK(f.req().total_timeout == std::chrono::seconds(0));
}

TEST_CASE("ipfs_test: cat range") {
  Reply r = Json200("lo w");
  r.headers["x-content-length"] = "4";  // kubo: the bytes of this reply
  Fixture f({r});
  auto s = f.client->CatRange("/ipfs/bafyx", 3, 4);
  REQUIRE(s.ok());
  CHECK(*s == "lo w");
  CHECK(f.req().query == Query{{"arg", "/ipfs/bafyx"}, {"offset", "3"}, {"length", "4"}});
}

TEST_CASE("ipfs_test: cat never hands the sink more than asked") {
  Fixture f({Json200("0123456789")});
  auto s = f.client->CatRange("/ipfs/bafyx", 0, 4);
  REQUIRE(s.ok());
  CHECK(*s == "0123");
}

TEST_CASE("ipfs_test: cat of length 0 asks nothing") {
  Fixture f({});
  auto s = f.client->CatRange("/ipfs/bafyx", 10, 0);
  REQUIRE(s.ok());
  CHECK(s->empty());
  CHECK(f.fake->recorded.empty());
}

TEST_CASE("ipfs_test: cat truncated against X-Content-Length") {
  Reply r = Json200("hello world");
  r.headers["x-content-length"] = "100";
  Fixture f({r});
  Status st = f.client->Cat("/ipfs/bafyx", 0, std::nullopt, Discard);
  CHECK(st.code() == Status::Code::kFailed);
  CHECK(st.message() == "IPFS daemon at http://fake:5001: cat /ipfs/bafyx: truncated: got 11 of 100 bytes");
}

TEST_CASE("ipfs_test: cat from an offset accepts a whole-file X-Content-Length") {
  Reply r = Json200("world");
  r.headers["x-content-length"] = "11";
  Fixture f({r});
  CHECK(f.client->Cat("/ipfs/bafyx", 6, std::nullopt, Discard).ok());
}

TEST_CASE("ipfs_test: cat with an X-Stream-Error trailer fails") {
  SUBCASE("kubo: plain text") {
    Reply r = Json200("partial");
    r.trailer = "failed to fetch block bafyq: context canceled";
    Fixture f({r});
    Status st = f.client->Cat("/ipfs/bafyx", 0, std::nullopt, Discard);
    CHECK(st.code() == Status::Code::kFailed);
    CHECK(st.message() ==
          "IPFS daemon at http://fake:5001: cat /ipfs/bafyx: failed to fetch block bafyq: context canceled");
  }
  SUBCASE("js-ipfs: JSON") {
    Reply r = Json200("");
    r.trailer = R"({"Message":"Failed to cat file: block not found","Code":0})";
    Fixture f({r});
    Status st = f.client->Cat("/ipfs/bafyx", 0, std::nullopt, Discard);
    CHECK(st.code() == Status::Code::kFailed);
    CHECK(st.message() == "IPFS daemon at http://fake:5001: cat /ipfs/bafyx: Failed to cat file: block not found");
  }
}

TEST_CASE("ipfs_test: cat sink failure is returned as is") {
  Fixture f({Json200("hello world")});
  Status st = f.client->Cat("/ipfs/bafyx", 0, std::nullopt, [](std::string_view) { return Status::Io("disk full"); });
  CHECK(st.code() == Status::Code::kIo);
  CHECK(st.message() == "disk full");
}

TEST_CASE("ipfs_test: cat stall") {
  Fixture f({Fails(Status::Timeout("Operation too slow"))});
  Status st = f.client->Cat("/ipfs/bafyx", 0, std::nullopt, Discard);
  CHECK(st.code() == Status::Code::kTimeout);
  CHECK(st.message() == "IPFS daemon at http://fake:5001 did not answer cat /ipfs/bafyx within 30 s (the transfer stalled)");
}

TEST_CASE("ipfs_test: cat of a missing path is NotFound") {
  Fixture f({Http(500, R"({"Message":"no link named \"disk\" under bafyroot","Code":0,"Type":"error"})")});
  CHECK(f.client->Cat("/ipfs/bafyroot/disk", 0, std::nullopt, Discard).code() == Status::Code::kNotFound);
}

namespace {

ByteSource FromString(std::string data) {
  auto pos = std::make_shared<std::size_t>(0);
  auto d = std::make_shared<std::string>(std::move(data));
  return [pos, d](char* buf, std::size_t cap) -> Result<std::size_t> {
    std::size_t n = std::min(cap, d->size() - *pos);
    std::copy_n(d->data() + *pos, n, buf);
    *pos += n;
    return n;
  };
}

const Query kAddQuery = {{"pin", "false"},          {"cid-version", "1"}, {"raw-leaves", "true"},
                         {"chunker", "size-1048576"}, {"hash", "sha2-256"}, {"progress", "true"}};

}  // namespace

TEST_CASE("ipfs_test: add streams the file and takes the last Hash") {
  // kubo-style progress lines, then the result line.
  Fixture f({Json200("{\"Name\":\"disk.img\",\"Bytes\":262144}\n"
                     "{\"Name\":\"disk.img\",\"Bytes\":524288}\n"
                     "{\"Name\":\"disk.img\",\"Bytes\":600000}\n"
                     "{\"Name\":\"disk.img\",\"Hash\":\"bafybeiroot\",\"Size\":\"600123\"}\n")});
  std::vector<std::uint64_t> progress;
  auto a = f.client->Add("disk.img", FromString("0123456789abc"), [&](std::uint64_t n) { progress.push_back(n); });
  REQUIRE(a.ok());
  CHECK(a->cid == "bafybeiroot");
  CHECK(a->bytes == 600000);
  CHECK(progress == std::vector<std::uint64_t>{262144, 524288, 600000});
  const Recorded& rec = f.fake->recorded.at(0);
  CHECK(rec.request.path == "/api/v0/add");
  CHECK(rec.request.query == kAddQuery);
  CHECK(rec.request.upload_name == "disk.img");
  CHECK(rec.uploaded == "0123456789abc");
  CHECK(rec.request.stall_timeout == std::chrono::seconds(30));
  CHECK(rec.request.total_timeout == std::chrono::seconds(0));
}

TEST_CASE("ipfs_test: add honours the CID options") {
  auto t = std::make_unique<FakeTransport>(std::deque<Reply>{Json200("{\"Name\":\"f\",\"Hash\":\"QmX\",\"Size\":3}")});
  FakeTransport* fake = t.get();
  IpfsOptions o;
  o.cid_version = 0;
  o.raw_leaves = false;
  o.chunker = "size-262144";
  o.hash = "blake2b-256";
  IpfsClient c(std::move(t), o);
  auto a = c.Add("f", FromString("abc"));
  REQUIRE(a.ok());
  CHECK(a->cid == "QmX");  // a final line without a trailing newline still counts
  CHECK(fake->recorded.at(0).request.query == Query{{"pin", "false"},
                                                     {"cid-version", "0"},
                                                     {"raw-leaves", "false"},
                                                     {"chunker", "size-262144"},
                                                     {"hash", "blake2b-256"},
                                                     {"progress", "true"}});
}

TEST_CASE("ipfs_test: add with an error line fails") {
  Fixture f({Json200("{\"Name\":\"disk.img\",\"Bytes\":262144}\n"
                     "{\"Message\":\"write /repo/blocks: no space left on device\",\"Code\":0,\"Type\":\"error\"}\n")});
  auto a = f.client->Add("disk.img", FromString("x"));
  CHECK(a.status().code() == Status::Code::kFailed);
  CHECK(a.status().message() ==
        "IPFS daemon at http://fake:5001: add disk.img: write /repo/blocks: no space left on device");
}

TEST_CASE("ipfs_test: add with an X-Stream-Error trailer fails even with a Hash") {
  Reply r = Json200("{\"Name\":\"disk.img\",\"Hash\":\"bafypartial\",\"Size\":\"9\"}\n");
  r.trailer = "unexpected EOF";
  Fixture f({r});
  auto a = f.client->Add("disk.img", FromString("x"));
  CHECK(a.status().code() == Status::Code::kFailed);
  CHECK(a.status().message() == "IPFS daemon at http://fake:5001: add disk.img: unexpected EOF");
}

TEST_CASE("ipfs_test: add without a Hash fails") {
  Fixture f({Json200("{\"Name\":\"disk.img\",\"Bytes\":1}\n")});
  auto a = f.client->Add("disk.img", FromString("x"));
  CHECK(a.status().code() == Status::Code::kFailed);
  CHECK(a.status().message() == "IPFS daemon at http://fake:5001: add disk.img: the reply named no CID");
}

TEST_CASE("ipfs_test: add returns the source's own failure") {
  Fixture f({});
  auto a = f.client->Add("disk.img", [](char*, std::size_t) -> Result<std::size_t> {
    return Status::Io("download of http://x/disk.img: connection reset");
  });
  CHECK(a.status().code() == Status::Code::kIo);
  CHECK(a.status().message() == "download of http://x/disk.img: connection reset");
}

TEST_CASE("ipfs_test: add of a plain-text 400") {
  Fixture f({Http(400, "File argument 'data' is required.\n")});
  auto a = f.client->Add("", FromString(""));
  CHECK(a.status().code() == Status::Code::kFailed);
  CHECK(a.status().message() == "IPFS daemon at http://fake:5001: add file: File argument 'data' is required.");
  CHECK(f.fake->recorded.at(0).request.upload_name == "file");
}

TEST_CASE("ipfs_test: add names the part without slashes") {
  Fixture f({Json200("{\"Name\":\"a_b\",\"Hash\":\"bafyab\"}\n")});
  auto a = f.client->Add("a/b", FromString("x"));
  REQUIRE(a.ok());
  CHECK(f.fake->recorded.at(0).request.upload_name == "a_b");
}

TEST_CASE("ipfs_test: refs -r drains the stream and counts blocks") {
  Fixture f({Json200("{\"Ref\":\"bafya\",\"Err\":\"\"}\n{\"Ref\":\"bafyb\",\"Err\":\"\"}\n{\"Ref\":\"bafyc\",\"Err\":\"\"}\n")});
  std::vector<std::uint64_t> blocks;
  REQUIRE(f.client->FetchAll("bafyroot", [&](std::uint64_t n) { blocks.push_back(n); }).ok());
  CHECK(blocks == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(f.req().path == "/api/v0/refs");
  CHECK(f.req().query == Query{{"arg", "bafyroot"}, {"recursive", "true"}, {"unique", "true"}});
  CHECK(f.req().stall_timeout == std::chrono::seconds(30));
  CHECK(f.req().total_timeout == std::chrono::seconds(0));
}

TEST_CASE("ipfs_test: refs -r with an Err line fails") {
  Fixture f({Json200("{\"Ref\":\"bafya\",\"Err\":\"\"}\n{\"Ref\":\"\",\"Err\":\"block not found\"}\n")});
  Status st = f.client->FetchAll("bafyroot");
  CHECK(st.code() == Status::Code::kFailed);
  CHECK(st.message() == "IPFS daemon at http://fake:5001: refs bafyroot: block not found");
}

TEST_CASE("ipfs_test: refs -r with a trailer fails") {
  Reply r = Json200("{\"Ref\":\"bafya\",\"Err\":\"\"}\n");
  r.trailer = "context canceled";
  Fixture f({r});
  CHECK(f.client->FetchAll("bafyroot").code() == Status::Code::kFailed);
}

TEST_CASE("ipfs_test: timeout setting reaches the request") {
  Fixture f({Json200(R"({"Version":"0.66.1"})")});
  f.client->set_timeout(std::chrono::seconds(20));
  REQUIRE(f.client->Version().ok());
  CHECK(f.req().query == Query{{"timeout", "20s"}});
  CHECK(f.req().total_timeout == std::chrono::seconds(25));
  CHECK(f.client->Address() == "http://fake:5001");
}

// ---------------------------------------------------------------------------
// Reply parsing helpers.

TEST_CASE("ipfs_test: json helpers") {
  using namespace ipfs_json;
  Json j = Json::parse(R"({"a":"12","b":7,"c":-1,"d":"x","e":{"/":"bafy"},"F":3.0,"g":null})");
  CHECK(Num(j, "a") == 12);
  CHECK(Num(j, "b") == 7);
  CHECK(Num(j, "c") == 0);
  CHECK(Num(j, "d") == 0);
  CHECK(Num(j, "f") == 3);  // any case
  CHECK(Num(j, "g") == 0);
  CHECK(Num(j, "missing") == 0);
  CHECK(Str(j, "e") == "bafy");
  CHECK(Str(j, "b") == "");
  CHECK(ParseUint(" 42 ") == std::optional<std::uint64_t>(42));
  CHECK(!ParseUint("4x"));
  CHECK(!ParseUint("99999999999999999999999"));
  CHECK(ErrorText(R"({"Message":"m","Code":0})") == "m");
  CHECK(ErrorText("  plain\n") == "plain");
  CHECK(ErrorText("") == "no error message");
  CHECK(LooksNotFound("File Does Not Exist"));
  CHECK(LooksNotFound("no such file or directory"));
  CHECK(!LooksNotFound("permission denied"));
  CHECK(LooksTimedOut("TimeoutError: request timed out"));

  std::vector<std::string> seen;
  NdjsonReader r([&](const Json& line) {
    seen.push_back(line.dump());
    return Status::Ok();
  });
  CHECK(r.Feed("{\"a\":1}\n{\"b\"").ok());
  CHECK(r.Feed(":2}\r\n\n").ok());
  CHECK(r.Feed("{\"c\":3}").ok());
  CHECK(r.Finish().ok());
  CHECK(seen == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
  NdjsonReader bad(nullptr);
  CHECK(bad.Feed("not json\n").code() == Status::Code::kFailed);
}

}  // namespace oneipfs

// ---------------------------------------------------------------------------
// Retries of transient failures. kubo (go-ipfs-cmds) and js-ipfs answer every
// command error with a non-200 and {"Message", "Code", "Type": "error"}, 500
// for ordinary errors such as kubo's "file does not exist" from files/stat
// (docs: ipfs-daemon.md "Errors"); a 502/503/504 or a bodiless 500 comes from
// something in front of the daemon or a daemon that is not ready.

namespace oneipfs {
namespace {

const char* kRefused = "Failed to connect to fake port 5001: Connection refused";
const char* kReset = "Recv failure: Connection reset by peer";
const char* kVersionOk = R"({"Version":"0.29.0"})";

TEST_CASE("ipfs_test: numbers beyond 64 bits saturate instead of wrapping (fuzz/ipfs_json finding)") {
  using namespace ipfs_json;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  // nlohmann reads an integer beyond 2^64 - 1 as a double: its cast was UB.
  Json j = Json::parse(R"({"f":511111111111111111111,"e":1e300,"n":-1e30,"s":"99999999999999999999999",
                           "m":"18446744073709551615","x":"18446744073709551616.5"})");
  CHECK(Num(j, "f") == kMax);
  CHECK(Num(j, "e") == kMax);
  CHECK(Num(j, "n") == 0);
  CHECK(Num(j, "s") == kMax);  // wrapped before
  CHECK(Num(j, "m") == kMax);
  CHECK(Num(j, "x") == kMax);
  Fixture f({Json200(R"({"Hash":"bafyx","Size":511111111111111111111,"CumulativeSize":"99999999999999999999","Type":"file"})")});
  auto st = f.client->Stat("/ipfs/bafyx");
  REQUIRE(st.ok());
  CHECK(st->size == kMax);
  CHECK(st->cumulative_size == kMax);
}

}  // namespace

TEST_CASE("ipfs_test: transient failures are retried, up to 3 attempts") {
  SUBCASE("connection refused twice, then the daemon answers") {
    Fixture f({Fails(Status::Unavailable(kRefused)), Fails(Status::Unavailable(kRefused)), Json200(kVersionOk)}, 3);
    auto v = f.client->Version();
    REQUIRE(v.ok());
    CHECK(*v == "0.29.0");
    CHECK(f.fake->recorded.size() == 3);
    for (const auto& r : f.fake->recorded) CHECK(r.request.path == "/api/v0/version");
  }
  SUBCASE("connection refused three times: Unavailable, says how often it tried") {
    Fixture f({Fails(Status::Unavailable(kRefused)), Fails(Status::Unavailable(kRefused)),
               Fails(Status::Unavailable(kRefused)), Json200(kVersionOk)},
              3);
    auto v = f.client->Version();
    CHECK(v.status().code() == Status::Code::kUnavailable);
    CHECK(v.status().message() ==
          std::string("IPFS daemon at http://fake:5001 is not reachable (") + kRefused + ") (tried 3 times)");
    CHECK(f.fake->recorded.size() == 3);
    CHECK(f.fake->pending() == 1);  // a fourth attempt was never made
  }
  SUBCASE("502 and 503 (a proxy, a daemon starting), then 200") {
    Fixture f({Http(502, "<html>Bad Gateway</html>"), Http(503, ""),
               Json200(R"({"Hash":"bafyx","Size":5,"CumulativeSize":5,"Type":"file"})")},
              3);
    auto s = f.client->Stat("/ipfs/bafyx");
    REQUIRE(s.ok());
    CHECK(s->size == 5);
    CHECK(f.fake->recorded.size() == 3);
  }
  SUBCASE("504 three times: the last reply's error") {
    Fixture f({Http(504, ""), Http(504, ""), Http(504, "")}, 3);
    auto v = f.client->Version();
    CHECK(v.status().code() == Status::Code::kFailed);
    CHECK(v.status().message() == "IPFS daemon at http://fake:5001: version: HTTP 504 (tried 3 times)");
    CHECK(f.fake->pending() == 0);
  }
  SUBCASE("500 without the daemon's JSON error body is retried") {
    Fixture f({Http(500, "internal trouble\n"), Json200(kVersionOk)}, 3);
    CHECK(f.client->Version().ok());
    CHECK(f.fake->recorded.size() == 2);
  }
  SUBCASE("a reset connection on a read is retried") {
    Fixture f({Fails(Status::Io(kReset)), Json200(kVersionOk)}, 3);
    CHECK(f.client->Version().ok());
    CHECK(f.fake->recorded.size() == 2);
  }
  SUBCASE("a retry sends the same request, with the time left as the daemon-side timeout") {
    Fixture f({Http(503, ""), Json200(R"({"Hash":"bafyx","Size":5,"CumulativeSize":5,"Type":"file"})")}, 3);
    REQUIRE(f.client->Stat("/ipfs/bafyx").ok());
    REQUIRE(f.fake->recorded.size() == 2);
    CHECK(f.req(1).path == f.req(0).path);
    CHECK(f.req(1).query == f.req(0).query);  // 30 s budget, nothing spent yet: timeout=30s again
    CHECK(f.req(1).total_timeout == std::chrono::seconds(35));
  }
  SUBCASE("the backoff doubles: 20 ms, then 40 ms") {
    Fixture f({Fails(Status::Unavailable(kRefused)), Fails(Status::Unavailable(kRefused)), Json200(kVersionOk)}, 3,
              std::chrono::milliseconds(20));
    auto t0 = std::chrono::steady_clock::now();
    CHECK(f.client->Version().ok());
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(60));
  }
}

TEST_CASE("ipfs_test: what is never retried") {
  SUBCASE("kubo's 500 command error (file does not exist): NotFound at once") {
    // kubo files/stat on a missing MFS path: 500 {"Message":"file does not exist","Code":0,"Type":"error"}
    Fixture f({Http(500, R"({"Message":"file does not exist","Code":0,"Type":"error"})"), Json200("{}")}, 3);
    auto s = f.client->Stat("/one-ipfs/100/5-1");
    CHECK(s.status().code() == Status::Code::kNotFound);
    CHECK(s.status().message().find("tried") == std::string::npos);
    CHECK(f.fake->recorded.size() == 1);
  }
  SUBCASE("a bad argument (kubo 400 / 500 with a Message)") {
    Fixture f({Http(400, R"({"Message":"invalid path \"x\"","Code":1,"Type":"error"})"),
               Http(500, R"({"Message":"cid too short","Code":0,"Type":"error"})"), Json200("{}")},
              3);
    CHECK(f.client->Stat("x").status().code() == Status::Code::kFailed);
    CHECK(f.client->Stat("/ipfs/bad").status().code() == Status::Code::kFailed);
    CHECK(f.fake->recorded.size() == 2);  // one request each
  }
  SUBCASE("a client-side timeout: the call's time is spent") {
    Fixture f({Fails(Status::Timeout("Operation timed out")), Json200(kVersionOk)}, 3);
    CHECK(f.client->Version().status().code() == Status::Code::kTimeout);
    CHECK(f.fake->recorded.size() == 1);
  }
  SUBCASE("MFS moves and removals: not after a reset or a 5xx (they may have happened)") {
    Fixture f({Fails(Status::Io(kReset)), Http(503, ""), Http(502, ""), Json200("{}")}, 3);
    CHECK(f.client->FilesMv("/a", "/b").code() == Status::Code::kIo);
    CHECK(f.client->FilesRm("/a", true).code() == Status::Code::kFailed);
    CHECK(f.client->FilesCp("/ipfs/bafyx", "/b").code() == Status::Code::kFailed);
    CHECK(f.fake->recorded.size() == 3);  // one request each
    CHECK(f.fake->pending() == 1);
  }
  SUBCASE("...but after connection refused they are: the daemon never saw them") {
    Fixture f({Fails(Status::Unavailable(kRefused)), Json200("")}, 3);
    CHECK(f.client->FilesMv("/a", "/b").ok());
    CHECK(f.fake->recorded.size() == 2);
  }
  SUBCASE("add, once its source was read (the fake sends the whole body before failing)") {
    for (Reply first : {Fails(Status::Io(kReset)), Http(503, ""), Fails(Status::Unavailable(kRefused))}) {
      Fixture f({first, Json200(R"({"Name":"x","Hash":"bafyx","Size":"3"})")}, 3);
      std::string data = "abc";
      bool done = false;
      auto added = f.client->Add("x", [&](char* buf, std::size_t cap) -> Result<std::size_t> {
        if (done) return std::size_t{0};
        done = true;
        std::size_t n = std::min(cap, data.size());
        std::copy_n(data.data(), n, buf);
        return n;
      });
      CHECK_FALSE(added.ok());
      CHECK(f.fake->recorded.size() == 1);
      CHECK(f.fake->pending() == 1);
    }
  }
  SUBCASE("cat, once bytes of the reply reached the sink") {
    Reply broken = Fails(Status::Io(kReset));
    broken.body = "abc";
    Fixture f({broken, Http(200, "abcdef")}, 3);
    std::string got;
    Status st = f.client->Cat("/ipfs/bafyx", 0, std::nullopt, [&](std::string_view c) {
      got.append(c);
      return Status::Ok();
    });
    CHECK(st.code() == Status::Code::kIo);
    CHECK(got == "abc");  // not "abcabcdef"
    CHECK(f.fake->recorded.size() == 1);
  }
  SUBCASE("cat before any byte arrived is retried") {
    Fixture f({Fails(Status::Io(kReset)), Http(200, "abcdef")}, 3);
    std::string got;
    CHECK(f.client->Cat("/ipfs/bafyx", 0, std::nullopt, [&](std::string_view c) {
      got.append(c);
      return Status::Ok();
    }).ok());
    CHECK(got == "abcdef");
  }
  SUBCASE("no retry when the backoff would outlast the call's timeout") {
    Fixture f({Fails(Status::Unavailable(kRefused)), Json200(kVersionOk)}, 3, std::chrono::milliseconds(2000),
              std::chrono::seconds(1));
    auto t0 = std::chrono::steady_clock::now();
    CHECK(f.client->Version().status().code() == Status::Code::kUnavailable);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1000));
    CHECK(f.fake->recorded.size() == 1);
  }
}

}  // namespace oneipfs
