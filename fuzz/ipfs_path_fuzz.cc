// ipfs_path_fuzz.cc: CIDs, IPNS names and every PATH / SOURCE form
// (cid.h, ipfs_path.h): strings every image template and transfer line
// carries, written by cloud users.
//
// Feeds the input text to ParseCid, CidEqual, IpnsKeyMultihash, PeerIdBase58,
// ValidateIpnsName, Base58btcDecode and ClassifyPath.
// Asserts (beyond no crash, no sanitizer report, no escaping exception):
//  - a CID that parses re-encodes (Cid::ToString) to text that parses equal
//    and compares equal to the input (CidEqual); a CIDv0 re-encodes to the
//    input itself;
//  - a libp2p key keeps its multihash through PeerIdBase58, and is a valid
//    IPNS name;
//  - base58btc text that decodes encodes back to itself;
//  - a path that classifies as /ipfs/ or /ipns/ has a valid root (a CID, an
//    IPNS name), a normalised sub-path (segments neither empty, "." nor "..",
//    no control character, no trailing '/'), and its ToString() classifies
//    back to the same kind, root and sub-path (unless it ends in a blank,
//    which ClassifyPath trims);
//  - a local path starts with '/', a URL with http:// or https://.
#include <cctype>
#include <string>

#include "common/ipfs/cid.h"
#include "common/ipfs/ipfs_path.h"
#include "common/base/text.h"
#include "fuzz/fuzz.h"

using namespace oneipfs;
using fuzz::Q;

namespace {

const char* KindName(PathRef::Kind k) {
  switch (k) {
    case PathRef::Kind::kIpfs: return "ipfs";
    case PathRef::Kind::kIpns: return "ipns";
    case PathRef::Kind::kLocal: return "local";
    default: return "url";
  }
}

void CheckCid(std::string_view text) {
  auto cid = ParseCid(text);
  if (!cid.ok()) {
    FUZZ_CHECK(!CidEqual(text, text), "CidEqual accepts {} that ParseCid refuses", Q(text));
    return;
  }
  std::string printed = cid->ToString();
  auto again = ParseCid(printed);
  FUZZ_CHECK(again.ok(), "{} parses but its re-encoding {} does not: {}", Q(text), Q(printed),
             again.status().message());
  FUZZ_CHECK(*again == *cid, "{} re-encodes to {}, which parses to another CID", Q(text), Q(printed));
  FUZZ_CHECK(CidEqual(text, printed), "CidEqual({}, {}) is false", Q(text), Q(printed));
  if (cid->version == 0) FUZZ_CHECK(printed == text, "CIDv0 {} re-encodes to {}", Q(text), Q(printed));
  else FUZZ_CHECK(printed.starts_with('b'), "CIDv1 {} prints as {}, not base32", Q(text), Q(printed));
}

void CheckIpns(std::string_view text) {
  auto mh = IpnsKeyMultihash(text);
  Status valid = ValidateIpnsName(text);
  if (!mh) return;
  FUZZ_CHECK(valid.ok(), "key {} is not a valid IPNS name: {}", Q(text), valid.message());
  std::string peer = PeerIdBase58(text);
  auto mh2 = IpnsKeyMultihash(peer);
  FUZZ_CHECK(mh2 && *mh2 == *mh, "key {} and its peer id form {} name different keys", Q(text), Q(peer));
  FUZZ_CHECK(PeerIdBase58(peer) == peer, "PeerIdBase58 of {} is not stable", Q(peer));
}

void CheckBase58(std::string_view text) {
  if (text.size() > 1024) return;  // quadratic; callers bound it (cid.cc kMaxCidText)
  auto bytes = Base58btcDecode(text);
  if (!bytes.ok()) return;
  std::string printed = Base58btcEncode(*bytes);
  FUZZ_CHECK(printed == text, "base58btc {} decodes and encodes to {}", Q(text), Q(printed));
}

void CheckSubpath(std::string_view sub, std::string_view text) {
  if (sub.empty()) return;
  FUZZ_CHECK(sub.front() == '/' && sub.back() != '/', "sub-path {} of {} is not normalised", Q(sub), Q(text));
  for (std::size_t i = 1; i <= sub.size();) {
    std::size_t j = std::min(sub.find('/', i), sub.size());
    std::string_view seg = sub.substr(i, j - i);
    FUZZ_CHECK(!seg.empty() && seg != "." && seg != "..", "sub-path {} of {} has segment {}", Q(sub), Q(text),
               Q(seg));
    i = j + 1;
  }
  for (char c : sub)
    FUZZ_CHECK(!std::iscntrl(static_cast<unsigned char>(c)), "sub-path {} of {} holds a control character",
               Q(sub), Q(text));
}

void CheckPath(std::string_view text) {
  auto ref = ClassifyPath(text);
  if (!ref.ok()) return;
  switch (ref->kind) {
    case PathRef::Kind::kLocal:
      FUZZ_CHECK(ref->original.starts_with('/'), "local path {} does not start with '/'", Q(ref->original));
      return;
    case PathRef::Kind::kUrl:
      FUZZ_CHECK(StartsWithNoCase(ref->original, "http://") || StartsWithNoCase(ref->original, "https://"),
                 "URL {} is not http(s)", Q(ref->original));
      return;
    case PathRef::Kind::kIpfs:
      FUZZ_CHECK(ParseCid(ref->root).ok(), "{} classifies as /ipfs/ with root {} that is not a CID", Q(text),
                 Q(ref->root));
      break;
    case PathRef::Kind::kIpns:
      FUZZ_CHECK(ValidateIpnsName(ref->root).ok(), "{} classifies as /ipns/ with root {} that is not a name",
                 Q(text), Q(ref->root));
      break;
  }
  CheckSubpath(ref->subpath, text);
  std::string printed = ref->ToString();
  // ClassifyPath trims what oned sends: a sub-path ending in a blank (an
  // ipfs:// URL's %20) cannot print as a path that classifies back the same.
  // ToString() only names content to the daemon, which gets it as it is.
  if (Trim(printed) != printed) return;
  auto again = ClassifyPath(printed);
  FUZZ_CHECK(again.ok(), "{} classifies, its ToString() {} does not: {}", Q(text), Q(printed),
             again.status().message());
  FUZZ_CHECK(again->kind == ref->kind && again->root == ref->root && again->subpath == ref->subpath,
             "{} is {} {} {}, its ToString() {} is {} {} {}", Q(text), KindName(ref->kind), Q(ref->root),
             Q(ref->subpath), Q(printed), KindName(again->kind), Q(again->root), Q(again->subpath));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::AsText(data, size);
  CheckCid(text);
  CheckIpns(text);
  CheckBase58(text);
  CheckPath(text);
  return 0;
}
