#include "common/one/tm.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "common/one/driver.h"
#include "common/base/output_drain.h"
#include "common/base/text.h"
#include "common/ipfs/holder_first.h"

namespace oneipfs {

std::string DefaultSshControlDir() {
  if (::access("/run/one", W_OK | X_OK) == 0) return "/run/one/one-ipfs-ssh";
  return fmt::format("/tmp/one-ipfs-ssh-{}", static_cast<long>(::geteuid()));
}

SshOptions SshOptionsFrom(const Config& config, const Log* log) {
  SshOptions o;
  std::vector<std::string> cmd = SplitWords(config.Get("IPFS_SSH"));
  if (!cmd.empty()) o.ssh = cmd.front();
  o.extra_args.insert(o.extra_args.end(), cmd.begin() + (cmd.empty() ? 0 : 1), cmd.end());
  for (auto& w : SplitWords(config.Get("IPFS_SSH_OPTS"))) o.extra_args.push_back(std::move(w));
  long persist = Lower(config.Get("IPFS_SSH_CONTROL_PERSIST")) == "no" ? 0 : config.GetInt("IPFS_SSH_CONTROL_PERSIST", 60);
  if (persist > 0) {
    std::string dir = config.Get("IPFS_SSH_CONTROL_DIR");
    if (dir.empty()) dir = DefaultSshControlDir();
    Status ready = PrepareControlDir(dir);
    if (ready.ok()) {
      o.control_dir = dir;
      o.control_persist = static_cast<int>(std::min(persist, 86400L));
    } else if (log) {
      log->Info(fmt::format("ssh connections are not shared ({}); set IPFS_SSH_CONTROL_DIR", ready.message()));
    }
  }
  return o;
}

bool IsDiskPath(std::string_view path) {
  static const std::regex kDisk(".*/disk\\.[0-9]+$");
  return std::regex_match(std::string(path), kDisk);
}

namespace {

int RunTmActionOnce(const TmSpec& spec, int argc, char** argv, TmActionFn fn) {
  std::string usage = fmt::format(
      "Usage: {0} {1}\n\none-ipfs transfer action '{0}': {2}\n"
      "Settings: ipfs.conf (ONE_IPFS_CONF) and the environment; see README.md.\n",
      spec.name, spec.usage, spec.summary);
  if (HandleHelpVersion(spec.name, usage, argc, argv)) return 0;
  std::signal(SIGPIPE, SIG_IGN);
  Log log{std::string(spec.name)};
  // OpenNebula <= 6.0 shows only the text between the ERROR MESSAGE markers
  // (log.h); known once the settings are (ONE_VERSION, <remotes>/VERSION).
  bool legacy = false;
  auto fail = [&](const Status& st) {
    PrintFailure(fmt::format("{}: {}", spec.name, st.message()), legacy);
    return 1;
  };
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < spec.min_args || args.size() > spec.max_args)
    return fail(Status::Invalid(fmt::format("expected arguments {}, got {}", spec.usage, args.size())));

  std::string input;
  if (!::isatty(STDIN_FILENO)) {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    input = ss.str();
  }
  OneCli one(MakeLocalRunner());
  if (spec.vm_arg >= 0) one.PrefetchVm(args[static_cast<std::size_t>(spec.vm_arg)]);
  Config::Sources sources{DefaultConfPath(std::getenv), {}, std::getenv};
  auto config = Config::Load(sources);
  if (!config.ok()) return fail(config.status());
  legacy = !ResolveOneVersion(*config).AtLeast(6, 2);
  std::string mode = Lower(config->Get("IPFS_TM_DATASTORE"));
  if (mode != "auto" && mode != "yes" && mode != "no")
    return fail(Status::Invalid(fmt::format("IPFS_TM_DATASTORE '{}' is not auto, yes or no", mode)));
  if (spec.reads_datastore && mode != "no") {
    auto tmpl = one.DatastoreTemplate(args.back());
    if (tmpl.ok()) {
      sources.ds_template = std::move(*tmpl);
      config = Config::Load(sources);
      if (!config.ok()) return fail(config.status());
    } else if (tmpl.status().code() == Status::Code::kNotFound && mode == "auto") {
      log.Info(fmt::format("{}; datastore {} template settings are not applied (ipfs.conf and the environment are)",
                           tmpl.status().message(), args.back()));
    } else {
      return fail(tmpl.status().Prefixed(fmt::format("cannot read the settings of datastore {}", args.back())));
    }
  }
  for (const auto& w : config->warnings()) log.Warn(w);
  auto client = MakeIpfsClient(*config);
  if (!client.ok()) return fail(client.status());
  ReconnectAvoided(**client, log);  // as every action of the front end (holder_first.h)
  auto remote = MakeSshRunner(SshOptionsFrom(*config, &log));

  TmContext ctx{args, input, *config, **client, *remote, log, one};
  Status st = fn(ctx);
  if (!st.ok()) return fail(st);
  return 0;
}

}  // namespace

int RunTmAction(const TmSpec& spec, int argc, char** argv, TmActionFn fn) {
  int rc = RunTmActionOnce(spec, argc, argv, fn);
  FinishOutput(STDERR_FILENO);  // one_tm has kept our stderr before we exit (stdout: unused)
  return rc;
}

}  // namespace oneipfs
