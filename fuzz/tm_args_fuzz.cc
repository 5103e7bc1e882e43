// tm_args_fuzz.cc: transfer arguments, from a transfer-file line to what
// reaches a host (tm.h, tm_disk.h, remote.h). SOURCEs in those lines are
// written by image owners; paths and hosts come from oned.
//
// Feeds the input as one line of an oned transfer file ("CLONE.ssh ipfs SRC
// HOST:DST VMID DSID"), split into words as one_tm.rb does (String#split(' ')),
// to the library call the tm/ipfs/<action> executable makes with those
// arguments (tm_mad/<action>.cc: DeploySource, SaveDisk, RemoveOnHost and
// ForgetUncached, RunDiskSnapshotScript, ResizeOnHost, FollowSystemTm), with the argument
// counts RunTmAction enforces. The front-end daemon answers every call with
// "file does not exist"; `onevm show -x` prints a VM with disks 0 and 1;
// hosts are a recording RemoteRunner. Also feeds every word to
// SplitHostPath, IsDiskPath, DiskIdOfPath, ParseCount, StripHostPrefix,
// ParseCatalogSource and ClassifyPath.
// Asserts (beyond no crash, no sanitizer report, no escaping exception):
//  - a command runs only on the host named by the action's HOST:PATH word,
//    never on an empty host or one starting with '-';
//  - every command's argv survives ShellJoin and a POSIX shell's word
//    splitting unchanged (parsed strictly below), command word included;
//  - rm -rf only gets the HOST:PATH path and its ".snap", and never "/" or a
//    top-level directory (after resolving "." and ".." as the host would);
//  - actions that need the daemon (clone, ln, mvds, cpds) run nothing on a
//    host when it knows nothing;
//  - SplitHostPath gives a host without ':' and a normalised absolute path,
//    and is idempotent; IsDiskPath agrees with DiskIdOfPath; a catalog
//    SOURCE keeps its shape through StripHostPrefix and ParseCatalogSource.
#include <cctype>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/catalog/catalog.h"
#include "common/one/config.h"
#include "common/deploy/host_ops.h"
#include "common/ipfs/ipfs.h"
#include "common/ipfs/ipfs_path.h"
#include "common/base/number.h"
#include "common/one/one_cli.h"
#include "common/base/remote.h"
#include "common/catalog/source.h"
#include "common/base/text.h"
#include "common/one/tm.h"
#include "common/deploy/tm_disk.h"
#include "fuzz/fuzz.h"

using namespace oneipfs;
using fuzz::Q;

