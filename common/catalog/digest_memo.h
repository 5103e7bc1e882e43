// digest_memo.h: the MD5 of catalog content, computed once and kept with the
// catalog (what ds export reports to a marketplace, issue "An IPFS
// marketplace").
//
//   <IPFS_CATALOG>/.md5/<cid>   a small file holding the 32 hex digits
//
// <cid> is the content's CID in its canonical text (cid.h Cid::ToString:
// base32 for v1), so the same content imported twice, or printed by the
// daemon in another base, has one memo. A CID names immutable content, so a
// memo never goes stale and is never removed with an image (another image
// may hold the same content). The dot name keeps it out of what the catalog,
// monitor and one-ipfs-fsck count as datastores.
//
// cp remembers the MD5 it computed while streaming a file or URL in
// (RememberMd5; a failure is only a WARN: the memo is a cache). Md5Of
// returns the memo, or reads the content back through `cat` (DigestIpfs),
// remembers and returns it. A memo file that is not 32 hex digits is
// ignored (computed again and overwritten). Writes hold IPFS_MFS_LOCK
// (content_hold.h MfsWriteLock), like every catalog write.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/base/log.h"
#include "common/base/status.h"
#include "common/ipfs/ipfs.h"

namespace oneipfs {

// "<root>/.md5/<canonical cid>"; Invalid when `cid` does not parse.
Result<std::string> Md5MemoPath(std::string_view catalog_root, std::string_view cid);

Status RememberMd5(IpfsClient& ipfs, std::string_view catalog_root, std::string_view cid, std::string_view md5);
// The remembered MD5; nullopt when there is none (or it is malformed).
Result<std::optional<std::string>> RecalledMd5(IpfsClient& ipfs, std::string_view catalog_root, std::string_view cid);
// The remembered MD5, else computed from the content (a full `cat`) and
// remembered (a failure to remember is a WARN through `log`).
Result<std::string> Md5Of(IpfsClient& ipfs, std::string_view catalog_root, std::string_view cid, const Log& log);

}  // namespace oneipfs
