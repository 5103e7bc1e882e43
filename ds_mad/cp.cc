// cp: register an image from IMAGE/PATH; prints "<SOURCE> <FORMAT>".
//
// PATH forms: IPFS (/ipfs/, /ipns/, ipfs://, ipns://, fs:/ipfs/, gateway
// URLs), a front-end file (RESTRICTED_DIRS / SAFE_DIRS apply) or an http(s)
// URL. IPFS content is referenced, not copied: it goes into the catalog
// (catalog.h) and the front-end daemon fetches every block before cp
// answers. Files and URLs are streamed into the daemon with `add` (no
// temporary copy), at most IPFS_IMPORT_MAX_MB (default: the datastore's
// FREE_MB; importer.h ImportLimit); a URL redirects to http(s) only; a
// file is opened once, without following a symlink swapped in after the
// check (local_path.h). FORMAT is detected from the content (DRIVER overrides);
// MD5/SHA1 in the image template are verified. An image whose header makes
// QEMU open another file (qcow2 backing file, vmdk extent or parent
// elsewhere: image_format.h), judged as its detected format and as
// IMAGE/TEMPLATE/DRIVER and DATASTORE/TEMPLATE/DRIVER, is refused before it
// is registered, unless IPFS_ALLOW_BACKING_FILE=yes; so is content bigger
// than the IMAGE/SIZE oned was told (image_store.h CheckRegisteredSize: the
// name, file or URL stat sized now holds something else). An /ipns/ name is
// resolved once and the result frozen, unless IPFS_IPNS_FOLLOW=yes: then
// SOURCE is ipns://<name> and every deployment resolves it again (such an
// image is not kept by the catalog and cannot be made persistent).
// The MD5 computed while content comes in is kept with the catalog for ds
// export (digest_memo.h).
// On any failure nothing stays registered and one stderr line says why.
// A registered image is a "cp" event in the catalog history (history.h).
#include <fmt/format.h>

#include "common/catalog/catalog.h"
#include "common/catalog/digest_memo.h"
#include "common/catalog/history.h"
#include "common/one/driver.h"
#include "common/base/image_format.h"
#include "common/catalog/image_store.h"
#include "common/ipfs/holder_first.h"
#include "common/catalog/importer.h"
#include "common/ipfs/ipfs_path.h"
#include "common/one/local_path.h"
#include "common/catalog/source.h"

