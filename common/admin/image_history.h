// image_history.h: what `one-ipfs-image` does (tools/one-ipfs-image.cc):
// an image's versions and events, the chains' verification, revert, and the
// deleted area's listing and restore (history.h, retention.h).
//
// Every command reads the catalog of IPFS_CATALOG through `ipfs`, and flushes
// the front end's spool of events not appended yet (history.h) before it
// reads a chain. Trust: an event verifies when its signature is good, its
// publisher is the front end's own key (IPFS_SIGNING_KEY; read, never made
// here) or one of `trusted` (--trust did:key:...), and its "seq" and "prev"
// link it to the one before (event_chain.h).
//
//  - History(image): the image's entry (live, else its newest deleted one),
//    its versions (number, CID, size, current) each with the event that made
//    it (time, action, VM, user, signature valid), then every event of the
//    image, oldest first. NotFound when the catalog has no entry for it.
//  - Verify(ds): every chain (or datastore `ds`'s): every event and every
//    signature. Returns the number of breaks (each printed with the chain,
//    the event number, its CID and why).
//  - Revert(image, version): the image's `version` becomes its next version
//    (its content is not copied: the same CID), a "revert" event, then
//    IPFS_HISTORY_KEEP. Refused (Invalid/Failed, nothing changed) while oned
//    says the image is in use or when oned cannot be asked (OneCli::Image),
//    and when oned's SOURCE for the image is not that entry.
//  - Deleted(): the deleted entries within (or past) their grace: label,
//    image, name (from the rm event), deletion time, purge time, bytes.
//  - Restore(label): `oneimage create` in the entry's datastore with the
//    entry's current content (PATH=/ipfs/<cid>), its rm event's TYPE and
//    PERSISTENT, and the name suffixed "-restored-<deleted at>"; a
//    "restore" event; prints and returns the new image id. The deleted
//    entry stays until its grace ends (fsck --repair purges it).
// Output goes to `out`, one line per item; errors are values.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/log.h"
#include "common/base/status.h"
#include "common/ipfs/ipfs.h"
#include "common/one/config.h"
#include "common/one/one_cli.h"

namespace oneipfs {

struct ImageToolContext {
  IpfsClient& ipfs;
  const Config& config;
  const Log& log;
  OneCli& one;
  std::ostream& out;
  std::vector<std::string> trusted;  // publisher ids trusted besides the front end's own key
  std::int64_t now = 0;              // unix seconds (0: the clock)
};

Status ImageHistory(ImageToolContext& ctx, std::string_view image_id);
Result<std::size_t> VerifyHistory(ImageToolContext& ctx, std::string_view ds_id = "");
Status RevertImage(ImageToolContext& ctx, std::string_view image_id, std::uint64_t version);
Status ListDeletedImages(ImageToolContext& ctx);
Result<std::string> RestoreImage(ImageToolContext& ctx, std::string_view label);

}  // namespace oneipfs
