// image_store.h: steps shared by the datastore actions that register content.
//
// StoreNewImage makes the front-end daemon hold every block of `cid` under a
// temporary pin (content_hold.h, HoldFetch::kLocalFirst: one offline
// recursive pin when every block is local already, else fetched from peers
// with progress), or uses the caller's `held` hold (an import), then links it
// into a fresh catalog entry as version 1 (Catalog::AddFirstVersion: no
// listing) and only then releases the temporary pin: the content is never
// without a GC root. On any failure the entry is removed again: nothing is
// left half-registered. `holders` (ds cp of an app a mirror holds,
// holder_first.h) makes the fetch holder-first.
//
// DigestIpfs reads content back through `cat` to compute MD5/SHA1 (only when
// the template asks for a checksum). ChooseFormat applies the DRIVER override.
// DriverFormats and CheckRegisteredSize are the image checks of stat and cp
// (image_format.h).
#pragma once

#include <string>
#include <string_view>

#include "common/one/action.h"
#include "common/catalog/catalog.h"
#include "common/ipfs/content_hold.h"
#include "common/base/image_format.h"
#include "common/catalog/importer.h"
#include "common/ipfs/ipfs.h"
#include "common/base/log.h"
#include "common/base/status.h"

namespace oneipfs {

// kAllLocal: the caller has just stored every block in this daemon itself
// and closes the GC window itself (mkfs puts the zero DAG again once linked):
// no hold and no walk of the DAG (on js-ipfs a walk or a recursive pin reads
// every leaf again, once per link, however often the leaf repeats).
enum class BlocksAt { kMaybePeers, kAllLocal };
Status StoreNewImage(IpfsClient& ipfs, Catalog& catalog, const CatalogEntry& entry, std::string_view cid,
                     const Log& log, ContentHold* held = nullptr,
                     BlocksAt blocks = BlocksAt::kMaybePeers, HolderFirst* holders = nullptr);

Result<Imported> DigestIpfs(IpfsClient& ipfs, std::string_view ipfs_path, bool need_header);

// FORMAT to report: IMAGE/TEMPLATE/DRIVER when set, else what the header
// says. A DRIVER that is not a format name (reply.h IsFormatToken: a user
// wrote it, and it would be printed to oned) is Invalid.
Result<std::string> ChooseFormat(const ImageDoc& image, std::string_view header);

// The DRIVER values a datastore action knows the VM may be given besides the
// detected format (IMAGE/TEMPLATE/DRIVER, DATASTORE/TEMPLATE/DRIVER): the
// formats the self-contained check and the size judge the image as.
FormatList DriverFormats(const DsAction& action);

// cp: Status::Invalid when the content (its first bytes `header`, `bytes`
// long) is bigger (SizeMb) than the IMAGE/SIZE oned was told, e.g. by a stat
// of other content behind the same name or URL, or by a marketplace app;
// quotas and capacity count that SIZE. Ok when IMAGE/SIZE is not a number;
// SizeMb's error when the size cannot be known from `header`.
Status CheckRegisteredSize(const DsAction& action, std::string_view header, std::uint64_t bytes,
                           std::string_view what);

}  // namespace oneipfs
