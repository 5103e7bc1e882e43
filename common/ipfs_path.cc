#include "common/ipfs_path.h"

#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "common/cid.h"

namespace oneipfs {
namespace {

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "/a//b/./c/" -> "/a/b/c"; ".." is an error.
Result<std::string> NormaliseSubpath(std::string_view sub) {
  std::string out;
  size_t i = 0;
  while (i < sub.size()) {
    size_t j = sub.find('/', i);
    if (j == std::string_view::npos) j = sub.size();
    std::string_view seg = sub.substr(i, j - i);
    if (seg == "..") return Status::Invalid("'..' is not allowed in an IPFS path");
    if (!seg.empty() && seg != ".") {
      out += '/';
      out += seg;
    }
    i = j + 1;
  }
  return out;
}

// rest = "<root>[/sub...]" after /ipfs/ or /ipns/.
Result<PathRef> ParseRootAndSub(PathRef::Kind kind, std::string_view rest, std::string_view original) {
  size_t slash = rest.find('/');
  std::string root(rest.substr(0, slash));
  std::string_view sub = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  auto bad = [&](const std::string& why) {
    return Status::Invalid(fmt::format("'{}' is not a valid IPFS path: {}", original, why));
  };
  if (root.empty()) return bad(kind == PathRef::Kind::kIpfs ? "no CID" : "no IPNS name");
  if (kind == PathRef::Kind::kIpfs) {
    auto c = ParseCid(root);
    if (!c.ok()) return bad(c.status().message());
  } else {
    Status st = ValidateIpnsName(root);
    if (!st.ok()) return bad(st.message());
  }
  auto norm = NormaliseSubpath(sub);
  if (!norm.ok()) return bad(norm.status().message());
  PathRef ref;
  ref.kind = kind;
  ref.root = root;
  ref.subpath = *norm;
  ref.original = std::string(original);
  return ref;
}

// DNSLink names in subdomain gateways: '-' stands for '.', '--' for '-'.
std::string DecodeDnsLinkLabel(std::string_view label) {
  std::string out;
  for (size_t i = 0; i < label.size(); ++i) {
    if (label[i] == '-') {
      if (i + 1 < label.size() && label[i + 1] == '-') {
        out += '-';
        ++i;
      } else {
        out += '.';
      }
    } else {
      out += label[i];
    }
  }
  return out;
}

// Gateway URLs. nullopt: an ordinary http(s) URL.
Result<std::optional<PathRef>> ParseGatewayUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  std::string_view rest = url.substr(scheme_end + 3);
  size_t path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  std::string path = path_start == std::string_view::npos ? "" : std::string(rest.substr(path_start));
  if (size_t q = path.find_first_of("?#"); q != std::string::npos) path.resize(q);
  path = PercentDecode(path);
  std::string host(authority);
  if (size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (size_t colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos)
    host.resize(colon);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  for (auto [prefix, kind] : {std::pair{"/ipfs/", PathRef::Kind::kIpfs}, std::pair{"/ipns/", PathRef::Kind::kIpns}}) {
    if (path.rfind(prefix, 0) == 0) {
      ASSIGN_OR_RETURN(PathRef ref, ParseRootAndSub(kind, std::string_view(path).substr(6), url));
      return std::optional<PathRef>(std::move(ref));
    }
  }
  // Subdomain style: <cid>.ipfs.<gateway> / <name>.ipns.<gateway>
  for (auto [label, kind] : {std::pair{".ipfs.", PathRef::Kind::kIpfs}, std::pair{".ipns.", PathRef::Kind::kIpns}}) {
    size_t at = host.find(label);
    if (at == std::string::npos || at == 0) continue;
    std::string root = host.substr(0, at);
    if (root.find('.') != std::string::npos) continue;
    if (kind == PathRef::Kind::kIpns && !IpnsKeyMultihash(root)) root = DecodeDnsLinkLabel(root);
    if (kind == PathRef::Kind::kIpfs) {
      auto c = ParseCid(root);
      if (!c.ok() || c->version != 1)
        return Status::Invalid(fmt::format("'{}' is not a valid IPFS path: a subdomain gateway needs a CIDv1 in "
                                           "base32 or base36, not '{}'",
                                           url, root));
    }
    ASSIGN_OR_RETURN(PathRef ref, ParseRootAndSub(kind, root + path, url));
    return std::optional<PathRef>(std::move(ref));
  }
  return std::optional<PathRef>();
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
  std::string_view t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  if (t.empty()) return Status::Invalid("the path is empty");
  if (t.rfind("fs:/ipfs/", 0) == 0 || t.rfind("fs:/ipns/", 0) == 0) t.remove_prefix(3);

  if (t.rfind("/ipfs/", 0) == 0) return ParseRootAndSub(PathRef::Kind::kIpfs, t.substr(6), text);
  if (t.rfind("/ipns/", 0) == 0) return ParseRootAndSub(PathRef::Kind::kIpns, t.substr(6), text);
  if (t == "/ipfs" || t == "/ipns") return ParseRootAndSub(PathRef::Kind::kIpfs, "", text);
  if (t.rfind("ipfs://", 0) == 0) return ParseRootAndSub(PathRef::Kind::kIpfs, PercentDecode(t.substr(7)), text);
  if (t.rfind("ipns://", 0) == 0) return ParseRootAndSub(PathRef::Kind::kIpns, PercentDecode(t.substr(7)), text);
  if (t.rfind("http://", 0) == 0 || t.rfind("https://", 0) == 0) {
    ASSIGN_OR_RETURN(auto gw, ParseGatewayUrl(t));
    if (gw) return *gw;
    PathRef ref;
    ref.kind = PathRef::Kind::kUrl;
    ref.original = std::string(t);
    return ref;
  }
  if (t[0] == '/') {
    PathRef ref;
    ref.kind = PathRef::Kind::kLocal;
    ref.original = std::string(t);
    return ref;
  }
  size_t colon = t.find("://");
  if (colon != std::string_view::npos)
    return Status::Invalid(fmt::format("'{}': the {}:// scheme is not supported (use /ipfs/, /ipns/, ipfs://, "
                                       "ipns://, http(s):// or an absolute file path)",
                                       text, t.substr(0, colon)));
  return Status::Invalid(fmt::format("'{}' is not an IPFS path, an http(s) URL or an absolute file path", text));
}

}  // namespace oneipfs
