#include "common/catalog/source.h"

#include <fmt/format.h>

#include "common/ipfs/cid.h"

namespace oneipfs {

std::string StripHostPrefix(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::string(s);
  std::string_view host = s.substr(0, colon);
  std::string_view rest = s.substr(colon + 1);
  // URL schemes are not hosts.
  if (host == "ipfs" || host == "ipns" || host == "http" || host == "https" || host == "fs" || host == "mfs")
    return std::string(s);
  if (rest.starts_with("/ipfs/") || rest.starts_with("/ipns/") || rest.starts_with("mfs:") ||
      rest.starts_with("ipfs://") || rest.starts_with("ipns://"))
    return std::string(rest);
  return std::string(s);
}

Result<ResolvedContent> ResolveIpfsRef(IpfsClient& ipfs, const PathRef& ref, const Log& log) {
  ResolvedContent out;
  out.described = ref.original.empty() ? ref.ToString() : ref.original;
  std::string path = ref.ToString();
  if (ref.kind == PathRef::Kind::kIpns) {
    std::string name = PeerIdBase58(ref.root);
    auto resolved = ipfs.ResolveName(fmt::format("/ipns/{}{}", name, ref.subpath));
    if (!resolved.ok())
      return resolved.status().Prefixed(fmt::format("IPNS name {} does not resolve", ref.root));
    log.Info(fmt::format("{} resolves to {}", path, *resolved));
    path = *resolved;
  } else if (ref.kind != PathRef::Kind::kIpfs) {
    return Status::Invalid(fmt::format("'{}' is not an IPFS path", out.described));
  }
  ASSIGN_OR_RETURN(FileStat st, ipfs.Stat(path));
  if (!st.is_file())
    return Status::Invalid(fmt::format(
        "{} is a directory, not a disk image; register a file inside it (e.g. {}/disk.qcow2)", out.described, path));
  out.cid = st.cid;
  out.size = st.size;
  out.ipfs_path = path;
  return out;
}

Result<ResolvedContent> ResolveSource(IpfsClient& ipfs, std::string_view source, const Log& log) {
  std::string s = StripHostPrefix(source);
  if (auto entry = ParseCatalogSource(s)) {
    Catalog catalog(ipfs, "");
    auto cur = catalog.Current(*entry);
    if (!cur.ok()) {
      if (cur.status().code() == Status::Code::kNotFound)
        return Status::NotFound(fmt::format("image {} is not in the IPFS catalog (was it deleted?)", s));
      return cur.status();
    }
    ResolvedContent out;
    out.cid = cur->cid;
    out.size = cur->size;
    out.ipfs_path = "/ipfs/" + cur->cid;
    out.described = s;
    return out;
  }
  ASSIGN_OR_RETURN(PathRef ref, ClassifyPath(s));
  if (!ref.is_ipfs())
    return Status::Invalid(fmt::format("SOURCE '{}' is neither a catalog entry (mfs:...) nor an IPFS path", source));
  return ResolveIpfsRef(ipfs, ref, log);
}

}  // namespace oneipfs
