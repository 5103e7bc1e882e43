// tm_disk.h: the bodies shared by transfer actions that are one operation
// seen from two OpenNebula actions (clone/ln, mvds/cpds, pre/post/failmigrate).
#pragma once

#include <string>
#include <vector>

#include "common/remote.h"
#include "common/status.h"
#include "common/tm.h"

namespace oneipfs {

// clone / ln: resolve SRC (any SOURCE form, see source.h) on the front end
// to an immutable CID and write it to DST on its host (host_ops.h).
// Refuses (before writing anything on the host) content whose header makes
// QEMU open another file (image_format.h CheckSelfContained), unless
// IPFS_ALLOW_BACKING_FILE=yes.
// With `with_snapshots` (ln), the image's saved disk snapshots (catalog
// "snap-<id>") are written to DST.snap/<id> as well.
Status DeploySource(TmContext& ctx, const std::string& src, const std::string& dst, bool with_snapshots = false);

// mvds / cpds: save host:disk (or its snapshot `snap_id`, -1 = the disk
// itself) as the next version of the catalog entry named by `source`. Fails,
// leaving the host's disk in place, when the SOURCE is not a catalog entry,
// the entry is gone, or the front end cannot hold every block.
// With `with_snapshots` (mvds), the host's DISK.snap/<id> files replace the
// image's saved snapshots afterwards (the disk itself is saved first).
Status SaveDisk(TmContext& ctx, const std::string& host_disk, const std::string& source, long snap_id,
                bool with_snapshots = false);

// Copies `names` (paths relative to `dir`, e.g. "disk.0", "disk.0.snap") from
// src_host:dir to dst_host:dir through the front end (tar over two ssh
// connections, sparse). Missing names are skipped.
Status CopyBetweenHosts(TmContext& ctx, const std::string& src_host, const std::string& dst_host,
                        const std::string& src_dir, const std::string& dst_dir, const std::vector<std::string>& names);

// Removes `paths` on a host (rm -rf). An unreachable host is a WARN, not a
// failure, when `tolerate_gone`.
Status RemoveOnHost(TmContext& ctx, const std::string& host, const std::vector<std::string>& paths,
                    bool tolerate_gone);

// snap_create/snap_delete/snap_revert: parses "HOST:DISK SNAP_ID" from
// argv and runs `script` on the host with the disk path and the snapshot id
// as $1 and $2. A bad SNAP_ID is Invalid; a script failure names the action.
Status RunDiskSnapshotScript(TmContext& ctx, std::string_view action, const char* script);

// What a live-migration hook (pre/post/failmigrate) moves: with a 6th
// argument (called by the system TM for its other TMs' disks) the VM's disks
// whose TM_MAD is ipfs, each with its .snap directory, listed from the VM
// document on stdin; without it (ipfs as the system TM) the whole VM
// directory. `paths` are absolute, `names` relative to `dir`. Empty when
// there is nothing of ours to move.
struct MigrationSet {
  std::string src_host, dst_host;
  std::string dir;
  std::vector<std::string> names;
  std::vector<std::string> paths() const;
};
Result<MigrationSet> MigrationTargets(const TmContext& ctx);

// The VM disk ids in a base64 (or plain) <VM> document whose DISK/TM_MAD is
// `tm_mad`; every disk id when `tm_mad` is empty.
Result<std::vector<std::string>> VmDiskIds(const std::string& vm_xml_b64, const std::string& tm_mad);

}  // namespace oneipfs
