#include "common/ipfs/cid.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include <fmt/format.h>

#include "common/base/log.h"

namespace oneipfs {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kCodecDagPb = 0x70;
constexpr std::uint64_t kCodecLibp2pKey = 0x72;
constexpr std::uint64_t kHashIdentity = 0x00;
constexpr std::uint64_t kHashSha2_256 = 0x12;
// Longer texts are refused before decoding (the big-number bases are
// quadratic); an identity CID inlining the daemons' 128-byte limit is ~220.
constexpr std::size_t kMaxCidText = 1024;

constexpr const char* kB58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr const char* kB32 = "abcdefghijklmnopqrstuvwxyz234567";
constexpr const char* kB36 = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr const char* kB16 = "0123456789abcdef";
constexpr const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr const char* kB64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// A character for a message: 'x', or 0x0a when it does not print.
std::string CharName(char c) {
  if (std::isprint(static_cast<unsigned char>(c))) return fmt::format("'{}'", c);
  return fmt::format("0x{:02x}", static_cast<unsigned char>(c));
}

std::string Quoted(std::string_view s) { return QuoteForMessage(s, 120); }

// Index of c in alphabet, or -1.
int DigitOf(const char* alphabet, char c) {
  if (c == '\0') return -1;
  const char* p = std::strchr(alphabet, c);
  return p ? static_cast<int>(p - alphabet) : -1;
}

// Big-number bases (base58btc, base36): each leading zero digit is a zero
// byte, the rest is one big-endian number.
Result<Bytes> DecodeBigBase(std::string_view text, const char* alphabet, int base, const char* name) {
  Bytes out;  // big-endian, without the leading zero bytes
  std::size_t zeros = 0;
  while (zeros < text.size() && text[zeros] == alphabet[0]) ++zeros;
  for (char c : text) {
    int carry = DigitOf(alphabet, c);
    if (carry < 0) return Status::Invalid(fmt::format("bad {} character {}", name, CharName(c)));
    for (auto it = out.rbegin(); it != out.rend(); ++it) {
      carry += *it * base;
      *it = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    for (; carry; carry >>= 8) out.insert(out.begin(), static_cast<std::uint8_t>(carry & 0xff));
  }
  Bytes result(zeros, 0);
  result.insert(result.end(), out.begin(), out.end());
  return result;
}

std::string EncodeBigBase(const Bytes& bytes, const char* alphabet, int base) {
  std::size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
  std::vector<int> digits;  // little-endian in `base`
  for (std::size_t i = zeros; i < bytes.size(); ++i) {
    int carry = bytes[i];
    for (int& d : digits) {
      carry += d * 256;
      d = carry % base;
      carry /= base;
    }
    for (; carry; carry /= base) digits.push_back(carry % base);
  }
  std::string s(zeros, alphabet[0]);
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) s += alphabet[*it];
  return s;
}

// RFC 4648 bit-packing bases (base16, base32, base64), unpadded: a trailing
// partial group must be a possible length and its spare bits zero.
Result<Bytes> DecodeBits(std::string_view text, const char* alphabet, int bits, const char* name) {
  Bytes out;
  unsigned acc = 0;
  int have = 0;
  for (char c : text) {
    int d = DigitOf(alphabet, c);
    if (d < 0) return Status::Invalid(fmt::format("bad {} character {}", name, CharName(c)));
    acc = ((acc << bits) | static_cast<unsigned>(d)) & 0xffff;
    have += bits;
    if (have >= 8) {
      have -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> have) & 0xff));
    }
  }
  if (have >= bits) return Status::Invalid(fmt::format("impossible {} length {}", name, text.size()));
  if ((acc & ((1u << have) - 1)) != 0) return Status::Invalid(fmt::format("non-zero {} padding bits", name));
  return out;
}

std::string EncodeBits(const Bytes& bytes, const char* alphabet, int bits) {
  std::string s;
  unsigned acc = 0;
  int have = 0;
  const unsigned mask = (1u << bits) - 1;
  for (std::uint8_t b : bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    have += 8;
    while (have >= bits) {
      have -= bits;
      s += alphabet[(acc >> have) & mask];
    }
  }
  if (have > 0) s += alphabet[(acc << (bits - have)) & mask];
  return s;
}

// Unsigned varint (multiformats): at most 9 bytes, minimally encoded.
Result<std::uint64_t> ReadVarint(const Bytes& b, std::size_t& pos, const char* what) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 63; shift += 7) {
    if (pos >= b.size()) return Status::Invalid(fmt::format("truncated {} varint", what));
    std::uint8_t byte = b[pos++];
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      if (byte == 0 && shift > 0) return Status::Invalid(fmt::format("over-long {} varint", what));
      return v;
    }
  }
  return Status::Invalid(fmt::format("{} varint longer than 9 bytes", what));
}

