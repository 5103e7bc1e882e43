// zero_dag.h: the UnixFS DAG of an all-zero file, built without reading zeros.
//
// With a fixed-size chunker ("size-N"), raw leaves, CIDv1 and sha2-256 (the
// parameters ipfs.h's IpfsOptions fixes for `add`), every full chunk of zeros
// is the same raw block, so the balanced DAG that `add` builds for SIZE zero
// bytes has only a few distinct nodes: the full zero leaf, maybe one shorter
// last leaf, and per tree level the "full" node and the rightmost partial one.
// BuildZeroDag computes those nodes locally (dag-pb bytes and CIDs) exactly
// as kubo's balanced importer (boxo ipld/unixfs/importer/balanced, 174 links
// per node) and js-ipfs's (ipfs-unixfs-importer balanced, maxChildrenPerNode
// 174) lay them out, so the root CID equals what `add` of the same zeros
// gives:
//  - one chunk or less: the root is the raw leaf itself;
//  - otherwise the root is a dag-pb node of depth d = the smallest d with
//    174^d >= leaves; a node of depth k holds up to 174 children of depth
//    k-1, filled left to right (all full but the last);
//  - a dag-pb node is PBNode{Links, Data} in canonical order (Links first),
//    each link {Hash, Name "", Tsize = the child's cumulative size}; Data is
//    UnixFS Data{Type File, filesize, blocksizes = each child's file bytes}
//    (proto2, blocksizes not packed), with no inline data.
// The node count depends only on the tree depth (O(log SIZE)), never on SIZE;
// the depth is at most 9 (174^9 > 2^64) and every count is checked before it
// is multiplied, so any SIZE up to 2^64-1 builds in bounded time.
//
// PutZeroDag stores the blocks with `dag/put` (ipfs.h) children first and
// checks every CID the daemon returns against the local one.
//
// For hosts: IsZeroFile tells whether a root CID (and the root block's bytes
// for a dag-pb root) is exactly the zero DAG of `size` bytes for some chunk
// size the root reveals, so a whole disk can be written as a sparse file
// without fetching its leaves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ipfs/cid.h"
#include "common/ipfs/ipfs.h"
#include "common/base/status.h"

namespace oneipfs {

constexpr std::uint64_t kUnixfsMaxLinks = 174;
// Blocks larger than this cannot travel over bitswap; kubo refuses bigger chunks.
constexpr std::uint64_t kMaxChunkBytes = 1024 * 1024;

// The chunk size of a fixed-size chunker spec ("size-262144"); nullopt for
// any other chunker (rabin-..., buzhash) or a size outside 1..kMaxChunkBytes.
std::optional<std::uint64_t> FixedChunkSize(std::string_view chunker);

// The chunk size when `add` with these options lays out zeros as
// BuildZeroDag does (CIDv1, raw leaves, sha2-256, a size-N chunker);
// otherwise Invalid saying which setting prevents it.
Result<std::uint64_t> ZeroDagChunk(const IpfsOptions& options);

struct ZeroDagBlock {
  std::uint64_t codec = 0;  // 0x55 raw or 0x70 dag-pb
  std::string bytes;
  Cid cid;
};

struct ZeroDag {
  Cid root;
  std::uint64_t size = 0;
  std::vector<ZeroDagBlock> blocks;  // distinct, children before parents; the root last
};

// `size` > 0 and 0 < `chunk` <= kMaxChunkBytes (Invalid otherwise).
Result<ZeroDag> BuildZeroDag(std::uint64_t size, std::uint64_t chunk);

// dag/put of every block (pin=false); Failed when the daemon names a CID
// other than the locally computed one.
Status PutZeroDag(IpfsClient& ipfs, const ZeroDag& dag);

// BuildZeroDag + PutZeroDag, then files/stat of the root: Failed unless the
// daemon reports a file of exactly `size` bytes with that CID. Returns the
// root CID (base32).
Result<std::string> PutZeroFile(IpfsClient& ipfs, std::uint64_t size, std::uint64_t chunk);

// UnixFS helpers for a dag-pb file node: the Data's blocksizes (nullopt when
// the bytes are not a dag-pb node carrying UnixFS file data).
std::optional<std::vector<std::uint64_t>> UnixfsBlocksizes(std::string_view pbnode);

// True when `root` names exactly the zero DAG of `size` bytes. For a dag-pb
// root, `root_block` must hold its bytes (block/get); for a raw root it is
// unused. Only sha2-256 CIDv1 are recognised. `size` and the root block come
// from whoever published the content: at most 9 candidate chunk sizes are
// tried, each a BuildZeroDag, whatever they claim.
bool IsZeroFile(const Cid& root, std::uint64_t size, std::string_view root_block);

// IsZeroFile for content in a daemon: reads the root block of /ipfs/<cid>
// (block/get; nothing for a raw root). Errors of the daemon are returned so
// the caller can log them and stream the content instead.
Result<bool> IsZeroContent(IpfsClient& ipfs, const std::string& cid, std::uint64_t size);

}  // namespace oneipfs
