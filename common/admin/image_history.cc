#include "common/admin/image_history.h"

#include <cctype>
#include <ctime>
#include <iterator>
#include <limits>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "common/base/number.h"
#include "common/base/text.h"
#include "common/catalog/catalog.h"
#include "common/catalog/history.h"
#include "common/catalog/retention.h"
#include "common/catalog/source.h"
#include "common/ipfs/cid.h"
#include "common/trust/signing.h"

namespace oneipfs {
namespace {

std::string Root(const ImageToolContext& ctx) { return ctx.config.Get("IPFS_CATALOG"); }
std::int64_t Now(const ImageToolContext& ctx) {
  return ctx.now ? ctx.now : static_cast<std::int64_t>(std::time(nullptr));
}

std::string When(std::int64_t t) {
  if (t <= 0) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm {};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Who trusts whom: the front end's own key and --trust ids.
Result<std::function<bool(std::string_view)>> Trust(const ImageToolContext& ctx) {
  std::vector<std::string> ids = ctx.trusted;
  HistorySettings s = HistorySettingsFrom(ctx.config);
  auto key = SigningKey::Load(s.key_path);
  if (key.ok()) ids.push_back(key->PublisherId());
  else if (ids.empty())
    return key.status().Prefixed("no key to verify the history against (IPFS_SIGNING_KEY; or give --trust did:key:...)");
  return std::function<bool(std::string_view)>([ids](std::string_view p) {
    for (const auto& id : ids)
      if (id == p) return true;
    return false;
  });
}

// Appends what the front end spooled for datastore `ds`, waiting for a
// background flush that holds the chain's lock (best effort: what cannot be
// appended is one WARN line, and the chain is read as it is).
void FlushSpool(ImageToolContext& ctx, std::string_view ds) {
  auto left = HistoryRecorder(ctx.ipfs, Root(ctx), HistorySettingsFrom(ctx.config), ctx.log).Flush(ds);
  if (!left.ok()) ctx.log.Warn(fmt::format("catalog history: {}", left.status().message()));
}

Result<HistoryRead> ReadChain(ImageToolContext& ctx, std::string_view ds) {
  FlushSpool(ctx, ds);
  ASSIGN_OR_RETURN(auto trust, Trust(ctx));
  auto read = ReadHistory(ctx.ipfs, Root(ctx), ds, trust);
  if (!read.ok() && read.status().code() == Status::Code::kNotFound) return HistoryRead{HistoryDir(Root(ctx), ds), {}, {}};
  return read;
}

// Numeric directory names under `dir`.
Result<std::vector<std::string>> NumericDirs(IpfsClient& ipfs, const std::string& dir) {
  std::vector<std::string> out;
  auto listed = ipfs.FilesLs(dir);
  if (!listed.ok()) {
    if (listed.status().code() == Status::Code::kNotFound) return out;
    return listed.status();
  }
  for (const auto& d : *listed)
    if (d.is_dir && ParseCount(d.name)) out.push_back(d.name);
  return out;
}

struct Found {
  std::string ds;
  CatalogEntry entry;
  std::string name;  // "<image>-<regtime>"
  bool deleted = false;
  std::string label;  // deleted: "<ds>/<image>-<regtime>-<at>"
};

// The image's live entry, else its most recently deleted one.
Result<Found> FindImage(ImageToolContext& ctx, std::string_view image_id) {
  if (!ParseCount(image_id)) return Status::Invalid(fmt::format("'{}' is not an image id", image_id));
  std::string root = Root(ctx);
  std::string prefix = fmt::format("{}-", image_id);
  ASSIGN_OR_RETURN(auto datastores, NumericDirs(ctx.ipfs, root));
  for (const auto& ds : datastores) {
    auto entries = ctx.ipfs.FilesLs(fmt::format("{}/{}", root == "/" ? "" : root, ds));
    if (!entries.ok()) continue;
    for (const auto& e : *entries)
      if (e.is_dir && e.name.starts_with(prefix) && ParseCount(std::string_view(e.name).substr(prefix.size()),
                                                                 std::numeric_limits<std::int64_t>::max()))
        return Found{ds, CatalogEntry{fmt::format("{}/{}/{}", root == "/" ? "" : root, ds, e.name)}, e.name, false, ""};
  }
  ASSIGN_OR_RETURN(auto deleted, ListDeleted(ctx.ipfs, root));
  for (auto it = deleted.entries.rbegin(); it != deleted.entries.rend(); ++it)
    if (it->image == image_id)
      return Found{it->datastore, CatalogEntry{it->dir}, it->image + "-" + it->regtime, true, it->Label()};
  return Status::NotFound(fmt::format("the catalog has no entry for image {} (live or deleted)", image_id));
}

// Event fields were written by users (names, paths): no control characters
// reach the operator's terminal.
std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  return out;
}

std::string Who(const CatalogEvent& e) {
  std::string out;
  if (!e.vm.empty()) out += fmt::format("vm {} ", Shown(e.vm));
  out += fmt::format("user {}", e.user.empty() ? "-" : Shown(e.user));
  if (!e.uid.empty()) out += fmt::format(" ({})", Shown(e.uid));
  return out;
}

std::string Shown(std::string_view s);
std::string Mark(const HistoryEntry& h) { return h.verified ? "signed ok" : "NOT VERIFIED: " + Shown(h.problem); }

bool MakesVersion(const std::string& action) {
  return action == "cp" || action == "clone" || action == "mkfs" || action == "mvds" || action == "cpds" ||
         action == "snap_revert" || action == "snap_flatten" || action == "revert";
}

// Events of image `image` whose entry is `name` (events before entry names
// existed name only the image).
std::vector<const HistoryEntry*> EventsOf(const HistoryRead& h, std::string_view image, std::string_view name) {
  std::vector<const HistoryEntry*> out;
  for (const auto& e : h.entries)
    if (e.event.image == image && (e.event.entry.empty() || e.event.entry == name || e.event.entry.starts_with(std::string(name) + "-")))
      out.push_back(&e);
  return out;
}

void RecordToolEvent(ImageToolContext& ctx, CatalogEvent ev) {
  ev.user = OperatorLogin();
  RecordCatalogEvent(ctx.config, ctx.log, std::move(ev));
}

}  // namespace

Status ImageHistory(ImageToolContext& ctx, std::string_view image_id) {
  ASSIGN_OR_RETURN(Found f, FindImage(ctx, image_id));
  Catalog catalog(ctx.ipfs, Root(ctx));
  ASSIGN_OR_RETURN(auto versions, catalog.Versions(f.entry));
  ASSIGN_OR_RETURN(HistoryRead h, ReadChain(ctx, f.ds));
  auto events = EventsOf(h, image_id, f.name);
  ctx.out << fmt::format("image {}: {} (datastore {}){}\n", image_id, f.entry.Source(), f.ds,
                         f.deleted ? fmt::format(", DELETED: one-ipfs-image restore {}", f.label) : "");
  ctx.out << "versions:\n";
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const auto& v = versions[i];
    const HistoryEntry* made = nullptr;
    for (const auto* e : events)
      if (e->event.version == v.number && MakesVersion(e->event.action) && CidEqual(e->event.cid, v.cid)) made = e;
    std::string what = made ? fmt::format("{}  {}  {}  {}", When(made->event.time), Shown(made->event.action),
                                          Who(made->event), Mark(*made))
                            : "(no event)";
    ctx.out << fmt::format("  v{}  /ipfs/{}  {}  {}{}\n", v.number, v.cid, HumanBytes(v.size), what,
                           i + 1 == versions.size() ? "  [current]" : "");
  }
  auto snaps = catalog.Snapshots(f.entry);
  if (snaps.ok() && !snaps->empty()) {
    ctx.out << "snapshots:\n";
    for (const auto& s : *snaps) ctx.out << fmt::format("  snap-{}  /ipfs/{}  {}\n", s.number, s.cid, HumanBytes(s.size));
  }
  ctx.out << fmt::format("events ({}):\n", h.dir);
  for (const auto* e : events) {
    const CatalogEvent& ev = e->event;
    ctx.out << fmt::format("  #{}  {}  {}{}  {}{}  {}  {}{}\n", e->seq, When(ev.time), Shown(ev.action),
                           ev.version ? fmt::format(" v{}", ev.version) : "",
                           Shown(ev.cid.empty() ? (ev.old_cid.empty() ? "-" : "was /ipfs/" + ev.old_cid) : "/ipfs/" + ev.cid),
                           ev.size ? "  " + HumanBytes(ev.size) : "", Who(ev), Mark(*e),
                           ev.detail.empty() ? "" : "  (" + Shown(ev.detail) + ")");
  }
  if (!h.breaks.empty())
    ctx.out << fmt::format("the chain of datastore {} has {} break(s): run one-ipfs-image verify\n", f.ds,
                           h.breaks.size());
  return Status::Ok();
}

