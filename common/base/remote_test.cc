#include "common/base/remote.h"
#include "common/base/scratch_files_test.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace oneipfs {
namespace {

namespace fs = std::filesystem;
using std::chrono::steady_clock;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "remote-test-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<std::string> SplitNul(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\0') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  CHECK(start == s.size());  // every word is NUL-terminated
  return out;
}

using testing::ReadWholeFile;

// A deterministic byte stream of `total` bytes, produced in pieces.
struct PatternSource {
  std::uint64_t total;
  std::uint64_t sent = 0;
  Result<std::size_t> operator()(char* buf, std::size_t size) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(size, total - sent));
    for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(((sent + i) * 2654435761u) >> 13);
    sent += n;
    return n;
  }
};

// Checks a stream against PatternSource's bytes without keeping it.
struct PatternCheck {
  std::uint64_t seen = 0;
  std::uint64_t mismatches = 0;
  std::size_t chunks = 0;
  std::size_t biggest = 0;
  void Feed(std::string_view chunk) {
    for (std::size_t i = 0; i < chunk.size(); ++i)
      if (chunk[i] != static_cast<char>(((seen + i) * 2654435761u) >> 13)) ++mismatches;
    seen += chunk.size();
    ++chunks;
    biggest = std::max(biggest, chunk.size());
  }
};

// Nasty arguments: each must reach the command byte for byte.
std::vector<std::string> NastyArgs(const fs::path& pwned) {
  return {
      "",
      "plain",
      "/var/lib/one//datastores/0/42/disk.0",
      "with space",
      "  leading and trailing  ",
      "tab\there",
      "new\nline",
      "$(touch " + pwned.string() + ")",
      "`touch " + pwned.string() + "`",
      "${HOME}",
      "$HOME",
      "a;touch " + pwned.string(),
      "a|touch " + pwned.string(),
      "a&&touch " + pwned.string(),
      "a & b",
      "'",
      "''",
      "it's",
      "\"double\"",
      "back\\slash\\",
      "*",
      "?",
      "[a-z]*",
      "{a,b}",
      "~",
      "~root",
      "-rf",
      "--",
      "-",
      "=ls",
      "a=b",
      "!",
      "!!",
      "#comment",
      "<in",
      ">out",
      "2>&1",
      "(sub)",
      "héllo wörld ✓",
      std::string("\x01\x7f\xff", 3),
      "%s%n",
      "\r\n",
  };
}

std::vector<std::string> AvailableShells() {
  std::vector<std::string> shells = {"/bin/sh"};
  for (const char* s : {"/bin/bash", "/usr/bin/bash", "/bin/dash", "/usr/bin/zsh", "/bin/zsh"}) {
    if (::access(s, X_OK) == 0) shells.push_back(s);
  }
  return shells;
}

bool ProcessGone(pid_t pid) {
  // Gone, or a zombie waiting for a parent that does not reap.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  std::size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

std::size_t OpenFds() {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace

// ---------------------------------------------------------------------------
// Quoting

TEST_CASE("remote: ShellQuote") {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"", "''"},
      {"abc", "abc"},
      {"/var/lib/one//datastores/0/42/disk.0", "/var/lib/one//datastores/0/42/disk.0"},
      {"host.example.com:/x_y-z+1,2@3%4", "host.example.com:/x_y-z+1,2@3%4"},
      {"a=b", "a=b"},
      {"-rf", "-rf"},
      {"--", "--"},
      {"=ls", "'=ls'"},
      {"with space", "'with space'"},
      {"it's", "'it'\\''s'"},
      {"'", "''\\'''"},
      {"$(id)", "'$(id)'"},
      {"`id`", "'`id`'"},
      {"$HOME", "'$HOME'"},
      {"a;b", "'a;b'"},
      {"a|b", "'a|b'"},
      {"a&b", "'a&b'"},
      {"a\nb", "'a\nb'"},
      {"\"q\"", "'\"q\"'"},
      {"back\\slash", "'back\\slash'"},
      {"*", "'*'"},
      {"?", "'?'"},
      {"[ab]", "'[ab]'"},
      {"{a,b}", "'{a,b}'"},
      {"~", "'~'"},
      {"!", "'!'"},
      {"#", "'#'"},
      {"a\tb", "'a\tb'"},
      {"héllo", "'héllo'"},
  };
  for (const Case& c : cases) {
    INFO("input: [" << c.in << "]");
    CHECK(ShellQuote(c.in) == c.out);
  }
}

