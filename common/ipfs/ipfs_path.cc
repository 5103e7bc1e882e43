#include "common/ipfs/ipfs_path.h"

#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "common/ipfs/cid.h"
#include "common/base/log.h"
#include "common/base/text.h"

namespace oneipfs {
namespace {

using Kind = PathRef::Kind;

std::string Quoted(std::string_view s) { return QuoteForMessage(s, 200); }

const char* KindWord(Kind kind) { return kind == Kind::kIpfs ? "IPFS" : "IPNS"; }

Status BadPath(Kind kind, std::string_view original, const std::string& why) {
  return Status::Invalid(fmt::format("{} is not a valid {} path: {}", Quoted(original), KindWord(kind), why));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// "%xx" -> the byte; a '%' not followed by two hex digits stays as it is.
std::string PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    int hi = i + 2 < s.size() && s[i] == '%' ? HexValue(s[i + 1]) : -1;
    int lo = hi >= 0 ? HexValue(s[i + 2]) : -1;
    if (lo >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Drops a URL's "?query" and "#fragment".
std::string_view WithoutQuery(std::string_view url) { return url.substr(0, url.find_first_of("?#")); }

// "/a//b/./c/" -> "/a/b/c"; ".." and control characters are errors.
Result<std::string> NormaliseSubpath(std::string_view sub) {
  std::string out;
  for (std::size_t i = 0; i < sub.size();) {
    std::size_t j = std::min(sub.find('/', i), sub.size());
    std::string_view seg = sub.substr(i, j - i);
    if (seg == "..") return Status::Invalid("'..' is not allowed in a sub-path");
    for (char c : seg)
      if (std::iscntrl(static_cast<unsigned char>(c)))
        return Status::Invalid(fmt::format("control character \\x{:02x} in the sub-path", static_cast<unsigned char>(c)));
    if (!seg.empty() && seg != ".") {
      out += '/';
      out += seg;
    }
    i = j + 1;
  }
  return out;
}

// rest = "<root>[/sub...]", what follows /ipfs/ or /ipns/.
Result<PathRef> ParseRootAndSub(Kind kind, std::string_view rest, std::string_view original) {
  std::size_t slash = rest.find('/');
  std::string_view root = rest.substr(0, slash);
  std::string_view sub = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (root.empty()) return BadPath(kind, original, kind == Kind::kIpfs ? "no CID" : "no IPNS name");
  Status st = kind == Kind::kIpfs ? ParseCid(root).status() : ValidateIpnsName(root);
  if (!st.ok()) return BadPath(kind, original, st.message());
  auto norm = NormaliseSubpath(sub);
  if (!norm.ok()) return BadPath(kind, original, norm.status().message());
  PathRef ref;
  ref.kind = kind;
  ref.root = std::string(root);
  ref.subpath = std::move(norm).value();
  ref.original = std::string(original);
  return ref;
}

// "/ipfs[/...]" or "/ipns[/...]": the kind and what follows "/ipfs/".
std::optional<std::pair<Kind, std::string_view>> SplitIpfsPrefix(std::string_view path) {
  for (auto [prefix, kind] : {std::pair{std::string_view("/ipfs"), Kind::kIpfs}, std::pair{std::string_view("/ipns"), Kind::kIpns}}) {
    if (path == prefix) return std::pair{kind, std::string_view()};
    if (path.starts_with(prefix) && path[prefix.size()] == '/') return std::pair{kind, path.substr(prefix.size() + 1)};
  }
  return std::nullopt;
}

// DNSLink names in subdomain gateways: '-' stands for '.', "--" for '-'.
std::string DecodeDnsLinkLabel(std::string_view label) {
  std::string out;
  for (std::size_t i = 0; i < label.size(); ++i) {
    if (label[i] != '-') {
      out += label[i];
    } else if (i + 1 < label.size() && label[i + 1] == '-') {
      out += '-';
      ++i;
    } else {
      out += '.';
    }
  }
  return out;
}

// The CID of a subdomain gateway ("<cid>.ipfs.<gw>"), lower-cased: DNS
// names ignore case, so only CIDv1 in base32 or base36 survive in a host.
Result<std::string> SubdomainCid(std::string_view label) {
  std::string lower = Lower(label);
  if (lower[0] == 'b' || lower[0] == 'k') {
    RETURN_IF_ERROR(ParseCid(lower).status());
    return lower;
  }
  auto as_written = ParseCid(label);
  std::string what = !as_written.ok()        ? "not a CID"
                     : as_written->version == 0 ? "a CIDv0"
                                                : "a CIDv1 in a case-sensitive base";
  return Status::Invalid(fmt::format("a subdomain gateway needs a CIDv1 in base32 or base36, and {} is {}",
                                     Quoted(label), what));
}

// The IPNS name of a subdomain gateway ("<name>.ipns.<gw>"): a key, or a
// DNSLink name with its dots written as '-'.
Result<std::string> SubdomainIpnsName(std::string_view label) {
  std::string lower = Lower(label);
  if (IpnsKeyMultihash(lower)) return lower;
  std::string name = DecodeDnsLinkLabel(lower);
  Status st = ValidateIpnsName(name);
  if (!st.ok()) return Status::Invalid(fmt::format("subdomain {} is neither a key nor a DNSLink name", Quoted(label)));
  return name;
}

// A first host label this long is meant as a CID or key, not a host name.
bool LooksLikeContentId(std::string_view label) { return label.size() >= 32; }

struct UrlParts {
  std::string host;  // as written, without user info and port
  std::string path;  // percent-decoded, without query and fragment; may be ""
};

UrlParts SplitHttpUrl(std::string_view url) {
  std::string_view rest = WithoutQuery(url.substr(url.find("://") + 3));
  std::size_t path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.starts_with('[')) {
    authority = authority.substr(0, authority.find(']') + 1);  // IPv6 literal
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    authority = authority.substr(0, colon);
  }
  UrlParts parts;
  parts.host = std::string(authority);
  if (path_start != std::string_view::npos) parts.path = PercentDecode(rest.substr(path_start));
  return parts;
}

// An http(s) URL: a subdomain or path gateway reference, or nullopt for an
// ordinary URL.
Result<std::optional<PathRef>> ParseGatewayUrl(std::string_view url) {
  UrlParts u = SplitHttpUrl(url);
  std::string host = Lower(u.host);
  std::size_t dot = host.find('.');
  if (dot != std::string::npos && dot > 0) {
    std::string_view after = std::string_view(host).substr(dot + 1);
    std::optional<Kind> kind;
    if (after.starts_with("ipfs.") && after.size() > 5) kind = Kind::kIpfs;
    if (after.starts_with("ipns.") && after.size() > 5) kind = Kind::kIpns;
    if (kind) {
      std::string_view label = std::string_view(u.host).substr(0, dot);
      auto root = *kind == Kind::kIpfs ? SubdomainCid(label) : SubdomainIpnsName(label);
      if (root.ok()) {
        ASSIGN_OR_RETURN(PathRef ref, ParseRootAndSub(*kind, *root + u.path, url));
        return std::optional<PathRef>(std::move(ref));
      }
      if (LooksLikeContentId(label)) return BadPath(*kind, url, root.status().message());
      // else an ordinary host that happens to read "x.ipfs.y" (docs.ipfs.tech).
    }
  }
  if (auto split = SplitIpfsPrefix(u.path)) {
    ASSIGN_OR_RETURN(PathRef ref, ParseRootAndSub(split->first, split->second, url));
    return std::optional<PathRef>(std::move(ref));
  }
  return std::optional<PathRef>();
}

// "ipfs://<cid>[/sub]" / "ipns://<name>[/sub]" (query and fragment ignored).
Result<PathRef> ParseNativeUrl(Kind kind, std::string_view url) {
  std::string rest = PercentDecode(WithoutQuery(url.substr(7)));
  return ParseRootAndSub(kind, rest, url);
}

// The scheme of "<scheme>:..." (RFC 3986 syntax), or "" when there is none.
std::string_view SchemeOf(std::string_view s) {
  std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(s[0]))) return {};
  for (char c : s.substr(0, colon))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return {};
  return s.substr(0, colon);
}

// OpenNebula's CLI (`oneimage create --path`, oneimage_helper.rb PREFIXES)
// prepends its working directory and a '/' to every path that neither starts
// with '/' nor with http, https, ssh, s3, rbd or lxd followed by "://", so
// "ipfs://<cid>" reaches the driver as "<cwd>/ipfs://<cid>" (and from "/" as
// "//ipfs://<cid>"). The working directory is canonical (no "//" in it), so
// the first "ipfs://" or "ipns://" right after a '/' whose prefix holds no
// "//" is the user's URL: returns it, or nothing for any other path.
std::optional<std::string_view> CliPrefixedNativeUrl(std::string_view t) {
  const std::size_t at = t.find("://");
  if (at == std::string_view::npos || at < 5 || t[at - 5] != '/') return std::nullopt;
  std::string_view cwd = t.substr(0, at - 4);  // ends with '/'
  std::string_view url = t.substr(at - 4);
  if (!StartsWithNoCase(url, "ipfs://") && !StartsWithNoCase(url, "ipns://")) return std::nullopt;
  if (cwd.front() != '/' || (cwd != "//" && cwd.find("//") != std::string_view::npos)) return std::nullopt;
  return url;
}

PathRef Plain(Kind kind, std::string_view t) {
  PathRef ref;
  ref.kind = kind;
  ref.original = std::string(t);
  return ref;
}

}  // namespace

