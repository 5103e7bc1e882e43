#include "common/deploy/tm_disk.h"

#include <algorithm>
#include <future>
#include <memory>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/catalog/catalog.h"
#include "common/catalog/history.h"
#include "common/catalog/retention.h"
#include "common/ipfs/cid.h"
#include "common/ipfs/content_hold.h"
#include "common/one/driver.h"
#include "common/deploy/host_ops.h"
#include "common/base/image_format.h"
#include "common/base/number.h"
#include "common/one/one_cli.h"
#include "common/catalog/source.h"
#include "common/base/text.h"

namespace oneipfs {
namespace {

// $1 disk, $2 new size in MiB. qcow2 by its magic, anything else raw.
const char* kResizeScript = R"(set -eu
f=$1; mb=$2
[ -f "$f" ] || { echo "$f does not exist" >&2; exit 1; }
new=$((mb * 1048576))
magic=$(head -c 4 -- "$f" | od -An -tx1 | tr -d " \n")
if [ "$magic" = "514649fb" ]; then
  qemu-img resize -q -f qcow2 -- "$f" "$new"
else
  cur=$(stat -c %s -- "$f")
  if [ "$new" -lt "$cur" ]; then echo "cannot shrink $f from $cur to $new bytes" >&2; exit 1; fi
  truncate -s "$new" -- "$f"
fi
)";

// $1 the VM directory, $2 "enable" or "disable", $3 the marker text: the
// system datastore's .monitor file (host disk monitoring), as
// scripts_common.sh enable_local_monitoring / disable_local_monitoring.
const char* kMonitorMarkerScript = R"SH(set -eu
f=$(dirname -- "$1")/.monitor
if [ "$2" = enable ]; then
  [ "$(cat -- "$f" 2>/dev/null || true)" = "$3" ] || printf '%s\n' "$3" > "$f"
else
  rm -f -- "$f"
fi
)SH";

}  // namespace

Status ResizeOnHost(TmContext& ctx, const HostPath& disk, std::uint64_t mb) {
  auto r = RunHostScript(ctx, disk.host, kResizeScript, {disk.path, std::to_string(mb)});
  if (!r.ok()) return r.status().Prefixed(fmt::format("cannot resize {}:{}", disk.host, disk.path));
  return Status::Ok();
}

Status FollowSystemTm(TmContext& ctx, std::string_view action, bool called_for_disk) {
  if (!called_for_disk)
    return Status::Invalid(fmt::format(
        "{} was called for a VM directory: one-ipfs is an image datastore driver, not a system datastore "
        "driver; use TM_MAD_SYSTEM ssh, shared or local for the VM's system datastore",
        action));
  ctx.log.Info(fmt::format("{}: the system datastore's TM moves the VM directory with its disks; nothing to do",
                           action));
  return Status::Ok();
}

namespace {

// The VM document, or nullopt (with an INFO line) when the CLI is missing.
Result<std::optional<VmInfo>> VmDocument(TmContext& ctx, const std::string& vm_id) {
  auto vm = ctx.one.Vm(vm_id);
  if (vm.ok()) return std::optional<VmInfo>(std::move(*vm));
  if (vm.status().code() == Status::Code::kNotFound) {
    ctx.log.Info(fmt::format("{}: the disk's deploy-time SIZE, persistence and monitoring marker are not checked",
                             vm.status().message()));
    return std::optional<VmInfo>();
  }
  return vm.status().Prefixed(fmt::format("cannot read VM {}", vm_id));
}

}  // namespace

