#include "common/catalog/digest_memo.h"

#include <fmt/format.h>

#include "common/base/text.h"
#include "common/catalog/image_store.h"
#include "common/ipfs/cid.h"
#include "common/ipfs/content_hold.h"

namespace oneipfs {
namespace {

bool IsMd5Hex(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

Result<std::string> Md5MemoPath(std::string_view catalog_root, std::string_view cid) {
  ASSIGN_OR_RETURN(Cid parsed, ParseCid(cid));
  std::string root(catalog_root);
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return fmt::format("{}/.md5/{}", root == "/" ? "" : root, parsed.ToString());
}

Status RememberMd5(IpfsClient& ipfs, std::string_view catalog_root, std::string_view cid, std::string_view md5) {
  std::string m = Lower(md5);
  if (!IsMd5Hex(m)) return Status::Invalid(fmt::format("'{}' is not an MD5 digest", QuoteForMessage(md5, 80)));
  ASSIGN_OR_RETURN(std::string path, Md5MemoPath(catalog_root, cid));
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs.mfs_lock(), ipfs.timeout()));
  return ipfs.FilesWrite(path, m);
}

Result<std::optional<std::string>> RecalledMd5(IpfsClient& ipfs, std::string_view catalog_root,
                                               std::string_view cid) {
  ASSIGN_OR_RETURN(std::string path, Md5MemoPath(catalog_root, cid));
  auto text = ipfs.FilesRead(path);
  if (!text.ok()) {
    if (text.status().code() == Status::Code::kNotFound) return std::optional<std::string>();
    return text.status();
  }
  std::string m(Trim(*text));
  if (!IsMd5Hex(m)) return std::optional<std::string>();
  return std::optional<std::string>(m);
}

Result<std::string> Md5Of(IpfsClient& ipfs, std::string_view catalog_root, std::string_view cid, const Log& log) {
  ASSIGN_OR_RETURN(auto known, RecalledMd5(ipfs, catalog_root, cid));
  if (known) return *known;
  log.Info(fmt::format("computing the MD5 of /ipfs/{} (once: it is kept with the catalog)", cid));
  ASSIGN_OR_RETURN(Imported digest, DigestIpfs(ipfs, "/ipfs/" + std::string(cid), false));
  if (Status kept = RememberMd5(ipfs, catalog_root, cid, digest.md5); !kept.ok())
    log.Warn(fmt::format("the MD5 of /ipfs/{} was not kept: {}", cid, kept.message()));
  return digest.md5;
}

}  // namespace oneipfs
