#include "common/image_store.h"

#include "common/reply.h"

#include <chrono>

#include <fmt/format.h>

#include "common/digest.h"
#include "common/image_format.h"

namespace oneipfs {

Status StoreNewImage(IpfsClient& ipfs, Catalog& catalog, const CatalogEntry& entry, std::string_view cid,
                     const Log& log, ContentHold* held, BlocksAt blocks) {
  ContentHold own;
  if ((!held || !held->held()) && blocks == BlocksAt::kMaybePeers) {
    auto hold = ContentHold::Acquire(ipfs, cid, log, HoldFetch::kLocalFirst);
    if (!hold.ok())
      return hold.status().Prefixed(fmt::format("the front-end daemon could not fetch all of /ipfs/{}", cid));
    own = std::move(*hold);
  }
  auto version = catalog.AddFirstVersion(entry, cid);
  if (!version.ok()) {
    (void)catalog.Remove(entry);
    return version.status();
  }
  // Linked: the catalog keeps it now; the temporary pin can go.
  if (held) ReleaseOrWarn(*held, log);
  ReleaseOrWarn(own, log);
  return Status::Ok();
}

Result<Imported> DigestIpfs(IpfsClient& ipfs, std::string_view ipfs_path, bool need_header) {
  Imported out;
  Digests d;
  RETURN_IF_ERROR(ipfs.Cat(ipfs_path, 0, std::nullopt, [&](std::string_view chunk) {
    d.Update(chunk);
    if (need_header && out.header.size() < kHeaderBytes)
      out.header.append(chunk.substr(0, std::min(chunk.size(), kHeaderBytes - out.header.size())));
    out.bytes += chunk.size();
    return Status::Ok();
  }));
  d.Finish();
  out.md5 = d.md5();
  out.sha1 = d.sha1();
  return out;
}

Result<std::string> ChooseFormat(const ImageDoc& image, std::string_view header) {
  auto it = image.tmpl.find("DRIVER");
  if (it != image.tmpl.end() && !it->second.empty()) {
    if (!IsFormatToken(it->second))
      return Status::Invalid(fmt::format("image DRIVER {} is not a disk format name (lower-case letters, digits, _)",
                                         QuoteForMessage(it->second, 60)));
    return it->second;
  }
  return DetectImage(header).format;
}

}  // namespace oneipfs
