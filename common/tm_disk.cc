#include "common/tm_disk.h"

#include <tinyxml2.h>

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/action.h"
#include "common/catalog.h"
#include "common/content_hold.h"
#include "common/host_ops.h"
#include "common/number.h"
#include "common/pipe_bridge.h"
#include "common/source.h"

namespace oneipfs {
namespace {

// Extracts a tar stream on stdin into $1 (created), sparse.
const char* kUntarScript = R"(set -eu
mkdir -p -- "$1"
tar -C "$1" -xSf -
)";

}  // namespace

Status DeploySource(TmContext& ctx, const std::string& src, const std::string& dst, bool with_snapshots) {
  ASSIGN_OR_RETURN(HostPath to, SplitHostPath(dst));
  auto content = ResolveSource(ctx.ipfs, src, ctx.log);
  if (!content.ok()) return content.status().Prefixed(fmt::format("cannot deploy {}", src));
  ctx.log.Info(fmt::format("deploying {} (/ipfs/{}, {}) to {}:{}", content->described, content->cid,
                           HumanBytes(content->size), to.host, to.path));
  RETURN_IF_ERROR(DeployToHost(ctx, content->cid, content->size, to));
  auto entry = ParseCatalogSource(StripHostPrefix(src));
  if (!with_snapshots || !entry) return Status::Ok();
  Catalog catalog(ctx.ipfs, "");
  ASSIGN_OR_RETURN(auto snaps, catalog.Snapshots(*entry));
  for (const auto& s : snaps) {
    HostPath snap{to.host, fmt::format("{}.snap/{}", to.path, s.number)};
    RETURN_IF_ERROR(DeployToHost(ctx, s.cid, s.size, snap).Prefixed(fmt::format("snapshot {}", s.number)));
  }
  if (!snaps.empty()) ctx.log.Info(fmt::format("restored {} disk snapshot(s) of {}", snaps.size(), src));
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

Status CopyBetweenHosts(TmContext& ctx, const std::string& src_host, const std::string& dst_host,
                        const std::string& src_dir, const std::string& dst_dir,
                        const std::vector<std::string>& names) {
  // Which of the names exist on the source (tar must not fail on a missing one).
  std::vector<std::string> check = {src_dir};
  check.insert(check.end(), names.begin(), names.end());
  ASSIGN_OR_RETURN(RemoteResult present,
                   RunHostScript(ctx, src_host,
                                 "d=$1; shift; for n in \"$@\"; do [ -e \"$d/$n\" ] && printf '%s\\0' \"$n\"; done; "
                                 "exit 0",
                                 check));
  std::vector<std::string> existing;
  for (size_t i = 0, j; i < present.out.size(); i = j + 1) {
    j = present.out.find('\0', i);
    if (j == std::string::npos) break;
    existing.push_back(present.out.substr(i, j - i));
  }
  if (existing.empty()) {
    ctx.log.Info(fmt::format("nothing to copy from {}:{}", src_host, src_dir));
    return Status::Ok();
  }
  PipeBridge bridge([&](const ByteSink& sink) -> Status {
    RemoteCommand tar;
    tar.argv = {"tar", "-C", src_dir, "-cSf", "-", "--"};
    tar.argv.insert(tar.argv.end(), existing.begin(), existing.end());
    tar.stdout_sink = sink;
    ASSIGN_OR_RETURN(RemoteResult r, ctx.remote.Run(src_host, tar));
    if (r.exit_code != 0) return Status::Failed(fmt::format("reading {}:{}: {}", src_host, src_dir, ForwardRemoteLog(r.err)));
    return Status::Ok();
  });
  RemoteCommand untar;
  untar.argv = {"sh", "-c", kUntarScript, "one-ipfs", dst_dir};
  untar.stdin_source = bridge.source();
  auto r = ctx.remote.Run(dst_host, untar);
  Status read = bridge.Finish();
  if (!r.ok()) return r.status();
  if (!read.ok() && read.message() != "the receiving side stopped") return read;
  if (r->exit_code != 0)
    return Status::Failed(fmt::format("writing {}:{}: {}", dst_host, dst_dir, ForwardRemoteLog(r->err)));
  ctx.log.Info(fmt::format("copied {} from {}:{} to {}:{}", fmt::join(existing, " "), src_host, src_dir, dst_host,
                           dst_dir));
  return Status::Ok();
}

Status RemoveOnHost(TmContext& ctx, const std::string& host, const std::vector<std::string>& paths,
                    bool tolerate_gone) {
  for (const auto& p : paths) {
    // A guard against ever running rm -rf on "/" or a top-level directory.
    size_t depth = 0;
    for (char c : p) depth += c == '/';
    if (p.empty() || p[0] != '/' || depth < 2 || p.find("/../") != std::string::npos || p.ends_with("/.."))
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

std::vector<std::string> MigrationSet::paths() const {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(dir + "/" + n);
  return out;
}

Result<MigrationSet> MigrationTargets(const TmContext& ctx) {
  MigrationSet m;
  m.src_host = ctx.args[0];
  m.dst_host = ctx.args[1];
  m.dir = ctx.args[2];
  while (m.dir.size() > 1 && m.dir.back() == '/') m.dir.pop_back();
  bool for_disks = ctx.args.size() == 6 && !ctx.args[5].empty();
  if (for_disks) {
    if (ctx.stdin_data.empty()) return Status::Invalid("no VM document on stdin");
    ASSIGN_OR_RETURN(auto ids, VmDiskIds(ctx.stdin_data, "ipfs"));
    for (const auto& id : ids) {
      m.names.push_back("disk." + id);
      m.names.push_back("disk." + id + ".snap");
    }
    if (m.names.empty()) ctx.log.Info("the VM has no disks from an IPFS datastore");
  } else {
    size_t slash = m.dir.rfind('/');
    if (slash == std::string::npos || slash == 0) return Status::Invalid(fmt::format("'{}' is not a VM directory", m.dir));
    m.names.push_back(m.dir.substr(slash + 1));
    m.dir = m.dir.substr(0, slash);
  }
  if (m.src_host == m.dst_host) m.names.clear();  // nothing moves
  return m;
}

Result<std::vector<std::string>> VmDiskIds(const std::string& vm_xml, const std::string& tm_mad) {
  std::string xml = vm_xml;
  if (xml.find('<') == std::string::npos) {
    ASSIGN_OR_RETURN(xml, Base64Decode(vm_xml));
  }
  tinyxml2::XMLDocument doc;
  if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS || !doc.RootElement() ||
      std::string_view(doc.RootElement()->Name()) != "VM")
    return Status::Invalid("the VM document on stdin is not a <VM> XML document");
  std::vector<std::string> ids;
  const auto* tmpl = doc.RootElement()->FirstChildElement("TEMPLATE");
  for (const auto* d = tmpl ? tmpl->FirstChildElement("DISK") : nullptr; d; d = d->NextSiblingElement("DISK")) {
    auto text = [&](const char* n) {
      const auto* e = d->FirstChildElement(n);
      return std::string(e && e->GetText() ? e->GetText() : "");
    };
    if (tm_mad.empty() || text("TM_MAD") == tm_mad) ids.push_back(text("DISK_ID"));
  }
  return ids;
}

}  // namespace oneipfs
