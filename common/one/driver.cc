#include "common/one/driver.h"

#include <unistd.h>

#include <csignal>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "common/base/output_drain.h"
#include "common/ipfs/holder_first.h"
#include "common/one/reply.h"

namespace oneipfs {

OneVersion ParseOneVersion(std::string_view text) {
  OneVersion v;
  int ma = 0, mi = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%d.%d", &ma, &mi) == 2 && ma >= 4 && ma < 100) {
    v.major = ma;
    v.minor = mi;
  }
  return v;
}

OneVersion ResolveOneVersion(const Config& config) {
  const std::string& configured = config.Get("ONE_VERSION");
  if (!configured.empty()) return ParseOneVersion(configured);
  std::string remotes = RemotesDirOfSelf();
  if (!remotes.empty()) {
    std::ifstream f(remotes + "/VERSION");
    std::string line;
    if (f && std::getline(f, line)) return ParseOneVersion(line);
  }
  return OneVersion{};
}

IpfsOptions IpfsOptionsFrom(const Config& config) {
  IpfsOptions o;
  o.timeout = config.GetSeconds("IPFS_TIMEOUT");
  o.cid_version = static_cast<int>(config.GetInt("IPFS_CID_VERSION", 1));
  o.raw_leaves = config.GetBool("IPFS_RAW_LEAVES");
  o.chunker = config.Get("IPFS_CHUNKER");
  o.hash = config.Get("IPFS_HASH");
  o.mfs_lock = config.Get("IPFS_MFS_LOCK");
  return o;
}

Result<std::unique_ptr<IpfsClient>> MakeIpfsClient(const Config& config, std::string_view api_key) {
  const std::string& addr = config.Get(api_key);
  auto ep = ParseApiAddress(addr);
  if (!ep.ok())
    return ep.status().Prefixed(fmt::format("setting {} ('{}', from {})", api_key, addr, config.Origin(api_key)));
  // The secret is the operator's IPFS_API's: never sent to an API a
  // datastore template chose (config.h).
  std::string auth = config.ApiIsOperators(api_key) ? config.Get("IPFS_API_AUTH") : "";
  return std::make_unique<IpfsClient>(MakeCurlTransport(*ep, auth),
                                      IpfsOptionsFrom(config));
}

namespace {
char g_program[64] = "one-ipfs";

// Last resort for a bug that lets an exception escape: one line on stderr,
// exit 1, instead of the runtime's "terminate called ..." and SIGABRT.
[[noreturn]] void OneLineTerminate() {
  const char* what = "unknown exception";
  std::string text;
  if (auto e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      text = ex.what();
      what = text.c_str();
    } catch (...) {
    }
  } else {
    what = "std::terminate without an exception";
  }
  std::fprintf(stderr, "%s: internal error: %s\n", g_program, what);
  std::fflush(stderr);
  std::_Exit(1);
}
}  // namespace

void InstallOneLineTerminate(std::string_view name) {
  std::snprintf(g_program, sizeof g_program, "%.*s", static_cast<int>(name.size()), name.data());
  std::set_terminate(OneLineTerminate);
}

bool HandleHelpVersion(std::string_view name, std::string_view usage, int argc, char** argv) {
  InstallOneLineTerminate(name);
  if (argc < 2) return false;
  std::string_view a = argv[1];
  if (a == "--version") {
    std::cout << name << " (one-ipfs " << ONEIPFS_VERSION << ")\n";
    return true;
  }
  if (a == "--help" || a == "-h") {
    std::cout << usage;
    if (!usage.empty() && usage.back() != '\n') std::cout << '\n';
    return true;
  }
  return false;
}

std::string ReadStdinIfPiped() {
  if (::isatty(STDIN_FILENO)) return "";
  std::ostringstream ss;
  ss << std::cin.rdbuf();
  return ss.str();
}

int ActionSetup::Fail(const Status& st) const {
  PrintFailure(fmt::format("{}: {}", action, st.message()), legacy);
  return 1;
}

ActionSetup LoadActionSetup(std::string_view action, const Log& log, std::map<std::string, std::string> tmpl,
                            std::string template_name) {
  Config::Sources sources{DefaultConfPath(std::getenv), std::move(tmpl), std::getenv, std::move(template_name)};
  ActionSetup s{std::string(action), Config::Load(sources), OneVersion{}, false};
  if (s.config.ok()) s.version = ResolveOneVersion(*s.config);
  s.legacy = !s.version.AtLeast(6, 2);
  if (s.config.ok())
    for (const auto& w : s.config->warnings()) log.Warn(w);
  return s;
}

namespace {

int RunDsActionOnce(std::string_view name, std::string_view summary, int argc, char** argv, DsActionFn fn) {
  std::string usage = fmt::format(
      "Usage: {0} <id>              (OpenNebula >= 6.8: base64 action document on stdin)\n"
      "       {0} <base64-doc> <id> (OpenNebula <= 6.6)\n\n"
      "one-ipfs datastore action '{0}': {1}\n"
      "Settings: ipfs.conf (ONE_IPFS_CONF), the datastore template, the environment; see README.md.\n",
      name, summary);
  if (HandleHelpVersion(name, usage, argc, argv)) return 0;

  // A closed pipe (daemon or ssh gone) must be an error value, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  Log log{std::string(name)};
  std::vector<std::string> args(argv, argv + argc);
  std::string input = ReadStdinIfPiped();

  auto decoded = DecodeDsInput(args, input);
  ActionSetup setup = LoadActionSetup(name, log, decoded.ok() ? decoded->datastore.tmpl : std::map<std::string, std::string>{},
                                      "datastore template");
  if (!setup.config.ok()) return setup.Fail(setup.config.status());
  if (!decoded.ok()) return setup.Fail(decoded.status());

  auto client = MakeIpfsClient(*setup.config);
  if (!client.ok()) return setup.Fail(client.status());

  // A peer that a holder-first cp left out is dialled again first: no
  // action waits for another's fetch policy (ipfs/holder_first.h).
  ReconnectAvoided(**client, log);
  DsContext ctx{*decoded, *setup.config, **client, log, setup.version};
  Result<std::string> out = fn(ctx);
  if (!out.ok()) return setup.Fail(out.status());
  // The one place a payload reaches oned: only what its grammar allows.
  if (Status ok = CheckDsReply(name, *out); !ok.ok()) return setup.Fail(ok);
  return PrintReply(*out);
}

}  // namespace

int RunDsAction(std::string_view name, std::string_view summary, int argc, char** argv, DsActionFn fn) {
  int rc = RunDsActionOnce(name, summary, argc, argv, fn);
  // oned's front end has kept the reply before we exit: the payload on
  // success, the message on failure
  FinishOutput(rc == 0 ? STDOUT_FILENO : STDERR_FILENO);
  return rc;
}

}  // namespace oneipfs