Result<std::size_t> VerifyHistory(ImageToolContext& ctx, std::string_view ds_id) {
  std::vector<std::string> chains;
  if (!ds_id.empty()) {
    if (!ParseCount(ds_id)) return Status::Invalid(fmt::format("'{}' is not a datastore id", ds_id));
    chains.emplace_back(ds_id);
  } else {
    ASSIGN_OR_RETURN(chains, NumericDirs(ctx.ipfs, HistoryRoot(Root(ctx))));
  }
  std::size_t breaks = 0, events = 0;
  for (const auto& ds : chains) {
    auto started = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(HistoryRead h, ReadChain(ctx, ds));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    events += h.entries.size();
    for (const auto& b : h.breaks)
      ctx.out << fmt::format("BROKEN  {} event {} ({}): {}\n", h.dir, b.seq,
                             b.cid.empty() ? "-" : "/ipfs/" + Shown(b.cid), Shown(b.why));
    breaks += h.breaks.size();
    ctx.out << fmt::format("{}  datastore {}: {} event(s), {} in {} ms\n", h.breaks.empty() ? "OK     " : "FAILED ",
                           ds, h.entries.size(), h.breaks.empty() ? "chain and signatures intact" :
                           fmt::format("{} break(s)", h.breaks.size()), ms.count());
  }
  ctx.out << fmt::format("{} chain(s), {} event(s), {} break(s)\n", chains.size(), events, breaks);
  return breaks;
}

