// range_fetch.h: one file of the IPFS daemon into an AtomicDiskWriter over
// several concurrent `cat` streams, each a byte range of the file.
//
// Why: a single `cat` is one stream through the daemon: one bitswap session
// and one reader walking the DAG in order. kubo serves concurrent requests
// on all cores and fetches each range's blocks in its own session; even
// single-threaded js-ipfs overlaps its block reads. Ranges use `cat`'s
// offset and length parameters (kubo core/commands/cat.go, js-ipfs 0.66).
//
// PlanRanges splits `bytes` into at most `streams` ranges of at least
// `min_range` bytes, each start a multiple of `align` (a multiple of 4 KiB,
// as AtomicDiskWriter regions need). FetchInRanges runs one range on the
// calling thread and the others on threads of their own, each with its own
// client from `clients`; every received chunk is reported to `on_bytes`
// (from any thread). The first failure stops the other streams and is
// returned; nothing is committed then. On success the file is committed
// (CommitRegions: all ranges complete, fsync, rename).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/base/disk_writer.h"
#include "common/ipfs/ipfs.h"
#include "common/base/status.h"

namespace oneipfs {

struct ByteRange {
  std::uint64_t start = 0;
  std::uint64_t length = 0;
};

constexpr std::uint64_t kMinRangeBytes = 32ull << 20;
constexpr std::uint64_t kRangeAlign = 1ull << 20;

std::vector<ByteRange> PlanRanges(std::uint64_t bytes, unsigned streams, std::uint64_t min_range = kMinRangeBytes,
                                  std::uint64_t align = kRangeAlign);

using IpfsClientFactory = std::function<Result<std::unique_ptr<IpfsClient>>()>;

Status FetchInRanges(const std::string& ipfs_path, std::uint64_t bytes, const std::vector<ByteRange>& plan,
                     const IpfsClientFactory& clients, AtomicDiskWriter& writer,
                     const std::function<void(std::size_t)>& on_bytes);

}  // namespace oneipfs