TEST_CASE("remote: ShellJoin") {
  CHECK(ShellJoin({}) == "");
  CHECK(ShellJoin({"cat"}) == "cat");
  CHECK(ShellJoin({"cat", "/a b/c", ""}) == "cat '/a b/c' ''");
  CHECK(ShellJoin({"rm", "-f", "--", "-x"}) == "rm -f -- -x");
  // In command position an assignment or a reserved word would change meaning.
  CHECK(ShellJoin({"FOO=bar", "x=y"}) == "'FOO=bar' x=y");
  CHECK(ShellJoin({"time", "time"}) == "'time' time");
  CHECK(ShellJoin({"if"}) == "'if'");
}

TEST_CASE("remote: quoted words reach the command byte for byte through each shell") {
  TempDir dir;
  fs::path pwned = dir.path / "pwned";
  std::vector<std::string> args = NastyArgs(pwned);
  std::vector<std::string> argv = {"printf", "%s\\0"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string line = ShellJoin(argv);
  auto local = MakeLocalRunner();
  for (const std::string& shell : AvailableShells()) {
    INFO("shell " << shell << ", command line: " << line);
    RemoteCommand cmd;
    cmd.argv = {shell, "-c", line};  // what the remote side of ssh does
    auto r = local->Run("", cmd);
    REQUIRE(r.ok());
    CHECK(r->exit_code == 0);
    CHECK(r->err == "");
    std::vector<std::string> got = SplitNul(r->out);
    REQUIRE(got.size() == args.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
      INFO("argument " << i);
      CHECK(got[i] == args[i]);
    }
    CHECK_FALSE(fs::exists(pwned));
  }
}

// ---------------------------------------------------------------------------
// SplitHostPath

TEST_CASE("remote: SplitHostPath") {
  struct Ok {
    std::string in, host, path;
  };
  const Ok oks[] = {
      {"node1:/var/lib/one//datastores/0/42/disk.0", "node1", "/var/lib/one/datastores/0/42/disk.0"},
      {"node1:/var/lib/one//datastores/0/42", "node1", "/var/lib/one/datastores/0/42"},
      {"h:/a///b/", "h", "/a/b"},
      {"h:/a/b//", "h", "/a/b"},
      {"h:/", "h", "/"},
      {"h://", "h", "/"},
      {"h:/a:b/c", "h", "/a:b/c"},
      {"kvm-01.example.com:/x", "kvm-01.example.com", "/x"},
      {"10.0.0.5:/x", "10.0.0.5", "/x"},
      {"h:/dir with space/disk.0", "h", "/dir with space/disk.0"},
  };
  for (const Ok& c : oks) {
    INFO(c.in);
    auto r = SplitHostPath(c.in);
    REQUIRE(r.ok());
    CHECK(r->host == c.host);
    CHECK(r->path == c.path);
  }
  for (std::string bad : {"", "nocolon", "/var/lib/one/disk.0", ":/x", "h:", "h:relative/path", "h:./x",
                          "-oProxyCommand=touch:/x", "-h:/x"}) {
    INFO("[" << bad << "]");
    auto r = SplitHostPath(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
  }
}

// ---------------------------------------------------------------------------
// Local runner

TEST_CASE("remote: local runner exit codes, output and errors") {
  auto run = MakeLocalRunner();
  auto Run = [&](std::vector<std::string> argv) {
    RemoteCommand cmd;
    cmd.argv = std::move(argv);
    return run->Run("ignored", cmd);
  };

  SUBCASE("stdout is collected without a sink, stdin is at EOF without a source") {
    auto r = Run({"sh", "-c", "printf hello; cat; printf ' world'"});
    REQUIRE(r.ok());
    CHECK(r->exit_code == 0);
    CHECK(r->out == "hello world");
    CHECK(r->err == "");
  }
  SUBCASE("non-zero exit codes are results, not errors") {
    auto r = Run({"sh", "-c", "echo oops >&2; exit 3"});
    REQUIRE(r.ok());
    CHECK(r->exit_code == 3);
    CHECK(r->err == "oops\n");
  }
  SUBCASE("killed by a signal: 128 + signal") {
    auto r = Run({"sh", "-c", "kill -TERM $$"});
    REQUIRE(r.ok());
    CHECK(r->exit_code == 128 + SIGTERM);
  }
  SUBCASE("no shell: arguments are not interpreted") {
    auto r = Run({"printf", "[%s]", "$(echo hi)", "", "a b"});
    REQUIRE(r.ok());
    CHECK(r->out == "[$(echo hi)][][a b]");
  }
  SUBCASE("stderr keeps the last 64 KiB") {
    auto r = Run({"sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x >&2; echo END >&2; echo out"});
    REQUIRE(r.ok());
    CHECK(r->err.size() == 64 * 1024);
    CHECK(r->err.substr(r->err.size() - 4) == "END\n");
    CHECK(r->err.substr(0, 10) == "xxxxxxxxxx");
    CHECK(r->out == "out\n");
  }
  SUBCASE("empty argv") {
    auto r = Run({});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
  }
  SUBCASE("unknown command") {
    auto r = Run({"no-such-command-one-ipfs-test"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kNotFound);
  }
  SUBCASE("a path that cannot be executed") {
    TempDir dir;
    fs::path f = dir.path / "not-executable";
    std::ofstream(f) << "#!/bin/sh\necho hi\n";
    auto r = Run({f.string()});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kIo);
    auto missing = Run({(dir.path / "missing").string()});
    REQUIRE_FALSE(missing.ok());
  }
}

TEST_CASE("remote: local runner streams stdin and stdout concurrently") {
  auto run = MakeLocalRunner();

  SUBCASE("50 MB through cat, both directions at once") {
    const std::uint64_t total = 50ull * 1024 * 1024;
    PatternSource source{total};
    PatternCheck check;
    RemoteCommand cmd;
    cmd.argv = {"cat"};
    cmd.stdin_source = std::ref(source);
    cmd.stdout_sink = [&](std::string_view chunk) {
      check.Feed(chunk);
      return Status::Ok();
    };
    auto r = run->Run("", cmd);
    REQUIRE(r.ok());
    CHECK(r->exit_code == 0);
    CHECK(r->out.empty());  // went to the sink
    CHECK(check.seen == total);
    CHECK(check.mismatches == 0);
    CHECK(check.chunks > 10);  // streamed, not delivered at the end
    CHECK(check.biggest <= 1024 * 1024);
  }
  SUBCASE("memory stays bounded: 256 MiB does not raise the peak RSS by much") {
    struct rusage before {};
    ::getrusage(RUSAGE_SELF, &before);
    PatternSource source{256ull * 1024 * 1024};
    std::uint64_t seen = 0;
    RemoteCommand cmd;
    cmd.argv = {"cat"};
    cmd.stdin_source = std::ref(source);
    cmd.stdout_sink = [&](std::string_view chunk) {
      seen += chunk.size();
      return Status::Ok();
    };
    auto r = run->Run("", cmd);
    REQUIRE(r.ok());
    CHECK(seen == 256ull * 1024 * 1024);
    struct rusage after {};
    ::getrusage(RUSAGE_SELF, &after);
    CHECK(after.ru_maxrss - before.ru_maxrss < 32 * 1024);  // KiB
  }
  SUBCASE("a command that stops reading stdin early: no SIGPIPE, exit code reported") {
    PatternSource source{50ull * 1024 * 1024};
    RemoteCommand cmd;
    cmd.argv = {"head", "-c", "10"};
    cmd.stdin_source = std::ref(source);
    auto r = run->Run("", cmd);
    REQUIRE(r.ok());
    CHECK(r->exit_code == 0);
    CHECK(r->out.size() == 10);
  }
  SUBCASE("an endless stdin to a command that never reads it") {
    RemoteCommand cmd;
    cmd.argv = {"true"};
    cmd.stdin_source = [](char* buf, std::size_t size) -> Result<std::size_t> {
      std::memset(buf, 'x', size);
      return size;
    };
    auto r = run->Run("", cmd);
    REQUIRE(r.ok());
    CHECK(r->exit_code == 0);
  }
  SUBCASE("a failing stdin source: the command is killed and the error returned") {
    std::size_t calls = 0;
    RemoteCommand cmd;
    cmd.argv = {"cat"};
    cmd.stdin_source = [&](char* buf, std::size_t size) -> Result<std::size_t> {
      if (++calls > 3) return Status::Io("source broke");
      std::memset(buf, 'x', size);
      return size;
    };
    cmd.stdout_sink = [](std::string_view) { return Status::Ok(); };
    auto r = run->Run("", cmd);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kIo);
    CHECK(r.status().message() == "source broke");
  }
  SUBCASE("a throwing stdin source becomes a Status") {
    RemoteCommand cmd;
    cmd.argv = {"cat"};
    cmd.stdin_source = [](char*, std::size_t) -> Result<std::size_t> { throw std::runtime_error("kaput"); };
    auto r = run->Run("", cmd);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("kaput") != std::string::npos);
  }
  SUBCASE("a failing stdout sink: the command is killed and the error returned") {
    std::uint64_t seen = 0;
    RemoteCommand cmd;
    cmd.argv = {"yes"};  // endless output
    cmd.stdout_sink = [&](std::string_view chunk) {
      seen += chunk.size();
      return seen > 1024 * 1024 ? Status::Io("disk full") : Status::Ok();
    };
    auto start = steady_clock::now();
    auto r = run->Run("", cmd);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "disk full");
    CHECK(steady_clock::now() - start < std::chrono::seconds(5));
  }
  SUBCASE("a throwing stdout sink becomes a Status") {
    RemoteCommand cmd;
    cmd.argv = {"yes"};
    cmd.stdout_sink = [](std::string_view) -> Status { throw std::runtime_error("sink kaput"); };
    auto r = run->Run("", cmd);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("sink kaput") != std::string::npos);
  }
}