Status DeploySource(TmContext& ctx, DeployMode mode) {
  const std::string& src = ctx.args[0];
  const std::string& dst = ctx.args[1];
  bool with_snapshots = mode == DeployMode::kLn;
  ASSIGN_OR_RETURN(HostPath to, SplitHostPath(dst));
  ASSIGN_OR_RETURN(std::optional<VmInfo> vm, VmDocument(ctx, ctx.args[2]));
  const VmDisk* disk = vm ? vm->Disk(DiskIdOfPath(to.path)) : nullptr;
  auto source_entry = ParseCatalogSource(StripHostPrefix(src));
  if (source_entry) {
    // Any catalog entry can be read (an alias deploys its original); only the
    // image's own can be written, and a persistent disk will be saved back.
    bool writes = mode == DeployMode::kLn && (!disk || (disk->persistent && !disk->readonly));
    std::string what = fmt::format("cannot deploy {}", src);
    if (writes) {
      RETURN_IF_ERROR(CheckEntryOf(*source_entry, ctx.config.Get("IPFS_CATALOG"), ctx.args[3],
                                   disk ? std::string_view(disk->image_id) : std::string_view(), what));
    } else if (auto shape = EntryShape(*source_entry, ctx.config.Get("IPFS_CATALOG")); !shape) {
      RETURN_IF_ERROR(CheckEntryOf(*source_entry, ctx.config.Get("IPFS_CATALOG"), "", "", what));
    }
  }
  if (mode == DeployMode::kLn && disk && disk->persistent && !disk->readonly && !source_entry)
    return Status::Invalid(fmt::format(
        "disk {} of VM {} is persistent but its SOURCE '{}' is immutable IPFS content, so its writes could never "
        "be saved back; register the image with a path (oneimage create --path) to get a one-ipfs catalog entry, "
        "or make the image non-persistent",
        disk->id, ctx.args[2], src));
  auto content = ResolveSource(ctx.ipfs, src, ctx.log);
  if (!content.ok()) return content.status().Prefixed(fmt::format("cannot deploy {}", src));
  // Nothing is written on the host for an image that would make QEMU open
  // another file there, judged as the disk's DRIVER/FORMAT too, or whose disk
  // is bigger than the VM disk's SIZE. The header check (a 64 KiB cat) runs
  // on a client of its own beside DeployToHost's provider reads, which awaits
  // it before anything runs on the host.
  const std::string path = "/ipfs/" + content->cid;
  const bool allow_backing = ctx.config.GetBool("IPFS_ALLOW_BACKING_FILE");
  FormatList formats;
  std::optional<std::uint64_t> disk_mb;
  if (disk) {
    for (const std::string* f : {&disk->driver, &disk->format})
      if (!f->empty()) formats.push_back(*f);
    disk_mb = disk->size_mb;
  }
  auto check_header = [path, allow_backing, formats, disk_mb, bytes = content->size,
                       disk_id = disk ? disk->id : std::string()](IpfsClient& ipfs) -> Status {
    ASSIGN_OR_RETURN(std::string header, ipfs.CatRange(path, 0, kHeaderBytes));
    RETURN_IF_ERROR(CheckSelfContained(header, path, allow_backing, formats));
    if (!disk_mb) return Status::Ok();
    ASSIGN_OR_RETURN(std::uint64_t presented, PresentedBytes(header, bytes, formats));
    std::uint64_t mb = MbCeil(presented);
    if (mb <= *disk_mb) return Status::Ok();
    return Status::Invalid(fmt::format(
        "{} presents a disk of {} MB, more than the SIZE of {} MB oned accounts for disk {}: the image's content, "
        "FORMAT or SIZE is not what was measured when it was registered",
        path, mb, *disk_mb, disk_id));
  };
  std::future<Status> header_checked;
  if (auto own = MakeIpfsClient(ctx.config); own.ok())
    header_checked = std::async(std::launch::async,
                                [check_header, c = std::shared_ptr<IpfsClient>(std::move(*own))] { return check_header(*c); });
  auto header_safe = [&]() -> Status {
    Status st = header_checked.valid() ? header_checked.get() : check_header(ctx.ipfs);
    return st.ok() ? st : st.Prefixed(fmt::format("cannot deploy {}", src));
  };
  ctx.log.Info(fmt::format("deploying {} (/ipfs/{}, {}) to {}:{}", content->described, content->cid,
                           HumanBytes(content->size), to.host, to.path));
  RETURN_IF_ERROR(DeployToHost(ctx, content->cid, content->size, to, header_safe));
  auto entry = ParseCatalogSource(StripHostPrefix(src));
  if (with_snapshots && entry) {
    Catalog catalog(ctx.ipfs, "");
    ASSIGN_OR_RETURN(auto snaps, catalog.Snapshots(*entry));
    for (const auto& s : snaps) {
      HostPath snap{to.host, fmt::format("{}.snap/{}", to.path, s.number)};
      RETURN_IF_ERROR(DeployToHost(ctx, s.cid, s.size, snap).Prefixed(fmt::format("snapshot {}", s.number)));
    }
    if (!snaps.empty()) ctx.log.Info(fmt::format("restored {} disk snapshot(s) of {}", snaps.size(), src));
  }
  if (!disk) return Status::Ok();
  if (disk->size_mb && disk->original_size_mb && *disk->size_mb > *disk->original_size_mb) {
    RETURN_IF_ERROR(ResizeOnHost(ctx, to, *disk->size_mb));
    ctx.log.Info(fmt::format("{} grown to the disk's SIZE, {} MB (the image has {} MB)", dst, *disk->size_mb,
                             *disk->original_size_mb));
  }
  std::string sys_tm = vm->SystemTm(*disk);
  std::string vm_dir = to.path.substr(0, to.path.rfind('/'));
  if (sys_tm == "ssh" || sys_tm == "local") {
    auto r = RunHostScript(ctx, to.host, kMonitorMarkerScript, {vm_dir, "enable", "ssh"});
    if (!r.ok()) return r.status().Prefixed(fmt::format("cannot write the .monitor marker beside {}", dst));
  } else if (sys_tm == "shared" || sys_tm == "qcow2") {
    auto r = RunHostScript(ctx, to.host, kMonitorMarkerScript, {vm_dir, "disable", ""});
    if (!r.ok()) return r.status().Prefixed(fmt::format("cannot remove the .monitor marker beside {}", dst));
  }
  return Status::Ok();
}