namespace {

const char* kVm =
    "<VM><ID>42</ID><LCM_STATE>3</LCM_STATE><TEMPLATE>"
    "<DISK><DISK_ID>0</DISK_ID><SOURCE>mfs:/one-ipfs/100/5-1767225600</SOURCE><TM_MAD>ipfs</TM_MAD>"
    "<TM_MAD_SYSTEM>ssh</TM_MAD_SYSTEM><SIZE>2048</SIZE><ORIGINAL_SIZE>1024</ORIGINAL_SIZE><TARGET>vda</TARGET></DISK>"
    "<DISK><DISK_ID>1</DISK_ID><SOURCE>ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi</SOURCE>"
    "<PERSISTENT>YES</PERSISTENT><TM_MAD>ipfs</TM_MAD><TARGET>vdb</TARGET></DISK>"
    "</TEMPLATE><HISTORY_RECORDS><HISTORY><TM_MAD>ssh</TM_MAD></HISTORY></HISTORY_RECORDS></VM>";

// A front-end daemon that knows nothing.
class EmptyDaemon : public HttpTransport {
 public:
  std::string Describe() const override { return "http://fuzz:5001"; }
  Result<HttpResponse> Post(const HttpRequest&) override {
    HttpResponse r;
    r.status = 500;
    r.body = R"({"Message":"file does not exist","Code":0,"Type":"error"})";
    return r;
  }
};

struct Ran {
  std::string host;
  std::vector<std::string> argv;
};

// Hosts: records what would run; every command succeeds with no output.
class Hosts : public RemoteRunner {
 public:
  Result<RemoteResult> Run(const std::string& host, const RemoteCommand& cmd) override {
    ran.push_back({host, cmd.argv});
    if (cmd.stdin_source) {  // drain it, as a remote command reading its stdin would
      char buf[4096];
      for (;;) {
        auto n = cmd.stdin_source(buf, sizeof(buf));
        if (!n.ok() || *n == 0) break;
      }
    }
    return RemoteResult{};
  }
  std::vector<Ran> ran;
};

// The front end's onevm / onedatastore: kVm for onevm, "not installed" else.
class FrontEnd : public RemoteRunner {
 public:
  Result<RemoteResult> Run(const std::string&, const RemoteCommand& cmd) override {
    if (cmd.argv.empty() || cmd.argv[0] != "onevm") return Status::NotFound(cmd.argv.empty() ? "" : cmd.argv[0]);
    RemoteResult r;
    r.out = kVm;
    return r;
  }
};

// POSIX shell word splitting of what ShellJoin makes, strictly: bare words of
// characters no shell treats specially, '...' quoting and \-escapes; anything
// else (a bare metacharacter, an unclosed quote) is an error.
std::optional<std::vector<std::string>> ShellWords(std::string_view s, std::string* why) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false, first_bare = true;
  auto end_word = [&] {
    if (in_word) words.push_back(cur);
    cur.clear();
    in_word = false;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ') {
      if (words.empty() && in_word && first_bare) {
        static const char* kReserved[] = {"case", "coproc", "do", "done", "elif", "else", "esac", "fi", "for",
                                          "function", "if", "in", "select", "then", "time", "until", "while"};
        for (const char* r : kReserved)
          if (cur == r) return *why = "a bare reserved word as the command", std::nullopt;
        if (cur.find('=') != std::string::npos) return *why = "a bare assignment as the command", std::nullopt;
      }
      end_word();
    } else if (c == '\'') {
      if (words.empty()) first_bare = false;
      std::size_t close = s.find('\'', i + 1);
      if (close == std::string_view::npos) return *why = "an unclosed quote", std::nullopt;
      cur.append(s.substr(i + 1, close - i - 1));
      in_word = true;
      i = close;
    } else if (c == '\\') {
      if (i + 1 >= s.size() || s[i + 1] == '\n') return *why = "a trailing or line-continuing backslash", std::nullopt;
      if (words.empty()) first_bare = false;
      cur += s[++i];
      in_word = true;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_./:=@%+,-").find(c) != std::string_view::npos) {
      if (!in_word && c == '=') return *why = "a bare word starting with '='", std::nullopt;
      cur += c;
      in_word = true;
    } else {
      return *why = fmt::format("a bare {}", Q(std::string(1, c))), std::nullopt;
    }
  }
  if (words.empty() && in_word && first_bare && cur.find('=') != std::string::npos)
    return *why = "a bare assignment as the command", std::nullopt;
  end_word();
  return words;
}

// `path` with "." and ".." resolved lexically, as the host's kernel would
// (ignoring symlinks); its number of components.
std::size_t Components(std::string_view path) {
  std::vector<std::string_view> parts;
  for (std::size_t i = 0; i <= path.size();) {
    std::size_t j = std::min(path.find('/', i), path.size());
    std::string_view seg = path.substr(i, j - i);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    i = j + 1;
  }
  return parts.size();
}

