// private_dir.h: this user's private runtime directory and the lock files in
// it (the hosts' peer marks and cache leases, deploy/peer_sources.h and
// host_cache.h; the front end's holder-first fetches, ipfs/holder_first.h).
#pragma once

#include <string>

namespace oneipfs {

// $XDG_RUNTIME_DIR/one-ipfs when set, else /tmp/one-ipfs-<uid>; created 0700
// and used only when it is a real directory (not a symlink) owned by this
// user with no group or other access. "" when none qualifies.
std::string SourceLockDir();

// A lock file at `path` (in a SourceLockDir() directory), opened to be
// flock'd: created 0600, never through a symlink, closed on exec; -1 when
// it cannot be opened (errno says why).
int OpenLockFile(const std::string& path);

}  // namespace oneipfs
