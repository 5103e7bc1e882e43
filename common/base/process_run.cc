// process_run.cc: running one process for the runners (see process_run.h).
#include "common/base/process_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "common/base/text.h"

namespace oneipfs {
namespace bp = boost::process;

std::string ErrnoText(int err) { return std::system_category().message(err); }

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kChunk = 256 * 1024;
constexpr std::size_t kErrKeep = 64 * 1024;
// After the process group was killed, how long to wait for EOF from
// processes that left the group but hold its pipes.
constexpr auto kKillGrace = std::chrono::seconds(2);


// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    reset(o.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// A pipe whose ends are close-on-exec (no other child started concurrently
// inherits them) and numbered above 2 (so dup2 onto 0/1/2 in the child always
// makes a fresh, inheritable descriptor).
Status MakePipe(Fd* read_end, Fd* write_end) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Status::Io("pipe: " + ErrnoText(errno));
  read_end->reset(p[0]);
  write_end->reset(p[1]);
  for (Fd* fd : {read_end, write_end}) {
    if (fd->get() > 2) continue;
    int moved = ::fcntl(fd->get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return Status::Io("fcntl: " + ErrnoText(errno));
    fd->reset(moved);
  }
  return Status::Ok();
}

Status SetNonBlocking(const Fd& fd) {
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) return Status::Io("fcntl: " + ErrnoText(errno));
  return Status::Ok();
}

// Boost.Process creates its exec-error pipe without O_CLOEXEC and sets the
// flag afterwards; a fork on another thread in between would leak the pipe
// into that child and stall this spawn until that child exits. Spawns from
// this file are serialized so that cannot happen between them.
std::mutex g_spawn_mu;

// Starts `exe` in a new process group with stdin/stdout/stderr on the given
// pipe ends (which are consumed). Throws what Boost.Process throws.
pid_t Spawn(const std::string& exe, const std::vector<std::string>& args, Fd in_read, Fd out_write,
            Fd err_write) {
  // The bp::pipe objects own only the child's ends; Boost closes them in this
  // process once the child is started (or failed to start).
  bp::pipe in(in_read.release(), -1);
  bp::pipe out(-1, out_write.release());
  bp::pipe err(-1, err_write.release());
  auto setup = bp::extend::on_exec_setup([](auto&) {
    // In the child between fork and exec: async-signal-safe calls only.
    ::setpgid(0, 0);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
  });
  std::lock_guard<std::mutex> lock(g_spawn_mu);
  bp::child child(bp::exe = exe, bp::args = args, bp::std_in < in, bp::std_out > out, bp::std_err > err, setup);
  pid_t pid = child.id();
  child.detach();  // reaped by waitid/waitpid below, not by Boost
  return pid;
}

// State shared by the thread calling Run and the stdin writer thread.
class Session {
 public:
  explicit Session(pid_t pid) : pid_(pid) {}

  // Records the first failure and kills the process group.
  void Fail(Status why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failure_.ok()) failure_ = std::move(why);
    KillLocked();
  }
  void Kill() {
    std::lock_guard<std::mutex> lock(mu_);
    KillLocked();
  }
  bool killed() {
    std::lock_guard<std::mutex> lock(mu_);
    return killed_;
  }
  Status failure() {
    std::lock_guard<std::mutex> lock(mu_);
    return failure_;
  }

  // Blocks until the child has exited, without reaping it. At `deadline`
  // calls on_deadline() (once) and keeps waiting. False if the child cannot
  // be waited for (then it is marked reaped: nothing will signal that pid).
  template <typename F>
  bool WaitExited(Clock::time_point deadline, F on_deadline) {
    bool deadline_done = false;
    auto nap = std::chrono::milliseconds(1);
    for (;;) {
      siginfo_t info{};
      int r = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
      if (r == 0 && info.si_pid == pid_) return true;
      if (r != 0 && errno != EINTR) {
        wait_errno_ = errno;
        std::lock_guard<std::mutex> lock(mu_);
        reaped_ = true;
        return false;
      }
      if (!deadline_done && Clock::now() >= deadline) {
        deadline_done = true;
        on_deadline();
      }
      std::this_thread::sleep_for(nap);
      nap = std::min(nap * 2, std::chrono::milliseconds(50));
    }
  }
  int wait_errno() const { return wait_errno_; }

  // Reaps the exited child; returns its wait status. After this the pid may
  // be reused, so no signal is sent to it any more.
  int Reap() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      reaped_ = true;
    }
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
  }

  // Used when unwinding: make sure no child or zombie is left behind.
  void KillAndReap() {
    std::unique_lock<std::mutex> lock(mu_);
    if (reaped_) return;
    KillLocked();
    reaped_ = true;
    lock.unlock();
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }

 private:
  void KillLocked() {
    if (killed_ || reaped_) return;
    killed_ = true;
    // The child made itself a process-group leader before exec.
    if (::kill(-pid_, SIGKILL) != 0) ::kill(pid_, SIGKILL);
  }

  const pid_t pid_;
  std::mutex mu_;
  Status failure_;
  bool killed_ = false;
  bool reaped_ = false;
  int wait_errno_ = 0;
};

