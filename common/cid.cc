#include "common/cid.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include <fmt/format.h>

namespace oneipfs {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr const char* kB58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr const char* kB32 = "abcdefghijklmnopqrstuvwxyz234567";
constexpr const char* kB36 = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr const char* kB64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string CharName(char c) {
  if (std::isprint(static_cast<unsigned char>(c))) return fmt::format("'{}'", c);
  return fmt::format("0x{:02x}", static_cast<unsigned char>(c));
}

// Arbitrary-base big-number decoding (base58, base36).
Result<Bytes> DecodeBigBase(std::string_view text, const char* alphabet, int base, const char* name) {
  Bytes out;  // big-endian accumulator
  size_t zeros = 0;
  while (zeros < text.size() && text[zeros] == alphabet[0]) ++zeros;
  for (char c : text) {
    const char* p = std::strchr(alphabet, c);
    if (!p || c == '\0') return Status::Invalid(fmt::format("bad {} character {}", name, CharName(c)));
    int carry = static_cast<int>(p - alphabet);
    for (auto it = out.rbegin(); it != out.rend(); ++it) {
      carry += *it * base;
      *it = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry) {
      out.insert(out.begin(), static_cast<std::uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  Bytes result(zeros, 0);
  result.insert(result.end(), out.begin(), out.end());
  return result;
}

std::string EncodeBigBase(const Bytes& bytes, const char* alphabet, int base) {
  size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
  std::vector<int> digits;  // little-endian in `base`
  for (size_t i = zeros; i < bytes.size(); ++i) {
    int carry = bytes[i];
    for (int& d : digits) {
      carry += d * 256;
      d = carry % base;
      carry /= base;
    }
    while (carry) {
      digits.push_back(carry % base);
      carry /= base;
    }
  }
  std::string s(zeros, alphabet[0]);
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) s += alphabet[*it];
  return s;
}

// RFC 4648 style bit-packing bases (base32, base64, base16), no padding.
Result<Bytes> DecodeBits(std::string_view text, const char* alphabet, int bits, const char* name) {
  Bytes out;
  unsigned acc = 0;
  int have = 0;
  for (char c : text) {
    const char* p = std::strchr(alphabet, c);
    if (!p || c == '\0') return Status::Invalid(fmt::format("bad {} character {}", name, CharName(c)));
    acc = (acc << bits) | static_cast<unsigned>(p - alphabet);
    have += bits;
    if (have >= 8) {
      have -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> have) & 0xff));
    }
  }
  if (have >= bits || (acc & ((1u << have) - 1)) != 0)
    return Status::Invalid(fmt::format("bad {} length or padding bits", name));
  return out;
}

std::string EncodeBits(const Bytes& bytes, const char* alphabet, int bits) {
  std::string s;
  unsigned acc = 0;
  int have = 0;
  for (std::uint8_t b : bytes) {
    acc = (acc << 8) | b;
    have += 8;
    while (have >= bits) {
      have -= bits;
      s += alphabet[(acc >> have) & ((1u << bits) - 1)];
    }
  }
  if (have > 0) s += alphabet[(acc << (bits - have)) & ((1u << bits) - 1)];
  return s;
}

Result<std::uint64_t> ReadVarint(const Bytes& b, size_t& pos) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 63; shift += 7) {
    if (pos >= b.size()) return Status::Invalid("truncated varint");
    std::uint8_t byte = b[pos++];
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      if (byte == 0 && shift > 0) return Status::Invalid("over-long varint");
      return v;
    }
  }
  return Status::Invalid("varint too long");
}

