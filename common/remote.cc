#include "common/remote.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <boost/process.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace oneipfs {
namespace bp = boost::process;

std::string ShellQuote(std::string_view s) {
  if (s.empty()) return "''";
  bool bare = true;
  for (char c : s) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_./:=@%+,-").find(c) != std::string_view::npos;
    if (!ok) bare = false;
  }
  if (bare && s[0] != '-' && s[0] != '=') return std::string(s);
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  out += "'";
  return out;
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += ShellQuote(a);
  }
  return out;
}

Result<HostPath> SplitHostPath(std::string_view arg) {
  size_t colon = arg.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return Status::Invalid(fmt::format("'{}' is not <host>:<path>", arg));
  HostPath hp;
  hp.host = std::string(arg.substr(0, colon));
  std::string_view path = arg.substr(colon + 1);
  if (path.empty() || path[0] != '/') return Status::Invalid(fmt::format("'{}': the path is not absolute", arg));
  for (char c : path) {
    if (c == '/' && !hp.path.empty() && hp.path.back() == '/') continue;
    hp.path += c;
  }
  if (hp.path.size() > 1 && hp.path.back() == '/') hp.path.pop_back();
  if (hp.host[0] == '-') return Status::Invalid(fmt::format("'{}': a host name cannot start with '-'", hp.host));
  return hp;
}

namespace {

// Runs argv[0] with argv[1..], streaming as RemoteRunner::Run promises.
Result<RemoteResult> RunProcess(const std::vector<std::string>& argv, const RemoteCommand& cmd) {
  if (argv.empty()) return Status::Invalid("empty command");
  RemoteResult result;
  try {
    bp::pipe in, out, err;
    // Other threads start processes too: none of them may inherit these.
    for (int fd : {in.native_source(), in.native_sink(), out.native_source(), out.native_sink(),
                   err.native_source(), err.native_sink()})
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    std::string exe = argv[0].find('/') == std::string::npos ? bp::search_path(argv[0]).string() : argv[0];
    if (exe.empty()) return Status::NotFound(fmt::format("{}: command not found", argv[0]));
    std::vector<std::string> args(argv.begin() + 1, argv.end());
    bp::child child(exe, bp::args(args), bp::std_in < in, bp::std_out > out, bp::std_err > err);
    // Boost closed the child's ends in this process already; forget them so
    // the pipes' destructors do not close those numbers a second time.
    in.assign_source(-1);
    out.assign_sink(-1);
    err.assign_sink(-1);
    if (!cmd.stdin_source) in.close();

    std::mutex mu;
    Status failure;  // first callback failure
    std::atomic<bool> killed{false};
    auto kill = [&](Status why) {
      std::lock_guard<std::mutex> lock(mu);
      if (failure.ok()) failure = std::move(why);
      if (!killed.exchange(true)) ::kill(child.id(), SIGKILL);
    };

    std::thread writer;
    if (cmd.stdin_source) {
      writer = std::thread([&] {
        sigset_t pipe_set;  // a command that exits early: EPIPE, not SIGPIPE
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
        std::vector<char> buf(256 * 1024);
        for (;;) {
          auto n = cmd.stdin_source(buf.data(), buf.size());
          if (!n.ok()) {
            kill(n.status());
            break;
          }
          if (*n == 0) break;
          std::size_t done = 0;
          while (done < *n) {
            int w = in.write(buf.data() + done, static_cast<int>(*n - done));
            if (w <= 0) break;
            done += static_cast<std::size_t>(w);
          }
          if (done < *n) break;  // the command closed its stdin
        }
        in.close();
      });
    }
    std::thread err_reader([&] {
      char buf[8192];
      for (;;) {
        int n = err.read(buf, sizeof(buf));
        if (n <= 0) break;
        std::lock_guard<std::mutex> lock(mu);
        result.err.append(buf, static_cast<std::size_t>(n));
        if (result.err.size() > 128 * 1024) result.err.erase(0, result.err.size() - 64 * 1024);
      }
    });

    std::condition_variable done_cv;
    bool done = false;
    std::thread watchdog;
    if (cmd.timeout.count() > 0) {
      watchdog = std::thread([&] {
        std::unique_lock<std::mutex> lock(mu);
        if (!done_cv.wait_for(lock, cmd.timeout, [&] { return done; })) {
          lock.unlock();
          kill(Status::Timeout(fmt::format("{} did not finish within {} s", argv[0], cmd.timeout.count())));
        }
      });
    }

    std::vector<char> buf(256 * 1024);
    for (;;) {
      int n = out.read(buf.data(), static_cast<int>(buf.size()));
      if (n <= 0) break;
      std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
      if (cmd.stdout_sink) {
        Status st = cmd.stdout_sink(chunk);
        if (!st.ok()) {
          kill(st);
          break;
        }
      } else {
        result.out.append(chunk);
      }
    }
    out.close();
    child.wait();
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    done_cv.notify_all();
    if (watchdog.joinable()) watchdog.join();
    if (writer.joinable()) writer.join();
    err_reader.join();
    result.exit_code = child.exit_code();
    if (!failure.ok()) return failure;
    return result;
  } catch (const std::exception& e) {
    return Status::Io(fmt::format("cannot run {}: {}", argv[0], e.what()));
  }
}

std::string LastLine(const std::string& s) {
  std::string t = s;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

class SshRunner : public RemoteRunner {
 public:
  explicit SshRunner(SshOptions o) : o_(std::move(o)) {}
  Result<RemoteResult> Run(const std::string& host, const RemoteCommand& cmd) override {
    if (host.empty() || host[0] == '-')
      return Status::Invalid(fmt::format("'{}' is not a host name", host));
    std::vector<std::string> argv = {o_.ssh, "-o", "BatchMode=yes", "-o",
                                     fmt::format("ConnectTimeout={}", o_.connect_timeout)};
    argv.insert(argv.end(), o_.extra_args.begin(), o_.extra_args.end());
    argv.push_back("--");
    argv.push_back(host);
    argv.push_back(ShellJoin(cmd.argv));
    ASSIGN_OR_RETURN(RemoteResult r, RunProcess(argv, cmd));
    if (r.exit_code == 255)
      return Status::Unavailable(fmt::format("cannot reach host {} over ssh: {}", host, LastLine(r.err)));
    return r;
  }

 private:
  SshOptions o_;
};

class LocalRunner : public RemoteRunner {
 public:
  Result<RemoteResult> Run(const std::string&, const RemoteCommand& cmd) override { return RunProcess(cmd.argv, cmd); }
};

}  // namespace

std::unique_ptr<RemoteRunner> MakeSshRunner(SshOptions options) { return std::make_unique<SshRunner>(std::move(options)); }
std::unique_ptr<RemoteRunner> MakeLocalRunner() { return std::make_unique<LocalRunner>(); }

}  // namespace oneipfs