// Streams cmd.stdin_source into `fd` (non-blocking) until the source ends,
// fails, the command stops reading, or `stop_fd` becomes readable.
void WriteStdin(Fd fd, const RemoteCommand& cmd, int stop_fd, Session& session) {
  // A write to a pipe nobody reads raises SIGPIPE; keep it pending on this
  // thread (and discard it) instead of letting it kill the process.
  sigset_t pipe_set;
  ::sigemptyset(&pipe_set);
  ::sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);

  std::vector<char> buf(kChunk);
  bool open = true;
  while (open) {
    std::size_t n = 0;
    try {
      Result<std::size_t> got = cmd.stdin_source(buf.data(), buf.size());
      if (!got.ok()) {
        session.Fail(got.status());
        break;
      }
      n = *got;
    } catch (const std::exception& e) {
      session.Fail(Status::Failed(fmt::format("stdin source failed: {}", e.what())));
      break;
    } catch (...) {
      session.Fail(Status::Failed("stdin source failed"));
      break;
    }
    if (n == 0) break;
    if (n > buf.size()) {
      session.Fail(Status::Invalid(fmt::format("stdin source returned {} bytes for a {} byte buffer", n, buf.size())));
      break;
    }
    std::size_t done = 0;
    while (done < n) {
      ssize_t w = ::write(fd.get(), buf.data() + done, n - done);
      if (w > 0) {
        done += static_cast<std::size_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EAGAIN) {
        pollfd fds[2] = {{fd.get(), POLLOUT, 0}, {stop_fd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
          open = false;
          break;
        }
        if (fds[1].revents != 0) {
          open = false;
          break;
        }
        continue;
      }
      open = false;  // EPIPE: the command closed its stdin
      break;
    }
  }
  fd.reset();  // EOF for the command
  timespec zero{};
  while (::sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
  }
}