namespace {

// Saves the host's DISK.snap/<id> files as the entry's snapshots and drops
// saved snapshots the host no longer has. `changes` gets "<id> saved|removed"
// for each snapshot whose content changed.
Status SyncSnapshots(TmContext& ctx, Catalog& catalog, const CatalogEntry& entry, const HostPath& disk,
                     std::vector<std::string>& changes) {
  ASSIGN_OR_RETURN(RemoteResult listed,
                   RunHostScript(ctx, disk.host,
                                 "for f in \"$1.snap\"/*; do [ -f \"$f\" ] && printf '%s\\0' \"${f##*/}\"; done; exit 0",
                                 {disk.path}));
  std::vector<std::uint64_t> on_host;
  for (size_t i = 0, j; i < listed.out.size(); i = j + 1) {
    j = listed.out.find('\0', i);
    if (j == std::string::npos) break;
    std::string name = listed.out.substr(i, j - i);
    if (auto id = ParseCount(name)) on_host.push_back(*id);
  }
  ASSIGN_OR_RETURN(auto before, catalog.Snapshots(entry));
  auto had = [&](std::uint64_t id) -> std::string {
    for (const auto& b : before)
      if (b.number == id) return b.cid;
    return "";
  };
  for (std::uint64_t id : on_host) {
    HostPath snap{disk.host, fmt::format("{}.snap/{}", disk.path, id)};
    ASSIGN_OR_RETURN(SavedContent saved, SaveFromHost(ctx, snap));
    RETURN_IF_ERROR(catalog.PutSnapshot(entry, id, saved.cid));
    ReleaseOrWarn(*saved.hold, ctx.log);
    if (!CidEqual(had(id), saved.cid)) changes.push_back(fmt::format("{} saved /ipfs/{}", id, saved.cid));
  }
  for (const auto& k : before)
    if (std::find(on_host.begin(), on_host.end(), k.number) == on_host.end()) {
      RETURN_IF_ERROR(catalog.RemoveSnapshot(entry, k.number));
      changes.push_back(fmt::format("{} removed", k.number));
    }
  if (!on_host.empty()) ctx.log.Info(fmt::format("saved {} disk snapshot(s) with the image", on_host.size()));
  return Status::Ok();
}

// A catalog event of a transfer action: the VM and its owner (onevm show -x,
// cached for the action; nothing when the CLI is missing).
void RecordTmEvent(TmContext& ctx, const std::string& vm_id, const EntryName& name, CatalogEvent ev) {
  ev.datastore = name.datastore;
  ev.image = name.image;
  ev.entry = fmt::format("{}-{}", name.image, name.regtime);
  ev.vm = vm_id;
  if (auto vm = ctx.one.Vm(vm_id); vm.ok()) {
    ev.uid = vm->uid;
    ev.user = vm->uname;
  }
  RecordCatalogEvent(ctx.config, ctx.log, std::move(ev));
}

}  // namespace

