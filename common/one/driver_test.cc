// Unit tests for driver.h: ONE_VERSION parsing and the one-line last resort
// for an exception that escapes to std::terminate.
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include <doctest/doctest.h>

#include "common/one/driver.h"

using namespace oneipfs;

namespace {
// Runs fn in a forked child whose stderr is captured; returns (wait status, stderr).
template <typename Fn>
std::pair<int, std::string> InChild(Fn fn) {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(p[1], STDERR_FILENO);
    ::close(p[0]);
    ::close(p[1]);
    fn();
    ::_exit(0);
  }
  ::close(p[1]);
  std::string err;
  char buf[512];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0) err.append(buf, static_cast<std::size_t>(n));
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {status, err};
}

void Escapes() noexcept(false) { throw std::runtime_error("basic_filebuf::underflow error reading the file"); }
void ThroughNoexcept() noexcept { Escapes(); }  // an escaping exception: std::terminate
}  // namespace

TEST_CASE("driver: an exception that reaches std::terminate is one stderr line and exit 1") {
  auto [status, err] = InChild([] {
    InstallOneLineTerminate("one-ipfs-doctor");
    ThroughNoexcept();
  });
  REQUIRE(WIFEXITED(status));  // not SIGABRT
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(err == "one-ipfs-doctor: internal error: basic_filebuf::underflow error reading the file\n");

  // HandleHelpVersion installs it too (every program calls that first).
  auto [status2, err2] = InChild([] {
    char arg0[] = "x";
    char* argv[] = {arg0, nullptr};
    HandleHelpVersion("tm_clone", "", 1, argv);
    ThroughNoexcept();
  });
  REQUIRE(WIFEXITED(status2));
  CHECK(WEXITSTATUS(status2) == 1);
  CHECK(err2.rfind("tm_clone: internal error: ", 0) == 0);
}

TEST_CASE("driver: ONE_VERSION parsing") {
  CHECK(ParseOneVersion("6.10.5").AtLeast(6, 10));
  CHECK_FALSE(ParseOneVersion("6.8.0").AtLeast(6, 10));
  auto bad = ParseOneVersion("nonsense");  // unknown: the newest supported
  CHECK((bad.major == 7 && bad.minor == 0));
  CHECK_FALSE(ParseOneVersion("5.12").AtLeast(6, 0));
}
