// export: what a marketplace imports of an image (`onemarketapp create`
// runs it first through one_market.rb); prints one line
//
//   <IMPORT_INFO><IMPORT_SOURCE><![CDATA[/ipfs/<cid>]]></IMPORT_SOURCE>
//   <MD5><![CDATA[<md5>]]></MD5><SIZE><![CDATA[<MB>]]></SIZE>
//   <FORMAT><![CDATA[<format>]]></FORMAT><DISPOSE>NO</DISPOSE></IMPORT_INFO>
//
// (without the line breaks). The document comes on stdin (OpenNebula >= 6.8;
// one_market.rb 6.6 with --stdin sends `export - <id>`) or in argv (before).
// IMPORT_SOURCE is the image's current content, immutable: a catalog entry's
// highest version (catalog.h), or what an /ipfs/ or ipns:// SOURCE names
// now. Nothing is copied: a marketplace that keeps its apps in IPFS links the
// CID. MD5 is the one kept with the catalog (digest_memo.h: computed by cp
// while the content came in), else computed now from the content once and
// kept. SIZE is the image's SIZE as oned knows it (MB), else the content's
// size rounded up; FORMAT the image's FORMAT, else detected from the header.
// DISPOSE=NO: nothing temporary to remove afterwards.
// Failures (no SOURCE, an entry that is gone, the daemon unreachable) are one
// stderr line and exit 1; nothing is written but the MD5 memo.
#include <fmt/format.h>

#include "common/base/image_format.h"
#include "common/base/number.h"
#include "common/base/text.h"
#include "common/catalog/digest_memo.h"
#include "common/catalog/source.h"
#include "common/one/driver.h"
#include "common/one/reply.h"

namespace oneipfs {
namespace {

constexpr std::uint64_t kMiB = 1048576;

std::string Cdata(std::string_view tag, std::string_view value) {
  return fmt::format("<{0}><![CDATA[{1}]]></{0}>", tag, value);
}

Result<std::string> Export(DsContext& ctx) {
  const ImageDoc& img = ctx.action.image;
  if (!img.present || img.source.empty()) return Status::Invalid("the image has no SOURCE to export");
  ASSIGN_OR_RETURN(ResolvedContent r, ResolveSource(ctx.ipfs, img.source, ctx.log));
  ASSIGN_OR_RETURN(std::string md5, Md5Of(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"), r.cid, ctx.log));
  std::string size;
  if (auto told = ParseCount(Trim(img.size_mb)); told && *told > 0)
    size = std::to_string(*told);
  else
    size = std::to_string(r.size / kMiB + (r.size % kMiB != 0));
  std::string format(Trim(img.format));
  if (!IsFormatToken(format)) {
    ASSIGN_OR_RETURN(std::string header, ctx.ipfs.CatRange(r.ipfs_path, 0, kHeaderBytes));
    format = DetectImage(header).format;
  }
  std::string source = "/ipfs/" + r.cid;
  if (!IsSourceToken(source) || !IsFormatToken(format))
    return Status::Failed(fmt::format("image {}: cannot export {} as {}", img.id, source, QuoteForMessage(format, 40)));
  ctx.log.Info(fmt::format("image {} ({}) exports as {} ({} MB, {}, MD5 {})", img.id, img.source, source, size, format,
                           md5));
  return "<IMPORT_INFO>" + Cdata("IMPORT_SOURCE", source) + Cdata("MD5", md5) + Cdata("SIZE", size) +
         Cdata("FORMAT", format) + "<DISPOSE>NO</DISPOSE></IMPORT_INFO>";
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("export", "the image's current content for a marketplace: prints <IMPORT_INFO>", argc,
                              argv, oneipfs::Export);
}