TEST_CASE("remote: local runner timeout") {
  auto run = MakeLocalRunner();
  TempDir dir;

  SUBCASE("sleep 10 with a 1 s timeout") {
    RemoteCommand cmd;
    cmd.argv = {"sleep", "10"};
    cmd.timeout = std::chrono::seconds(1);
    auto start = steady_clock::now();
    auto r = run->Run("", cmd);
    auto took = steady_clock::now() - start;
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kTimeout);
    CHECK(took >= std::chrono::milliseconds(900));
    CHECK(took < std::chrono::seconds(4));
  }
  SUBCASE("the whole process group is killed, also children holding stdout") {
    fs::path pidfile = dir.path / "pid";
    RemoteCommand cmd;
    cmd.argv = {"sh", "-c", "sleep 30 & echo $! > " + pidfile.string() + "; wait"};
    cmd.timeout = std::chrono::seconds(1);
    auto start = steady_clock::now();
    auto r = run->Run("", cmd);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kTimeout);
    CHECK(steady_clock::now() - start < std::chrono::seconds(5));
    pid_t pid = std::stoi(ReadWholeFile(pidfile));
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
      gone = ProcessGone(pid);
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(gone);
    if (!gone) ::kill(pid, SIGKILL);
  }
  SUBCASE("a command that closed its output still times out") {
    RemoteCommand cmd;
    cmd.argv = {"sh", "-c", "exec >&- 2>&-; sleep 10"};
    cmd.timeout = std::chrono::seconds(1);
    auto start = steady_clock::now();
    auto r = run->Run("", cmd);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kTimeout);
    CHECK(steady_clock::now() - start < std::chrono::seconds(4));
  }
  SUBCASE("a fast command within its timeout") {
    RemoteCommand cmd;
    cmd.argv = {"echo", "ok"};
    cmd.timeout = std::chrono::seconds(5);
    auto r = run->Run("", cmd);
    REQUIRE(r.ok());
    CHECK(r->out == "ok\n");
  }
}

