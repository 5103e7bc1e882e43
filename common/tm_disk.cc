#include "common/tm_disk.h"

#include <algorithm>
#include <future>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/catalog.h"
#include "common/content_hold.h"
#include "common/driver.h"
#include "common/host_ops.h"
#include "common/image_format.h"
#include "common/number.h"
#include "common/one_cli.h"
#include "common/source.h"

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
  if (mode == DeployMode::kLn && disk && disk->persistent && !disk->readonly &&
      !ParseCatalogSource(StripHostPrefix(src)))
    return Status::Invalid(fmt::format(
        "disk {} of VM {} is persistent but its SOURCE '{}' is immutable IPFS content, so its writes could never "
        "be saved back; register the image with a path (oneimage create --path) to get a one-ipfs catalog entry, "
        "or make the image non-persistent",
        disk->id, ctx.args[2], src));
  auto content = ResolveSource(ctx.ipfs, src, ctx.log);
  if (!content.ok()) return content.status().Prefixed(fmt::format("cannot deploy {}", src));
  // Nothing is written on the host for an image that would make QEMU open
  // another file there. The header check (a 64 KiB cat) runs on a client of
  // its own beside DeployToHost's provider reads, which awaits it before
  // anything runs on the host.
  const std::string path = "/ipfs/" + content->cid;
  const bool allow_backing = ctx.config.GetBool("IPFS_ALLOW_BACKING_FILE");
  auto check_header = [path, allow_backing](IpfsClient& ipfs) -> Status {
    auto header = ipfs.CatRange(path, 0, kHeaderBytes);
    return header.ok() ? CheckSelfContained(*header, path, allow_backing) : header.status();
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
// saved snapshots the host no longer has.
Status SyncSnapshots(TmContext& ctx, Catalog& catalog, const CatalogEntry& entry, const HostPath& disk) {
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
  for (std::uint64_t id : on_host) {
    HostPath snap{disk.host, fmt::format("{}.snap/{}", disk.path, id)};
    ASSIGN_OR_RETURN(SavedContent saved, SaveFromHost(ctx, snap));
    RETURN_IF_ERROR(catalog.PutSnapshot(entry, id, saved.cid));
    ReleaseOrWarn(*saved.hold, ctx.log);
  }
  ASSIGN_OR_RETURN(auto kept, catalog.Snapshots(entry));
  for (const auto& k : kept)
    if (std::find(on_host.begin(), on_host.end(), k.number) == on_host.end())
      RETURN_IF_ERROR(catalog.RemoveSnapshot(entry, k.number));
  if (!on_host.empty()) ctx.log.Info(fmt::format("saved {} disk snapshot(s) with the image", on_host.size()));
  return Status::Ok();
}

}  // namespace

Status SaveDisk(TmContext& ctx, const std::string& host_disk, const std::string& source, long snap_id,
                bool with_snapshots) {
  ASSIGN_OR_RETURN(HostPath from, SplitHostPath(host_disk));
  auto entry = ParseCatalogSource(StripHostPrefix(source));
  if (!entry)
    return Status::Invalid(fmt::format(
        "image SOURCE '{}' is immutable IPFS content (not a one-ipfs catalog entry), so the disk cannot be saved "
        "into it; {}:{} is left in place",
        source, from.host, from.path));
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
  if (with_snapshots) {
    Status st = SyncSnapshots(ctx, catalog, *entry, from);
    if (!st.ok())
      return st.Prefixed(fmt::format("the disk was saved, but its snapshots were not; {}:{} is left in place",
                                     from.host, from.path));
  }
  return Status::Ok();
}

Status RemoveOnHost(TmContext& ctx, const std::string& host, const std::vector<std::string>& paths,
                    bool tolerate_gone) {
  for (const auto& p : paths) {
    // A guard against ever running rm -rf on "/" or a top-level directory:
    // an absolute path of two components or more, none of them "." or ".."
    // (counting slashes let "/./etc" and "/etc//" through).
    std::size_t components = 0;
    bool dots = false;
    for (std::size_t i = 1; i <= p.size();) {
      std::size_t j = std::min(p.find('/', i), p.size());
      std::string_view seg = std::string_view(p).substr(i, j - i);
      dots = dots || seg == "." || seg == "..";
      components += !seg.empty();
      i = j + 1;
    }
    if (p.empty() || p[0] != '/' || components < 2 || dots)
      return Status::Invalid(fmt::format("refusing to delete '{}' on {}: not a VM disk or directory path", p, host));
  }
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
