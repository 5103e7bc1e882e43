// driver.h: the shared main() of every datastore action.
//
// RunDsAction does, in order: answer --help/--version (without touching
// IPFS); read the document (stdin when it is not a terminal, else argv, see
// action.h); load the configuration (config.h) with the datastore template as
// a layer; build the IPFS client for IPFS_API; call the action; check its
// payload against the grammar oned expects for the action (reply.h: a
// payload that does not pass is a failure, and nothing is printed); print it
// on stdout followed by one newline (nothing at all for an empty payload);
// map the result to the exit status (0 ok, 1 failure). A failure
// prints exactly one plain stderr line (log.h PrintFailure), wrapped in the
// legacy markers when ONE_VERSION < 6.2.
//
// Actions are plain functions of a DsContext, so tests can call them with a
// client over a fake transport.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/one/action.h"
#include "common/one/config.h"
#include "common/ipfs/ipfs.h"
#include "common/base/log.h"
#include "common/base/status.h"

namespace oneipfs {

// The OpenNebula release the driver talks to: ONE_VERSION, else the
// <remotes>/VERSION file oned installs, else 7.0.
struct OneVersion {
  int major = 7;
  int minor = 0;
  bool AtLeast(int ma, int mi) const { return major > ma || (major == ma && minor >= mi); }
};
OneVersion ResolveOneVersion(const Config& config);
OneVersion ParseOneVersion(std::string_view text);  // "6.4.0" -> {6,4}; bad -> {7,0}

// IpfsOptions from the configuration (timeouts, CID parameters).
IpfsOptions IpfsOptionsFrom(const Config& config);
// A client for `api_key` (IPFS_API on the front end) with the configured auth.
Result<std::unique_ptr<IpfsClient>> MakeIpfsClient(const Config& config, std::string_view api_key = "IPFS_API");

struct DsContext {
  const DsAction& action;
  const Config& config;
  IpfsClient& ipfs;
  const Log& log;
  OneVersion one_version;
};

using DsActionFn = Result<std::string> (*)(DsContext& ctx);

int RunDsAction(std::string_view name, std::string_view summary, int argc, char** argv, DsActionFn fn);

// What every action runner (datastore, marketplace) does before its action:
// the settings from ipfs.conf, the action document's template layer
// (`tmpl`, named `template_name` in messages; empty when the document did
// not decode) and the environment; the OpenNebula release, which decides
// the failure format even when the document itself is bad; the load
// warnings logged. Fail prints `st` as the action's one failure line
// ("<action>: <message>", in <= 6.0's markers when legacy) and returns 1.
struct ActionSetup {
  std::string action;
  Result<Config> config;
  OneVersion version;
  bool legacy = false;
  int Fail(const Status& st) const;
};
ActionSetup LoadActionSetup(std::string_view action, const Log& log, std::map<std::string, std::string> tmpl,
                            std::string template_name);
// The action document on stdin (OpenNebula >= 6.8), "" when stdin is a terminal.
std::string ReadStdinIfPiped();

// Prints "<name> (one-ipfs <version>)" / the usage text; true when argv asked
// for --help or --version (the caller then exits 0). Every program calls it
// first; it also installs InstallOneLineTerminate(name).
bool HandleHelpVersion(std::string_view name, std::string_view usage, int argc, char** argv);

// Makes an exception that escapes to std::terminate (a bug) one
// "<name>: internal error: <what>" line on stderr and exit 1, not SIGABRT.
void InstallOneLineTerminate(std::string_view name);

}  // namespace oneipfs