Status RevertImage(ImageToolContext& ctx, std::string_view image_id, std::uint64_t version) {
  ASSIGN_OR_RETURN(Found f, FindImage(ctx, image_id));
  if (f.deleted)
    return Status::Invalid(fmt::format("image {} is deleted: restore it first (one-ipfs-image restore {})", image_id,
                                       f.label));
  Catalog catalog(ctx.ipfs, Root(ctx));
  ASSIGN_OR_RETURN(auto versions, catalog.Versions(f.entry));
  const CatalogVersion* target = nullptr;
  for (const auto& v : versions)
    if (v.number == version) target = &v;
  if (!target) return Status::NotFound(fmt::format("image {} has no version {}", image_id, version));
  if (&versions.back() == target) return Status::Invalid(fmt::format("version {} is image {}'s current version", version, image_id));
  // oned's word on the image: never under a VM that uses it.
  auto img = ctx.one.Image(image_id);
  if (!img.ok())
    return img.status().Prefixed(fmt::format("cannot tell whether image {} is in use, so it was not reverted", image_id));
  auto named = ParseCatalogSource(StripHostPrefix(img->source));
  if (!named || named->dir != f.entry.dir)
    return Status::Invalid(fmt::format("oned's image {} has SOURCE {}, not {}: not reverted", image_id,
                                       QuoteForMessage(img->source, 200), f.entry.Source()));
  if (img->InUse())
    return Status::Failed(fmt::format("image {} is in use ({}, {} VM(s)): not reverted; terminate or undeploy its VM "
                                      "first",
                                      image_id, img->StateName(), img->running_vms));
  std::string old_cid = versions.back().cid;
  ASSIGN_OR_RETURN(std::uint64_t made, catalog.AddVersion(f.entry, target->cid));
  ctx.out << fmt::format("image {}: version {} (/ipfs/{}) is current again, as version {}\n", image_id, version,
                         target->cid, made);
  CatalogEvent ev = NewEvent("revert", made, target->cid, old_cid, target->size, fmt::format("to version {}", version));
  ev.datastore = f.ds;
  ev.image = std::string(image_id);
  ev.entry = f.name;
  RecordToolEvent(ctx, ev);
  std::string problem;
  if (auto keep = HistoryKeep(ctx.config, &problem)) {
    std::vector<CatalogVersion> pruned;
    auto p = PruneVersions(catalog, f.entry, *keep, &pruned);
    if (!p.ok()) ctx.log.Warn(p.status().message());
    for (const auto& v : pruned) {
      CatalogEvent pe = NewEvent("prune", v.number, "", v.cid, v.size, fmt::format("IPFS_HISTORY_KEEP {}", *keep));
      pe.datastore = f.ds;
      pe.image = std::string(image_id);
      pe.entry = f.name;
      RecordToolEvent(ctx, pe);
    }
  }
  if (!problem.empty()) ctx.log.Warn(problem);
  return Status::Ok();
}

