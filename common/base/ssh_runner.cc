// ssh_runner.cc: the ssh runner (MakeSshRunner) and its connection-sharing
// control directory (PrepareControlDir), see remote.h.
#include "common/base/remote.h"

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
#include "common/base/process_run.h"

namespace oneipfs {
namespace {

// The text without the INFO:/WARN:/DEBUG: progress lines a remote helper
// writes to stderr.
std::string WithoutLogLines(std::string_view err) {
  std::string out;
  for (const std::string& line : Split(err, '\n')) {
    if (line.starts_with("INFO:") || line.starts_with("WARN:") || line.starts_with("DEBUG:")) continue;
    out.append(line);
    out += '\n';
  }
  return out;
}

class SshRunner : public RemoteRunner {
 public:
  explicit SshRunner(SshOptions o) : o_(std::move(o)) {}

  Result<RemoteResult> Run(const std::string& host, const RemoteCommand& cmd) override {
    try {
      if (host.empty() || host[0] == '-') return Status::Invalid(fmt::format("'{}' is not a host name", host));
      if (cmd.argv.empty()) return Status::Invalid(fmt::format("ssh {}: empty command", host));
      std::vector<std::string> argv = {o_.ssh, "-o", "BatchMode=yes", "-o",
                                       fmt::format("ConnectTimeout={}", o_.connect_timeout)};
      argv.insert(argv.end(), o_.extra_args.begin(), o_.extra_args.end());
      if (o_.server_alive_interval > 0) {
        argv.push_back("-o");
        argv.push_back(fmt::format("ServerAliveInterval={}", o_.server_alive_interval));
      }
      if (!o_.control_dir.empty()) {
        argv.insert(argv.end(), {"-o", "ControlMaster=auto", "-o",
                                 fmt::format("ControlPersist={}", std::max(1, o_.control_persist)), "-o",
                                 "ControlPath=" + o_.control_dir + "/%C"});
      }
      argv.push_back("--");
      argv.push_back(host);
      argv.push_back(ShellJoin(cmd.argv));
      ASSIGN_OR_RETURN(RemoteResult r, RunProcess(argv, cmd, fmt::format("'{}' on {}", cmd.argv[0], host)));
      if (r.exit_code == 255) {
        // ssh's own reason, not the remote command's last progress line
        // (a host lost mid-command leaves the helper's INFO: line last)
        std::string last = LastLine(WithoutLogLines(r.err));
        if (last.empty()) last = "the connection was lost (ssh exited with status 255)";
        return Status::Unavailable(fmt::format("cannot reach host {} over ssh: {}", host, last));
      }
      return r;
    } catch (const std::exception& e) {
      return Status::Io(fmt::format("ssh {}: {}", host, e.what()));
    }
  }

 private:
  SshOptions o_;
};

}  // namespace

Status PrepareControlDir(const std::string& dir) {
  // <dir>/ + %C (40 hex digits) + ssh's ".XXXXXXXXXXXXXXXX" while it binds, in sun_path (108 with its NUL).
  constexpr std::size_t kMaxDir = 107 - 1 - 40 - 17;
  if (dir.empty() || dir[0] != '/') return Status::Invalid(fmt::format("'{}' is not an absolute path", dir));
  if (dir.find_first_of("% \t\n\"'\\") != std::string::npos)
    return Status::Invalid(fmt::format("'{}' has a character ssh would read as a token or separator", dir));
  if (dir.size() > kMaxDir)
    return Status::Invalid(fmt::format("'{}' is longer than {} bytes: too long for ssh control sockets", dir, kMaxDir));
  std::error_code ec;
  std::filesystem::path p(dir);
  if (p.has_parent_path() && p.parent_path() != p) std::filesystem::create_directories(p.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Io(fmt::format("cannot create {}: {}", dir, ErrnoText(errno)));
  struct stat sb {};
  if (::lstat(dir.c_str(), &sb) != 0) return Status::Io(fmt::format("cannot stat {}: {}", dir, ErrnoText(errno)));
  if (!S_ISDIR(sb.st_mode)) return Status::Invalid(fmt::format("{} is not a directory", dir));
  if (sb.st_uid != ::geteuid()) return Status::Invalid(fmt::format("{} is owned by another user", dir));
  if ((sb.st_mode & 077) != 0) return Status::Invalid(fmt::format("{} is open to other users (mode {:o})", dir, sb.st_mode & 0777));
  return Status::Ok();
}

std::unique_ptr<RemoteRunner> MakeSshRunner(SshOptions options) {
  return std::make_unique<SshRunner>(std::move(options));
}

}  // namespace oneipfs
