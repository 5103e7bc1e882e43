// detached.h: the program runs in its own session and holds none of the
// caller's descriptors (a pipe the caller's reader waits on sees EOF at once).
#include "common/base/detached.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/base/scratch_files_test.h"

namespace oneipfs {

TEST_CASE("StartDetached: own session, no inherited pipe, the caller does not wait") {
  auto dir = testing::MakeTempDir("detached");
  std::string out = (dir / "stat").string();
  int p[2];
  REQUIRE(::pipe(p) == 0);  // inheritable on purpose: what oned's pipes are to an action
  auto t0 = std::chrono::steady_clock::now();
  Status st = StartDetached({"/bin/sh", "-c", "cat /proc/self/stat > \"$0.tmp\"; mv \"$0.tmp\" \"$0\"; sleep 3", out});
  REQUIRE(st.ok());
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  ::close(p[1]);
  pollfd pfd{p[0], POLLIN, 0};
  REQUIRE(::poll(&pfd, 1, 2000) == 1);  // EOF long before the program's 3 s sleep ends
  char c;
  CHECK(::read(p[0], &c, 1) == 0);
  ::close(p[0]);
  for (int i = 0; i < 200 && !std::filesystem::exists(out); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  std::ifstream f(out);
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(!stat.empty());
  // /proc/<pid>/stat: pid (comm) state ppid pgrp session ...
  auto close_paren = stat.rfind(')');
  std::istringstream rest(stat.substr(close_paren + 2));
  std::string state;
  long ppid = 0, pgrp = 0, session = 0;
  rest >> state >> ppid >> pgrp >> session;
  CHECK(session > 0);
  CHECK(session != ::getsid(0));  // not the caller's session
  CHECK(pgrp == session);         // the shell leads its own session and group
  CHECK(ppid != 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("StartDetached: a relative or missing program is an error") {
  CHECK(StartDetached({}).code() == Status::Code::kInvalid);
  CHECK(StartDetached({"sh", "-c", "true"}).code() == Status::Code::kInvalid);
  CHECK(StartDetached({"/nonexistent/program"}).code() == Status::Code::kIo);
}

}  // namespace oneipfs
