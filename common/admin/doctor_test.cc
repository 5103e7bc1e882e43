// Unit tests for doctor.h: loopback detection, API address hosts, the report
// table and the onehost XML.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "common/ipfs/canned_http_test.h"
#include "common/admin/doctor.h"
#include "common/one/one_cli.h"
#include "common/base/scratch_files_test.h"
#include "common/catalog/history_spool.h"

using namespace oneipfs;

TEST_CASE("doctor: loopback hosts") {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LocalHost", ""})
    CHECK_MESSAGE(IsLoopbackHost(h), h);
  for (const char* h : {"0.0.0.0", "10.0.0.1", "192.168.1.5", "::", "[::]", "127.0.0.1.example.com", "127.0.0",
                        "localhost.example.com", "128.0.0.1"})
    CHECK_MESSAGE(!IsLoopbackHost(h), h);
}

TEST_CASE("doctor: the host of an API address") {
  CHECK(ApiAddressHost("/ip4/127.0.0.1/tcp/5001").value() == "127.0.0.1");
  CHECK(ApiAddressHost("/ip4/0.0.0.0/tcp/5001").value() == "0.0.0.0");
  CHECK(ApiAddressHost("/dns4/ipfs.example.com/tcp/5001/https").value() == "ipfs.example.com");
  CHECK(ApiAddressHost("http://localhost:5001").value() == "localhost");
  CHECK(ApiAddressHost("https://10.1.1.1").value() == "10.1.1.1");
  CHECK(IsLoopbackHost(ApiAddressHost("/ip6/::1/tcp/5001").value()));
  CHECK(!IsLoopbackHost(ApiAddressHost("/ip6/::/tcp/5001").value()));
  CHECK(ApiAddressHost("/unix/run/ipfs.sock").value().empty());
  CHECK(!ApiAddressHost("/ip4/127.0.0.1").ok());
  CHECK(!ApiAddressHost("ftp://x").ok());
}

TEST_CASE("doctor: the report table") {
  Report r;
  CHECK(!r.failed());
  r.Pass("front end", "IPFS daemon", "version 0.66.1");
  r.Warn("hosts", "host list", "onehost not found", "name the hosts");
  CHECK(!r.failed());
  r.Fail("node1", "helper", "no helper at /var/tmp/one/tm/ipfs/one-ipfs-host", "run onehost sync --force");
  CHECK(r.failed());
  std::string t = r.Table();
  CHECK(t.find("PASS  front end  IPFS daemon  version 0.66.1\n") != std::string::npos);
  CHECK(t.find("FAIL  node1      helper       no helper at") != std::string::npos);
  CHECK(t.find("      fix: run onehost sync --force\n") != std::string::npos);
  CHECK(t.find("      fix: name the hosts\n") != std::string::npos);
  CHECK(t.find("1 passed, 1 warning, 1 failed") != std::string::npos);
  // PASS rows carry no fix line.
  CHECK(t.find("fix: \n") == std::string::npos);
}

TEST_CASE("doctor: hosts from onehost list -x") {
  auto hosts = ParseHostPool(
      "<HOST_POOL><HOST><ID>0</ID><NAME>kvm-1</NAME><STATE>2</STATE></HOST>"
      "<HOST><ID>3</ID><NAME>kvm 2.example.com</NAME></HOST></HOST_POOL>");
  REQUIRE(hosts.ok());
  REQUIRE(hosts->size() == 2);
  CHECK((*hosts)[0] == "kvm-1");
  CHECK((*hosts)[1] == "kvm 2.example.com");
  CHECK(ParseHostPool("<HOST_POOL/>")->empty());
  CHECK(!ParseHostPool("<HOST_POOL><HOST>").ok());
  CHECK(!ParseHostPool("<VM_POOL/>").ok());
}

namespace {

const CheckRow* FindRow(const Report& r, std::string_view check) {
  for (const auto& row : r.rows())
    if (row.check == check) return &row;
  return nullptr;
}

const char* kGcRow = "GC vs MFS (kubo #10842)";

}  // namespace

