#include "common/base/output_drain.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

namespace oneipfs {

long PipeUnread(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return -1;
  int n = 0;
  if (::ioctl(fd, FIONREAD, &n) != 0) return -1;
  return n;
}

std::chrono::microseconds FinishOutput(std::chrono::milliseconds max) {
  using Clock = std::chrono::steady_clock;
  std::fflush(stdout);
  std::fflush(stderr);
  auto start = Clock::now();
  auto deadline = start + max;
  auto pause = std::chrono::microseconds(100);
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    while (PipeUnread(fd) > 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(pause);
      if (pause < std::chrono::milliseconds(5)) pause *= 2;
    }
  }
  // End-of-file now, while we still run: the readers return before the exit.
  // /dev/null takes the pipe's place, so nothing later can reuse fd 1 or 2.
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  for (int fd : {STDOUT_FILENO, STDERR_FILENO})
    if (PipeUnread(fd) >= 0 && null >= 0) ::dup2(null, fd);
  if (null >= 0) ::close(null);
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

}  // namespace oneipfs