void CheckWord(const std::string& w) {
  if (auto hp = SplitHostPath(w); hp.ok()) {
    FUZZ_CHECK(!hp->host.empty() && hp->host[0] != '-' && hp->host.find(':') == std::string::npos,
               "bad host {} from {}", Q(hp->host), Q(w));
    FUZZ_CHECK(hp->path.starts_with('/') && hp->path.find("//") == std::string::npos &&
                   (hp->path == "/" || !hp->path.ends_with('/')),
               "path {} from {} is not normalised", Q(hp->path), Q(w));
    auto again = SplitHostPath(hp->host + ":" + hp->path);
    FUZZ_CHECK(again.ok() && again->host == hp->host && again->path == hp->path, "SplitHostPath is not idempotent on {}",
               Q(w));
  }
  std::string id = DiskIdOfPath(w);
  if (IsDiskPath(w)) {
    FUZZ_CHECK(!id.empty(), "{} is a disk path without a disk id", Q(w));
    FUZZ_CHECK(w.ends_with("/disk." + id), "{} has disk id {}", Q(w), Q(id));
  }
  if (!id.empty()) FUZZ_CHECK(id.find_first_not_of("0123456789") == std::string::npos, "disk id {}", Q(id));
  if (auto n = ParseCount(w)) {
    std::size_t digits = std::min(w.find_first_not_of('0'), w.size() - 1);  // without leading zeros
    FUZZ_CHECK(std::to_string(*n) == w.substr(digits), "ParseCount({}) = {}", Q(w), *n);
  }
  std::string stripped = StripHostPrefix(w);
  if (auto entry = ParseCatalogSource(stripped)) {
    auto again = ParseCatalogSource(entry->Source());
    FUZZ_CHECK(again && again->dir == entry->dir, "catalog entry {} does not survive its SOURCE", Q(entry->dir));
    FUZZ_CHECK(entry->dir.starts_with('/') && entry->dir.find("/../") == std::string::npos &&
                   entry->dir.find("//") == std::string::npos && !entry->dir.ends_with("/.."),
               "catalog entry {} from {}", Q(entry->dir), Q(w));
  }
  (void)ClassifyPath(stripped);
}

struct Spec {
  std::string_view name;
  std::size_t min_args, max_args;
  int host_arg;  // the HOST:PATH argument whose host commands may run on (-1: none)
  bool needs_daemon;
};

const Spec kSpecs[] = {
    {"clone", 4, 4, 1, true},       {"ln", 4, 4, 1, true},          {"mvds", 4, 4, 0, true},
    {"cpds", 5, 5, 0, true},        {"delete", 3, 3, 0, false},     {"mv", 4, 4, 0, false},
    {"resize", 4, 4, 0, false},     {"snap_create", 4, 4, 0, false}, {"snap_delete", 4, 4, 0, false},
    {"snap_revert", 4, 4, 0, false}, {"premigrate", 5, 6, -1, false}, {"postmigrate", 5, 6, -1, false},
    {"failmigrate", 5, 6, -1, false}};

// tm_mad/<action>.cc's Action() for `name`, through the same library calls.
Status RunAction(std::string_view name, TmContext& ctx) {
  const auto& a = ctx.args;
  if (name == "clone") return DeploySource(ctx, DeployMode::kClone);
  if (name == "ln") return DeploySource(ctx, DeployMode::kLn);
  if (name == "mvds") return SaveDisk(ctx, a[0], a[1], -1, "", true);  // no VM document here
  if (name == "cpds") {
    auto id = ParseCount(a[2], std::numeric_limits<long>::max());
    if (!id && a[2] != "-1") return Status::Invalid("SNAP_ID");
    return SaveDisk(ctx, a[0], a[1], id ? static_cast<long>(*id) : -1, "");
  }
  if (name == "delete") {
    ASSIGN_OR_RETURN(HostPath p, SplitHostPath(a[0]));
    std::vector<std::string> paths = {p.path};
    if (IsDiskPath(p.path)) paths.push_back(p.path + ".snap");
    RETURN_IF_ERROR(RemoveOnHost(ctx, p.host, a[1], paths, true));
    return ForgetUncached(ctx, p.host);  // a WARN in delete.cc, never a failure
  }
  if (name == "mv") {
    ASSIGN_OR_RETURN(HostPath src, SplitHostPath(a[0]));
    ASSIGN_OR_RETURN(HostPath dst, SplitHostPath(a[1]));
    return FollowSystemTm(ctx, "mv", IsDiskPath(src.path) && IsDiskPath(dst.path));
  }
  if (name == "resize") {
    ASSIGN_OR_RETURN(HostPath disk, SplitHostPath(a[0]));
    std::uint64_t mb = ParseCount(a[1], kMaxMegabytes).value_or(0);
    if (mb == 0) return Status::Invalid("SIZE");
    return ResizeOnHost(ctx, disk, mb);
  }
  if (name.starts_with("snap_")) return RunDiskSnapshotScript(ctx, name, "exit 0");
  return FollowSystemTm(ctx, name, a.size() == 6 && !a[5].empty());
}

