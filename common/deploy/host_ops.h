// host_ops.h: moving disk content between IPFS and hypervisor hosts.
//
// Hosts are reached only through ssh (RemoteRunner); every argument crosses
// the remote shell quoted (remote.h ShellJoin) and scripts are fixed text that
// take their inputs as positional parameters, so names from oned are never
// pasted into a command line.
//
// DeployToHost puts IPFS content at host:path. First choice: the host helper
// (<IPFS_REMOTE_DIR>/tm/ipfs/one-ipfs-host fetch) pulls from the host's own
// daemon. Peer to peer (providers.h): the helper gets up to IPFS_P2P_PEERS
// other hosts that hold or are fetching the CID and connects the front end
// only when none connects or after IPFS_P2P_STALL seconds without progress;
// the host is recorded as "fetching" (when its identity is known from an
// earlier deploy) and, on success, as holding the CID; with
// IPFS_HOST_CACHE_MB > 0 the host daemon keeps the content (host_cache.h) and
// what its cache evicted is forgotten. A re-deploy to a host whose own fresh
// record says it holds the CID writes no "fetching" record, takes no lead
// and rewrites no unchanged record (refreshed after min(1 h, TTL / 2)); its
// helper skips every swarm connect when its host cache holds the CID.
// The helper reads the content from its daemon in up to IPFS_FETCH_STREAMS
// concurrent byte ranges (range_fetch.h).
// Provider records never fail a deploy. When the helper is missing (exit 127) or the host has no daemon
// (exit 3), the front-end daemon streams the content through ssh instead and
// an INFO line says so (an empty datablock, zero_dag.h, then crosses ssh as
// nothing: the host creates a sparse file of its size). Either way the file appears at `path` only complete
// (temporary name, byte count checked, fsync, rename); a failure leaves
// nothing at `path`.
//
// ForgetUncached (tm delete): drops `host`'s provider records of CIDs its
// cache no longer holds (all of them when the host has no cache).
//
// SaveFromHost makes the front-end daemon hold every block of a host file
// under a temporary pin (content_hold.h), returned in SavedContent::hold:
//  - helper: it adds the file to the host daemon under a hold of the host's
//    own (printed as "hold"), the front end pins the CID under its hold, which
//    fetches every block from that peer, checks the size, and then tells the
//    helper to release the host's hold (`one-ipfs-host release <root>`);
//  - no helper or no host daemon: the front end reads the file through ssh
//    into `add` under its hold (add with pin=true: complete when it returns).
// The caller links the CID into the catalog and only then releases `hold`;
// only after that may the host copy go away. A failure leaves nothing
// recorded and nothing pinned.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/ipfs/content_hold.h"
#include "common/base/remote.h"
#include "common/base/status.h"
#include "common/one/tm.h"

namespace oneipfs {

struct SavedContent {
  std::string cid;
  std::uint64_t bytes = 0;
  std::shared_ptr<ContentHold> hold;  // every block local and pinned until released
};

// `ready`, when given, is awaited after the provider bookkeeping and before
// anything runs on the host (a check running beside it); when it fails,
// the deploy stops with that status, its provider marks undone.
Status DeployToHost(TmContext& ctx, const std::string& cid, std::uint64_t bytes, const HostPath& dst,
                    const std::function<Status()>& ready = {});
Status ForgetUncached(TmContext& ctx, const std::string& host);

Result<SavedContent> SaveFromHost(TmContext& ctx, const HostPath& src);

// Runs a fixed shell script on a host: sh -c SCRIPT one-ipfs ARGS...
// Non-zero exit is Failed with the script's last stderr line.
Result<RemoteResult> RunHostScript(TmContext& ctx, const std::string& host, const std::string& script,
                                   const std::vector<std::string>& args);

// Where hosts have the helper: <IPFS_REMOTE_DIR>/tm/ipfs/one-ipfs-host.
std::string HelperPath(const Config& config);
// The argv that runs the host helper (<IPFS_REMOTE_DIR>/tm/ipfs/one-ipfs-host
// ARGS...), with IPFS_HOST_API passed on when it is not the default. Exit
// 127: the helper is missing; 3: the host has no reachable daemon.
std::vector<std::string> HelperArgv(const TmContext& ctx, std::vector<std::string> args);
constexpr int kHelperExitMissing = 127;
constexpr int kHelperExitNoDaemon = 3;

// Multiaddrs (with /p2p/<id>) hosts use to reach the front-end daemon.
Result<std::vector<std::string>> FrontendPeers(TmContext& ctx);

// Prints the remote side's INFO/WARN lines on our stderr and returns its last
// other line (the error, if any).
std::string ForwardRemoteLog(const std::string& err);

}  // namespace oneipfs
