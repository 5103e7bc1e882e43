#include "common/base/output_drain.h"

#include <doctest/doctest.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

namespace oneipfs {
namespace {

using Clock = std::chrono::steady_clock;

// A child whose stdout is a pipe writes `text`, calls FinishOutput, then
// lives on for 300 ms. Returns what the parent read, and whether the child
// was still alive when the parent saw end-of-file.
struct Seen {
  std::string text;
  bool eof_before_exit = false;
  double child_waited_ms = 0;
};
Seen RunChild(const std::string& text, int reader_delay_ms) {
  int p[2], t[2];
  REQUIRE(::pipe(p) == 0);
  REQUIRE(::pipe(t) == 0);
  std::cout.flush();  // the child must not flush the parent's buffered output
  std::fflush(stdout);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(p[1], STDOUT_FILENO);
    ::close(p[0]);
    ::close(p[1]);
    ::close(t[0]);
    (void)::write(STDOUT_FILENO, text.data(), text.size());
    auto waited = FinishOutput(std::chrono::milliseconds(2000));
    long ms = static_cast<long>(waited.count() / 1000);
    (void)::write(t[1], &ms, sizeof ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::_exit(0);
  }
  ::close(p[1]);
  ::close(t[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(reader_delay_ms));
  Seen seen;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.text.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  seen.eof_before_exit = ::waitpid(pid, &status, WNOHANG) == 0;
  long ms = -1;
  (void)::read(t[0], &ms, sizeof ms);
  seen.child_waited_ms = static_cast<double>(ms);
  ::waitpid(pid, &status, 0);
  ::close(p[0]);
  ::close(t[0]);
  return seen;
}

}  // namespace

TEST_CASE("output drain: the reader has everything and end-of-file before the writer exits") {
  Seen fast = RunChild("mfs:/one-ipfs/100/5-1 raw\n", 0);
  CHECK(fast.text == "mfs:/one-ipfs/100/5-1 raw\n");
  CHECK(fast.eof_before_exit);
  // A reader that comes late: the writer waits for it (bounded), then closes.
  Seen late = RunChild("300\n", 150);
  CHECK(late.text == "300\n");
  CHECK(late.eof_before_exit);
  CHECK(late.child_waited_ms >= 100);
  CHECK(late.child_waited_ms < 1900);
}

TEST_CASE("output drain: PipeUnread") {
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

}  // namespace oneipfs
