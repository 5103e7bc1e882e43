// market_import.h: `onemarketapp create` and `onemarketapp delete` in a
// writable marketplace (IPFS_MARKET_KEY set; a read-only marketplace fails
// both with one line).
//
// ImportApp (the `import` action; one_market.rb has run the image
// datastore's `export` and added its IMPORT_SOURCE, MD5, SIZE, FORMAT):
//  1. the content, by IMPORT_SOURCE:
//     - IPFS (/ipfs/<cid>, what our ds export prints, or any form
//       ipfs_path.h takes): referenced, no byte copied; the front-end daemon
//       holds every block under a temporary pin first (content_hold.h,
//       local first). MD5: IMPORT_INFO's when it is one, else the catalog's
//       memo or computed once (catalog/digest_memo.h);
//     - a path (OpenNebula's fs export without BRIDGE_LIST): only a regular
//       file whose real path is under the exported image's DATASTORE/
//       BASE_PATH, opened without following a symlink (one/local_path.h
//       OpenNoSymlinks), streamed into `add`;
//     - ssh://<host>:<path> (fs export with BRIDGE_LIST): `cat -- <path>` on
//       the host (argv, quoted by remote.h), <path> under BASE_PATH as text
//       and without "." or ".." components, streamed into `add`;
//     - http(s):// (other drivers): downloaded into `add` (one/download.h);
//     streamed content gets its MD5 on the way and must match IMPORT_INFO's
//     MD5 when that is given; at most IPFS_IMPORT_MAX_MB when set.
//     DISPOSE_CMD is never run (a command line from a document): a WARN
//     names it.
//  2. the app record (app_record.h) is signed with IPFS_SIGNING_KEY, put into
//     the tree with a link to the content (market_tree.h), the event
//     "publish" (or "update" when the app was there) appended to the log,
//     the root published. If publishing fails, the app leaves the tree again
//     (a "withdraw" event) and the action fails.
//  3. prints SOURCE="<source>" (market_config.h AppSource), MD5, SIZE (MB:
//     IMPORT_INFO's, else the bytes rounded up) and FORMAT (IMPORT_INFO's,
//     else detected from the header).
//
// DeleteApp (the `delete` action): removes this front end's app from the
// tree (found by its directory, else by its listed NAME among this
// publisher's records), appends "delete", publishes. An app that is not
// there is success (INFO: already gone). A mirrored app (another
// publisher's) is refused: it is deleted at its publisher and leaves every
// mirror at their next monitor.
#pragma once

#include <string>

#include "common/base/status.h"
#include "common/market/market_driver.h"

namespace oneipfs {

Result<std::string> ImportApp(MarketContext& ctx);
Result<std::string> DeleteApp(MarketContext& ctx);

// The read-only refusal, one line naming the marketplace.
Status ReadOnlyMarket(const MarketContext& ctx, std::string_view what);

}  // namespace oneipfs
