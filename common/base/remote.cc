// remote.cc: quoting for remote shells, host:path arguments and the local
// runner (see remote.h). How a process is run: process_run.cc; the ssh
// runner and its control directory: ssh_runner.cc.
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

// ---------------------------------------------------------------------------
// Quoting

namespace {

bool IsSafe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("_./:=@%+,-").find(c) != std::string_view::npos;
}

std::string SingleQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

// Words that change meaning in command position when left bare.
bool SpecialAsCommand(std::string_view s) {
  static constexpr std::string_view kReserved[] = {"case",  "coproc",   "do", "done",   "elif",  "else",
                                                   "esac",  "fi",       "for", "function", "if",  "in",
                                                   "select", "then",    "time", "until", "while"};
  if (s.find('=') != std::string_view::npos) return true;  // NAME=value is an assignment
  return std::find(std::begin(kReserved), std::end(kReserved), s) != std::end(kReserved);
}

}  // namespace

std::string ShellQuote(std::string_view s) {
  // A leading '=' is quoted too: zsh expands "=cmd" to the path of cmd.
  bool bare = !s.empty() && s[0] != '=' && std::all_of(s.begin(), s.end(), IsSafe);
  return bare ? std::string(s) : SingleQuote(s);
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out += ' ';
    out += (i == 0 && SpecialAsCommand(argv[i])) ? SingleQuote(argv[i]) : ShellQuote(argv[i]);
  }
  return out;
}

Result<HostPath> SplitHostPath(std::string_view arg) {
  std::size_t colon = arg.find(':');
  if (colon == std::string_view::npos) return Status::Invalid(fmt::format("'{}' is not <host>:<path>", arg));
  HostPath hp;
  hp.host = std::string(arg.substr(0, colon));
  if (hp.host.empty()) return Status::Invalid(fmt::format("'{}': the host name is empty", arg));
  if (hp.host[0] == '-') return Status::Invalid(fmt::format("'{}': a host name cannot start with '-'", arg));
  std::string_view path = arg.substr(colon + 1);
  if (path.empty() || path[0] != '/') return Status::Invalid(fmt::format("'{}': the path is not absolute", arg));
  for (char c : path) {
    if (c == '/' && !hp.path.empty() && hp.path.back() == '/') continue;
    hp.path += c;
  }
  if (hp.path.size() > 1 && hp.path.back() == '/') hp.path.pop_back();
  return hp;
}

namespace {

class LocalRunner : public RemoteRunner {
 public:
  Result<RemoteResult> Run(const std::string&, const RemoteCommand& cmd) override {
    return RunProcess(cmd.argv, cmd, cmd.argv.empty() ? std::string("command") : cmd.argv[0]);
  }
};

}  // namespace

std::unique_ptr<RemoteRunner> MakeLocalRunner() { return std::make_unique<LocalRunner>(); }

}  // namespace oneipfs
