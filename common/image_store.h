// image_store.h: steps shared by the datastore actions that register content.
//
// StoreNewImage puts `cid` into a fresh catalog entry as version 1 and then
// makes the front-end daemon hold every block of it (refs -r fetches what is
// missing from peers), logging progress. The entry is created first so that
// a garbage collection running meanwhile cannot take fetched blocks away. On
// any failure the entry is removed again: nothing is left half-registered.
//
// DigestIpfs reads content back through `cat` to compute MD5/SHA1 (only when
// the template asks for a checksum). ChooseFormat applies the DRIVER override.
#pragma once

#include <string>
#include <string_view>

#include "common/action.h"
#include "common/catalog.h"
#include "common/importer.h"
#include "common/ipfs.h"
#include "common/log.h"
#include "common/status.h"

namespace oneipfs {

// kAllLocal: the caller has just stored every block in this daemon itself
// (mkfs's zero DAG), so the refs -r walk is skipped: on js-ipfs it would read
// every leaf again, once per link, however often the leaf repeats.
enum class BlocksAt { kMaybePeers, kAllLocal };
Status StoreNewImage(IpfsClient& ipfs, Catalog& catalog, const CatalogEntry& entry, std::string_view cid,
                     const Log& log, BlocksAt blocks = BlocksAt::kMaybePeers);

Result<Imported> DigestIpfs(IpfsClient& ipfs, std::string_view ipfs_path, bool need_header);

// FORMAT to report: IMAGE/TEMPLATE/DRIVER when set, else what the header says.
std::string ChooseFormat(const ImageDoc& image, std::string_view header);

}  // namespace oneipfs