void CheckCommands(const Spec& spec, const std::vector<std::string>& args, const std::vector<Ran>& ran) {
  if (spec.needs_daemon) FUZZ_CHECK(ran.empty(), "{} ran a command on a host with no content", spec.name);
  for (const Ran& r : ran) {
    FUZZ_CHECK(spec.host_arg >= 0, "{} ran a command on {}", spec.name, Q(r.host));
    auto hp = SplitHostPath(args[static_cast<std::size_t>(spec.host_arg)]);
    FUZZ_CHECK(hp.ok() && r.host == hp->host, "{} ran a command on {}, not the host of {}", spec.name, Q(r.host),
               Q(args[static_cast<std::size_t>(spec.host_arg)]));
    FUZZ_CHECK(!r.host.empty() && r.host[0] != '-', "a command on host {}", Q(r.host));
    std::string joined = ShellJoin(r.argv), why;
    auto words = ShellWords(joined, &why);
    FUZZ_CHECK(words.has_value(), "ShellJoin made {}: {}", Q(joined), why);
    FUZZ_CHECK(*words == r.argv, "ShellJoin made {}, which a shell splits differently", Q(joined));
    if (r.argv.size() >= 3 && r.argv[0] == "sh" && r.argv[2].starts_with("rm -rf")) {
      for (std::size_t i = 4; i < r.argv.size(); ++i) {
        const std::string& p = r.argv[i];
        FUZZ_CHECK(p == hp->path || p == hp->path + ".snap", "rm -rf of {} for {}", Q(p), Q(hp->path));
        FUZZ_CHECK(p.starts_with('/') && Components(p) >= 2, "rm -rf of {}: / or a top-level directory", Q(p));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line = fuzz::AsText(data, size);
  // An argv element cannot hold NUL: such a line never reaches an action.
  if (line.find('\0') != std::string_view::npos) return 0;
  std::vector<std::string> words;
  for (std::size_t i = 0; i < line.size();) {
    i = line.find_first_not_of(" \t\n\v\f\r", i);
    if (i == std::string_view::npos) break;
    std::size_t j = std::min(line.find_first_of(" \t\n\v\f\r", i), line.size());
    words.emplace_back(line.substr(i, j - i));
    i = j;
  }
  for (const auto& w : words) CheckWord(w);
  if (words.size() < 2) return 0;

  std::string name = Lower(words[0].substr(0, words[0].find('.')));
  const Spec* spec = nullptr;
  for (const Spec& s : kSpecs)
    if (s.name == name) spec = &s;
  std::vector<std::string> args(words.begin() + 2, words.end());
  if (!spec || args.size() < spec->min_args || args.size() > spec->max_args) return 0;

  Config config;
  IpfsOptions options;
  options.attempts = 1;
  IpfsClient ipfs(std::make_unique<EmptyDaemon>(), options);
  Hosts hosts;
  OneCli one(std::make_unique<FrontEnd>());
  Log log(std::string(spec->name));
  TmContext ctx{args, "", config, ipfs, hosts, log, one};
  Status st = RunAction(spec->name, ctx);
  if (spec->needs_daemon) FUZZ_CHECK(!st.ok(), "{} succeeded with a daemon that knows nothing", spec->name);
  CheckCommands(*spec, args, hosts.ran);
  return 0;
}
