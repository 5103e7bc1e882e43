#include "common/ipfs/pipe_bridge.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace oneipfs {

PipeBridge::PipeBridge(Producer producer) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    start_status_ = Status::Io(fmt::format("pipe: {}", std::strerror(errno)));
    joined_ = true;
    return;
  }
  rd_ = fds[0];
  wr_ = fds[1];
  thread_ = std::thread([this, producer = std::move(producer)] {
    // A consumer that gave up closes the pipe: writes must fail with EPIPE
    // instead of killing the process with SIGPIPE.
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
    producer_status_ = producer([this](std::string_view chunk) -> Status {
      while (!chunk.empty()) {
        ssize_t n = ::write(wr_, chunk.data(), chunk.size());
        if (n < 0) {
          if (errno == EINTR) continue;
          return Status::Failed("the receiving side stopped");
        }
        chunk.remove_prefix(static_cast<std::size_t>(n));
      }
      return Status::Ok();
    });
    ::close(wr_);
    wr_ = -1;
  });
}

void PipeBridge::Join() {
  if (joined_) return;
  thread_.join();
  joined_ = true;
}

ByteSource PipeBridge::source() {
  return [this](char* buf, std::size_t cap) -> Result<std::size_t> {
    if (!start_status_.ok()) return start_status_;
    for (;;) {
      ssize_t n = ::read(rd_, buf, cap);
      if (n > 0) return static_cast<std::size_t>(n);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::Io(fmt::format("pipe read: {}", std::strerror(errno)));
      Join();  // EOF: the producer is done; only a clean end is an end
      if (!producer_status_.ok()) return producer_status_;
      return std::size_t{0};
    }
  };
}

Status PipeBridge::Finish() {
  if (rd_ >= 0) {
    ::close(rd_);  // a producer still writing gets EPIPE and stops
    rd_ = -1;
  }
  Join();
  return producer_status_;
}

PipeBridge::~PipeBridge() { (void)Finish(); }

}  // namespace oneipfs
