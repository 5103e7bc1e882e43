// tm.h: the shared main() of every transfer action, and what actions get.
//
// one_tm runs remotes/tm/ipfs/<action> with the transfer-file tokens after
// the driver name as argv (shell-escaped, so spaces and metacharacters arrive
// intact) and an empty stdin; live-migration calls from the VMM driver carry
// the base64 VM XML on stdin. RunTmAction: answers --help/--version; checks
// the argument count; loads the configuration (defaults < ipfs.conf <
// the image datastore's template < environment); builds the front-end IPFS
// client and the ssh runner; calls the action; exits 0 or prints one plain
// stderr line (in OpenNebula <= 6.0's ERROR MESSAGE markers when ONE_VERSION
// or <remotes>/VERSION says so, log.h) and exits 1; then waits, bounded,
// until oned's front end has read stderr (output_drain.h). Stdout is ignored
// by oned and stays empty.
//
// The datastore template layer (actions with `reads_datastore`: DSID is their
// last argument) comes from `onedatastore show -x DSID`, as OpenNebula's own
// TMs read it, once per action. IPFS_TM_DATASTORE decides what happens when
// that command is missing: `auto` (default) goes on with ipfs.conf and the
// environment and says so in an INFO line, `yes` fails, `no` never asks.
// A command that exists but fails is always an error.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/one/config.h"
#include "common/ipfs/ipfs.h"
#include "common/base/log.h"
#include "common/one/one_cli.h"
#include "common/base/remote.h"
#include "common/base/status.h"

namespace oneipfs {

struct TmContext {
  std::vector<std::string> args;  // argv without the program name
  std::string stdin_data;         // VMM-driven calls only
  const Config& config;
  IpfsClient& ipfs;               // front-end daemon
  RemoteRunner& remote;           // ssh to hosts
  const Log& log;
  OneCli& one;                    // onevm / onedatastore on the front end
};

using TmActionFn = Status (*)(TmContext& ctx);

struct TmSpec {
  std::string_view name;
  std::string_view usage;  // e.g. "SRC DST VMID DSID"
  std::string_view summary;
  std::size_t min_args;
  std::size_t max_args;
  bool reads_datastore = false;  // apply the image datastore's template (DSID = last argument)
  // The index of VMID in argv when the action reads the VM (onevm show -x):
  // that call starts at once, beside onedatastore show (OneCli::PrefetchVm).
  int vm_arg = -1;
};

int RunTmAction(const TmSpec& spec, int argc, char** argv, TmActionFn fn);

// SshOptions from IPFS_SSH (a command, possibly with options), IPFS_SSH_OPTS
// and connection sharing: IPFS_SSH_CONTROL_PERSIST seconds (0 = no sharing)
// with control sockets in IPFS_SSH_CONTROL_DIR (empty: /run/one/one-ipfs-ssh
// when /run/one is writable, else /tmp/one-ipfs-ssh-<euid>), made 0700 by
// PrepareControlDir. When the directory is not usable, commands run without
// sharing and, with a `log`, one INFO line says why.
SshOptions SshOptionsFrom(const Config& config, const Log* log = nullptr);

// The control socket directory SshOptionsFrom uses when IPFS_SSH_CONTROL_DIR
// is empty.
std::string DefaultSshControlDir();

// True when `path` names a VM disk (".../disk.N"), false for the VM directory.
bool IsDiskPath(std::string_view path);

}  // namespace oneipfs