void WriteVarint(Bytes& b, std::uint64_t v) {
  while (v >= 0x80) {
    b.push_back(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  b.push_back(static_cast<std::uint8_t>(v));
}

// Validates a multihash occupying b[pos..]; it must end exactly at b.size().
Status CheckMultihash(const Bytes& b, size_t pos) {
  ASSIGN_OR_RETURN(std::uint64_t code, ReadVarint(b, pos));
  (void)code;
  ASSIGN_OR_RETURN(std::uint64_t len, ReadVarint(b, pos));
  if (b.size() - pos != len)
    return Status::Invalid(fmt::format("multihash says {} digest bytes, found {}", len, b.size() - pos));
  if (len == 0 && code != 0x00) return Status::Invalid("empty digest");
  return Status::Ok();
}

bool IsLower(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
}
bool IsUpper(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
}
std::string ToLower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// Multibase decoding of a CIDv1 string (prefix char + payload).
Result<Bytes> DecodeMultibase(std::string_view text) {
  if (text.size() < 2) return Status::Invalid("too short");
  char prefix = text[0];
  std::string_view body = text.substr(1);
  switch (prefix) {
    case 'b':
      if (!IsLower(body)) return Status::Invalid("mixed-case base32");
      return DecodeBits(body, kB32, 5, "base32");
    case 'B':
      if (!IsUpper(body)) return Status::Invalid("mixed-case base32");
      return DecodeBits(ToLower(body), kB32, 5, "base32");
    case 'k':
      if (!IsLower(body)) return Status::Invalid("mixed-case base36");
      return DecodeBigBase(body, kB36, 36, "base36");
    case 'K':
      if (!IsUpper(body)) return Status::Invalid("mixed-case base36");
      return DecodeBigBase(ToLower(body), kB36, 36, "base36");
    case 'z':
      return DecodeBigBase(body, kB58, 58, "base58btc");
    case 'f':
      if (!IsLower(body)) return Status::Invalid("mixed-case base16");
      return DecodeBits(body, "0123456789abcdef", 4, "base16");
    case 'F':
      if (!IsUpper(body)) return Status::Invalid("mixed-case base16");
      return DecodeBits(ToLower(body), "0123456789abcdef", 4, "base16");
    case 'm':
      return DecodeBits(body, kB64, 6, "base64");
    case 'u':
      return DecodeBits(body, kB64Url, 6, "base64url");
    default:
      return Status::Invalid(fmt::format("unknown multibase prefix {}", CharName(prefix)));
  }
}

Result<Cid> ParseCidBytesV1(const Bytes& b) {
  size_t pos = 0;
  ASSIGN_OR_RETURN(std::uint64_t version, ReadVarint(b, pos));
  if (version != 1) return Status::Invalid(fmt::format("unsupported CID version {}", version));
  ASSIGN_OR_RETURN(std::uint64_t codec, ReadVarint(b, pos));
  RETURN_IF_ERROR(CheckMultihash(b, pos));
  Cid c;
  c.version = 1;
  c.codec = codec;
  c.multihash.assign(b.begin() + static_cast<long>(pos), b.end());
  return c;
}

Result<Cid> ParseCidImpl(std::string_view text) {
  if (text.empty()) return Status::Invalid("empty");
  if (text.size() == 46 && text.substr(0, 2) == "Qm") {
    ASSIGN_OR_RETURN(Bytes b, Base58btcDecode(text));
    if (b.size() != 34 || b[0] != 0x12 || b[1] != 0x20) return Status::Invalid("not a sha2-256 CIDv0");
    Cid c;
    c.version = 0;
    c.codec = 0x70;
    c.multihash = std::move(b);
    return c;
  }
  if (text.substr(0, 2) == "Qm") return Status::Invalid(fmt::format("a CIDv0 has 46 characters, not {}", text.size()));
  ASSIGN_OR_RETURN(Bytes b, DecodeMultibase(text));
  return ParseCidBytesV1(b);
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
  auto c = ParseCidImpl(text);
  if (!c.ok()) return Status::Invalid(fmt::format("'{}' is not a valid CID ({})", text, c.status().message()));
  return c;
}

bool CidEqual(std::string_view a, std::string_view b) {
  auto x = ParseCid(a), y = ParseCid(b);
  return x.ok() && y.ok() && *x == *y;
}

std::optional<std::vector<std::uint8_t>> IpnsKeyMultihash(std::string_view name) {
  if (name.empty()) return std::nullopt;
  if (name[0] == '1' || name.substr(0, 2) == "Qm") {  // base58btc peer id: a bare multihash
    auto b = Base58btcDecode(name);
    if (!b.ok() || !CheckMultihash(*b, 0).ok()) return std::nullopt;
    size_t pos = 0;
    auto code = ReadVarint(*b, pos);
    if (!code.ok() || (*code != 0x00 && *code != 0x12)) return std::nullopt;  // identity or sha2-256
    return *b;
  }
  auto c = ParseCidImpl(name);
  if (!c.ok() || c->version != 1 || c->codec != 0x72) return std::nullopt;
  return c->multihash;
}

std::string PeerIdBase58(std::string_view name) {
  auto mh = IpnsKeyMultihash(name);
  if (!mh) return std::string(name);
  return Base58btcEncode(*mh);
}

Status ValidateIpnsName(std::string_view name) {
  if (IpnsKeyMultihash(name)) return Status::Ok();
  // DNSLink: a domain name.
  auto bad = [&](std::string_view why) {
    return Status::Invalid(fmt::format("'{}' is not a valid IPNS name ({})", name, why));
  };
  if (name.empty() || name.size() > 253) return bad("length");
  if (name.find('.') == std::string_view::npos) return bad("neither a key nor a DNS name");
  size_t i = 0;
  while (i <= name.size()) {
    size_t j = name.find('.', i);
    if (j == std::string_view::npos) j = name.size();
    std::string_view label = name.substr(i, j - i);
    if (label.empty() || label.size() > 63) return bad("empty or long DNS label");
    if (label.front() == '-' || label.back() == '-') return bad("DNS label starts or ends with '-'");
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return bad(fmt::format("character {}", CharName(c)));
    i = j + 1;
  }
  return Status::Ok();
}

}  // namespace oneipfs
