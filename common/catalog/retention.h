// retention.h: how long the catalog keeps what is no longer current:
// deleted images (IPFS_DELETE_GRACE) and old versions (IPFS_HISTORY_KEEP).
//
// The deleted area. With a grace period, ds rm moves the image's own entry
// (all its versions and saved snapshots; one files/mv) to
//   <IPFS_CATALOG>/.deleted/<datastore id>/<image id>-<regtime>-<deleted at>
// (unix seconds), where it stays a GC root until one-ipfs-fsck --repair
// purges it once `deleted at + grace` has passed. Monitor's USED_MB and
// fsck's orphan check look at the datastore directories only, so a deleted
// entry is neither counted as used nor ever taken for an orphan; the doctor
// reports what the area holds. Content rules are unchanged: nothing is
// unpinned, and content another image shares stays with that image.
// A deleted entry is registered again by `one-ipfs-image restore` as a new
// image (`oneimage create` of its current content); it stays in the area
// until its grace ends.
//
// IPFS_DELETE_GRACE: seconds, or a number with s, m, h or d; "" = the
// default of 7 days; 0 = rm removes the entry at once (as before). A value
// that does not parse keeps the default (the safe side) and is reported.
//
// IPFS_HISTORY_KEEP: "" or "all" (the default) keeps every version; N >= 1
// keeps the newest N. PruneVersions removes the oldest versions beyond it
// after a version is added (mvds, cpds, snap_revert, snap_flatten, revert),
// never the current one, and never a saved snapshot (snap-<id> files are no
// versions). Each removal is a "prune" event (history.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/log.h"
#include "common/base/status.h"
#include "common/catalog/catalog.h"
#include "common/ipfs/ipfs.h"
#include "common/one/config.h"

namespace oneipfs {

inline constexpr std::int64_t kDefaultDeleteGrace = 7 * 24 * 3600;

struct DeletedEntry {
  std::string datastore, image, regtime;
  std::int64_t deleted_at = 0;
  std::string name;  // "<image>-<regtime>-<deleted at>"
  std::string dir;   // its MFS path
  std::string Label() const { return datastore + "/" + name; }  // what `one-ipfs-image restore` takes
};

// <root>/.deleted and <root>/.deleted/<ds>.
std::string DeletedRoot(std::string_view catalog_root);
std::string DeletedDir(std::string_view catalog_root, std::string_view ds_id);

// "<image>-<regtime>-<deleted at>" (all decimal) in datastore `ds_id`.
std::optional<DeletedEntry> ParseDeletedName(std::string_view catalog_root, std::string_view ds_id,
                                             std::string_view name);
// "<ds>/<name>" (as Label prints it) or the full MFS path.
std::optional<DeletedEntry> ParseDeletedLabel(std::string_view catalog_root, std::string_view label);

// Moves entry `e` (shape `name`, catalog.h EntryShape) into the deleted area
// as deleted at `now`, under the MFS write lock. NotFound when the entry is
// gone already.
Result<DeletedEntry> MoveToDeleted(IpfsClient& ipfs, const CatalogEntry& e, const EntryName& name, std::int64_t now);

// Deleted entries of datastore `ds_id` ("" = every datastore), oldest
// deletion first. Names that do not parse are returned in `odd` (MFS paths).
struct DeletedList {
  std::vector<DeletedEntry> entries;
  std::vector<std::string> odd;
};
Result<DeletedList> ListDeleted(IpfsClient& ipfs, std::string_view catalog_root, std::string_view ds_id = "");

// Bytes of the files directly in `dir` (versions and snapshots of an entry).
Result<std::uint64_t> DirFileBytes(IpfsClient& ipfs, const std::string& dir);

// IPFS_DELETE_GRACE in seconds (see above). `problem` gets why a value was
// not understood (the default is used then).
std::int64_t DeleteGrace(const Config& config, std::string* problem = nullptr);
std::optional<std::int64_t> ParseGrace(std::string_view text);
// IPFS_HISTORY_KEEP: nullopt = keep all. `problem` as above.
std::optional<std::uint64_t> HistoryKeep(const Config& config, std::string* problem = nullptr);

// Removes the oldest versions of `e` beyond the newest `keep` (>= 1);
// returns the removed ones. A failure stops it (what was removed is kept in
// `removed`).
Result<std::vector<CatalogVersion>> PruneVersions(Catalog& catalog, const CatalogEntry& e, std::uint64_t keep,
                                                  std::vector<CatalogVersion>* removed = nullptr);

}  // namespace oneipfs