void WriteVarint(Bytes& b, std::uint64_t v) {
  for (; v >= 0x80; v >>= 7) b.push_back(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
  b.push_back(static_cast<std::uint8_t>(v));
}

// The multihash b[pos..] must end exactly at b.size(). Sets *code.
Status CheckMultihash(const Bytes& b, std::size_t pos, std::uint64_t* code = nullptr) {
  if (pos >= b.size()) return Status::Invalid("no multihash");
  ASSIGN_OR_RETURN(std::uint64_t hash, ReadVarint(b, pos, "multihash code"));
  ASSIGN_OR_RETURN(std::uint64_t len, ReadVarint(b, pos, "multihash length"));
  std::size_t found = b.size() - pos;
  if (found < len) return Status::Invalid(fmt::format("truncated multihash: {} digest bytes of {}", found, len));
  if (found > len) return Status::Invalid(fmt::format("{} extra bytes after the {}-byte multihash digest", found - len, len));
  if (len == 0 && hash != kHashIdentity) return Status::Invalid("empty multihash digest");
  if (hash == kHashSha2_256 && len > 32)
    return Status::Invalid(fmt::format("a sha2-256 digest has 32 bytes, not {}", len));
  if (code) *code = hash;
  return Status::Ok();
}

bool HasUpper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
}
bool HasLower(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
}
std::string ToLower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// A case-insensitive base: the prefix's case says the body's.
Result<Bytes> DecodeCased(char prefix, std::string_view body, const char* alphabet, int bits_or_base,
                          bool big, const char* name) {
  bool upper = std::isupper(static_cast<unsigned char>(prefix));
  if (upper ? HasLower(body) : HasUpper(body))
    return Status::Invalid(fmt::format("mixed-case {} (prefix {} wants {} case)", name, CharName(prefix),
                                       upper ? "upper" : "lower"));
  std::string lower = ToLower(body);
  return big ? DecodeBigBase(lower, alphabet, bits_or_base, name) : DecodeBits(lower, alphabet, bits_or_base, name);
}

// Multibase: a prefix character naming the base, then the payload.
Result<Bytes> DecodeMultibase(std::string_view text) {
  char prefix = text[0];
  std::string_view body = text.substr(1);
  if (body.empty()) return Status::Invalid("nothing after the multibase prefix");
  switch (prefix) {
    case 'b': case 'B': return DecodeCased(prefix, body, kB32, 5, false, "base32");
    case 'k': case 'K': return DecodeCased(prefix, body, kB36, 36, true, "base36");
    case 'f': case 'F': return DecodeCased(prefix, body, kB16, 4, false, "base16");
    case 'z': return DecodeBigBase(body, kB58, 58, "base58btc");
    case 'm': return DecodeBits(body, kB64, 6, "base64");
    case 'u': return DecodeBits(body, kB64Url, 6, "base64url");
    default:
      return Status::Invalid(fmt::format("unknown multibase prefix {}", CharName(prefix)));
  }
}

// Binary CIDv1: <version varint = 1><codec varint><multihash>.
Result<Cid> ParseCidV1Bytes(const Bytes& b) {
  std::size_t pos = 0;
  ASSIGN_OR_RETURN(std::uint64_t version, ReadVarint(b, pos, "version"));
  if (version != 1) return Status::Invalid(fmt::format("unsupported CID version {}", version));
  ASSIGN_OR_RETURN(std::uint64_t codec, ReadVarint(b, pos, "codec"));
  RETURN_IF_ERROR(CheckMultihash(b, pos));
  Cid c;
  c.version = 1;
  c.codec = codec;
  c.multihash.assign(b.begin() + static_cast<std::ptrdiff_t>(pos), b.end());
  return c;
}

// CIDv0: 46 base58btc characters, a bare sha2-256 multihash.
Result<Cid> ParseCidV0(std::string_view text) {
  if (text.size() != 46)
    return Status::Invalid(fmt::format("a CIDv0 has 46 characters, this one {}", text.size()));
  ASSIGN_OR_RETURN(Bytes b, DecodeBigBase(text, kB58, 58, "base58"));
  if (b.size() != 34 || b[0] != kHashSha2_256 || b[1] != 32) return Status::Invalid("not a sha2-256 multihash");
  Cid c;
  c.version = 0;
  c.codec = kCodecDagPb;
  c.multihash = std::move(b);
  return c;
}

// The reason only; ParseCid adds the input.
Result<Cid> ParseCidReason(std::string_view text) {
  if (text.empty()) return Status::Invalid("empty");
  if (text.size() > kMaxCidText) return Status::Invalid(fmt::format("{} characters is too long", text.size()));
  if (text.starts_with("Qm")) return ParseCidV0(text);
  ASSIGN_OR_RETURN(Bytes b, DecodeMultibase(text));
  return ParseCidV1Bytes(b);
}