TEST_CASE("doctor: daemon kind and version from version and id") {
  // kubo: version {"Version":"0.29.0",...}, id AgentVersion "kubo/0.29.0/<commit>"
  DaemonKind k = ClassifyDaemon("0.29.0", "kubo/0.29.0/3f0947b");
  CHECK(k.kind == "kubo");
  CHECK(k.parsed);
  CHECK(k.major == 0);
  CHECK(k.minor == 29);
  CHECK(k.KuboBefore(0, 43));
  CHECK(ClassifyDaemon("0.42.0-rc1", "kubo/0.42.0-rc1/").KuboBefore(0, 43));
  CHECK_FALSE(ClassifyDaemon("0.43.0", "kubo/0.43.0/").KuboBefore(0, 43));
  CHECK_FALSE(ClassifyDaemon("1.2.0", "kubo/1.2.0/").KuboBefore(0, 43));
  // Older kubo called itself go-ipfs; no version reply: the agent's.
  DaemonKind old = ClassifyDaemon("", "go-ipfs/0.12.0/");
  CHECK(old.kind == "kubo");
  CHECK(old.version == "0.12.0");
  CHECK(old.minor == 12);
  // js-ipfs 0.66 (the test daemon): version "0.18.1" (ipfs-core), AgentVersion "js-ipfs/0.18.1".
  DaemonKind js = ClassifyDaemon("0.18.1", "js-ipfs/0.18.1");
  CHECK(js.kind == "js-ipfs");
  CHECK_FALSE(js.KuboBefore(0, 43));  // only kubo is affected
  CHECK(ClassifyDaemon("0.1.0", "rust-ipfs/0.1").kind == "unknown");
  CHECK_FALSE(ClassifyDaemon("dev", "kubo/dev/").parsed);
  CHECK_FALSE(ClassifyDaemon("0.", "kubo/").parsed);
}

TEST_CASE("doctor: automatic GC from the daemon's command line") {
  using Lines = std::vector<std::vector<std::string>>;
  CHECK(DetectAutoGc(Lines{{"/usr/local/bin/ipfs", "daemon", "--enable-gc"}}) == AutoGc::kOn);
  CHECK(DetectAutoGc(Lines{{"ipfs", "--enable-gc=true", "daemon"}}) == AutoGc::kOn);
  CHECK(DetectAutoGc(Lines{{"bash"}, {"/usr/bin/kubo", "daemon", "--migrate", "--enable-gc"}}) == AutoGc::kOn);
  CHECK(DetectAutoGc(Lines{{"ipfs", "daemon", "--migrate"}}) == AutoGc::kOff);
  CHECK(DetectAutoGc(Lines{{"ipfs", "daemon", "--enable-gc=false"}}) == AutoGc::kOff);
  CHECK(DetectAutoGc(Lines{{"ipfs", "repo", "gc"}}) == AutoGc::kUnknown);           // not the daemon
  CHECK(DetectAutoGc(Lines{{"node", "cli.js", "daemon"}}) == AutoGc::kUnknown);     // js-ipfs
  CHECK(DetectAutoGc(Lines{{"/opt/ipfs-tools/bin/myipfs", "daemon"}}) == AutoGc::kUnknown);
  CHECK(DetectAutoGc(Lines{}) == AutoGc::kUnknown);
  // The real /proc: this test binary is among the processes.
  bool self = false;
  for (const auto& argv : ProcessCommandLines())
    if (!argv.empty() && argv[0].find("unit_tests") != std::string::npos) self = true;
  CHECK(self);
}

