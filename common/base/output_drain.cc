#include "common/base/output_drain.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

namespace oneipfs {

namespace {

using Clock = std::chrono::steady_clock;

// Waits until the reader of pipe `fd` has taken every byte, or `deadline`.
void WaitTaken(int fd, Clock::time_point deadline) {
  auto pause = std::chrono::microseconds(100);
  while (PipeUnread(fd) > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(pause);
    if (pause < std::chrono::milliseconds(5)) pause *= 2;
  }
}

// End-of-file for the reader of `fd`; /dev/null takes the pipe's place, so
// nothing later can reuse fd 1 or 2.
void Close(int fd) {
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null < 0) {
    ::close(fd);
    return;
  }
  ::dup2(null, fd);
  ::close(null);
}

}  // namespace

long PipeUnread(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return -1;
  int n = 0;
  if (::ioctl(fd, FIONREAD, &n) != 0) return -1;
  return n;
}

std::chrono::microseconds FinishOutput(int needed, std::chrono::milliseconds max) {
  std::fflush(stdout);
  std::fflush(stderr);
  auto start = Clock::now();
  auto deadline = start + max;
  const int kept = needed == STDOUT_FILENO ? STDOUT_FILENO : STDERR_FILENO;
  const int other = kept == STDOUT_FILENO ? STDERR_FILENO : STDOUT_FILENO;
  const bool kept_pipe = PipeUnread(kept) >= 0;
  const bool other_pipe = PipeUnread(other) >= 0;
  // stdout and stderr on one pipe (2>&1): its reader would see the blank lines
  struct stat a, b;
  const bool one_pipe = kept_pipe && other_pipe && ::fstat(kept, &a) == 0 && ::fstat(other, &b) == 0 &&
                        a.st_dev == b.st_dev && a.st_ino == b.st_ino;
  // 1. everything written has been read
  if (kept_pipe) WaitTaken(kept, deadline);
  if (other_pipe) WaitTaken(other, deadline);
  // 2. the reader that matters sees end-of-file while we still run
  if (kept_pipe) Close(kept);
  // 3. the front end serves the other reader kDrainRounds times after that
  if (kept_pipe && other_pipe && !one_pipe) {
    for (int i = 0; i < kDrainRounds && Clock::now() < deadline; ++i) {
      if (::write(other, "\n", 1) != 1) break;
      WaitTaken(other, deadline);
    }
  }
  // 4.
  if (other_pipe) Close(other);
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

}  // namespace oneipfs
