#include "common/base/output_drain.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
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

std::chrono::microseconds LingerFor(std::chrono::microseconds slowest_round, int siblings) {
  if (siblings <= 0) return std::chrono::microseconds(0);
  return std::min<std::chrono::microseconds>(slowest_round * kLingerFactor, kMaxLinger);
}

int SiblingProcesses() {
  // /proc/<parent>/task/<thread>/children: the children each thread started
  const std::string tasks = "/proc/" + std::to_string(::getppid()) + "/task";
  DIR* dir = ::opendir(tasks.c_str());
  if (dir == nullptr) return -1;
  const long self = ::getpid();
  int n = 0;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(tasks + "/" + e->d_name + "/children");
    long pid;
    while (in >> pid) n += pid != self;
  }
  ::closedir(dir);
  return n;
}

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
  auto closed = Clock::now();
  std::chrono::microseconds slowest{0};
  if (kept_pipe && other_pipe && !one_pipe) {
    for (int i = 0; i < kDrainRounds && Clock::now() < deadline; ++i) {
      auto sent = Clock::now();
      if (::write(other, "\n", 1) != 1) break;
      WaitTaken(other, deadline);
      slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent));
    }
    // ... and, when it answered slowly, gets time in proportion
    // (only beside other actions: alone, no reader overtakes it)
    if (Clock::now() < std::min(closed + LingerFor(slowest, 1), deadline)) {
      auto until = std::min(closed + LingerFor(slowest, SiblingProcesses()), deadline);
      if (Clock::now() < until) std::this_thread::sleep_until(until);
    }
  }
  // 4.
  if (other_pipe) Close(other);
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

}  // namespace oneipfs
