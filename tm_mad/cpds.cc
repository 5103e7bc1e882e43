// cpds: save a disk (or one of its snapshots) into a new image (disk-saveas)
//
// argv: HOST:DISK NEW_SOURCE SNAP_ID VMID DSID
// NEW_SOURCE is what mkfs save_as reserved; SNAP_ID -1 is the disk itself,
// otherwise the snapshot HOST:DISK.snap/SNAP_ID. Same guarantees as mvds.
//
// A running VM (LCM state HOTPLUG_SAVEAS, from onevm show -x) keeps writing
// to its disk, so the live file is never read: as OpenNebula's ssh/cpds does,
// the host first makes a consistent copy beside it (virsh blockcopy; else
// domfsfreeze + copy + thaw; else suspend + copy + resume), that copy is
// saved, and it is removed afterwards whatever happened. When none of the
// three works (or virsh is missing) the action fails with one line and the
// image stays empty. Snapshots (SNAP_ID >= 0) are not written by the VM.
// NEW_SOURCE must be an entry of datastore DSID and, when the VM document
// has the disk's HOTPLUG_SAVE_AS, that image's own entry and its SOURCE.
// The save is a "cpds" event in the catalog history, with the VM and its owner.

#include <fmt/format.h>

#include "common/deploy/host_ops.h"
#include "common/base/number.h"
#include "common/deploy/tm_disk.h"

namespace oneipfs {
namespace {

// $1 disk, $2 copy to make, $3 domain, $4 disk target (vda), $5 libvirt URI.
const char* kConsistentCopy = R"(set -u
disk=$1; copy=$2; dom=$3; target=$4; uri=$5
command -v virsh >/dev/null 2>&1 || { echo "virsh is not installed on this host" >&2; exit 1; }
rm -f -- "$copy"; touch -- "$copy"
if virsh -c "$uri" blockcopy "$dom" "$target" "$copy" --wait --finish >/dev/null 2>&1; then
  echo "INFO: consistent copy of the running disk made with virsh blockcopy" >&2; exit 0
fi
rm -f -- "$copy"
if timeout 60 virsh -c "$uri" domfsfreeze "$dom" >/dev/null 2>&1; then
  cp --sparse=always -- "$disk" "$copy"; rc=$?
  virsh -c "$uri" domfsthaw "$dom" >/dev/null 2>&1
  [ $rc -eq 0 ] && echo "INFO: copied the disk while the guest file systems were frozen" >&2
  exit $rc
fi
if virsh -c "$uri" suspend "$dom" >/dev/null 2>&1; then
  cp --sparse=always -- "$disk" "$copy"; rc=$?
  virsh -c "$uri" resume "$dom" >/dev/null 2>&1
  [ $rc -eq 0 ] && echo "INFO: copied the disk while the VM was suspended" >&2
  exit $rc
fi
rm -f -- "$copy"
echo "virsh could neither blockcopy $target, freeze the guest file systems nor suspend $dom" >&2
exit 1
)";

Status Action(TmContext& ctx) {
  // -1: the disk itself; otherwise one of its snapshots.
  auto id = ParseCount(ctx.args[2], std::numeric_limits<long>::max());
  if (!id && ctx.args[2] != "-1")
    return Status::Invalid(fmt::format("SNAP_ID '{}' is not -1 or a snapshot id", ctx.args[2]));
  long snap = id ? static_cast<long>(*id) : -1;

  ASSIGN_OR_RETURN(HostPath disk, SplitHostPath(ctx.args[0]));
  auto vm = ctx.one.Vm(ctx.args[3]);
  if (!vm.ok() && vm.status().code() != Status::Code::kNotFound)
    return vm.status().Prefixed(fmt::format("cannot tell whether VM {} is running", ctx.args[3]));
  const VmDisk* d = vm.ok() ? vm->Disk(DiskIdOfPath(disk.path)) : nullptr;
  // The image being filled: the disk's HOTPLUG_SAVE_AS, whose SOURCE must be NEW_SOURCE.
  std::string owner = d ? d->save_as : "";
  if (d && !d->save_as_source.empty() && d->save_as_source != ctx.args[1])
    return Status::Invalid(fmt::format("NEW_SOURCE {} is not the SOURCE of image {} that VM {} saves into ({})",
                                       ctx.args[1], d->save_as, ctx.args[3], d->save_as_source));
  if (snap >= 0) return SaveDisk(ctx, "cpds", ctx.args[3], ctx.args[0], ctx.args[1], snap, owner);
  if (!vm.ok()) ctx.log.Info(vm.status().message() + ": saving the disk as it is (the VM must be powered off)");
  if (!vm.ok() || vm->lcm_state != kLcmHotplugSaveas) return SaveDisk(ctx, "cpds", ctx.args[3], ctx.args[0], ctx.args[1], -1, owner);

  if (!d || d->target.empty() || vm->deploy_id.empty())
    return Status::Invalid(fmt::format("VM {} is running and its document names no domain or TARGET for {}",
                                       ctx.args[3], ctx.args[0]));
  std::string copy = disk.path + ".one-ipfs-saveas";
  auto made = RunHostScript(ctx, disk.host, kConsistentCopy,
                            {disk.path, copy, vm->deploy_id, d->target, ctx.config.Get("IPFS_LIBVIRT_URI")});
  if (!made.ok())
    return made.status().Prefixed(fmt::format(
        "VM {} is running: no consistent copy of {} could be made, so nothing was saved", ctx.args[3], ctx.args[0]));
  ForwardRemoteLog(made->err);
  Status saved = SaveDisk(ctx, "cpds", ctx.args[3], disk.host + ":" + copy, ctx.args[1], -1, owner);
  Status removed = RemoveOnHost(ctx, disk.host, ctx.args[3], {copy}, true);
  RETURN_IF_ERROR(saved);
  return removed;
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"cpds", "HOST:DISK NEW_SOURCE SNAP_ID VMID DSID",
                      "save a disk (or one of its snapshots) into a new image (disk-saveas)", 5, 5, true, 3},
                     argc, argv, Action);
}
