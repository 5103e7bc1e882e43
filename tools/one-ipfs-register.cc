// one-ipfs-register: registers (or unregisters) the ipfs drivers in oned.conf.
//
//   one-ipfs-register [--oned-conf PATH] [--dry-run] [--check] [--unregister] [--no-backup]
//
// PATH defaults to $ONE_LOCATION/etc/oned.conf when ONE_LOCATION is set, else
// /etc/one/oned.conf (a symlink is followed: the file it names is edited).
// What registration means and how the text is edited: common/one/oned_conf.h
// (the drivers) and common/one/oned_conf_market.h (the marketplace).
//
//   --check       prints which of the seven parts are present; exit 0 when all
//                 are, 1 otherwise. Writes nothing.
//   --dry-run     prints the unified diff of the edit on stdout; writes nothing.
//   (default)     when there is nothing to change, says so and writes nothing
//                 (no backup either). Else copies PATH to
//                 PATH.one-ipfs.bak.<YYYYmmddHHMMSS> (same mode), writes the
//                 new text to a temporary file in PATH's directory with PATH's
//                 mode and owner, fsyncs it and renames it over PATH; then
//                 prints the diff and what to do next (restart oned, onehost
//                 sync --force).
//   --unregister  the same, removing what registration adds.
//   --no-backup   skips the backup copy.
//
// Failures (unreadable file, a file the parser refuses, a failed write) print
// exactly one stderr line starting "one-ipfs-register: " and exit 1; PATH is
// then unchanged. Bad usage exits 2. --help / --version touch no file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "common/one/driver.h"
#include "common/one/oned_conf.h"
#include "common/one/oned_conf_market.h"
#include "common/base/status.h"

namespace oneipfs {
namespace {

constexpr std::string_view kName = "one-ipfs-register";

const char* kUsage =
    "Usage: one-ipfs-register [--oned-conf PATH] [--dry-run] [--check] [--unregister] [--no-backup]\n"
    "Registers the one-ipfs datastore, transfer and marketplace drivers in oned.conf: ipfs in the -d\n"
    "lists of DATASTORE_MAD and TM_MAD and the -m list of MARKET_MAD, the DS_MAD_CONF (with\n"
    "MARKETPLACE_ACTIONS = \"export\"), TM_MAD_CONF and MARKET_MAD_CONF blocks for ipfs.\n"
    "  --oned-conf PATH  default $ONE_LOCATION/etc/oned.conf, or /etc/one/oned.conf\n"
    "  --check           report which parts are present; exit 1 unless all are\n"
    "  --dry-run         print the diff, change nothing\n"
    "  --unregister      remove the registration instead\n"
    "  --no-backup       do not keep PATH.one-ipfs.bak.<timestamp>\n";

struct Options {
  std::string path;
  bool check = false;
  bool dry_run = false;
  bool unregister = false;
  bool backup = true;
};

Result<Options> ParseArgs(int argc, char** argv) {
  Options o;
  o.path = DefaultOnedConfPath();
  std::vector<std::string> a(argv + 1, argv + argc);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "--oned-conf") {
      if (i + 1 >= a.size()) return Status::Invalid("--oned-conf needs a value");
      o.path = a[++i];
    } else if (a[i] == "--check") {
      o.check = true;
    } else if (a[i] == "--dry-run") {
      o.dry_run = true;
    } else if (a[i] == "--unregister") {
      o.unregister = true;
    } else if (a[i] == "--no-backup") {
      o.backup = false;
    } else {
      return Status::Invalid(fmt::format("unknown argument {} (see --help)", a[i]));
    }
  }
  if (o.check && (o.dry_run || o.unregister))
    return Status::Invalid("--check cannot be combined with --dry-run or --unregister");
  if (o.path.empty()) return Status::Invalid("--oned-conf needs a non-empty PATH");
  return o;
}

std::string Errno() { return std::strerror(errno); }

// ---------------------------------------------------------------------------
// Files.

struct FileState {
  std::string path;  // symlinks resolved
  std::string text;
  struct stat st {};
};

Result<FileState> ReadConf(const std::string& given) {
  FileState f;
  char* real = ::realpath(given.c_str(), nullptr);
  if (!real) return Status::Io(fmt::format("cannot read {}: {}", given, Errno()));
  f.path = real;
  std::free(real);
  int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Io(fmt::format("cannot read {}: {}", given, Errno()));
  bool stat_ok = ::fstat(fd, &f.st) == 0;
  if (!stat_ok || !S_ISREG(f.st.st_mode)) {
    std::string why = stat_ok ? "not a regular file" : Errno();
    ::close(fd);
    return Status::Io(fmt::format("cannot read {}: {}", given, why));
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string why = Errno();
      ::close(fd);
      return Status::Io(fmt::format("cannot read {}: {}", given, why));
    }
    if (n == 0) break;
    f.text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return f;
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Io(Errno());
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Writes, gives the file `st`'s mode (and owner when we may), fsyncs and
// closes fd; closes it on failure too.
Status FillAndSync(int fd, std::string_view data, const struct stat& st, bool owner_required) {
  Status s = WriteAll(fd, data);
  if (s.ok() && ::fchmod(fd, st.st_mode & 07777) != 0) s = Status::Io(Errno());
  if (s.ok() && ::fchown(fd, st.st_uid, st.st_gid) != 0 && owner_required)
    s = Status::Io(fmt::format("cannot give it the owner {}:{} ({}); run as root or as the file's owner", st.st_uid,
                               st.st_gid, Errno()));
  if (s.ok() && ::fsync(fd) != 0) s = Status::Io(Errno());
  if (::close(fd) != 0 && s.ok()) s = Status::Io(Errno());
  return s;
}

std::string Timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  return buf;
}

