// zero_dag_fuzz.cc: recognising an empty datablock from its root block
// (zero_dag.h IsZeroFile), as a host does before it writes a sparse file
// instead of fetching the image. The root block comes from the daemon and
// the size from files/stat: both are whatever the image's author made them.
//
// Input: 8 bytes little-endian `size`, 3 bytes `chunk` (the top 4 bits shift
// the low 20 right, so small chunks are common), then the root block bytes
// (shorter inputs are padded with zeros).
// Feeds: UnixfsBlocksizes(block); IsZeroFile with the block's own dag-pb
// sha2-256 CID (so the root always matches its bytes, as after block/get)
// and the claimed sizes `size` and the sum of the block's blocksizes;
// IsZeroFile of the block as a raw leaf; BuildZeroDag(size, chunk).
// Asserts (beyond no crash, no sanitizer report, no escaping exception):
//  - recognition terminates (libFuzzer -timeout reports a hang) and agrees
//    with the size it claims: a root accepted for `size` has blocksizes
//    summing to exactly `size`;
//  - a raw root is a zero file exactly when its bytes are `size` zeros
//    (0 < size <= kMaxChunkBytes);
//  - BuildZeroDag succeeds for any size > 0 and 0 < chunk <= kMaxChunkBytes;
//    its blocks carry their own CIDs, the root is the last, its blocksizes
//    sum to `size`, and IsZeroFile recognises it when its depth is <= 6
//    (IsZeroFile tries first children of chunk * 174^k bytes, k < 6).
#include <openssl/evp.h>

#include <algorithm>
#include <limits>
#include <string>

#include "common/ipfs/zero_dag.h"
#include "fuzz/fuzz.h"

using namespace oneipfs;
using fuzz::Q;

namespace {

Cid Sha256Cid(std::uint64_t codec, std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  Cid c;
  c.version = 1;
  c.codec = codec;
  c.multihash.assign(2 + len, 0);
  c.multihash[0] = 0x12;  // sha2-256
  c.multihash[1] = static_cast<std::uint8_t>(len);
  std::copy(md, md + len, c.multihash.begin() + 2);
  return c;
}

std::uint64_t LittleEndian(std::string_view s) {
  std::uint64_t v = 0;
  for (std::size_t i = s.size(); i-- > 0;) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

// The sum of `sizes`, or nullopt when it does not fit 64 bits.
std::optional<std::uint64_t> Sum(const std::vector<std::uint64_t>& sizes) {
  std::uint64_t total = 0;
  for (auto s : sizes) {
    if (s > std::numeric_limits<std::uint64_t>::max() - total) return std::nullopt;
    total += s;
  }
  return total;
}

void CheckRecognition(std::string_view block, std::uint64_t size) {
  const Cid root = Sha256Cid(0x70, block);
  if (!IsZeroFile(root, size, block)) return;
  auto sizes = UnixfsBlocksizes(block);
  FUZZ_CHECK(sizes.has_value(), "a root without UnixFS blocksizes is a zero file of {} bytes", size);
  auto total = Sum(*sizes);
  FUZZ_CHECK(total && *total == size, "a root whose children hold {} bytes is a zero file of {} bytes",
             total ? std::to_string(*total) : "more than 2^64", size);
}

void CheckRaw(std::string_view block, std::uint64_t size) {
  bool zeros = std::all_of(block.begin(), block.end(), [](char c) { return c == 0; });
  bool expected = zeros && size == block.size() && size > 0 && size <= kMaxChunkBytes;
  FUZZ_CHECK(IsZeroFile(Sha256Cid(0x55, block), size, "") == expected,
             "raw block of {} bytes ({}zeros) as a zero file of {} bytes: expected {}", block.size(),
             zeros ? "" : "not ", size, expected);
}

void CheckBuilt(std::uint64_t size, std::uint64_t chunk) {
  if (size == 0) return;
  auto dag = BuildZeroDag(size, chunk);
  FUZZ_CHECK(dag.ok(), "BuildZeroDag({}, {}) fails: {}", size, chunk, dag.status().message());
  FUZZ_CHECK(!dag->blocks.empty() && dag->blocks.size() <= 40, "{} blocks for {} bytes", dag->blocks.size(), size);
  for (const auto& b : dag->blocks)
    FUZZ_CHECK(b.cid == Sha256Cid(b.codec, b.bytes), "a block of {} bytes has another CID", b.bytes.size());
  const ZeroDagBlock& top = dag->blocks.back();
  FUZZ_CHECK(top.cid == dag->root, "the root is not the last block");
  // The tree depth: the smallest d with 174^d >= leaves.
  const std::uint64_t leaves = size / chunk + (size % chunk != 0);
  int depth = 0;
  for (std::uint64_t reach = 1; reach < leaves; ++depth) {
    if (reach > std::numeric_limits<std::uint64_t>::max() / kUnixfsMaxLinks) {
      ++depth;
      break;
    }
    reach *= kUnixfsMaxLinks;
  }
  if (top.codec == 0x55) {
    FUZZ_CHECK(top.bytes.size() == size, "a raw root of {} bytes for {} bytes", top.bytes.size(), size);
  } else {
    auto sizes = UnixfsBlocksizes(top.bytes);
    FUZZ_CHECK(sizes && Sum(*sizes) == size, "the built root's blocksizes do not sum to {}", size);
  }
  if (depth <= 6)
    FUZZ_CHECK(IsZeroFile(dag->root, size, top.bytes), "the zero DAG of {} bytes in chunks of {} is not recognised",
               size, chunk);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(fuzz::AsText(data, size));
  if (input.size() < 11) input.resize(11, '\0');
  const std::uint64_t claimed = LittleEndian(std::string_view(input).substr(0, 8));
  const std::uint64_t c24 = LittleEndian(std::string_view(input).substr(8, 3));
  const std::uint64_t chunk = 1 + ((c24 & 0xfffff) >> (c24 >> 20));
  std::string_view block = std::string_view(input).substr(11);

  (void)UnixfsBlocksizes(block);
  CheckRecognition(block, claimed);
  if (auto sizes = UnixfsBlocksizes(block))
    if (auto total = Sum(*sizes); total && *total != claimed) CheckRecognition(block, *total);
  CheckRaw(block, claimed);
  CheckRaw(block, block.size());
  CheckBuilt(claimed, chunk);
  return 0;
}
