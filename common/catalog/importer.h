// importer.h: stream bytes into the front-end daemon as one IPFS file.
//
// Import() pulls from a ByteSource straight into `add` (no temporary copy),
// computing MD5/SHA1 and keeping the first kHeaderBytes on the way, and logs
// progress as INFO lines (at most every 5 s, with the percentage when the
// total is known). The add is pinned under a hold (content_hold.h): the
// returned `hold` keeps every block from garbage collection until the caller
// has linked the content into the catalog and released it (or dropped the
// last copy of `hold`, which releases it too).
//
// Sources:
//  - FileSource(fd): a local file.
//  - UrlImport(): an http(s) URL; a thread downloads into a pipe that `add`
//    reads, so memory stays bounded; a download that fails or ends short
//    makes the whole import fail (the daemon never sees a clean EOF).
//  - ZeroSource(n): n zero bytes (empty raw datablocks).
//
// Limit: an import that brings in more than `limit` bytes fails as soon as
// it passes the limit (a URL at once when its Content-Length says so), with
// one line naming the limit; the daemon's `add` is cut off, so no temporary
// pin stays (the blocks it stored are unreferenced: GC reclaims them).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/one/action.h"
#include "common/one/config.h"
#include "common/ipfs/content_hold.h"
#include "common/ipfs/ipfs.h"
#include "common/base/log.h"
#include "common/base/status.h"

namespace oneipfs {

struct Imported {
  std::string cid;
  std::uint64_t bytes = 0;
  std::string header;  // first kHeaderBytes
  std::string md5, sha1;
  std::shared_ptr<ContentHold> hold;
};

// The most an import may bring in: IPFS_IMPORT_MAX_MB (MiB) when set, else
// the datastore's free space (DATASTORE/FREE_MB of the action document, as
// oned last saw it from monitor); no limit when neither is a number (an INFO
// line says so). Invalid when IPFS_IMPORT_MAX_MB is set but not a number.
struct ImportLimit {
  std::optional<std::uint64_t> bytes;  // nullopt: none
  std::uint64_t mb = 0;
  std::string from;  // where the number comes from, for the message
  // Invalid "<what> is <N> MB, more than the import limit of <mb> MB (<from>)"
  // (`size` unknown: "<what> is larger than ...").
  Status Exceeded(std::string_view what, std::optional<std::uint64_t> size) const;
};
Result<ImportLimit> ImportLimitFor(const Config& config, const DatastoreDoc& datastore, const Log& log);

Result<Imported> Import(IpfsClient& ipfs, std::string_view name, const ByteSource& source,
                        std::optional<std::uint64_t> total, const Log& log, const ImportLimit& limit = {},
                        std::string_view what = "the import");

ByteSource FileSource(int fd);
ByteSource ZeroSource(std::uint64_t bytes);

// Downloads `url` into the daemon.
Result<Imported> ImportUrl(IpfsClient& ipfs, std::string_view url, std::chrono::seconds stall, const Log& log,
                           const ImportLimit& limit = {});

// Checks MD5/SHA1 template values (empty = not requested) against `got`.
// Failed names the image, which digest and both values.
Status VerifyChecksums(const Imported& got, std::string_view md5, std::string_view sha1, std::string_view what);

}  // namespace oneipfs
