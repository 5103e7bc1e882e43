#include "common/market/market_import.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "common/base/image_format.h"
#include "common/base/number.h"
#include "common/base/remote.h"
#include "common/base/text.h"
#include "common/catalog/digest_memo.h"
#include "common/catalog/importer.h"
#include "common/catalog/source.h"
#include "common/ipfs/content_hold.h"
#include "common/ipfs/ipfs_path.h"
#include "common/ipfs/pipe_bridge.h"
#include "common/market/app_listing.h"
#include "common/market/app_record.h"
#include "common/market/market_tree.h"
#include "common/one/local_path.h"
#include "common/one/reply.h"
#include "common/one/tm.h"

namespace oneipfs {
namespace {

constexpr std::uint64_t kMiB = 1048576;

// What the app's content is, once it is in the front-end daemon.
struct Content {
  std::string cid;
  std::uint64_t bytes = 0;
  std::string md5;     // "" = not known yet
  std::string header;  // "" = not read yet
  ContentHold hold;                     // IPFS sources
  std::shared_ptr<ContentHold> import;  // streamed sources
};

bool IsMd5(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string RealPath(const std::string& p) {
  char* r = ::realpath(p.c_str(), nullptr);
  if (!r) return "";
  std::string out(r);
  std::free(r);
  return out;
}

// A path of the exported image's datastore: under its BASE_PATH.
Status CheckUnderBase(MarketContext& ctx, std::string_view path, std::string_view shown) {
  const std::string& base = ctx.action.datastore.base_path;
  if (base.empty() || base.front() != '/')
    return Status::Invalid(fmt::format("IMPORT_SOURCE {} is a path, but the document names no DATASTORE/BASE_PATH "
                                       "it must be under",
                                       QuoteForMessage(shown, 120)));
  std::string real_base = RealPath(base);
  if (real_base.empty()) real_base = base;
  if (!PathIsUnder(path, real_base) || path == real_base)
    return Status::Invalid(fmt::format("IMPORT_SOURCE {} is not a file of datastore {} (under {})",
                                       QuoteForMessage(shown, 120), ctx.action.datastore.id, real_base));
  return Status::Ok();
}

Result<Content> FromImported(Result<Imported> imported) {
  if (!imported.ok()) return imported.status();
  Content c;
  c.cid = imported->cid;
  c.bytes = imported->bytes;
  c.md5 = imported->md5;
  c.header = imported->header;
  c.import = imported->hold;
  return c;
}

Result<ImportLimit> Limit(MarketContext& ctx) {
  DatastoreDoc none;  // a marketplace has no FREE_MB: only IPFS_IMPORT_MAX_MB limits
  return ImportLimitFor(ctx.config, none, ctx.log);
}

Result<Content> FromLocal(MarketContext& ctx, const std::string& given) {
  std::string real = RealPath(given);
  if (real.empty())
    return Status::NotFound(fmt::format("IMPORT_SOURCE {} does not exist on the front end", QuoteForMessage(given)));
  RETURN_IF_ERROR(CheckUnderBase(ctx, real, given));
  ASSIGN_OR_RETURN(int fd, OpenNoSymlinks(real));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Invalid(fmt::format("IMPORT_SOURCE {} is not a regular file", QuoteForMessage(given)));
  }
  ASSIGN_OR_RETURN(ImportLimit limit, Limit(ctx));
  std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  if (limit.bytes && size > *limit.bytes) {
    ::close(fd);
    return limit.Exceeded(given, size);
  }
  ctx.log.Info(fmt::format("importing {} ({}) into IPFS", given, HumanBytes(size)));
  auto imported = Import(ctx.ipfs, real.substr(real.rfind('/') + 1), FileSource(fd), size, ctx.log, limit, given);
  ::close(fd);
  return FromImported(std::move(imported));
}

Result<Content> FromSsh(MarketContext& ctx, const std::string& given) {
  // ssh://<host>:<path>, as OpenNebula's fs export prints it with BRIDGE_LIST.
  ASSIGN_OR_RETURN(HostPath hp, SplitHostPath(std::string_view(given).substr(6)));
  // The path is checked as text (it is on another machine): no "." or ".."
  // component may lead it out of BASE_PATH.
  for (const auto& part : Split(hp.path, '/'))
    if (part == "." || part == "..")
      return Status::Invalid(fmt::format("IMPORT_SOURCE {} has a '{}' component", QuoteForMessage(given, 120), part));
  RETURN_IF_ERROR(CheckUnderBase(ctx, hp.path, given));
  ASSIGN_OR_RETURN(ImportLimit limit, Limit(ctx));
  auto runner = MakeSshRunner(SshOptionsFrom(ctx.config, &ctx.log));
  ctx.log.Info(fmt::format("importing {} from {} into IPFS", hp.path, hp.host));
  PipeBridge bridge([&](const ByteSink& sink) -> Status {
    RemoteCommand cmd;
    cmd.argv = {"cat", "--", hp.path};
    cmd.stdout_sink = sink;
    ASSIGN_OR_RETURN(RemoteResult r, runner->Run(hp.host, cmd));
    if (r.exit_code != 0)
      return Status::Failed(fmt::format("cat {} on {} failed (exit {}): {}", hp.path, hp.host, r.exit_code,
                                        LastLine(r.err)));
    return Status::Ok();
  });
  auto imported = Import(ctx.ipfs, hp.path.substr(hp.path.rfind('/') + 1), bridge.source(), std::nullopt, ctx.log,
                         limit, given);
  Status copied = bridge.Finish();
  if (!copied.ok() && copied.message() != "the receiving side stopped") return copied;
  return FromImported(std::move(imported));
}

Result<Content> FromIpfs(MarketContext& ctx, const PathRef& ref) {
  ASSIGN_OR_RETURN(ResolvedContent r, ResolveIpfsRef(ctx.ipfs, ref, ctx.log));
  Content c;
  c.cid = r.cid;
  c.bytes = r.size;
  ASSIGN_OR_RETURN(c.hold, ContentHold::Acquire(ctx.ipfs, r.cid, ctx.log, HoldFetch::kLocalFirst));
  return c;
}

Result<Content> Obtain(MarketContext& ctx) {
  const std::string& src = ctx.action.import.import_source;
  if (src.empty()) return Status::Invalid("the document has no IMPORT_SOURCE (the datastore's export printed none)");
  if (src.starts_with("ssh://")) return FromSsh(ctx, src);
  ASSIGN_OR_RETURN(PathRef ref, ClassifyPath(src));
  switch (ref.kind) {
    case PathRef::Kind::kIpfs:
    case PathRef::Kind::kIpns: return FromIpfs(ctx, ref);
    case PathRef::Kind::kLocal: return FromLocal(ctx, ref.original);
    case PathRef::Kind::kUrl: {
      ASSIGN_OR_RETURN(ImportLimit limit, Limit(ctx));
      ctx.log.Info(fmt::format("downloading {} into IPFS", ref.original));
      return FromImported(ImportUrl(ctx.ipfs, ref.original, ctx.config.GetSeconds("IPFS_TIMEOUT"), ctx.log, limit));
    }
  }
  return Status::Failed("unreachable");
}

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Status ReadOnlyMarket(const MarketContext& ctx, std::string_view what) {
  return Status::Invalid(fmt::format(
      "marketplace {} is read only (it has no IPFS_MARKET_KEY; it lists what IPFS_MARKET_FOLLOW publishes): {} apps "
      "in a marketplace with IPFS_MARKET_KEY",
      ctx.action.market.id, what));
}

Result<std::string> ImportApp(MarketContext& ctx) {
  if (!ctx.settings.writable()) return ReadOnlyMarket(ctx, "create");
  const MarketAppDoc& app = ctx.action.app;
  if (!app.present) return Status::Invalid("the document has no MARKETPLACEAPP");
  if (Trim(app.type) != "1" && Trim(app.type) != "IMAGE")
    return Status::Invalid(fmt::format("app {} is of TYPE {}: this marketplace keeps images only", app.id,
                                       QuoteForMessage(app.type, 20)));
  std::string id = fmt::format("{}-{}", Trim(app.id), Trim(app.regtime).empty() ? "0" : Trim(app.regtime));
  if (!IsAppId(id)) return Status::Invalid(fmt::format("app id {} is not <ID>-<REGTIME>", QuoteForMessage(id, 60)));
  const ImportInfo& info = ctx.action.import;
  if (Lower(info.dispose) == "yes" && !Trim(info.dispose_cmd).empty())
    ctx.log.Warn(fmt::format("DISPOSE_CMD {} is not run (a command line from a document): remove the export's "
                             "temporary copy by hand if it made one",
                             QuoteForMessage(info.dispose_cmd, 160)));
  ASSIGN_OR_RETURN(SigningKey key, SigningKey::LoadOrCreate(ctx.settings.signing_key_path));

  auto obtained = Obtain(ctx);
  if (!obtained.ok()) return obtained.status().Prefixed(fmt::format("cannot import app {}", app.id));
  Content c = std::move(*obtained);
  std::string given_md5 = Lower(Trim(info.md5));
  if (!c.md5.empty()) {
    if (IsMd5(given_md5) && given_md5 != c.md5)
      return Status::Failed(fmt::format("app {}: MD5 mismatch: the export says {}, the content is {}", app.id,
                                        given_md5, c.md5));
  } else if (IsMd5(given_md5)) {
    c.md5 = given_md5;
  } else {
    ASSIGN_OR_RETURN(c.md5, Md5Of(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"), c.cid, ctx.log));
  }
  std::string format(Trim(info.format));
  if (!IsFormatToken(format)) {
    if (c.header.empty()) {
      ASSIGN_OR_RETURN(c.header, ctx.ipfs.CatRange("/ipfs/" + c.cid, 0, kHeaderBytes));
    }
    format = DetectImage(c.header).format;
  }
  std::uint64_t size_mb = c.bytes / kMiB + (c.bytes % kMiB != 0);
  if (auto told = ParseCount(Trim(info.size)); told && *told > 0) size_mb = *told;

  AppRecord r;
  r.id = id;
  r.name = app.name;
  r.version = app.version;
  r.description = app.description;
  r.cid = c.cid;
  r.bytes = c.bytes;
  r.size_mb = size_mb;
  r.format = format;
  r.md5 = c.md5;
  r.time = UnixNow();
  r.app_template64 = app.apptemplate64;
  if (auto vm = app.tmpl.find("VMTEMPLATE64"); vm != app.tmpl.end()) r.vm_template64 = vm->second;
  ASSIGN_OR_RETURN(std::string sealed, SealAppRecord(key, r));
  // What we are about to publish must be what a subscriber will accept.
  if (auto check = OpenAppRecord(sealed); !check.ok())
    return check.status().Prefixed(fmt::format("app {} cannot be published", app.id));

  MarketTree tree(ctx.ipfs, ctx.settings.key);
  std::string dir = AppDirName(r);
  bool existed = ctx.ipfs.Stat(fmt::format("{}/{}", tree.AppsDir(), dir)).ok();
  RETURN_IF_ERROR(tree.PutApp(dir, sealed, c.cid));
  // Linked into the tree: the temporary pins can go.
  ReleaseOrWarn(c.hold, ctx.log);
  if (c.import) ReleaseOrWarn(*c.import, ctx.log);
  std::string record_cid;
  if (auto st = ctx.ipfs.Stat(fmt::format("{}/{}/record", tree.AppsDir(), dir)); st.ok()) record_cid = st->cid;
  auto withdraw = [&](const Status& why) {
    (void)tree.RemoveApp(dir);
    (void)tree.Record(key, {{"event", "withdraw"}, {"app", dir}, {"name", r.name}, {"why", why.message()}});
    return why;
  };
  auto ev = tree.Record(key, {{"event", existed ? "update" : "publish"},
                              {"app", dir},
                              {"name", r.name},
                              {"cid", r.cid},
                              {"record", record_cid}});
  if (!ev.ok()) return withdraw(ev.status().Prefixed("cannot log the app's publication"));
  auto name = tree.Publish(PublishLockPath(ctx.settings.signing_key_path, ctx.settings.key), ctx.log);
  if (!name.ok()) return withdraw(name.status());
  ctx.log.Info(fmt::format("app {} ({}) is /ipfs/{} in /ipns/{} (event {})", app.id, r.name, r.cid, *name, ev->seq));
  return fmt::format("SOURCE=\"{}\"\nMD5=\"{}\"\nSIZE=\"{}\"\nFORMAT=\"{}\"", AppSource(ctx.settings, r.cid), r.md5,
                     r.size_mb, r.format);
}

Result<std::string> DeleteApp(MarketContext& ctx) {
  if (!ctx.settings.writable()) return ReadOnlyMarket(ctx, "delete");
  const MarketAppDoc& app = ctx.action.app;
  if (!app.present) return Status::Invalid("the document has no MARKETPLACEAPP");
  ASSIGN_OR_RETURN(SigningKey key, SigningKey::LoadOrCreate(ctx.settings.signing_key_path));
  const std::string self = key.PublisherId();
  MarketTree tree(ctx.ipfs, ctx.settings.key);
  ASSIGN_OR_RETURN(auto apps, tree.Apps());
  std::string id = fmt::format("{}-{}", Trim(app.id), Trim(app.regtime));
  std::string own_dir = fmt::format("{}-{}", PublisherTag(self), id);
  const TreeApp* found = nullptr;
  for (const auto& a : apps)
    if (a.dir == own_dir) found = &a;
  if (!found) {
    // Listed by a monitor (it got another id here): by its listed name.
    std::vector<AppRecord> records;
    std::vector<const TreeApp*> of;
    for (const auto& a : apps)
      if (a.record) {
        records.push_back(*a.record);
        of.push_back(&a);
      }
    auto names = ListedNames(records, self);
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == app.name) found = of[i];
  }
  if (!found) {
    ctx.log.Info(fmt::format("app {} ({}) is not in marketplace tree {}: already gone", app.id, app.name, tree.Dir()));
    return std::string();
  }
  if (found->record && found->record->publisher != self)
    return Status::Invalid(fmt::format(
        "app {} ({}) is {}'s, mirrored here from IPFS_MARKET_FOLLOW: delete it at its publisher (it leaves the mirror "
        "at its next monitor)",
        app.id, app.name, found->record->publisher));
  std::string dir = found->dir;
  ASSIGN_OR_RETURN(bool removed, tree.RemoveApp(dir));
  if (removed) {
    auto ev = tree.Record(key, {{"event", "delete"}, {"app", dir}, {"name", app.name}});
    if (!ev.ok()) ctx.log.Warn(fmt::format("the deletion of app {} is not in the log: {}", dir, ev.status().message()));
  }
  ASSIGN_OR_RETURN(std::string name,
                   tree.Publish(PublishLockPath(ctx.settings.signing_key_path, ctx.settings.key), ctx.log));
  ctx.log.Info(fmt::format("app {} ({}) removed from /ipns/{}", app.id, app.name, name));
  return std::string();
}

}  // namespace oneipfs
