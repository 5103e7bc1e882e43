// cid.h: CID and IPNS key parsing and comparison.
//
// ParseCid accepts CIDv0 (46-character base58btc "Qm..." sha2-256 multihash)
// and CIDv1 in any multibase the IPFS daemons print or accept: base32
// ('b', lower; 'B' upper), base36 ('k'/'K'), base58btc ('z'), base16 ('f'/'F'),
// base64 ('m'), base64url ('u'). It validates the multibase alphabet, the
// varints, a known codec is not required but the multihash must be well
// formed (code varint, length varint, exactly that many digest bytes).
// Errors are Status::Invalid with a reason a user can act on
// ("not a valid CID: 'xyz': bad base32 character 'l'").
//
// Two Cids are equal when version, codec and multihash are equal: the same
// content printed in two bases compares equal.
//
// IPNS names: a libp2p key printed as a base58btc peer id ("12D3KooW..."
// identity multihash, "Qm..." sha2-256) or as a CIDv1 with codec libp2p-key
// (0x72) in any multibase ("k51..."). IpnsKeyMultihash returns the peer id's
// multihash for either form, so the two forms of one key compare equal;
// PeerIdBase58 prints the base58btc form js-ipfs requires. Names that are
// not keys (DNSLink domains) are valid IPNS names but have no multihash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace oneipfs {

struct Cid {
  int version = 1;
  std::uint64_t codec = 0x70;          // dag-pb for v0
  std::vector<std::uint8_t> multihash; // code varint + length varint + digest

  bool operator==(const Cid& o) const {
    return version == o.version && codec == o.codec && multihash == o.multihash;
  }
  bool operator!=(const Cid& o) const { return !(*this == o); }
  // v0: base58btc "Qm..."; v1: base32 lower-case "b...".
  std::string ToString() const;
};

Result<Cid> ParseCid(std::string_view text);
bool CidEqual(std::string_view a, std::string_view b);  // both parse and are equal

// Multihash of a libp2p key given as "12D3Koo..."/"Qm..." or "k51..." (any
// multibase CIDv1 with codec 0x72). nullopt when `name` is not a key.
std::optional<std::vector<std::uint8_t>> IpnsKeyMultihash(std::string_view name);
// The base58btc peer-id form of a key name ("k51..." -> "12D3Koo..."); other
// names (keys already in that form, DNSLink domains) are returned unchanged.
std::string PeerIdBase58(std::string_view name);
// A valid IPNS name: a key in either form, or a DNS name (labels of
// [A-Za-z0-9-], at least one dot, no leading/trailing hyphen).
Status ValidateIpnsName(std::string_view name);

// Codecs and bases used elsewhere.
std::string Base58btcEncode(const std::vector<std::uint8_t>& bytes);
Result<std::vector<std::uint8_t>> Base58btcDecode(std::string_view text);
std::string Base32LowerEncode(const std::vector<std::uint8_t>& bytes);

}  // namespace oneipfs
