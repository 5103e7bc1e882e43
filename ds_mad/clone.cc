// clone: `oneimage clone` — a new image backed by the same content.
//
// IMAGE/PATH holds the SOURCE of the original image. A catalog SOURCE is
// cloned by copying its current version into the new image's entry (an MFS
// link: no data is copied and the two images share every block). A SOURCE a
// user wrote (/ipfs/..., ipfs://...) is registered like cp would, with cp's
// checks (image_format.h: self-contained as its detected format, DRIVER and
// FORMAT; no bigger than IMAGE/SIZE).
// Prints "<SOURCE> <FORMAT>" for OpenNebula >= 6.6 and "<SOURCE>" alone for
// 6.0-6.4, which store the whole line as SOURCE (ONE_VERSION / remotes VERSION).
// The new entry is a "clone" event in the catalog history (history.h).
#include <fmt/format.h>

#include "common/catalog/catalog.h"
#include "common/catalog/history.h"
#include "common/ipfs/content_hold.h"
#include "common/one/driver.h"
#include "common/one/reply.h"
#include "common/base/image_format.h"
#include "common/catalog/image_store.h"
#include "common/catalog/source.h"

namespace oneipfs {
namespace {

Result<std::string> Clone(DsContext& ctx) {
  const ImageDoc& img = ctx.action.image;
  if (!img.present || img.path.empty()) return Status::Invalid("the image has no PATH (the SOURCE to clone)");
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  CatalogEntry entry = catalog.EntryFor(ctx.action.datastore.id, img.id, img.regtime);
  std::string what = fmt::format("cannot clone image {} into image {}", img.path, img.id);

  auto content = ResolveSource(ctx.ipfs, img.path, ctx.log);
  if (!content.ok()) return content.status().Prefixed(what);
  std::string format = img.format;
  if (ParseCatalogSource(StripHostPrefix(img.path))) {
    // Held while it is linked: the original may be removed meanwhile. Its
    // blocks are local (the catalog keeps them): one offline pin.
    auto hold = ContentHold::Acquire(ctx.ipfs, content->cid, ctx.log, HoldFetch::kLocalFirst);
    if (!hold.ok()) return hold.status().Prefixed(what);
    auto v = catalog.AddFirstVersion(entry, content->cid);
    if (!v.ok()) {
      (void)catalog.Remove(entry);
      return v.status().Prefixed(what);
    }
    ReleaseOrWarn(*hold, ctx.log);
    ctx.log.Info(fmt::format("{} shares /ipfs/{} with {} (nothing copied)", entry.Source(), content->cid, img.path));
  } else {
    // Checked as cp checks content it registers (the VM gets FORMAT too).
    auto header = ctx.ipfs.CatRange(content->ipfs_path, 0, kHeaderBytes);
    if (!header.ok()) return header.status().Prefixed(what);
    FormatList formats = DriverFormats(ctx.action);
    if (!format.empty()) formats.push_back(format);
    Status st = CheckSelfContained(*header, img.path, ctx.config.GetBool("IPFS_ALLOW_BACKING_FILE"), formats);
    if (st.ok()) st = CheckRegisteredSize(ctx.action, *header, content->size, img.path);
    if (st.ok()) st = StoreNewImage(ctx.ipfs, catalog, entry, content->cid, ctx.log);
    if (!st.ok()) return st.Prefixed(what);
    if (format.empty()) {
      auto chosen = ChooseFormat(img, *header);
      if (!chosen.ok()) {
        (void)catalog.Remove(entry);
        return chosen.status().Prefixed(what);
      }
      format = *chosen;
    }
  }
  if (!format.empty() && !IsFormatToken(format)) {
    // FORMAT is optional here: oned keeps the one it copied from the original.
    ctx.log.Warn(fmt::format("FORMAT {} of image {} is not a disk format name; not repeated to oned",
                             QuoteForMessage(format, 60), img.path));
    format.clear();
  }
  RecordDsEvent(ctx, NewEvent("clone", 1, content->cid, "", content->size, "from " + img.path));
  if (ctx.one_version.AtLeast(6, 6) && !format.empty()) return fmt::format("{} {}", entry.Source(), format);
  return entry.Source();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("clone", "clone an image without copying its content; prints SOURCE [FORMAT]", argc,
                              argv, oneipfs::Clone);
}