std::string DiskImageId(TmContext& ctx, const std::string& host_disk, const std::string& vm_id) {
  auto vm = ctx.one.Vm(vm_id);
  if (!vm.ok()) {
    ctx.log.Info(fmt::format("{}: the disk's image is not checked against SOURCE", vm.status().message()));
    return "";
  }
  auto at = SplitHostPath(host_disk);
  const VmDisk* d = at.ok() ? vm->Disk(DiskIdOfPath(at->path)) : nullptr;
  return d ? d->image_id : "";
}

Status SaveDisk(TmContext& ctx, std::string_view action, const std::string& vm_id, const std::string& host_disk,
                const std::string& source, long snap_id, std::string_view owner_image, bool with_snapshots) {
  ASSIGN_OR_RETURN(HostPath from, SplitHostPath(host_disk));
  auto entry = ParseCatalogSource(StripHostPrefix(source));
  if (!entry)
    return Status::Invalid(fmt::format(
        "image SOURCE '{}' is immutable IPFS content (not a one-ipfs catalog entry), so the disk cannot be saved "
        "into it; {}:{} is left in place",
        source, from.host, from.path));
  // Only into an entry of this datastore, and the image's own when the VM
  // document names the image (catalog.h "Ownership").
  RETURN_IF_ERROR(CheckEntryOf(*entry, ctx.config.Get("IPFS_CATALOG"), ctx.args.back(), owner_image,
                               fmt::format("cannot save {}:{}; the disk is left in place", from.host, from.path)));
  Catalog catalog(ctx.ipfs, "");
  auto versions = catalog.Versions(*entry);
  if (!versions.ok())
    return versions.status().Prefixed(
        fmt::format("cannot save {}:{} into {}; the disk is left in place", from.host, from.path, source));
  if (snap_id >= 0) from.path += fmt::format(".snap/{}", snap_id);

  // Staged: the new version is linked into the entry (one files/cp) only
  // once the front end holds every block under its temporary pin, so a
  // failure or a kill at any point leaves the current version either the old
  // one or the complete new one (a kill leaves at most the pin: fsck).
  auto saved = SaveFromHost(ctx, from);
  if (!saved.ok())
    return saved.status().Prefixed(fmt::format("cannot save {}:{} into {}; the disk is left in place", from.host,
                                               from.path, source));
  auto version = catalog.AddVersion(*entry, saved->cid);
  if (!version.ok())
    return version.status().Prefixed(fmt::format("cannot save {}:{} into {}; the disk is left in place", from.host,
                                                 from.path, source));
  ReleaseOrWarn(*saved->hold, ctx.log);
  ctx.log.Info(fmt::format("saved {}:{} ({}) as version {} of {} (/ipfs/{})", from.host, from.path,
                           HumanBytes(saved->bytes), *version, source, saved->cid));
  // The shape was checked above (CheckEntryOf).
  EntryName name = EntryShape(*entry, ctx.config.Get("IPFS_CATALOG")).value_or(EntryName{});
  RecordTmEvent(ctx, vm_id, name,
                NewEvent(std::string(action), *version, saved->cid, versions->empty() ? "" : versions->back().cid,
                         saved->bytes, snap_id >= 0 ? fmt::format("snapshot {} of {}", snap_id, host_disk) : host_disk));
  Status st = Status::Ok();
  if (with_snapshots) {
    std::vector<std::string> changes;
    st = SyncSnapshots(ctx, catalog, *entry, from, changes);
    if (!changes.empty())
      RecordTmEvent(ctx, vm_id, name,
                    NewEvent("snapshots", 0, saved->cid, "", 0, fmt::format("{}", fmt::join(changes, "; "))));
  }
  std::string problem;
  if (auto keep = HistoryKeep(ctx.config, &problem)) {
    std::vector<CatalogVersion> pruned;
    auto p = PruneVersions(catalog, *entry, *keep, &pruned);
    if (!p.ok()) ctx.log.Warn(p.status().message());
    for (const auto& v : pruned)
      RecordTmEvent(ctx, vm_id, name,
                    NewEvent("prune", v.number, "", v.cid, v.size, fmt::format("IPFS_HISTORY_KEEP {}", *keep)));
  }
  if (!problem.empty()) ctx.log.Warn(problem);
  if (!st.ok())
    return st.Prefixed(fmt::format("the disk was saved, but its snapshots were not; {}:{} is left in place",
                                   from.host, from.path));
  return Status::Ok();
}

