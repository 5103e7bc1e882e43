// Unit tests for output_drain.h: the pipe oned needs reaches end-of-file
// before anything more is written to the other one, the other gets only
// blank lines, nothing is added to files, and a reader that never reads
// costs at most the bound.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include "common/base/output_drain.h"

using namespace oneipfs;

namespace {

struct Seen {
  std::string out, err;
  // whether the needed pipe was already at end-of-file each time the other
  // one had something new (read with the needed pipe checked first)
  bool needed_eof_first = true;
  int status = 0;
};

// A child writes `out` and `err` to pipes on fd 1 and 2 and calls
// FinishOutput(needed); the parent reads both as CommandManager.rb does.
Seen RunChild(const std::string& out, const std::string& err, int needed) {
  int po[2], pe[2];
  REQUIRE(::pipe(po) == 0);
  REQUIRE(::pipe(pe) == 0);
  std::fflush(nullptr);  // the child must not inherit the test runner's buffered output
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(po[1], STDOUT_FILENO);
    ::dup2(pe[1], STDERR_FILENO);
    for (int fd : {po[0], po[1], pe[0], pe[1]}) ::close(fd);
    std::fputs(out.c_str(), stdout);
    std::fputs(err.c_str(), stderr);
    FinishOutput(needed);
    ::_exit(0);
  }
  ::close(po[1]);
  ::close(pe[1]);
  Seen s;
  int fds[2] = {po[0], pe[0]};
  std::string* text[2] = {&s.out, &s.err};
  bool open[2] = {true, true};
  const int n_idx = needed == STDOUT_FILENO ? 0 : 1;
  const int o_idx = 1 - n_idx;
  std::size_t other_seen = 0;
  while (open[0] || open[1]) {
    pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
    if (!open[0]) p[0].fd = -1;
    if (!open[1]) p[1].fd = -1;
    REQUIRE(::poll(p, 2, 5000) > 0);
    for (int i : {n_idx, o_idx}) {
      if (!open[i] || !(p[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[256];
      ssize_t n = ::read(fds[i], buf, sizeof buf);
      if (n <= 0) {
        open[i] = false;
        continue;
      }
      text[i]->append(buf, static_cast<std::size_t>(n));
    }
    // the other pipe got bytes beyond what the action printed: by then the
    // needed pipe must have been closed (a read now returns 0 at once)
    if (text[o_idx]->size() > (o_idx == 0 ? out.size() : err.size()) && text[o_idx]->size() > other_seen) {
      other_seen = text[o_idx]->size();
      if (open[n_idx]) {
        int fl = ::fcntl(fds[n_idx], F_GETFL);
        ::fcntl(fds[n_idx], F_SETFL, fl | O_NONBLOCK);
        char c;
        ssize_t r = ::read(fds[n_idx], &c, 1);
        if (r == 0) open[n_idx] = false;
        else s.needed_eof_first = false;
        ::fcntl(fds[n_idx], F_SETFL, fl);
      }
    }
  }
  ::close(po[0]);
  ::close(pe[0]);
  ::waitpid(pid, &s.status, 0);
  return s;
}

}  // namespace

TEST_CASE("output_drain: on success stdout ends first, stderr then gets kDrainRounds blank lines") {
  Seen s = RunChild("mfs:/one-ipfs/100/5-1 raw\n", "INFO: cp: imported\n", STDOUT_FILENO);
  CHECK(s.out == "mfs:/one-ipfs/100/5-1 raw\n");
  CHECK(s.err == "INFO: cp: imported\n" + std::string(kDrainRounds, '\n'));
  CHECK(s.needed_eof_first);
  CHECK(WIFEXITED(s.status));
}

TEST_CASE("output_drain: on failure stderr ends first, stdout gets the blank lines") {
  Seen s = RunChild("", "WARN: x\nstat: no such image\n", STDERR_FILENO);
  CHECK(s.err == "WARN: x\nstat: no such image\n");
  CHECK(s.out == std::string(kDrainRounds, '\n'));
  CHECK(s.needed_eof_first);
}

TEST_CASE("output_drain: stdout and stderr on one pipe (2>&1) get nothing added") {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(p[1], STDOUT_FILENO);
    ::dup2(p[1], STDERR_FILENO);
    ::close(p[0]);
    ::close(p[1]);
    std::fputs("5\n", stdout);
    std::fflush(stdout);
    std::fputs("INFO: stat: sized\n", stderr);
    FinishOutput(STDOUT_FILENO);
    ::_exit(0);
  }
  ::close(p[1]);
  std::string all;
  char buf[256];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0) all.append(buf, static_cast<std::size_t>(n));
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(all == "5\nINFO: stat: sized\n");
}

