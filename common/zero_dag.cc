#include "common/zero_dag.h"

#include <openssl/evp.h>

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "common/number.h"

namespace oneipfs {
namespace {

constexpr std::uint64_t kCodecRaw = 0x55;
constexpr std::uint64_t kCodecDagPb = 0x70;
constexpr std::uint64_t kUnixfsFile = 2;

void PutVarint(std::string& out, std::uint64_t v) {
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>((v & 0x7f) | 0x80));
  out.push_back(static_cast<char>(v));
}

// Field key: (field number << 3) | wire type.
void PutKey(std::string& out, int field, int wire) { PutVarint(out, static_cast<std::uint64_t>(field << 3 | wire)); }

void PutBytesField(std::string& out, int field, std::string_view bytes) {
  PutKey(out, field, 2);
  PutVarint(out, bytes.size());
  out.append(bytes);
}

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

std::string CidBytes(const Cid& c) {
  std::string out;
  PutVarint(out, 1);
  PutVarint(out, c.codec);
  out.append(c.multihash.begin(), c.multihash.end());
  return out;
}

bool IsSha256V1(const Cid& c) {
  return c.version == 1 && c.multihash.size() == 34 && c.multihash[0] == 0x12 && c.multihash[1] == 0x20;
}

// Minimal protobuf reader over a byte string.
class PbReader {
 public:
  explicit PbReader(std::string_view s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }
  std::optional<std::uint64_t> Varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64 && pos_ < s_.size(); shift += 7) {
      auto b = static_cast<std::uint8_t>(s_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return std::nullopt;
  }
  std::optional<std::string_view> Bytes() {
    auto n = Varint();
    if (!n || *n > s_.size() - pos_) return std::nullopt;
    std::string_view v = s_.substr(pos_, *n);
    pos_ += *n;
    return v;
  }
  // Skips a field of wire type `wire`; false on a malformed or unknown type.
  bool Skip(int wire) {
    switch (wire) {
      case 0: return Varint().has_value();
      case 1: return Advance(8);
      case 2: return Bytes().has_value();
      case 5: return Advance(4);
      default: return false;
    }
  }

 private:
  bool Advance(std::size_t n) {
    if (n > s_.size() - pos_) return false;
    pos_ += n;
    return true;
  }
  std::string_view s_;
  std::size_t pos_ = 0;
};

class Builder {
 public:
  Builder(std::uint64_t chunk, ZeroDag& out) : chunk_(chunk), out_(out) {}

  struct Built {
    Cid cid;
    std::uint64_t file_bytes = 0;  // bytes of the file under this node
    std::uint64_t tsize = 0;       // cumulative block bytes (the link's Tsize)
  };

  // The subtree of `depth` (0 = a leaf) over `leaves` leaves, all `chunk_`
  // bytes but the last, which has `last` bytes.
  Built Node(int depth, std::uint64_t leaves, std::uint64_t last) {
    auto key = std::make_tuple(depth, leaves, last);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    Built b;
    if (depth == 0) {
      ZeroDagBlock blk{kCodecRaw, std::string(last, '\0'), {}};
      blk.cid = Sha256Cid(kCodecRaw, blk.bytes);
      b = {blk.cid, last, last};
      out_.blocks.push_back(std::move(blk));
    } else {
      std::uint64_t cap = 1;
      for (int i = 1; i < depth; ++i) cap *= kUnixfsMaxLinks;
      const std::uint64_t kids = leaves / cap + (leaves % cap != 0);  // no overflow near 2^64
      std::string links, data;
      PutKey(data, 1, 0);
      PutVarint(data, kUnixfsFile);
      std::vector<Built> children;
      for (std::uint64_t i = 0; i < kids; ++i) {
        bool lastkid = i + 1 == kids;
        children.push_back(Node(depth - 1, lastkid ? leaves - (kids - 1) * cap : cap, lastkid ? last : chunk_));
      }
      std::uint64_t total = 0, tsizes = 0;
      for (const auto& c : children) {
        std::string link;
        PutBytesField(link, 1, CidBytes(c.cid));  // Hash
        PutBytesField(link, 2, "");               // Name: always present, empty
        PutKey(link, 3, 0);                       // Tsize
        PutVarint(link, c.tsize);
        PutBytesField(links, 2, link);            // PBNode.Links (field 2) come first
        total += c.file_bytes;
        tsizes += c.tsize;
      }
      PutKey(data, 3, 0);  // filesize
      PutVarint(data, total);
      for (const auto& c : children) {  // blocksizes, not packed (proto2)
        PutKey(data, 4, 0);
        PutVarint(data, c.file_bytes);
      }
      ZeroDagBlock blk{kCodecDagPb, links, {}};
      PutBytesField(blk.bytes, 1, data);  // PBNode.Data
      blk.cid = Sha256Cid(kCodecDagPb, blk.bytes);
      b = {blk.cid, total, blk.bytes.size() + tsizes};
      out_.blocks.push_back(std::move(blk));
    }
    memo_.emplace(key, b);
    return b;
  }

