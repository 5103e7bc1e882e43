// tm_disk.h: the bodies shared by transfer actions that are one operation
// seen from two OpenNebula actions (clone/ln, mvds/cpds, pre/post/failmigrate).
#pragma once

#include <string>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/base/remote.h"
#include "common/base/status.h"
#include "common/one/tm.h"

namespace oneipfs {

// clone / ln (argv SRC HOST:DST VMID DSID): resolve SRC (any SOURCE form,
// see source.h) on the front end to an immutable CID and write it to DST on
// its host (host_ops.h). A catalog SOURCE must have the entry shape under
// IPFS_CATALOG; for ln of a disk that will be saved back (persistent and
// writable, or unknown without the VM document) it must be an entry of
// datastore DSID and, when the VM document names the disk's IMAGE_ID, that
// image's own (an alias of another image's entry is deployed read only). For `ln` (persistent images, CDROMs), the image's
// saved disk snapshots (catalog "snap-<id>") are written to DST.snap/<id> as
// well. From the VM document (onevm show -x VMID, when the CLI is there):
//  - ln refuses, before anything is written, a persistent disk whose SOURCE
//    is immutable (/ipfs/..., ipns:// follow mode): the epilog could never
//    save it back (mvds), and the only way out would discard the writes;
//  - the disk grows to its SIZE when the VM asked for more than the image
//    (SIZE > ORIGINAL_SIZE, as ssh/clone does);
//  - the system datastore's host monitoring marker (<system ds>/.monitor)
//    is written as ssh/clone writes it ("ssh" beside the ssh and local
//    system TMs) or removed beside shared (qcow2/clone does).
// Refuses (before writing anything on the host) content whose header makes
// QEMU open another file (image_format.h CheckSelfContained, judged as its
// detected format and the disk's DRIVER and FORMAT), unless
// IPFS_ALLOW_BACKING_FILE=yes, and content whose disk (PresentedBytes as
// those formats) is bigger than the VM disk's SIZE. Without a VM document,
// or for a disk with neither DRIVER nor FORMAT (KVM then gives the host's
// default DRIVER, raw unless the operator changed it), the detected format
// alone is judged and the size is not.
enum class DeployMode { kClone, kLn };
Status DeploySource(TmContext& ctx, DeployMode mode);

// mvds / cpds: save host:disk (or its snapshot `snap_id`, -1 = the disk
// itself) as the next version of the catalog entry named by `source`. Fails,
// leaving the host's disk in place, when the SOURCE is not a catalog entry
// of this datastore (DSID, the last argument) or, with `owner_image` (the
// image id the VM document names), not that image's own (catalog.h
// "Ownership"), when the entry is gone, or when the front end cannot hold
// every block. With `with_snapshots` (mvds), the host's DISK.snap/<id> files
// replace the image's saved snapshots afterwards (the disk itself is saved
// first). The new version is an `action` event ("mvds", "cpds") in the
// catalog history (history.h) with VM `vm_id` and its owner (onevm show -x),
// changed snapshots a "snapshots" event; then IPFS_HISTORY_KEEP applies
// (retention.h), each pruned version a "prune" event.
Status SaveDisk(TmContext& ctx, std::string_view action, const std::string& vm_id, const std::string& host_disk,
                const std::string& source, long snap_id, std::string_view owner_image, bool with_snapshots = false);

// The IMAGE_ID `onevm show -x vm_id` gives the disk at host:path; "" (after
// an INFO line) when the CLI or the disk is not there.
std::string DiskImageId(TmContext& ctx, const std::string& host_disk, const std::string& vm_id);

// Removes `paths` on a host (rm -rf). Each must be VM `vm_id`'s directory
// or a disk file in it (CheckVmPath); otherwise nothing runs and the result
// is Invalid "refusing to delete ...". An unreachable host is a WARN, not a
// failure, when `tolerate_gone`.
Status RemoveOnHost(TmContext& ctx, const std::string& host, std::string_view vm_id,
                    const std::vector<std::string>& paths, bool tolerate_gone);

// The shapes rm -rf may ever be given, as OpenNebula lays out a VM's files on
// a host (TransferManager.cc: <DATASTORE_LOCATION>/<system ds id>/<vm id>):
//   <prefix>/<digits>/<vm_id>                  the VM directory
//   <prefix>/<digits>/<vm_id>/disk.<n>[.snap]  a disk and its snapshot directory
//   <prefix>/<digits>/<vm_id>/disk.<n>.one-ipfs-saveas  cpds's consistent copy
// with <prefix> absolute and at least one component (DATASTORE_LOCATION,
// which a host may set for itself), empty components ("//") ignored, and no
// "." or ".." anywhere. `vm_id` is the action's VMID (digits). Invalid
// otherwise, naming the path: /var/lib, /etc/one, a datastore directory or
// another VM's files never reach the host.
Status CheckVmPath(std::string_view path, std::string_view vm_id);

// snap_create/snap_delete/snap_revert: parses "HOST:DISK SNAP_ID" from
// argv and runs `script` on the host with the disk path and the snapshot id
// as $1 and $2. A bad SNAP_ID is Invalid; a script failure names the action.
Status RunDiskSnapshotScript(TmContext& ctx, std::string_view action, const char* script);

// The OpenNebula rule for moving VM disks (ssh/mv, qcow2/mv and
// common/prepostmigrate do the same): one-ipfs is never a system datastore
// driver, so a VM's disks always live in a VM directory that the system TM
// (ssh, shared, local: TM_MAD_SYSTEM) moves as a whole, right after our line
// (mv), or that the hypervisor copies itself (kvm/migrate on a non-shared
// system datastore) or shares (shared). Moving the disk ourselves would copy
// it twice or, worse, race the system TM on the same path. So:
//  - mv of a disk path: nothing to do;
//  - pre/post/failmigrate called by the system TM's migrate_other (6th
//    argument = the caller's TM name): nothing to do;
//  - mv of a VM directory or migrate hooks without the 6th argument would
//    mean ipfs is the system TM: Invalid, one line that says so.
// Returns Ok (after an INFO line) or that Invalid.
Status FollowSystemTm(TmContext& ctx, std::string_view action, bool called_for_disk);

// Grows host:path to `mb` MiB (qcow2 by its magic with qemu-img resize,
// anything else with truncate); refuses to shrink.
Status ResizeOnHost(TmContext& ctx, const HostPath& disk, std::uint64_t mb);

}  // namespace oneipfs