TEST_CASE("doctor: a process that exits while its command line is read is skipped, not thrown") {
  // The CI failure this guards: an ifstream read of /proc/<pid>/cmdline for a
  // process that had just exited threw std::ios_base::failure (ESRCH) out of
  // istreambuf_iterator, and the doctor died with SIGABRT.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::execlp("sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string path = fmt::format("/proc/{}/cmdline", child);
  std::vector<std::string> argv;
  for (int i = 0; i < 200 && (argv.empty() || argv[0] != "sleep"); ++i) {  // until exec is done
    int fd = ::open(path.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    argv = ReadCmdline(fd).value_or(std::vector<std::string>{});
    ::close(fd);
    if (argv.empty() || argv[0] != "sleep") ::usleep(10000);
  }
  CHECK(argv == std::vector<std::string>{"sleep", "30"});
  int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::optional<std::vector<std::string>> gone;
  CHECK_NOTHROW(gone = ReadCmdline(fd));
  CHECK_FALSE(gone.has_value());
  ::close(fd);
}

TEST_CASE("doctor: kubo before 0.43 with GC on fails, with the fix") {
  SUBCASE("kubo 0.42 with --enable-gc: FAIL") {
    Report r;
    CheckDaemonKind(ClassifyDaemon("0.42.0", "kubo/0.42.0/"), AutoGc::kOn, r);
    CHECK(FindRow(r, "daemon kind")->outcome == Outcome::kPass);
    CHECK(FindRow(r, "daemon kind")->detail == "kubo 0.42.0");
    const CheckRow* gc = FindRow(r, kGcRow);
    REQUIRE(gc);
    CHECK(gc->outcome == Outcome::kFail);
    CHECK(gc->detail.find("--enable-gc") != std::string::npos);
    CHECK(gc->fix.find("upgrade kubo to 0.43") != std::string::npos);
    CHECK(gc->fix.find("without --enable-gc") != std::string::npos);
    CHECK(gc->fix.find("`ipfs repo gc`") != std::string::npos);
    CHECK(r.failed());
  }
  SUBCASE("kubo 0.42, GC not visible: WARN") {
    Report r;
    CheckDaemonKind(ClassifyDaemon("0.42.0", "kubo/0.42.0/"), AutoGc::kUnknown, r);
    CHECK(FindRow(r, kGcRow)->outcome == Outcome::kWarn);
    CHECK_FALSE(r.failed());
  }
  SUBCASE("kubo 0.42 without --enable-gc: PASS, with the caveat") {
    Report r;
    CheckDaemonKind(ClassifyDaemon("0.42.0", "kubo/0.42.0/"), AutoGc::kOff, r);
    CHECK(FindRow(r, kGcRow)->outcome == Outcome::kPass);
    CHECK(FindRow(r, kGcRow)->detail.find("never run `ipfs repo gc`") != std::string::npos);
  }
  SUBCASE("kubo 0.43 with GC: PASS") {
    Report r;
    CheckDaemonKind(ClassifyDaemon("0.43.0", "kubo/0.43.0/"), AutoGc::kOn, r);
    CHECK(FindRow(r, kGcRow)->outcome == Outcome::kPass);
    CHECK_FALSE(r.failed());
  }
  SUBCASE("js-ipfs: no GC row") {
    Report r;
    CheckDaemonKind(ClassifyDaemon("0.18.1", "js-ipfs/0.18.1"), AutoGc::kUnknown, r);
    CHECK(r.rows().size() == 1);
    CHECK(FindRow(r, "daemon kind")->detail.find("js-ipfs 0.18.1") == 0);
    CHECK_FALSE(r.failed());
  }
  SUBCASE("kubo older than 0.28, unknown daemons: WARN") {
    Report r;
    CheckDaemonKind(ClassifyDaemon("0.20.0", "kubo/0.20.0/"), AutoGc::kOff, r);
    CHECK(FindRow(r, "daemon kind")->outcome == Outcome::kWarn);
    Report u;
    CheckDaemonKind(ClassifyDaemon("1.0", "other/1.0"), AutoGc::kUnknown, u);
    CHECK(FindRow(u, "daemon kind")->outcome == Outcome::kWarn);
    CHECK(FindRow(u, kGcRow) == nullptr);
  }
}

TEST_CASE("doctor: StorageMax against the registered content") {
  constexpr std::uint64_t kGB = 1000ULL * 1000 * 1000;
  RepoStat repo;  // kubo's default config: StorageMax 10GB
  repo.storage_max = 10 * kGB;
  repo.repo_size = 13 * kGB;
  SUBCASE("below the catalog: WARN with the fix") {
    Report r;
    CheckStorageMax(repo, 12 * kGB, r);
    REQUIRE(r.rows().size() == 1);
    CHECK(r.rows()[0].check == "StorageMax");
    CHECK(r.rows()[0].outcome == Outcome::kWarn);
    CHECK(r.rows()[0].detail.find("below the registered content") != std::string::npos);
    CHECK(r.rows()[0].fix.find("Datastore.StorageMax") != std::string::npos);
    CHECK_FALSE(r.failed());
  }
  SUBCASE("above: PASS") {
    Report r;
    CheckStorageMax(repo, 9 * kGB, r);
    CHECK(r.rows()[0].outcome == Outcome::kPass);
    Report eq;
    CheckStorageMax(repo, 10 * kGB, eq);
    CHECK(eq.rows()[0].outcome == Outcome::kPass);
  }
  SUBCASE("no StorageMax (kubo MaxUint64, js-ipfs 2^53-1): PASS") {
    for (std::uint64_t none : {~std::uint64_t{0}, (std::uint64_t{1} << 53) - 1}) {
      RepoStat r0;
      r0.storage_max = none;
      Report r;
      CheckStorageMax(r0, 100 * kGB, r);
      CHECK(r.rows()[0].outcome == Outcome::kPass);
      CHECK(r.rows()[0].detail.find("no StorageMax") == 0);
    }
  }
}

TEST_CASE("doctor: the catalog row from one-ipfs-fsck's findings") {
  auto finding = [](FsckFinding::Kind k, bool repaired = false) {
    FsckFinding f;
    f.kind = k;
    f.subject = "/one-ipfs/100/7-1";
    f.repaired = repaired;
    return f;
  };
  FsckReport base;
  base.entries = 3;
  base.versions = 5;
  SUBCASE("nothing found: PASS with the counts") {
    Report r;
    CheckCatalogFsck(base, r);
    REQUIRE(r.rows().size() == 1);
    CHECK(r.rows()[0].check == "catalog (fsck)");
    CHECK(r.rows()[0].outcome == Outcome::kPass);
    CHECK(r.rows()[0].detail.find("3 entries, 5 versions") == 0);
  }
  SUBCASE("stale names and holds: WARN naming each kind and the repair") {
    FsckReport f = base;
    f.findings = {finding(FsckFinding::Kind::kStaleHold), finding(FsckFinding::Kind::kStaleHold),
                  finding(FsckFinding::Kind::kStale)};
    Report r;
    CheckCatalogFsck(f, r);
    CHECK(r.rows()[0].outcome == Outcome::kWarn);
    CHECK(r.rows()[0].detail.find(fmt::format("2 {}", FsckKindName(FsckFinding::Kind::kStaleHold))) !=
          std::string::npos);
    CHECK(r.rows()[0].detail.find(fmt::format("1 {}", FsckKindName(FsckFinding::Kind::kStale))) != std::string::npos);
    CHECK(r.rows()[0].fix.find("one-ipfs-fsck --repair") != std::string::npos);
    CHECK_FALSE(r.failed());
  }
  SUBCASE("content not fully local: FAIL") {
    FsckReport f = base;
    f.findings = {finding(FsckFinding::Kind::kStale), finding(FsckFinding::Kind::kNotLocal)};
    Report r;
    CheckCatalogFsck(f, r);
    CHECK(r.rows()[0].outcome == Outcome::kFail);
    CHECK(r.failed());
  }
  SUBCASE("repaired findings do not count") {
    FsckReport f = base;
    f.findings = {finding(FsckFinding::Kind::kNotLocal, /*repaired=*/true)};
    Report r;
    CheckCatalogFsck(f, r);
    CHECK(r.rows()[0].outcome == Outcome::kPass);
  }
  SUBCASE("the checks cannot run: WARN") {
    Report r;
    CheckCatalogFsck(Result<FsckReport>(Status::Unavailable("connection refused")), r);
    CHECK(r.rows()[0].outcome == Outcome::kWarn);
    CHECK(r.rows()[0].detail.find("connection refused") != std::string::npos);
  }
}

namespace {

// A host whose ssh and helper answer, with the probe replies a test sets:
// `listing` for `probe -` alone (CheckHostPeering's first round), `status`
// for `probe - <addresses>`, `trip` for `probe <cid>`.
class HelperReplies : public RemoteRunner {
 public:
  std::string listing = R"({"daemon":"0.29.0","peer":"12D3KooWh","addresses":["/ip4/10.0.0.2/tcp/4001"]})";
  std::string status, trip;
  Result<RemoteResult> Run(const std::string&, const RemoteCommand& cmd) override {
    RemoteResult r;
    const auto& a = cmd.argv;
    if (a.size() == 1 && a[0] == "true") return r;
    if (a.back() == "version") {
      r.out = ONEIPFS_VERSION "\n";
      return r;
    }
    auto probe = std::find(a.begin(), a.end(), "probe");
    REQUIRE(probe != a.end());
    REQUIRE(probe + 1 != a.end());
    r.out = *(probe + 1) != "-" ? trip : probe + 2 == a.end() ? listing : status;
    return r;
  }
};

struct HostCheck {
  Config config;
  HelperReplies host;
  std::unique_ptr<IpfsClient> ipfs;
  Log log{"one-ipfs-doctor"};
  OneCli one{MakeLocalRunner()};
  HostCheck() {
    config.Set("IPFS_FRONTEND_SWARM", "/ip4/10.0.0.9/tcp/4001/p2p/12D3KooWfe", "environment");  // no `id` call
    ipfs = std::make_unique<IpfsClient>(std::make_unique<testing::CannedTransport>(std::deque<HttpResponse>{}),
                                        IpfsOptions{});
  }
  TmContext Ctx() { return TmContext{{}, "", config, *ipfs, host, log, one}; }
};

const CheckRow* RowOf(const Report& r, std::string_view check) {
  for (const auto& row : r.rows())
    if (row.check == check) return &row;
  return nullptr;
}

}  // namespace

TEST_CASE("doctor: the deleted-area row: what undelete keeps, WARN when some are past their grace") {
  DeletedArea a;
  a.images = 2;
  a.bytes = 3 * 1048576;
  Report ok;
  CheckDeletedArea(a, 604800, ok);
  REQUIRE(ok.rows().size() == 1);
  CHECK(ok.rows()[0].outcome == Outcome::kPass);
  CHECK(ok.rows()[0].detail == "2 deleted image(s) kept for undelete hold 3.0 MiB (IPFS_DELETE_GRACE 604800 s)");
  a.past_grace = 1;
  Report past;
  CheckDeletedArea(a, 604800, past);
  CHECK(past.rows()[0].outcome == Outcome::kWarn);
  CHECK(past.rows()[0].fix.find("one-ipfs-fsck --repair") != std::string::npos);
  Report bad;
  CheckDeletedArea(Result<DeletedArea>(Status::Unavailable("down")), 0, bad);
  CHECK(bad.rows()[0].outcome == Outcome::kWarn);
}

TEST_CASE("doctor: malformed replies of the host helper are FAIL rows, never an exception") {
  const std::string good_status =
      R"({"daemon":"0.29.0","peer":"12D3KooWh","addresses":[],"connected":["/ip4/10.0.0.9/tcp/4001"],"connect_errors":[]})";
  SUBCASE("probe - (daemon and peering)") {
    for (const char* bad : {"", "not json", "[1,2]", "\"text\"", "null", R"({"daemon":1,"peer":"p"})",
                            R"({"daemon":"0.29.0"})", R"({"daemon":"0.29.0","peer":"p","connected":5})",
                            R"({"daemon":"0.29.0","peer":"p","connected":[7]})",
                            R"({"daemon":"0.29.0","peer":"p","connected":{"a":"b"}})",
                            R"({"daemon":"0.29.0","peer":"p","connected":[],"connect_errors":[{"e":1}]})",
                            R"({"daemon":"0.29.0","peer":"p","connected":[],"connect_errors":5})",
                            R"({"daemon":"0.29.0","peer":"p","addresses":[null]})"}) {
      CAPTURE(bad);
      HostCheck h;
      h.host.status = bad;
      TmContext ctx = h.Ctx();
      Report r;
      CHECK_NOTHROW(CheckHost(ctx, "node1", nullptr, r));
      const CheckRow* daemon = RowOf(r, "IPFS daemon");
      REQUIRE(daemon);
      CHECK(daemon->outcome == Outcome::kFail);
      CHECK(daemon->detail.find("unreadable") != std::string::npos);
      CHECK(r.failed());
    }
  }
  SUBCASE("probe <cid> (round trip)") {
    ProbeBlock block{"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", 65536, "abc"};
    for (const char* bad : {"", "{}", "[]", R"({"bytes":"65536","sha1":"abc"})", R"({"bytes":65536})",
                            R"({"bytes":-1,"sha1":"abc"})", R"({"bytes":1.5,"sha1":"abc"})",
                            R"({"bytes":65536,"sha1":7})"}) {
      CAPTURE(bad);
      HostCheck h;
      h.host.status = good_status;
      h.host.trip = bad;
      TmContext ctx = h.Ctx();
      Report r;
      CHECK_NOTHROW(CheckHost(ctx, "node1", &block, r));
      const CheckRow* trip = RowOf(r, "round trip");
      REQUIRE(trip);
      CHECK(trip->outcome == Outcome::kFail);
      CHECK(trip->detail.find("unreadable") != std::string::npos);
    }
    HostCheck h;  // the well-formed reply still passes
    h.host.status = good_status;
    h.host.trip = R"({"bytes":65536,"sha1":"abc"})";
    TmContext ctx = h.Ctx();
    Report r;
    CheckHost(ctx, "node1", &block, r);
    REQUIRE(RowOf(r, "round trip"));
    CHECK(RowOf(r, "round trip")->outcome == Outcome::kPass);
    CHECK_FALSE(r.failed());
  }
  SUBCASE("host peering") {
    for (const char* bad : {"not json", R"({"daemon":"0.29.0","peer":"p","connected":5})",
                            R"({"daemon":"0.29.0","peer":"p","connected":[7]})",
                            R"({"daemon":"0.29.0","peer":"p","connected":[],"connect_errors":[{"e":1}]})"}) {
      CAPTURE(bad);
      HostCheck h;
      h.host.status = bad;
      TmContext ctx = h.Ctx();
      Report r;
      CHECK_NOTHROW(CheckHostPeering(ctx, {"node1", "node2"}, r));
      const CheckRow* peering = RowOf(r, "host peering");
      REQUIRE(peering);
      CHECK(peering->outcome == Outcome::kFail);
    }
    // A listing whose addresses are not strings: that host is skipped or failed, never a throw.
    HostCheck h;
    h.host.listing = R"({"daemon":"0.29.0","peer":"p","addresses":[1,{"x":2}]})";
    h.host.status = good_status;
    TmContext ctx = h.Ctx();
    Report r;
    CHECK_NOTHROW(CheckHostPeering(ctx, {"node1", "node2"}, r));
  }
}

TEST_CASE("doctor: a host daemon's peer-to-peer settings, from the helper's probe") {
  auto row_for = [](const std::string& status) {
    HostCheck h;
    h.host.status = status;
    TmContext ctx = h.Ctx();
    Report r;
    CheckHost(ctx, "node1", nullptr, r);
    const CheckRow* row = RowOf(r, "p2p settings");
    return row ? std::optional<CheckRow>(*row) : std::nullopt;
  };
  const std::string head = R"({"daemon":"0.66.1","peer":"p","connected":["/ip4/10.0.0.9/tcp/4001"],)";
  auto on = row_for(head + R"("p2p":{"js":true,"routing":"dhtclient","routing_set":false,"low_water":null}})");
  REQUIRE(on);
  CHECK(on->outcome == Outcome::kFail);
  CHECK(on->detail.find("Routing.Type dhtclient, the default") != std::string::npos);
  CHECK(on->fix.find("`ipfs config Routing.Type none` and `ipfs config --json Swarm.ConnMgr.LowWater 0` on node1") !=
        std::string::npos);
  auto off = row_for(head + R"("p2p":{"js":true,"routing":"none","routing_set":true,"low_water":0}})");
  REQUIRE(off);
  CHECK(off->outcome == Outcome::kPass);
  CHECK(off->detail.find("Routing.Type none, Swarm.ConnMgr.LowWater 0") == 0);
  auto unread = row_for(head + R"("p2p_error":"config/show: 500"})");
  REQUIRE(unread);
  CHECK(unread->outcome == Outcome::kWarn);
  CHECK(unread->detail.find("config/show: 500") != std::string::npos);
  for (const char* bad : {R"("p2p":5})", R"("p2p":{"js":true}})",
                          R"("p2p":{"js":true,"routing":"none","routing_set":true,"low_water":"0"}})"}) {
    CAPTURE(bad);
    HostCheck h;
    h.host.status = head + bad;
    TmContext ctx = h.Ctx();
    Report r;
    CHECK_NOTHROW(CheckHost(ctx, "node1", nullptr, r));
    REQUIRE(RowOf(r, "IPFS daemon"));
    CHECK(RowOf(r, "IPFS daemon")->outcome == Outcome::kFail);
  }
}

TEST_CASE("doctor: the history spool row (events no flush has appended)") {
  auto dir = testing::MakeTempDir("doctor-spool");
  std::string root = (dir / "one-ipfs-history").string();
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                 .count();
  {  // no spool yet: nothing waits
    Report r;
    CheckHistorySpool(MeasureHistorySpool(root, now), root, r);
    REQUIRE(r.rows().size() == 1);
    CHECK(r.rows()[0].outcome == Outcome::kPass);
  }
  auto spool = EventSpool::Open(root, "http://127.0.0.1:5001", "/one-ipfs/.history/100");
  REQUIRE(spool.ok());
  REQUIRE(spool->Put("{}").ok());
  {  // one young event, no reason: a flush is under way
    Report r;
    auto m = MeasureHistorySpool(root, now + 1000000000LL);
    REQUIRE(m.ok());
    CHECK(m->events == 1);
    CHECK(m->chain == "/one-ipfs/.history/100");
    CheckHistorySpool(m, root, r);
    CHECK(r.rows()[0].outcome == Outcome::kPass);
    CHECK(r.rows()[0].detail.find("under way") != std::string::npos);
  }
  {  // ten minutes later: stale
    Report r;
    CheckHistorySpool(MeasureHistorySpool(root, now + 601LL * 1000000000LL), root, r);
    CHECK(r.rows()[0].outcome == Outcome::kWarn);
    CHECK(r.rows()[0].detail.find("for 600 s") != std::string::npos);
  }
  REQUIRE(spool->SaveLastError("cannot reach the daemon").ok());
  {  // a flush failed: its reason, at once
    Report r;
    CheckHistorySpool(MeasureHistorySpool(root, now + 1000000000LL), root, r);
    CHECK(r.rows()[0].outcome == Outcome::kWarn);
    CHECK(r.rows()[0].detail.find("cannot reach the daemon") != std::string::npos);
    CHECK(r.rows()[0].fix.find("one-ipfs-image verify") != std::string::npos);
  }
  {  // another chain whose event is older but whose flush is under way: the stuck one is named
    auto other = EventSpool::Open(root, "http://127.0.0.1:5001", "/one-ipfs/.history/101");
    REQUIRE(other.ok());
    auto put = other->Put("{}");
    REQUIRE(put.ok());
    auto at = EventSpool::SpooledAtNs(*put);
    REQUIRE(at.has_value());
    std::filesystem::rename(other->dir() + "/" + *put,
                            other->dir() + "/" + fmt::format("e-{:020}-0000000001-000000", *at - 30LL * 1000000000LL));
    auto m = MeasureHistorySpool(root, now + 60LL * 1000000000LL);
    REQUIRE(m.ok());
    CHECK(m->events == 2);
    CHECK(m->stuck);
    CHECK(m->chain == "/one-ipfs/.history/100");
    CHECK(m->why == "cannot reach the daemon");
    CHECK(m->oldest_s < 120);  // chain 101's older event is not the one named
  }
  std::filesystem::remove_all(dir);
}

namespace oneipfs {
TEST_CASE("doctor: p2p settings that defeat one-source fetches fail; on the front end the row names holder-first imports") {
  P2pSettings js;
  js.js = true;
  js.routing = "none";
  js.routing_set = true;
  js.low_water = 50;  // js-libp2p dials known peers back up to it
  Report r;
  CheckP2pSettings(kFrontEnd, js, r);
  CheckP2pSettings("node1", js, r);
  REQUIRE(r.rows().size() == 2);
  CHECK(r.rows()[0].outcome == Outcome::kFail);
  CHECK(r.rows()[0].fix.find("on the front end") != std::string::npos);
  CHECK(r.rows()[0].fix.find("IPFS_MIRROR_FIRST") != std::string::npos);
  CHECK(r.rows()[1].outcome == Outcome::kFail);
  CHECK(r.rows()[1].fix.find("IPFS_MIRROR_FIRST") == std::string::npos);  // a host imports no app
  js.low_water = 0;
  Report ok;
  CheckP2pSettings(kFrontEnd, js, ok);
  CHECK(ok.rows()[0].outcome == Outcome::kPass);
}
}  // namespace oneipfs