 private:
  std::uint64_t chunk_;
  ZeroDag& out_;
  std::map<std::tuple<int, std::uint64_t, std::uint64_t>, Built> memo_;
};

}  // namespace

std::optional<std::uint64_t> FixedChunkSize(std::string_view chunker) {
  constexpr std::string_view kPrefix = "size-";
  if (!chunker.starts_with(kPrefix)) return std::nullopt;
  std::optional<std::uint64_t> n = ParseCount(chunker.substr(kPrefix.size()), kMaxChunkBytes);
  if (!n || *n == 0) return std::nullopt;
  return n;
}

Result<std::uint64_t> ZeroDagChunk(const IpfsOptions& o) {
  auto chunk = FixedChunkSize(o.chunker);
  if (!chunk) return Status::Invalid(fmt::format("IPFS_CHUNKER '{}' is not a fixed-size chunker (size-N)", o.chunker));
  if (o.cid_version != 1 || !o.raw_leaves || o.hash != "sha2-256")
    return Status::Invalid(fmt::format("IPFS_CID_VERSION={} IPFS_RAW_LEAVES={} IPFS_HASH={} are not 1, yes, sha2-256",
                                       o.cid_version, o.raw_leaves ? "yes" : "no", o.hash));
  return *chunk;
}

Result<ZeroDag> BuildZeroDag(std::uint64_t size, std::uint64_t chunk) {
  if (size == 0 || chunk == 0 || chunk > kMaxChunkBytes)
    return Status::Invalid(fmt::format("no zero DAG for {} bytes in chunks of {}", size, chunk));
  ZeroDag dag;
  dag.size = size;
  // Sizes are claims (a root block's, on hosts) up to 2^64 - 1: nothing here
  // may wrap, or the depth loop never ends.
  const std::uint64_t leaves = size / chunk + (size % chunk != 0);
  const std::uint64_t last = size - (leaves - 1) * chunk;
  int depth = 0;
  for (std::uint64_t reach = 1; reach < leaves; ++depth)
    reach = reach > std::numeric_limits<std::uint64_t>::max() / kUnixfsMaxLinks ? leaves : reach * kUnixfsMaxLinks;
  Builder b(chunk, dag);
  dag.root = b.Node(depth, leaves, last).cid;
  return dag;
}

Status PutZeroDag(IpfsClient& ipfs, const ZeroDag& dag) {
  for (const auto& blk : dag.blocks) {
    ASSIGN_OR_RETURN(std::string got, ipfs.DagPut(blk.codec == kCodecRaw ? "raw" : "dag-pb", blk.bytes));
    auto parsed = ParseCid(got);
    if (!parsed.ok() || *parsed != blk.cid)
      return Status::Failed(fmt::format("IPFS daemon at {}: dag/put stored a {}-byte block as {}, expected {}",
                                        ipfs.Address(), blk.bytes.size(), got, blk.cid.ToString()));
  }
  return Status::Ok();
}