namespace {

// The rm event that put `d` into the deleted area (its image_info), if read.
std::optional<CatalogEvent> RmEventOf(const HistoryRead& h, const DeletedEntry& d) {
  std::optional<CatalogEvent> found;
  for (const auto& e : h.entries) {
    if (e.event.action != "rm" || e.event.image != d.image) continue;
    if (e.event.image_info.is_object() && e.event.image_info.value("deleted", "") == d.Label()) found = e.event;
  }
  return found;
}

// IMAGE/TYPE as oned hands it to ds actions (a number, include/Image.h) ->
// the name `oneimage create` takes; names pass; anything else is OS.
std::string TypeName(std::string_view t) {
  static const char* kNames[] = {"OS", "CDROM", "DATABLOCK", "KERNEL", "RAMDISK", "CONTEXT"};
  if (auto n = ParseCount(Trim(t)); n && *n < std::size(kNames)) return kNames[*n];
  std::string upper;
  for (char c : Trim(t)) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const char* k : kNames)
    if (upper == k) return upper;
  return "OS";
}

std::string InfoStr(const CatalogEvent& ev, const char* key) {
  if (!ev.image_info.is_object()) return "";
  auto it = ev.image_info.find(key);
  return it != ev.image_info.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Status ListDeletedImages(ImageToolContext& ctx) {
  ASSIGN_OR_RETURN(DeletedList list, ListDeleted(ctx.ipfs, Root(ctx)));
  std::string problem;
  std::int64_t grace = DeleteGrace(ctx.config, &problem);
  if (!problem.empty()) ctx.log.Warn(problem);
  std::map<std::string, HistoryRead> chains;
  std::uint64_t total = 0;
  for (const auto& d : list.entries) {
    if (!chains.count(d.datastore)) {
      auto h = ReadChain(ctx, d.datastore);
      chains[d.datastore] = h.ok() ? std::move(*h) : HistoryRead{};
    }
    auto rm = RmEventOf(chains[d.datastore], d);
    auto sized = DirFileBytes(ctx.ipfs, d.dir);
    std::uint64_t bytes = sized.ok() ? *sized : 0;
    total += bytes;
    std::int64_t purge = d.deleted_at + grace;
    ctx.out << fmt::format("{}  image {}  {}  deleted {}{}  {}  {}\n", d.Label(), d.image,
                           rm ? QuoteForMessage(InfoStr(*rm, "name"), 80) : "(name unknown)", When(d.deleted_at),
                           rm ? " by " + (rm->user.empty() ? std::string("-") : Shown(rm->user)) : "",
                           purge <= Now(ctx) ? "past its grace (one-ipfs-fsck --repair purges it)"
                                             : "restorable until " + When(purge),
                           HumanBytes(bytes));
  }
  for (const auto& odd : list.odd) ctx.out << fmt::format("{}  (not a deleted entry's name)\n", odd);
  ctx.out << fmt::format("{} deleted image(s), {} (IPFS_DELETE_GRACE {} s)\n", list.entries.size(), HumanBytes(total),
                         grace);
  return Status::Ok();
}

Result<std::string> RestoreImage(ImageToolContext& ctx, std::string_view label) {
  auto d = ParseDeletedLabel(Root(ctx), label);
  if (!d)
    return Status::Invalid(fmt::format("{} is not a deleted entry (<datastore>/<image>-<regtime>-<deleted at>, as "
                                       "`one-ipfs-image deleted` lists them)",
                                       QuoteForMessage(label, 200)));
  Catalog catalog(ctx.ipfs, Root(ctx));
  auto versions = catalog.Versions(CatalogEntry{d->dir});
  if (!versions.ok()) {
    if (versions.status().code() == Status::Code::kNotFound)
      return Status::NotFound(fmt::format("{} is not in the deleted area (purged, or never there)", d->Label()));
    return versions.status();
  }
  if (versions->empty()) return Status::Invalid(fmt::format("{} holds no version: nothing to restore", d->Label()));
  const CatalogVersion& current = versions->back();
  // The rm event tells the image's name, type and persistence; without a
  // readable history the image is restored with defaults (said so).
  std::optional<CatalogEvent> rm;
  auto h = ReadChain(ctx, d->datastore);
  if (h.ok()) rm = RmEventOf(*h, *d);
  else ctx.log.Warn(fmt::format("the history of datastore {} cannot be read ({}): restoring with a default name, "
                                "TYPE OS, not persistent", d->datastore, h.status().message()));
  if (h.ok() && !rm) ctx.log.Warn(fmt::format("no rm event names {}: restoring with a default name, TYPE OS, not persistent",
                                    d->Label()));
  std::string name = rm && !InfoStr(*rm, "name").empty() ? InfoStr(*rm, "name") : "image-" + d->image;
  std::string type = TypeName(rm ? InfoStr(*rm, "type") : "");
  std::string persistent = rm ? InfoStr(*rm, "persistent") : "";
  bool pers = persistent == "1" || Lower(persistent) == "yes";
  std::string new_name = fmt::format("{}-restored-{}", name, d->deleted_at);
  std::string tmpl = fmt::format("NAME = {}\nPATH = {}\nTYPE = {}\nPERSISTENT = {}\nDESCRIPTION = {}\n",
                                 TemplateQuote(new_name), TemplateQuote("/ipfs/" + current.cid), TemplateQuote(type),
                                 pers ? "\"YES\"" : "\"NO\"",
                                 TemplateQuote(fmt::format("restored by one-ipfs-image from {}", d->Label())));
  if (rm && !InfoStr(*rm, "driver").empty()) tmpl += fmt::format("DRIVER = {}\n", TemplateQuote(InfoStr(*rm, "driver")));
  ASSIGN_OR_RETURN(std::string id, ctx.one.CreateImage(d->datastore, tmpl));
  ctx.out << fmt::format("restored {} (image {}, /ipfs/{}) as image {} \"{}\" in datastore {}\n", d->Label(), d->image,
                         current.cid, id, new_name, d->datastore);
  CatalogEvent ev = NewEvent("restore", current.number, current.cid, "", current.size,
                             fmt::format("as image {} ({})", id, new_name));
  ev.datastore = d->datastore;
  ev.image = d->image;
  ev.entry = d->name;
  RecordToolEvent(ctx, ev);
  return id;
}

}  // namespace oneipfs