// PATH.one-ipfs.bak.<timestamp> (a ".N" suffix if that exists already).
Result<std::string> WriteBackup(const FileState& f) {
  std::string base = f.path + ".one-ipfs.bak." + Timestamp();
  for (int n = 0; n < 100; ++n) {
    std::string name = n == 0 ? base : fmt::format("{}.{}", base, n);
    int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) return Status::Io(fmt::format("cannot write the backup {}: {}", name, Errno()));
    Status s = FillAndSync(fd, f.text, f.st, /*owner_required=*/false);
    if (!s.ok()) {
      ::unlink(name.c_str());
      return s.Prefixed(fmt::format("cannot write the backup {}", name));
    }
    return name;
  }
  return Status::Io(fmt::format("cannot write the backup {}: too many backups this second", base));
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// Temporary file in the same directory, then rename(2) over the original.
Status ReplaceAtomically(const FileState& f, const std::string& text) {
  std::string tmp = f.path + ".one-ipfs-register.XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Status::Io(fmt::format("cannot write {}: cannot create a file in {}: {}", f.path, DirOf(f.path),
                                            Errno()));
  Status s = FillAndSync(fd, text, f.st, /*owner_required=*/true);
  if (s.ok() && ::rename(tmp.c_str(), f.path.c_str()) != 0) s = Status::Io(Errno());
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s.Prefixed(fmt::format("cannot write {}", f.path));
  }
  int dir = ::open(DirOf(f.path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // best effort: the rename is done either way
    ::close(dir);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// The modes.

int Fail(const std::string& message) {
  std::cerr << kName << ": " << message << "\n";
  return 1;
}

int Check(const Options& o, const FileState& f) {
  auto r = InspectOnedConf(f.text);
  if (!r.ok()) return Fail(fmt::format("cannot check {}: {}", o.path, r.status().message()));
  auto m = InspectOnedConfMarket(f.text);
  if (!m.ok()) return Fail(fmt::format("cannot check {}: {}", o.path, m.status().message()));
  auto yes = [](bool b) { return b ? "yes" : "no"; };
  std::cout << "ipfs in the DATASTORE_MAD -d list:  " << yes(r->datastore_mad_listed) << "\n"
            << "ipfs in the TM_MAD -d list:         " << yes(r->tm_mad_listed) << "\n"
            << "DS_MAD_CONF with NAME = \"ipfs\":     " << yes(r->ds_mad_conf) << "\n"
            << "TM_MAD_CONF with NAME = \"ipfs\":     " << yes(r->tm_mad_conf) << "\n"
            << "ipfs in the MARKET_MAD -m list:     " << yes(m->market_mad_listed) << "\n"
            << "MARKET_MAD_CONF with NAME = \"ipfs\": " << yes(m->market_mad_conf) << "\n"
            << "export in ipfs MARKETPLACE_ACTIONS: " << yes(m->ds_exports) << "\n";
  if (r->complete() && m->complete()) {
    std::cout << o.path << " registers ipfs\n";
    return 0;
  }
  std::cout << o.path << " does not fully register ipfs: run " << kName << "\n";
  return 1;
}

int Edit(const Options& o, const FileState& f) {
  // The marketplace part (oned_conf_market.h) after the drivers' on
  // registration, before them on unregistration: each undoes the other.
  Result<std::string> edited = Status::Failed("unreachable");
  if (o.unregister) {
    auto market = UnregisterIpfsMarket(f.text);
    edited = market.ok() ? UnregisterIpfs(*market) : market;
  } else {
    auto drivers = RegisterIpfs(f.text);
    edited = drivers.ok() ? RegisterIpfsMarket(*drivers) : drivers;
  }
  if (!edited.ok()) return Fail(fmt::format("refusing to edit {}: {}", o.path, edited.status().message()));
  if (*edited == f.text) {
    std::cout << (o.unregister ? "oned.conf does not register ipfs: nothing changed\n"
                               : "oned.conf already registers ipfs: nothing changed\n");
    return 0;
  }
  std::string new_name = o.path + (o.unregister ? " (unregistered)" : " (registered)");
  std::string diff = UnifiedDiff(f.text, *edited, o.path, new_name);
  if (o.dry_run) {
    std::cout << diff;
    return 0;
  }
  std::string saved = "no backup";
  if (o.backup) {
    auto backup = WriteBackup(f);
    if (!backup.ok()) return Fail(backup.status().message());
    saved = "backup " + *backup;
  }
  if (Status s = ReplaceAtomically(f, *edited); !s.ok()) return Fail(s.message());
  std::cout << diff << "\n"
            << o.path << (o.unregister ? ": ipfs unregistered (" : ": ipfs registered (") << saved << ")\n"
            << "Next: restart oned (systemctl restart opennebula) and run `onehost sync --force`.\n";
  return 0;
}

int Run(int argc, char** argv) {
  auto opts = ParseArgs(argc, argv);
  if (!opts.ok()) {
    std::cerr << kName << ": " << opts.status().message() << "\n";
    return 2;
  }
  auto file = ReadConf(opts->path);
  if (!file.ok()) return Fail(file.status().message());
  return opts->check ? Check(*opts, *file) : Edit(*opts, *file);
}

// --help / --version wherever they are on the command line.
bool HelpOrVersion(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h" || a == "--version") {
      char* args[] = {argv[0], argv[i], nullptr};
      return HandleHelpVersion(kName, kUsage, 2, args);
    }
  }
  return false;
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  oneipfs::InstallOneLineTerminate(oneipfs::kName);
  if (oneipfs::HelpOrVersion(argc, argv)) return 0;
  return oneipfs::Run(argc, argv);
}