// Runs argv (argv[0] looked up in PATH when it has no '/') as remote.h
// describes. `what` names the command in messages.
Result<RemoteResult> RunProcessImpl(const std::vector<std::string>& argv, const RemoteCommand& cmd,
                                    const std::string& what) {
  if (argv.empty() || argv[0].empty()) return Status::Invalid("empty command");
  std::string exe = argv[0];
  if (exe.find('/') == std::string::npos) {
    exe = bp::search_path(argv[0]).string();
    if (exe.empty()) return Status::NotFound(fmt::format("{}: command not found", argv[0]));
  }
  std::vector<std::string> args(argv.begin() + 1, argv.end());

  Fd in_r, in_w, out_r, out_w, err_r, err_w, stop_r, stop_w;
  RETURN_IF_ERROR(MakePipe(&in_r, &in_w));
  RETURN_IF_ERROR(MakePipe(&out_r, &out_w));
  RETURN_IF_ERROR(MakePipe(&err_r, &err_w));
  RETURN_IF_ERROR(MakePipe(&stop_r, &stop_w));
  for (const Fd* fd : {&in_w, &out_r, &err_r}) RETURN_IF_ERROR(SetNonBlocking(*fd));

  pid_t pid;
  try {
    pid = Spawn(exe, args, std::move(in_r), std::move(out_w), std::move(err_w));
  } catch (const std::exception& e) {
    return Status::Io(fmt::format("cannot run {}: {}", argv[0], e.what()));
  }

  Session session(pid);
  std::thread writer;
  // Whatever happens below (even an exception), the writer is stopped and
  // joined and the child is reaped before this function returns.
  struct Cleanup {
    Session& session;
    std::thread& writer;
    Fd& stop_w;
    ~Cleanup() {
      if (writer.joinable()) {
        session.Kill();
        stop_w.reset();  // wakes the writer if it waits for the pipe
        writer.join();
      }
      session.KillAndReap();
    }
  } cleanup{session, writer, stop_w};

  if (cmd.stdin_source) {
    writer = std::thread(WriteStdin, std::move(in_w), std::cref(cmd), stop_r.get(), std::ref(session));
  } else {
    in_w.reset();  // stdin at EOF
  }

  const Clock::time_point deadline =
      cmd.timeout.count() > 0 ? Clock::now() + cmd.timeout : Clock::time_point::max();
  bool timed_out = false;
  auto on_timeout = [&] {
    timed_out = true;
    session.Fail(Status::Timeout(fmt::format("{} did not finish within {} s", what, cmd.timeout.count())));
  };

  RemoteResult result;
  std::vector<char> buf(kChunk);
  std::optional<Clock::time_point> give_up;  // set once the group was killed
  bool sink_ok = true;
  while (out_r.get() >= 0 || err_r.get() >= 0) {
    Clock::time_point now = Clock::now();
    if (!timed_out && now >= deadline) on_timeout();
    if (!give_up && session.killed()) give_up = now + kKillGrace;
    if (give_up && now >= *give_up) break;

    // Wake up at least every 250 ms to notice a kill from the writer thread.
    auto wait = std::chrono::milliseconds(250);
    Clock::time_point next = std::min(give_up.value_or(deadline), timed_out ? Clock::time_point::max() : deadline);
    if (next != Clock::time_point::max())
      wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(next - now));
    pollfd fds[2] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}};  // fd -1 is ignored
    int r = ::poll(fds, 2, static_cast<int>(std::max<std::chrono::milliseconds::rep>(wait.count(), 0)));
    if (r < 0) {
      if (errno == EINTR) continue;
      session.Fail(Status::Io(fmt::format("{}: poll: {}", what, ErrnoText(errno))));
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      Fd& fd = i == 0 ? out_r : err_r;
      ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) {
        fd.reset();
        continue;
      }
      std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
      if (i == 1) {
        result.err.append(chunk);
        if (result.err.size() > 2 * kErrKeep) result.err.erase(0, result.err.size() - kErrKeep);
      } else if (!cmd.stdout_sink) {
        result.out.append(chunk);
      } else if (sink_ok) {
        Status st;
        try {
          st = cmd.stdout_sink(chunk);
        } catch (const std::exception& e) {
          st = Status::Failed(fmt::format("stdout sink failed: {}", e.what()));
        } catch (...) {
          st = Status::Failed("stdout sink failed");
        }
        if (!st.ok()) {
          sink_ok = false;
          session.Fail(std::move(st));
          fd.reset();  // stop reading stdout
        }
      }
    }
  }
  out_r.reset();
  err_r.reset();
  if (result.err.size() > kErrKeep) result.err.erase(0, result.err.size() - kErrKeep);

  bool waited = session.WaitExited(timed_out ? Clock::time_point::max() : deadline, on_timeout);
  int status = waited ? session.Reap() : 0;
  if (writer.joinable()) {
    stop_w.reset();
    writer.join();
  }
  Status failure = session.failure();
  if (!failure.ok()) return failure;
  if (!waited)
    return Status::Io(fmt::format("{}: cannot get the exit status: {}", what, ErrnoText(session.wait_errno())));
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  } else {
    result.exit_code = 255;
  }
  return result;
}

}  // namespace

Result<RemoteResult> RunProcess(const std::vector<std::string>& argv, const RemoteCommand& cmd,
                                const std::string& what) {
  try {
    return RunProcessImpl(argv, cmd, what);
  } catch (const std::exception& e) {
    return Status::Io(fmt::format("{}: {}", what, e.what()));
  } catch (...) {
    return Status::Io(fmt::format("{}: unknown error", what));
  }
}

}  // namespace oneipfs
