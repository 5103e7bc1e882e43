// catalog.h: the image catalog kept in the front-end daemon's MFS.
//
// Why: oned fixes an image's SOURCE when cp/mkfs/clone print it and never
// reads transfer-driver output, yet persistent images (tm mvds) and
// disk-saveas (mkfs save_as + tm cpds) must change the content behind it.
// So SOURCE names a mutable catalog entry, not a CID:
//
//   SOURCE = "mfs:" + <IPFS_CATALOG>/<datastore id>/<image id>-<regtime>
//
// Each entry is an MFS directory of numbered versions "1", "2", ... (files
// copied in with files/cp, so no data is copied). The highest number is the
// image's current content; lower ones are its history (each save-back adds
// one). A fresh save_as reservation is an empty directory until cpds fills
// version 1.
//
// GC rule: pins guard content while it comes in, MFS keeps it afterwards.
//  - Every operation that brings content into the front-end daemon (cp, clone,
//    mkfs, mvds/cpds save-back, fsck's repair) holds a temporary pin on a root
//    of its own for its whole duration (content_hold.h): `add` with pin=true
//    under a unique wrapper directory, or `pin/add` of a unique hold node that
//    links the content (pin/add fetches every block while kubo holds its GC
//    lock). Only once every block is local and pinned is the content linked
//    into the catalog (one files/cp), and only then is the temporary pin
//    released. The host helper's `add` does the same on the host's daemon; the
//    front end releases that pin once it holds every block.
//  - The content's own CID is never pinned or unpinned by us, so content
//    shared by two images or pinned by the operator is never unpinned, and
//    removing an image removes exactly its own entry. MFS entries are GC
//    roots in kubo and js-ipfs, so every version of every registered image
//    survives `repo gc`, and two images with the same content share blocks.
//  - A process killed while it holds leaves only its temporary pin (never a
//    partial version): one-ipfs-fsck lists it and removes it with --repair.
//  - MFS writes and GC: on js-ipfs and kubo < 0.43 an MFS write (files/cp,
//    files/rm, files/mkdir) running while a `repo gc` sweeps loses the MFS
//    directory nodes it just wrote (kubo issue #10842; js-ipfs reads the MFS
//    root before taking its GC lock), and pins cannot cover nodes whose CID
//    is not known yet. So every mutation here holds a shared flock on
//    IPFS_MFS_LOCK when set (MfsWriteLock, content_hold.h); GC on such
//    daemons must run as `flock IPFS_MFS_LOCK ipfs repo gc`, never as the
//    daemon's automatic GC. kubo >= 0.43 locks MFS writes against GC itself.
//
// The SOURCE contains a ':', so oned passes it to the transfer driver
// verbatim. ParseSource also accepts the "<frontend>:" prefixed form.
//
// Concurrency: oned runs up to 15 actions at once but never two on the same
// image; every mutation here is one MFS operation on the image's own entry
// (mkdir -p / cp / rm -r), which the daemon serialises.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ipfs/ipfs.h"
#include "common/base/status.h"

namespace oneipfs {

struct CatalogEntry {
  std::string dir;  // MFS path, e.g. /one-ipfs/100/5-1767225600
  std::string Source() const { return "mfs:" + dir; }
};

struct CatalogVersion {
  std::uint64_t number = 0;
  std::string cid;
  std::uint64_t size = 0;
};

// The entry named by a SOURCE ("mfs:/..." or "<host>:mfs:/..."); nullopt for
// any other SOURCE. Rejects paths with "..", empty segments or whitespace.
std::optional<CatalogEntry> ParseCatalogSource(std::string_view source);

// Ownership. A SOURCE is text oned hands back, and an operator may register
// an image whose SOURCE is another image's entry (`oneimage create --source
// mfs:...`: an alias). Nothing may act on a path above an entry (the catalog
// root, a datastore directory) or write into an entry that is not the
// image's own, so every action checks the SOURCE against the entry shape
//   <root>/<datastore id>/<image id>-<regtime>
// with <root> = IPFS_CATALOG and every part a plain name (ids decimal).
struct EntryName {
  std::string root, datastore, image, regtime;
};
// The parts of `e`'s path when it has the entry shape under `root`.
std::optional<EntryName> EntryShape(const CatalogEntry& e, std::string_view root);
// Ok when `e` is an entry of `root` in datastore `ds_id`, of image `image_id`
// ("" = any image, for readers and when the image id is not known).
// Invalid, with `what` and the reason, otherwise.
Status CheckEntryOf(const CatalogEntry& e, std::string_view root, std::string_view ds_id,
                    std::string_view image_id, std::string_view what);

// Bytes under catalog entries, by the entry directory's CID (monitor's
// USED_MB). A CID names immutable content, so a remembered value can never
// go stale: an entry that changed has another CID and is listed again.
// `known`: what an earlier call remembered; `seen`: what this call found
// (only the current entries; what to remember next time).
struct EntrySizeMemo {
  std::map<std::string, std::uint64_t> known, seen;
};

class Catalog {
 public:
  Catalog(IpfsClient& ipfs, std::string root) : ipfs_(ipfs), root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  std::string DatastoreDir(std::string_view ds_id) const;
  CatalogEntry EntryFor(std::string_view ds_id, std::string_view image_id, std::string_view regtime) const;

  // Creates the entry directory (empty: a reservation).
  Status Reserve(const CatalogEntry& e);
  // Adds the next version pointing at `cid` (1 for a new entry). Returns its number.
  Result<std::uint64_t> AddVersion(const CatalogEntry& e, std::string_view cid);
  // Version 1 of an entry that does not exist yet (cp, clone, mkfs): one
  // files/cp, no listing. When it fails (kubo and js-ipfs refuse a
  // destination that exists: "directory already has entry by that name"),
  // AddVersion decides the number from a listing.
  Result<std::uint64_t> AddFirstVersion(const CatalogEntry& e, std::string_view cid);
  // Versions sorted by number. NotFound when the entry does not exist.
  Result<std::vector<CatalogVersion>> Versions(const CatalogEntry& e);
  // The current (highest) version. NotFound when the entry does not exist;
  // Failed "... has no content yet" for an empty reservation.
  Result<CatalogVersion> Current(const CatalogEntry& e);
  // Drops one version (history pruning). NotFound if absent.
  Status RemoveVersion(const CatalogEntry& e, std::uint64_t number);
  // Disk snapshots kept with a persistent image (saved by mvds from the host's
  // DISK.snap/<id> files, restored by ln): files "snap-<id>" in the entry.
  Result<std::vector<CatalogVersion>> Snapshots(const CatalogEntry& e);  // number = snapshot id
  Status PutSnapshot(const CatalogEntry& e, std::uint64_t id, std::string_view cid);  // replaces
  Status RemoveSnapshot(const CatalogEntry& e, std::uint64_t id);  // NotFound if absent
  // Removes the whole entry; true when it existed, false when already gone.
  Result<bool> Remove(const CatalogEntry& e);
  // Bytes referenced by one datastore's entries: every version and snapshot
  // of every image (0 when the datastore has no entries yet). One files/ls
  // of the datastore directory, then for each entry whose CID `memo` does
  // not know: a files/ls of it and a files/stat; its sum is remembered only
  // when that stat shows the CID of the first listing (the entry did not
  // change in between).
  Result<std::uint64_t> DatastoreBytes(std::string_view ds_id, EntrySizeMemo* memo = nullptr);

 private:
  IpfsClient& ipfs_;
  std::string root_;
};

}  // namespace oneipfs