namespace oneipfs {
namespace {

struct Registered {
  std::string source;
  std::string format;
  std::string cid;         // "" when not kept by the catalog (IPFS_IPNS_FOLLOW)
  std::uint64_t size = 0;
};

std::string Tmpl(const ImageDoc& img, const char* key) {
  auto it = img.tmpl.find(key);
  return it == img.tmpl.end() ? "" : it->second;
}

// The MD5 computed on the way in, kept for ds export (digest_memo.h).
void KeepMd5(DsContext& ctx, Catalog& catalog, std::string_view cid, std::string_view md5) {
  if (Status st = RememberMd5(ctx.ipfs, catalog.root(), cid, md5); !st.ok())
    ctx.log.Warn(fmt::format("the MD5 of /ipfs/{} was not kept (export computes it again): {}", cid, st.message()));
}

Result<Registered> FromIpfs(DsContext& ctx, const PathRef& ref, Catalog& catalog, const CatalogEntry& entry) {
  const ImageDoc& img = ctx.action.image;
  // An app that mirrors of a followed marketplace hold comes from them, not
  // from its publisher (holder_first.h), from its first block on.
  HolderFirst holders(ctx.ipfs, ctx.log);
  if (ref.kind == PathRef::Kind::kIpfs && ref.subpath.empty() && ctx.config.GetBool("IPFS_MIRROR_FIRST")) {
    auto sources = FindFetchSources(ctx.ipfs, ref.root);
    if (!sources.ok())
      ctx.log.Debug(fmt::format("no source hints for /ipfs/{}: {}", ref.root, sources.status().message()));
    else if (!sources->holders.empty())
      holders.Begin(ref.root, *sources);
  }
  ASSIGN_OR_RETURN(ResolvedContent r, ResolveIpfsRef(ctx.ipfs, ref, ctx.log));
  bool follow = ref.kind == PathRef::Kind::kIpns && ctx.config.GetBool("IPFS_IPNS_FOLLOW");
  // The header (a ranged cat) decides the format and whether the image is
  // self-contained, before anything is registered.
  ASSIGN_OR_RETURN(std::string header, ctx.ipfs.CatRange(r.ipfs_path, 0, kHeaderBytes));
  RETURN_IF_ERROR(CheckSelfContained(header, ref.original, ctx.config.GetBool("IPFS_ALLOW_BACKING_FILE"),
                                     DriverFormats(ctx.action)));
  RETURN_IF_ERROR(CheckRegisteredSize(ctx.action, header, r.size, ref.original));
  ASSIGN_OR_RETURN(std::string format, ChooseFormat(img, header));
  if (follow) {
    // Checked now, resolved again at every deployment; not kept by the catalog.
    ctx.log.Info(fmt::format("IPFS_IPNS_FOLLOW: deployments will resolve /ipns/{} again", ref.root));
    return Registered{fmt::format("ipns://{}{}", ref.root, ref.subpath), format, "", 0};
  }
  ctx.log.Info(fmt::format("registering {} ({}) as {}", ref.original, HumanBytes(r.size), entry.Source()));
  RETURN_IF_ERROR(StoreNewImage(ctx.ipfs, catalog, entry, r.cid, ctx.log, nullptr, BlocksAt::kMaybePeers, &holders));
  holders.Restore();  // every block is here now
  auto undo = [&](Status st) {
    (void)catalog.Remove(entry);
    return st;
  };
  std::string md5 = Tmpl(img, "MD5"), sha1 = Tmpl(img, "SHA1");
  if (!md5.empty() || !sha1.empty()) {
    auto digest = DigestIpfs(ctx.ipfs, r.ipfs_path, false);
    if (!digest.ok()) return undo(digest.status());
    Status ok = VerifyChecksums(*digest, md5, sha1, ref.original);
    if (!ok.ok()) return undo(ok);
    KeepMd5(ctx, catalog, r.cid, digest->md5);
  }
  return Registered{entry.Source(), format, r.cid, r.size};
}

Result<Registered> FromImport(DsContext& ctx, const Result<Imported>& imported, const std::string& what,
                              Catalog& catalog, const CatalogEntry& entry) {
  if (!imported.ok()) return imported.status();
  const ImageDoc& img = ctx.action.image;
  RETURN_IF_ERROR(VerifyChecksums(*imported, Tmpl(img, "MD5"), Tmpl(img, "SHA1"), what));
  // The added blocks stay unreferenced (not in the catalog): GC reclaims them.
  RETURN_IF_ERROR(CheckSelfContained(imported->header, what, ctx.config.GetBool("IPFS_ALLOW_BACKING_FILE"),
                                     DriverFormats(ctx.action)));
  RETURN_IF_ERROR(CheckRegisteredSize(ctx.action, imported->header, imported->bytes, what));
  ASSIGN_OR_RETURN(std::string format, ChooseFormat(img, imported->header));
  RETURN_IF_ERROR(StoreNewImage(ctx.ipfs, catalog, entry, imported->cid, ctx.log, imported->hold.get()));
  KeepMd5(ctx, catalog, imported->cid, imported->md5);
  return Registered{entry.Source(), format, imported->cid, imported->bytes};
}

Result<Registered> FromLocal(DsContext& ctx, const PathRef& ref, Catalog& catalog, const CatalogEntry& entry) {
  const Config& cfg = ctx.config;
  // Opened once (local_path.h): the header and the content come from this descriptor.
  ASSIGN_OR_RETURN(LocalFile f, OpenLocalImage(ref.original, LocalPathPolicyFor(cfg)));
  ASSIGN_OR_RETURN(ImportLimit limit, ImportLimitFor(cfg, ctx.action.datastore, ctx.log));
  std::string what = fmt::format("'{}'", ref.original);
  if (limit.bytes && f.size() > *limit.bytes) return limit.Exceeded(what, f.size());
  // Refuse an unsafe image before importing all of it (FromImport checks again what was imported).
  ASSIGN_OR_RETURN(std::string header, f.ReadAt(0, kHeaderBytes));
  RETURN_IF_ERROR(
      CheckSelfContained(header, ref.original, cfg.GetBool("IPFS_ALLOW_BACKING_FILE"), DriverFormats(ctx.action)));
  RETURN_IF_ERROR(CheckRegisteredSize(ctx.action, header, f.size(), ref.original));
  ctx.log.Info(fmt::format("importing {} ({}) into IPFS", ref.original, HumanBytes(f.size())));
  auto imported = Import(ctx.ipfs, f.real_path().substr(f.real_path().rfind('/') + 1), FileSource(f.fd()), f.size(),
                         ctx.log, limit, what);
  if (imported.ok() && imported->bytes != f.size())
    return Status::Io(fmt::format("'{}' changed while it was imported ({} bytes read, {} expected)", ref.original,
                                  imported->bytes, f.size()));
  return FromImport(ctx, imported, ref.original, catalog, entry);
}

Result<Registered> FromUrl(DsContext& ctx, const PathRef& ref, Catalog& catalog, const CatalogEntry& entry) {
  ASSIGN_OR_RETURN(ImportLimit limit, ImportLimitFor(ctx.config, ctx.action.datastore, ctx.log));
  ctx.log.Info(fmt::format("downloading {} into IPFS", ref.original));
  auto imported = ImportUrl(ctx.ipfs, ref.original, ctx.config.GetSeconds("IPFS_TIMEOUT"), ctx.log, limit);
  return FromImport(ctx, imported, ref.original, catalog, entry);
}

Result<std::string> Cp(DsContext& ctx) {
  const ImageDoc& img = ctx.action.image;
  if (!img.present || img.path.empty()) return Status::Invalid("the image has no PATH to register");
  ASSIGN_OR_RETURN(PathRef ref, ClassifyPath(img.path));
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  CatalogEntry entry = catalog.EntryFor(ctx.action.datastore.id, img.id, img.regtime);

  Result<Registered> r = Status::Failed("unreachable");
  switch (ref.kind) {
    case PathRef::Kind::kIpfs:
    case PathRef::Kind::kIpns: r = FromIpfs(ctx, ref, catalog, entry); break;
    case PathRef::Kind::kLocal: r = FromLocal(ctx, ref, catalog, entry); break;
    case PathRef::Kind::kUrl: r = FromUrl(ctx, ref, catalog, entry); break;
  }
  if (!r.ok()) return r.status().Prefixed(fmt::format("cannot register image {} from '{}'", img.id, img.path));
  if (!r->cid.empty())
    RecordDsEvent(ctx, NewEvent("cp", 1, r->cid, "", r->size, img.path));
  return fmt::format("{} {}", r->source, r->format);
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("cp", "register an image from PATH into IPFS; prints SOURCE FORMAT", argc, argv,
                              oneipfs::Cp);
}