TEST_CASE("remote: concurrent runs do not leak pipes into each other") {
  // Run A's stdin stays open until released; meanwhile run B starts a long
  // sleep. If B's child inherited A's stdin pipe, A's cat would not see EOF
  // until the sleep ends.
  auto run = MakeLocalRunner();
  std::size_t fds_before = OpenFds();
  std::atomic<bool> release{false};
  std::atomic<bool> b_started{false};
  std::thread b([&] {
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    RemoteCommand cmd;
    cmd.argv = {"sleep", "4"};
    b_started = true;
    auto r = run->Run("", cmd);
    CHECK(r.ok());
  });
  RemoteCommand a;
  a.argv = {"cat"};
  int step = 0;
  a.stdin_source = [&](char* buf, std::size_t) -> Result<std::size_t> {
    if (step++ == 0) {
      buf[0] = 'x';
      return std::size_t{1};
    }
    release = true;
    while (!b_started.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let B fork and exec
    return std::size_t{0};
  };
  auto start = steady_clock::now();
  auto r = run->Run("", a);
  auto took = steady_clock::now() - start;
  b.join();
  REQUIRE(r.ok());
  CHECK(r->out == "x");
  CHECK(took < std::chrono::seconds(3));
  CHECK(OpenFds() == fds_before);
}

TEST_CASE("remote: many runs in parallel") {
  auto run = MakeLocalRunner();
  std::size_t fds_before = OpenFds();
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        PatternSource source{static_cast<std::uint64_t>(100000 + t * 1000 + i)};
        PatternCheck check;
        RemoteCommand cmd;
        cmd.argv = {"cat"};
        cmd.stdin_source = std::ref(source);
        cmd.stdout_sink = [&](std::string_view c) {
          check.Feed(c);
          return Status::Ok();
        };
        auto r = run->Run("", cmd);
        if (r.ok() && r->exit_code == 0 && check.seen == source.total && check.mismatches == 0) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(good == 40);
  CHECK(OpenFds() == fds_before);
}

// ---------------------------------------------------------------------------
// ssh runner, against a stand-in ssh program (real sshd hosts are covered by
// the integration tests)

namespace {

// Writes a fake `ssh` that logs its argv (NUL-separated) and, like ssh, hands
// the command string to a shell; host "unreachable" fails like ssh does.
fs::path WriteFakeSsh(const fs::path& dir) {
  fs::path script = dir / "fake-ssh";
  fs::path log = dir / "ssh-argv";
  std::ofstream(script) << "#!/bin/sh\n"
                           "printf '%s\\0' \"$@\" > '"
                        << log.string()
                        << "'\n"
                           "while [ $# -gt 0 ] && [ \"$1\" != -- ]; do shift; done\n"
                           "shift; host=$1; shift\n"
                           "if [ \"$host\" = unreachable ]; then\n"
                           "  echo 'Warning: something first' >&2\n"
                           "  echo 'ssh: connect to host unreachable port 22: Connection refused' >&2\n"
                           "  exit 255\n"
                           "fi\n"
                           "if [ \"$host\" = lost ]; then\n"
                           "  echo 'INFO: one-ipfs-host: disk.0 written' >&2\n"
                           "  exit 255\n"
                           "fi\n"
                           "exec /bin/sh -c \"$1\"\n";
  fs::permissions(script, fs::perms::owner_all);
  return script;
}

}  // namespace

TEST_CASE("remote: ssh runner") {
  TempDir dir;
  fs::path fake = WriteFakeSsh(dir.path);
  fs::path log = dir.path / "ssh-argv";
  SshOptions opts;
  opts.ssh = fake.string();
  opts.extra_args = {"-p", "2222", "-i", "/keys/id ed25519"};
  opts.connect_timeout = 7;
  auto ssh = MakeSshRunner(opts);

  SUBCASE("argv given to ssh, and the arguments arrive intact on the other side") {
    fs::path pwned = dir.path / "pwned";
    std::vector<std::string> args = NastyArgs(pwned);
    RemoteCommand cmd;
    cmd.argv = {"printf", "%s\\0"};
    cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
    auto r = ssh->Run("node1", cmd);
    REQUIRE(r.ok());
    CHECK(r->exit_code == 0);
    CHECK(SplitNul(r->out) == args);
    CHECK_FALSE(fs::exists(pwned));
    std::vector<std::string> expect = {"-o", "BatchMode=yes", "-o", "ConnectTimeout=7", "-p", "2222",
                                       "-i", "/keys/id ed25519", "-o", "ServerAliveInterval=10",
                                       "--", "node1", ShellJoin(cmd.argv)};
    CHECK(SplitNul(ReadWholeFile(log)) == expect);
  }
  SUBCASE("connection sharing and keep-alive options come after the operator's own (ssh keeps the first value)") {
    SshOptions shared = opts;
    shared.server_alive_interval = 15;
    shared.control_dir = "/run/one/one-ipfs-ssh";
    shared.control_persist = 45;
    RemoteCommand cmd;
    cmd.argv = {"true"};
    auto r = MakeSshRunner(shared)->Run("node1", cmd);
    REQUIRE(r.ok());
    CHECK(r->exit_code == 0);
    std::vector<std::string> expect = {"-o", "BatchMode=yes", "-o", "ConnectTimeout=7", "-p", "2222",
                                       "-i", "/keys/id ed25519", "-o", "ServerAliveInterval=15",
                                       "-o", "ControlMaster=auto", "-o", "ControlPersist=45",
                                       "-o", "ControlPath=/run/one/one-ipfs-ssh/%C", "--", "node1", "true"};
    CHECK(SplitNul(ReadWholeFile(log)) == expect);
  }
  SUBCASE("no sharing and no keep-alive: no Control or ServerAlive option at all") {
    SshOptions plain = opts;
    plain.server_alive_interval = 0;
    RemoteCommand cmd;
    cmd.argv = {"true"};
    auto r = MakeSshRunner(plain)->Run("node1", cmd);
    REQUIRE(r.ok());
    for (const auto& a : SplitNul(ReadWholeFile(log))) {
      CHECK(a.rfind("Control", 0) != 0);
      CHECK(a.rfind("ServerAlive", 0) != 0);
    }
  }
  SUBCASE("streams stdin and stdout") {
    const std::uint64_t total = 8ull * 1024 * 1024;
    PatternSource source{total};
    PatternCheck check;
    RemoteCommand cmd;
    cmd.argv = {"cat"};
    cmd.stdin_source = std::ref(source);
    cmd.stdout_sink = [&](std::string_view c) {
      check.Feed(c);
      return Status::Ok();
    };
    auto r = ssh->Run("node1", cmd);
    REQUIRE(r.ok());
    CHECK(check.seen == total);
    CHECK(check.mismatches == 0);
  }
  SUBCASE("remote exit codes and stderr") {
    RemoteCommand cmd;
    cmd.argv = {"sh", "-c", "echo 'no space left' >&2; exit 3"};
    auto r = ssh->Run("node1", cmd);
    REQUIRE(r.ok());
    CHECK(r->exit_code == 3);
    CHECK(r->err == "no space left\n");
  }
  SUBCASE("exit 255: the host cannot be reached") {
    RemoteCommand cmd;
    cmd.argv = {"true"};
    auto r = ssh->Run("unreachable", cmd);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kUnavailable);
    CHECK(r.status().message() ==
          "cannot reach host unreachable over ssh: ssh: connect to host unreachable port 22: Connection refused");
  }
  SUBCASE("exit 255 after the remote command logged progress: the reason is not its INFO line") {
    RemoteCommand cmd;
    cmd.argv = {"true"};
    auto r = ssh->Run("lost", cmd);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kUnavailable);
    CHECK(r.status().message() ==
          "cannot reach host lost over ssh: the connection was lost (ssh exited with status 255)");
  }
  SUBCASE("a host starting with '-' is rejected before anything runs") {
    RemoteCommand cmd;
    cmd.argv = {"true"};
    for (const std::string& host :
         std::vector<std::string>{"-oProxyCommand=touch " + (dir.path / "pwned").string(), "-", ""}) {
      auto r = ssh->Run(host, cmd);
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == Status::Code::kInvalid);
    }
    CHECK_FALSE(fs::exists(log));
    CHECK_FALSE(fs::exists(dir.path / "pwned"));
  }
  SUBCASE("an empty command is rejected (ssh would open a login shell)") {
    RemoteCommand cmd;
    auto r = ssh->Run("node1", cmd);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
    CHECK_FALSE(fs::exists(log));
  }
  SUBCASE("timeout") {
    RemoteCommand cmd;
    cmd.argv = {"sleep", "10"};
    cmd.timeout = std::chrono::seconds(1);
    auto start = steady_clock::now();
    auto r = ssh->Run("node1", cmd);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kTimeout);
    CHECK(steady_clock::now() - start < std::chrono::seconds(4));
  }
  SUBCASE("no ssh program") {
    SshOptions missing;
    missing.ssh = "no-such-ssh-one-ipfs-test";
    RemoteCommand cmd;
    cmd.argv = {"true"};
    auto r = MakeSshRunner(missing)->Run("node1", cmd);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kNotFound);
  }
}