Result<std::string> PutZeroFile(IpfsClient& ipfs, std::uint64_t size, std::uint64_t chunk) {
  ASSIGN_OR_RETURN(ZeroDag dag, BuildZeroDag(size, chunk));
  RETURN_IF_ERROR(PutZeroDag(ipfs, dag));
  std::string root = dag.root.ToString();
  ASSIGN_OR_RETURN(FileStat st, ipfs.Stat("/ipfs/" + root));
  if (!st.is_file() || st.size != size || !CidEqual(st.cid, root))
    return Status::Failed(fmt::format("IPFS daemon at {}: files/stat /ipfs/{} says {} {} of {} bytes, expected the file {} of {} bytes",
                                      ipfs.Address(), root, st.type, st.cid, st.size, root, size));
  return root;
}

std::optional<std::vector<std::uint64_t>> UnixfsBlocksizes(std::string_view pbnode) {
  PbReader node(pbnode);
  std::optional<std::string_view> data;
  while (!node.done()) {
    auto key = node.Varint();
    if (!key) return std::nullopt;
    int field = static_cast<int>(*key >> 3), wire = static_cast<int>(*key & 7);
    if (field == 1 && wire == 2) {
      data = node.Bytes();
      if (!data) return std::nullopt;
    } else if (!node.Skip(wire)) {
      return std::nullopt;
    }
  }
  if (!data) return std::nullopt;
  PbReader fs(*data);
  std::optional<std::uint64_t> type;
  std::vector<std::uint64_t> sizes;
  while (!fs.done()) {
    auto key = fs.Varint();
    if (!key) return std::nullopt;
    int field = static_cast<int>(*key >> 3), wire = static_cast<int>(*key & 7);
    if (field == 1 && wire == 0) {
      type = fs.Varint();
    } else if (field == 4 && wire == 0) {
      auto v = fs.Varint();
      if (!v) return std::nullopt;
      sizes.push_back(*v);
    } else if (field == 4 && wire == 2) {  // packed, should a writer use it
      auto packed = fs.Bytes();
      if (!packed) return std::nullopt;
      PbReader p(*packed);
      while (!p.done()) {
        auto v = p.Varint();
        if (!v) return std::nullopt;
        sizes.push_back(*v);
      }
    } else if (!fs.Skip(wire)) {
      return std::nullopt;
    }
  }
  if (type != kUnixfsFile) return std::nullopt;
  return sizes;
}

bool IsZeroFile(const Cid& root, std::uint64_t size, std::string_view root_block) {
  if (!IsSha256V1(root) || size == 0) return false;
  if (root.codec == kCodecRaw) {
    if (size > kMaxChunkBytes) return false;
    return Sha256Cid(kCodecRaw, std::string(size, '\0')) == root;
  }
  if (root.codec != kCodecDagPb || Sha256Cid(kCodecDagPb, root_block) != root) return false;
  auto sizes = UnixfsBlocksizes(root_block);
  if (!sizes || sizes->empty()) return false;
  // The first child covers chunk * 174^k bytes for a root of depth k+1.
  std::uint64_t span = 1;
  for (int k = 0; k < 6 && span <= (*sizes)[0]; ++k, span *= kUnixfsMaxLinks) {
    if ((*sizes)[0] % span != 0) continue;
    std::uint64_t chunk = (*sizes)[0] / span;
    if (chunk == 0 || chunk > kMaxChunkBytes) continue;
    auto dag = BuildZeroDag(size, chunk);
    if (dag.ok() && dag->root == root) return true;
  }
  return false;
}

Result<bool> IsZeroContent(IpfsClient& ipfs, const std::string& cid, std::uint64_t size) {
  auto parsed = ParseCid(cid);
  if (!parsed.ok() || size == 0) return false;
  std::string root_block;
  if (parsed->codec == kCodecDagPb) {
    ASSIGN_OR_RETURN(root_block, ipfs.BlockGet(cid));
  }
  return IsZeroFile(*parsed, size, root_block);
}

}  // namespace oneipfs
