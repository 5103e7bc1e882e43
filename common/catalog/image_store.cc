#include "common/catalog/image_store.h"

#include "common/one/reply.h"

#include <chrono>

#include <fmt/format.h>

#include "common/base/digest.h"
#include "common/base/image_format.h"
#include "common/base/number.h"
#include "common/base/text.h"

namespace oneipfs {

Status StoreNewImage(IpfsClient& ipfs, Catalog& catalog, const CatalogEntry& entry, std::string_view cid,
                     const Log& log, ContentHold* held, BlocksAt blocks, HolderFirst* holders) {
  ContentHold own;
  if ((!held || !held->held()) && blocks == BlocksAt::kMaybePeers) {
    auto hold = ContentHold::Acquire(ipfs, cid, log, HoldFetch::kLocalFirst, holders);
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

FormatList DriverFormats(const DsAction& action) {
  FormatList out;
  for (const auto* tmpl : {&action.image.tmpl, &action.datastore.tmpl})
    if (auto it = tmpl->find("DRIVER"); it != tmpl->end() && !Trim(it->second).empty()) out.push_back(it->second);
  return out;
}

Status CheckRegisteredSize(const DsAction& action, std::string_view header, std::uint64_t bytes,
                           std::string_view what) {
  auto told = ParseCount(Trim(action.image.size_mb));
  if (!told) return Status::Ok();
  ASSIGN_OR_RETURN(std::uint64_t mb, SizeMb(header, bytes, DriverFormats(action)));
  if (mb <= *told) return Status::Ok();
  return Status::Invalid(fmt::format(
      "{} is {} MB (the larger of its {} stored and the disk it presents), more than the image's SIZE of {} MB that "
      "oned accounts for; it changed since it was sized: create the image again",
      what, mb, HumanBytes(bytes), *told));
}

}  // namespace oneipfs
