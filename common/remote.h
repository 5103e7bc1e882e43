// remote.h: running commands on hypervisor hosts (ssh) and on the front end.
//
// Everything that reaches a remote shell goes through ShellQuote/ShellJoin:
// ssh concatenates its arguments into one string for the remote shell, so
// each argv element is quoted there; nothing from oned is ever formatted
// into a command line unquoted. Local commands run from argv directly (no
// shell).
//
// RemoteRunner::Run streams `stdin_source` to the command's stdin and its
// stdout to `stdout_sink` (or collects it) at the same time, so gigabytes
// pass with bounded memory; stderr is collected (last 64 KiB). Failures:
//  - the command ran: Result holds its exit code (non-zero is not a Status);
//  - ssh could not reach the host (exit 255): Status::Unavailable
//    "cannot reach host <h> over ssh: <ssh's last stderr line>";
//  - timeout: the process is killed, Status::Timeout;
//  - a stdin_source/stdout_sink error: the process is killed and that error
//    is returned;
//  - a host that starts with '-' or is empty: Status::Invalid, nothing runs.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace oneipfs {

// POSIX single-quote quoting; words of [A-Za-z0-9_./:=@%+,-] stay bare.
std::string ShellQuote(std::string_view s);
std::string ShellJoin(const std::vector<std::string>& argv);

// tm_common.sh arg_host / arg_path: "host:/path" -> {host, /path} with runs
// of '/' collapsed and a trailing '/' removed.
struct HostPath {
  std::string host;
  std::string path;
};
Result<HostPath> SplitHostPath(std::string_view arg);

struct RemoteCommand {
  std::vector<std::string> argv;
  std::function<Result<std::size_t>(char*, std::size_t)> stdin_source;  // optional
  std::function<Status(std::string_view)> stdout_sink;                   // optional
  std::chrono::seconds timeout{0};                                        // 0 = none
};

struct RemoteResult {
  int exit_code = 0;
  std::string out;  // when no stdout_sink
  std::string err;
};

class RemoteRunner {
 public:
  virtual ~RemoteRunner() = default;
  virtual Result<RemoteResult> Run(const std::string& host, const RemoteCommand& cmd) = 0;
};

struct SshOptions {
  std::string ssh = "ssh";
  std::vector<std::string> extra_args;
  int connect_timeout = 10;
};

std::unique_ptr<RemoteRunner> MakeSshRunner(SshOptions options);
// Runs argv on this machine (host ignored).
std::unique_ptr<RemoteRunner> MakeLocalRunner();

}  // namespace oneipfs
