// remote.h: running commands on hypervisor hosts (ssh) and on the front end.
//
// Quoting. ssh concatenates its command arguments into one string that the
// remote login shell parses, so every argv element sent to a host goes
// through ShellQuote/ShellJoin; nothing from oned is ever formatted into a
// command line unquoted. Local commands run from argv directly (no shell).
//
// RemoteRunner::Run(host, cmd) runs cmd.argv and
//  - streams `stdin_source` into the command's stdin (from a separate thread)
//    while it streams the command's stdout into `stdout_sink` (on the calling
//    thread), so gigabytes pass with bounded memory and without deadlock.
//    Without a stdin_source the command's stdin is at EOF; without a
//    stdout_sink stdout is collected in RemoteResult::out (unbounded: use a
//    sink for anything large). stderr is always collected, the last 64 KiB.
//  - returns once the command has exited and its stdout and stderr are at
//    EOF (a background process that keeps them open keeps Run waiting, up to
//    the timeout).
// Outcomes:
//  - the command ran: the Result holds its exit code; a non-zero exit code is
//    not a Status. A command killed by signal N reports 128+N.
//  - empty argv, or a host that is empty or starts with '-' (ssh runner):
//    Status::Invalid, nothing runs.
//  - the program cannot be found or executed: Status::NotFound / Status::Io.
//  - ssh exits with 255 (it could not reach or authenticate to the host, or
//    the remote command itself exited 255): Status::Unavailable
//    "cannot reach host <h> over ssh: <ssh's last stderr line>".
//  - cmd.timeout (> 0) elapses: the command's whole process group (for ssh:
//    the local ssh client and anything it started) is killed with SIGKILL and
//    Run returns Status::Timeout. ssh does not forward the kill: a remote
//    command that ignores its closed stdin/stdout may run on.
//  - stdin_source or stdout_sink returns an error: the process group is
//    killed and that error is returned.
// If the command stops reading its stdin early, the rest of stdin_source is
// not consumed and that is not an error by itself: the exit code tells.
// stdin_source must return eventually (Run joins the thread calling it).
// Run never throws; concurrent Run calls (on different threads) are safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace oneipfs {

// POSIX single-quote quoting for one shell word. Words made only of
// [A-Za-z0-9_./:=@%+,-] (and not starting with '=') stay bare; anything else,
// the empty string included, is wrapped in '...' with each ' written '\''.
// The result is one word that the shell passes on byte for byte, with no
// expansion of any kind.
std::string ShellQuote(std::string_view s);

// The words quoted and joined with single spaces. The first word is also
// quoted when the shell would otherwise read it as a variable assignment
// (contains '=') or a reserved word (if, time, ...), so argv[0] is always
// the command that runs.
std::string ShellJoin(const std::vector<std::string>& argv);

// tm_common.sh arg_host / arg_path: "host:/path" -> host = text before the
// first ':', path = the rest with runs of '/' collapsed to one and a trailing
// '/' removed ("/" stays "/"). Status::Invalid when there is no ':', the host
// is empty or starts with '-', or the path is not absolute.
struct HostPath {
  std::string host;
  std::string path;
};
Result<HostPath> SplitHostPath(std::string_view arg);

struct RemoteCommand {
  // Run on the host (quoted for the remote shell with ShellJoin).
  std::vector<std::string> argv;
  // Optional: fills up to `size` bytes, returns how many; 0 = end of stdin.
  std::function<Result<std::size_t>(char*, std::size_t)> stdin_source;
  // Optional: receives the command's stdout in chunks; else it is collected.
  std::function<Status(std::string_view)> stdout_sink;
  std::chrono::seconds timeout{0};  // 0 = none
};

struct RemoteResult {
  int exit_code = 0;
  std::string out;  // stdout, when there is no stdout_sink
  std::string err;  // the last 64 KiB of stderr
};

class RemoteRunner {
 public:
  virtual ~RemoteRunner() = default;
  virtual Result<RemoteResult> Run(const std::string& host, const RemoteCommand& cmd) = 0;
};

struct SshOptions {
  std::string ssh = "ssh";  // program: a name looked up in PATH, or a path
  std::vector<std::string> extra_args;
  int connect_timeout = 10;  // seconds
  // ServerAliveInterval (ssh's ServerAliveCountMax stays 3): a host that
  // stops answering on an established (or shared) connection fails the
  // command within about 3 intervals. 0 = ssh's default (never).
  int server_alive_interval = 10;
  // Connection sharing (OpenSSH multiplexing, as OpenNebula's own ssh
  // wrapper and oneadmin ssh config set up): when control_dir is not empty,
  // the first command to a host starts a master connection that later
  // commands reuse; it exits control_persist seconds after its last command
  // (or when the host stops answering, see above). The directory must be
  // PrepareControlDir'd.
  std::string control_dir;
  int control_persist = 60;  // seconds, > 0
};

// Runs [ssh, -o BatchMode=yes, -o ConnectTimeout=N, extra_args...,
// -o ServerAliveInterval=S (when S > 0), and with a control_dir
// -o ControlMaster=auto -o ControlPersist=P -o ControlPath=<control_dir>/%C,
// then --, host, ShellJoin(argv)]. ssh takes the first value it sees of an
// option, so options in extra_args (IPFS_SSH, IPFS_SSH_OPTS) win over these.
std::unique_ptr<RemoteRunner> MakeSshRunner(SshOptions options);

// Makes `dir` usable for ssh control sockets: created (parents too) mode
// 0700 when missing; then it must be a real directory (not a symlink) owned
// by this process's effective user with no group or other permissions, and
// short enough that <dir>/%C plus ssh's temporary suffix fits a socket path.
// Anything else: a Status saying why (the caller then runs without sharing).
Status PrepareControlDir(const std::string& dir);

// Runs argv on this machine, without a shell (argv[0] looked up in PATH when
// it has no '/'); `host` is ignored.
std::unique_ptr<RemoteRunner> MakeLocalRunner();

}  // namespace oneipfs