TEST_CASE("remote: PrepareControlDir") {
  TempDir dir;
  SUBCASE("creates a missing directory (and its parents) 0700") {
    fs::path d = dir.path / "a" / "ctl";
    REQUIRE(PrepareControlDir(d.string()).ok());
    struct stat sb {};
    REQUIRE(::lstat(d.c_str(), &sb) == 0);
    CHECK(S_ISDIR(sb.st_mode));
    CHECK((sb.st_mode & 0777) == 0700);
    CHECK(PrepareControlDir(d.string()).ok());  // again: it exists and is fine
  }
  SUBCASE("refuses a directory others can enter") {
    fs::path d = dir.path / "open";
    fs::create_directory(d);
    ::chmod(d.c_str(), 0755);
    Status st = PrepareControlDir(d.string());
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK(st.message().find("open to other users") != std::string::npos);
  }
  SUBCASE("refuses a symlink, even to a good directory") {
    fs::path real = dir.path / "real";
    REQUIRE(PrepareControlDir(real.string()).ok());
    fs::create_directory_symlink(real, dir.path / "link");
    CHECK_FALSE(PrepareControlDir((dir.path / "link").string()).ok());
  }
  SUBCASE("refuses a file") {
    std::ofstream(dir.path / "file") << "x";
    CHECK_FALSE(PrepareControlDir((dir.path / "file").string()).ok());
  }
  SUBCASE("refuses paths ssh cannot use for a socket or would parse") {
    CHECK_FALSE(PrepareControlDir("relative/dir").ok());
    CHECK_FALSE(PrepareControlDir((dir.path / "with space").string()).ok());
    CHECK_FALSE(PrepareControlDir((dir.path / "pct%h").string()).ok());
    std::string longer = "/tmp/" + std::string(60, 'x');
    Status st = PrepareControlDir(longer);
    CHECK(st.message().find("too long") != std::string::npos);
    CHECK_FALSE(fs::exists(longer));
  }
}

}  // namespace oneipfs