// A peer id multihash: identity (inlined public key) or sha2-256.
bool IsPeerIdMultihash(const Bytes& mh) {
  std::uint64_t code = 0;
  return CheckMultihash(mh, 0, &code).ok() && (code == kHashIdentity || code == kHashSha2_256);
}

// Why `name` is not a DNS name (labels of [A-Za-z0-9-], at least one dot,
// no label empty, longer than 63 or starting/ending with '-'); nullopt if it is.
std::optional<std::string> DnsNameProblem(std::string_view name) {
  if (name.size() > 253) return "longer than 253 characters";
  if (name.find('.') == std::string_view::npos) return "no dot";
  for (std::size_t i = 0; i <= name.size();) {
    std::size_t j = std::min(name.find('.', i), name.size());
    std::string_view label = name.substr(i, j - i);
    if (label.empty()) return "empty DNS label";
    if (label.size() > 63) return "DNS label longer than 63 characters";
    if (label.front() == '-' || label.back() == '-') return "DNS label starts or ends with '-'";
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
        return fmt::format("character {} in a DNS name", CharName(c));
    i = j + 1;
  }
  return std::nullopt;
}

}  // namespace

std::string Base58btcEncode(const std::vector<std::uint8_t>& bytes) { return EncodeBigBase(bytes, kB58, 58); }

Result<std::vector<std::uint8_t>> Base58btcDecode(std::string_view text) {
  return DecodeBigBase(text, kB58, 58, "base58");
}

std::string Base32LowerEncode(const std::vector<std::uint8_t>& bytes) { return EncodeBits(bytes, kB32, 5); }

std::string Cid::ToString() const {
  if (version == 0) return Base58btcEncode(multihash);
  Bytes b;
  WriteVarint(b, 1);
  WriteVarint(b, codec);
  b.insert(b.end(), multihash.begin(), multihash.end());
  return "b" + Base32LowerEncode(b);
}

Result<Cid> ParseCid(std::string_view text) {
  auto c = ParseCidReason(text);
  if (!c.ok()) return Status::Invalid(fmt::format("{} is not a valid CID ({})", Quoted(text), c.status().message()));
  return c;
}

bool CidEqual(std::string_view a, std::string_view b) {
  auto x = ParseCid(a);
  auto y = ParseCid(b);
  return x.ok() && y.ok() && *x == *y;
}

std::optional<std::vector<std::uint8_t>> IpnsKeyMultihash(std::string_view name) {
  if (name.empty() || name.size() > kMaxCidText) return std::nullopt;
  if (name[0] == '1' || name.starts_with("Qm")) {  // base58btc peer id: a bare multihash
    auto mh = Base58btcDecode(name);
    if (!mh.ok() || !IsPeerIdMultihash(*mh)) return std::nullopt;
    return std::move(mh).value();
  }
  auto c = ParseCidReason(name);
  if (!c.ok() || c->version != 1 || c->codec != kCodecLibp2pKey || !IsPeerIdMultihash(c->multihash))
    return std::nullopt;
  return c->multihash;
}

std::string PeerIdBase58(std::string_view name) {
  auto mh = IpnsKeyMultihash(name);
  return mh ? Base58btcEncode(*mh) : std::string(name);
}

Status ValidateIpnsName(std::string_view name) {
  if (IpnsKeyMultihash(name)) return Status::Ok();
  auto bad = [&](const std::string& why) {
    return Status::Invalid(fmt::format("{} is not a valid IPNS name ({})", Quoted(name), why));
  };
  if (name.empty()) return bad("empty");
  auto dns_problem = DnsNameProblem(name);
  if (!dns_problem) return Status::Ok();
  if (name.find('.') != std::string_view::npos) return bad(*dns_problem);
  // No dot: it can only have been meant as a key; say what is wrong with it.
  if (name[0] == '1' || name.starts_with("Qm")) {
    auto mh = Base58btcDecode(name);
    if (!mh.ok()) return bad(mh.status().message());
    if (Status st = CheckMultihash(*mh, 0); !st.ok()) return bad(st.message());
    return bad("a peer id's multihash is identity or sha2-256");
  }
  auto c = ParseCidReason(name);
  if (!c.ok()) return bad("neither a libp2p key nor a DNS name: " + c.status().message());
  if (c->codec != kCodecLibp2pKey)
    return bad(fmt::format("a CID with codec 0x{:x}, not a libp2p-key (0x72)", c->codec));
  return bad("a libp2p-key CID whose multihash is neither identity nor sha2-256");
}

}  // namespace oneipfs