std::string PathRef::ToString() const {
  switch (kind) {
    case Kind::kIpfs: return "/ipfs/" + root + subpath;
    case Kind::kIpns: return "/ipns/" + root + subpath;
    default: return original;
  }
}

Result<PathRef> ClassifyPath(std::string_view text) {
  std::string_view t = Trim(text);
  if (t.empty()) return Status::Invalid("the path is empty");
  if (t.starts_with("fs:")) {
    auto split = SplitIpfsPrefix(t.substr(3));
    if (!split)
      return Status::Invalid(fmt::format("{} is not a valid IPFS path: fs: must be followed by /ipfs/ or /ipns/", Quoted(t)));
    return ParseRootAndSub(split->first, split->second, t);
  }
  if (auto split = SplitIpfsPrefix(t)) return ParseRootAndSub(split->first, split->second, t);
  if (StartsWithNoCase(t, "ipfs://")) return ParseNativeUrl(Kind::kIpfs, t);
  if (StartsWithNoCase(t, "ipns://")) return ParseNativeUrl(Kind::kIpns, t);
  if (StartsWithNoCase(t, "http://") || StartsWithNoCase(t, "https://")) {
    ASSIGN_OR_RETURN(std::optional<PathRef> gateway, ParseGatewayUrl(t));
    return gateway ? std::move(*gateway) : Plain(Kind::kUrl, t);
  }
  if (auto url = CliPrefixedNativeUrl(t)) return ClassifyPath(*url);
  if (t.front() == '/') return Plain(Kind::kLocal, t);
  if (std::string_view scheme = SchemeOf(t); !scheme.empty())
    return Status::Invalid(fmt::format("{}: the {}: scheme is not supported (use /ipfs/, /ipns/, ipfs://, "
                                       "ipns://, an http(s) URL or an absolute file path)",
                                       Quoted(t), scheme));
  return Status::Invalid(
      fmt::format("{} is neither an IPFS path, an http(s) URL nor an absolute file path", Quoted(t)));
}

}  // namespace oneipfs