Status CheckVmPath(std::string_view path, std::string_view vm_id) {
  auto refuse = [&](std::string_view why) {
    return Status::Invalid(fmt::format("refusing to delete '{}': {}", path, why));
  };
  auto digits = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(vm_id)) return refuse(fmt::format("VMID '{}' is not a VM id", vm_id));
  if (path.empty() || path[0] != '/') return refuse("not an absolute path");
  std::vector<std::string> parts;
  for (auto& part : Split(path, '/')) {
    if (part.empty()) continue;
    if (part == "." || part == "..") return refuse("'.' and '..' are not allowed");
    parts.push_back(std::move(part));
  }
  static const std::regex kDiskFile(R"(disk\.[0-9]+(\.snap|\.one-ipfs-saveas)?)");
  bool file = !parts.empty() && std::regex_match(parts.back(), kDiskFile);
  std::size_t vm = parts.size() - (file ? 2 : 1);  // index of the VM directory's component
  if (parts.size() < (file ? 4u : 3u) || parts[vm] != vm_id || !digits(parts[vm - 1]))
    return refuse(fmt::format("not VM {}'s directory <DATASTORE_LOCATION>/<system ds id>/{} or a disk file in it",
                              vm_id, vm_id));
  return Status::Ok();
}

Status RemoveOnHost(TmContext& ctx, const std::string& host, std::string_view vm_id,
                    const std::vector<std::string>& paths, bool tolerate_gone) {
  for (const auto& p : paths)
    if (Status ok = CheckVmPath(p, vm_id); !ok.ok()) return Status::Invalid(fmt::format("{} (on {})", ok.message(), host));
  auto r = RunHostScript(ctx, host, "rm -rf -- \"$@\"", paths);
  if (!r.ok()) {
    if (tolerate_gone && r.status().code() == Status::Code::kUnavailable) {
      ctx.log.Warn(fmt::format("host {} is not reachable; nothing deleted there ({})", host, r.status().message()));
      return Status::Ok();
    }
    return r.status();
  }
  return Status::Ok();
}

Status RunDiskSnapshotScript(TmContext& ctx, std::string_view action, const char* script) {
  ASSIGN_OR_RETURN(HostPath disk, SplitHostPath(ctx.args[0]));
  auto id = ParseCount(ctx.args[1]);
  if (!id) return Status::Invalid(fmt::format("SNAP_ID '{}' is not a snapshot id", ctx.args[1]));
  auto r = RunHostScript(ctx, disk.host, script, {disk.path, std::to_string(*id)});
  if (!r.ok()) return r.status().Prefixed(fmt::format("{} {} {}", action, ctx.args[0], *id));
  return Status::Ok();
}

}  // namespace oneipfs
