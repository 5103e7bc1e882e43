// market_log.h: reading and verifying a published marketplace's event log
// (one-ipfs-market log).
//
// The log is <root>/log of the tree (market_tree.h): numbered events of
// trust/event_chain.h. VerifyPublishedLog copies that directory of the
// published root into a scratch MFS directory (/one-ipfs-market/.verify/
// <pid>-<random>: a files/cp, no block is copied) so that EventChain::Read
// can walk it, reads it (every signature, every "prev" link, the numbering),
// and removes the scratch directory. The scratch copy exists only while
// IPFS_MFS_LOCK is held (content_hold.h), so a flock'd GC never walks it.
//
// Whose log: every event must be signed by `publisher` when given, else by
// the signer of the first event that verifies; an event signed by anyone
// else is a break. So a rewritten event is caught by its signature (changed
// bytes), by its signer (another key), or, re-signed with the publisher's
// own key, by the next event's "prev" (a hash of the original).
#pragma once

#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/ipfs/ipfs.h"
#include "common/trust/event_chain.h"

namespace oneipfs {

struct LogVerification {
  ChainReport report;
  std::string publisher;  // whose log it is
};

Result<LogVerification> VerifyPublishedLog(IpfsClient& ipfs, std::string_view root_cid, std::string_view publisher);

// One line per event ("<seq> <UTC time> <event> <name> <app> cid=<cid> [<event cid>]")
// and per break ("BREAK at event <seq> <cid>: <why>"), then a summary line.
std::string FormatLog(const LogVerification& v);

}  // namespace oneipfs