TEST_CASE("output_drain: nothing is added to a file, and a reader that never reads costs the bound") {
  // stdout to /dev/null (not a pipe), stderr a pipe nobody reads until the exit
  int pe[2];
  REQUIRE(::pipe(pe) == 0);
  auto start = std::chrono::steady_clock::now();
  std::fflush(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(pe[1], STDERR_FILENO);
    ::close(pe[0]);
    ::close(pe[1]);
    std::fputs("payload\n", stdout);
    std::fputs("stat: failed\n", stderr);
    FinishOutput(STDOUT_FILENO, std::chrono::milliseconds(200));
    ::_exit(0);
  }
  ::close(pe[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);  // the pipe is read only after the exit
  auto took = std::chrono::steady_clock::now() - start;
  std::string err;
  char buf[256];
  ssize_t n;
  while ((n = ::read(pe[0], buf, sizeof buf)) > 0) err.append(buf, static_cast<std::size_t>(n));
  ::close(pe[0]);
  CHECK(err == "stat: failed\n");  // stdout is no pipe: no blank lines anywhere
  CHECK(took < std::chrono::milliseconds(900));
}

TEST_CASE("output_drain: PipeUnread") {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  CHECK(PipeUnread(p[1]) == 0);
  REQUIRE(::write(p[1], "abc", 3) == 3);
  CHECK(PipeUnread(p[1]) == 3);
  char b[3];
  REQUIRE(::read(p[0], b, 3) == 3);
  CHECK(PipeUnread(p[1]) == 0);
  ::close(p[0]);
  ::close(p[1]);
  char name[] = "/tmp/one-ipfs-drain-XXXXXX";
  int fd = ::mkstemp(name);
  REQUIRE(fd >= 0);
  CHECK(PipeUnread(fd) == -1);  // a file: nothing to wait for
  ::close(fd);
  ::unlink(name);
}


TEST_CASE("output_drain: the linger is in proportion to the slowest round, capped, and none without siblings") {
  using std::chrono::microseconds;
  CHECK(LingerFor(microseconds(100), 0) == microseconds(0));
  CHECK(LingerFor(microseconds(100), -1) == microseconds(0));  // unreadable: as alone
  CHECK(LingerFor(microseconds(100), 1) == microseconds(100 * kLingerFactor));
  CHECK(LingerFor(microseconds(1000), 14) == microseconds(1000 * kLingerFactor));
  CHECK(LingerFor(microseconds(10000), 3) == std::chrono::duration_cast<microseconds>(kMaxLinger));
}

namespace {

// In a fresh process C (so that its children are only ours): an action A
// prints a payload and calls FinishOutput(stdout); C reads stdout to its end,
// then reads stderr slowly (4 ms before each read), as a busy front end
// does. With `sibling`, C has a second child running beside A. Returns the
// milliseconds from A's stdout end-of-file to A's exit, and the siblings A
// counted (through its exit code), or {-1, -1}.
std::pair<long, int> LingerBeside(bool sibling) {
  int res[2];
  REQUIRE(::pipe(res) == 0);
  std::fflush(nullptr);
  pid_t c = ::fork();
  REQUIRE(c >= 0);
  if (c == 0) {
    ::close(res[0]);
    pid_t s = -1;
    if (sibling && (s = ::fork()) == 0) {
      ::sleep(10);
      ::_exit(0);
    }
    int po[2], pe[2];
    if (::pipe(po) != 0 || ::pipe(pe) != 0) ::_exit(1);
    pid_t a = ::fork();
    if (a == 0) {
      ::dup2(po[1], STDOUT_FILENO);
      ::dup2(pe[1], STDERR_FILENO);
      for (int fd : {po[0], po[1], pe[0], pe[1], res[1]}) ::close(fd);
      int siblings = SiblingProcesses();
      std::fputs("payload\n", stdout);
      FinishOutput(STDOUT_FILENO, std::chrono::milliseconds(2000));
      ::_exit(siblings < 0 ? 100 : siblings);
    }
    ::close(po[1]);
    ::close(pe[1]);
    char buf[64];
    while (::read(po[0], buf, sizeof buf) > 0) {
    }
    auto eof = std::chrono::steady_clock::now();
    do ::usleep(4000);
    while (::read(pe[0], buf, 1) > 0);
    int status = 0;
    ::waitpid(a, &status, 0);
    long ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - eof).count();
    if (s > 0) {
      ::kill(s, SIGKILL);
      ::waitpid(s, nullptr, 0);
    }
    long out[2] = {ms, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
    if (::write(res[1], out, sizeof out) != sizeof out) ::_exit(1);
    ::_exit(0);
  }
  ::close(res[1]);
  long got[2] = {-1, -1};
  bool read_all = ::read(res[0], got, sizeof got) == sizeof got;
  ::close(res[0]);
  ::waitpid(c, nullptr, 0);
  if (!read_all) return {-1, -1};
  return {got[0], static_cast<int>(got[1])};
}

}  // namespace

TEST_CASE("output_drain: beside another action a slow front end gets the linger; alone it does not") {
  auto [alone_ms, alone_siblings] = LingerBeside(false);
  CHECK(alone_siblings == 0);
  // five rounds of ~4-9 ms and the exit
  CHECK(alone_ms >= 0);
  CHECK(alone_ms < 250);
  auto [beside_ms, beside_siblings] = LingerBeside(true);
  CHECK(beside_siblings == 1);
  // rounds of >= 4 ms: 250 times that is past the cap, so kMaxLinger from the end-of-file
  CHECK(beside_ms >= std::chrono::duration_cast<std::chrono::milliseconds>(kMaxLinger).count() - 20);
  CHECK(beside_ms < 1500);
}
