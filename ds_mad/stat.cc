// stat: size in MB of what IMAGE/PATH names, before the image is registered.
//
// oned calls this synchronously inside the user's `oneimage create`, whose
// XML-RPC client gives up after 30 s (then the user sees only
// "Net::ReadTimeout"), and parses stdout as one integer. For IPFS paths the
// size comes from files/stat (root block) plus a ranged read of the header,
// so a qcow2/vmdk reports its virtual size and nothing is downloaded; local
// files and http(s) URLs are sized the same way. The whole action is bounded
// by IPFS_STAT_TIMEOUT (default 20 s: every daemon call gets what is left of
// it, IpfsOptions::deadline), so the user gets our message in time; a
// daemon that runs out of it gets a message naming the path and what to
// check (is a node that holds the CID online and reachable). The size is the
// larger of what the image stores and the disk it presents (image_format.h
// SizeMb: a qcow2 cannot understate what it occupies). An image whose header makes QEMU open
// another file (a qcow2 backing file, a vmdk extent or parent elsewhere,
// image_format.h), judged as its detected format and as IMAGE/TEMPLATE/DRIVER
// and DATASTORE/TEMPLATE/DRIVER, is refused unless IPFS_ALLOW_BACKING_FILE=yes.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "common/one/driver.h"
#include "common/one/download.h"
#include "common/base/image_format.h"
#include "common/catalog/image_store.h"
#include "common/ipfs/ipfs_path.h"
#include "common/one/local_path.h"
#include "common/catalog/source.h"

namespace oneipfs {
namespace {

Result<std::uint64_t> SizeOf(DsContext& ctx, const PathRef& ref) {
  const Config& cfg = ctx.config;
  const bool allow_backing = cfg.GetBool("IPFS_ALLOW_BACKING_FILE");
  const FormatList formats = DriverFormats(ctx.action);
  switch (ref.kind) {
    case PathRef::Kind::kIpfs:
    case PathRef::Kind::kIpns: {
      ASSIGN_OR_RETURN(ResolvedContent r, ResolveIpfsRef(ctx.ipfs, ref, ctx.log));
      ASSIGN_OR_RETURN(std::string header, ctx.ipfs.CatRange(r.ipfs_path, 0, kHeaderBytes));
      RETURN_IF_ERROR(CheckSelfContained(header, ref.original, allow_backing, formats));
      return SizeMb(header, r.size, formats);
    }
    case PathRef::Kind::kLocal: {
      // Opened once (local_path.h): size and header from this descriptor.
      ASSIGN_OR_RETURN(LocalFile f, OpenLocalImage(ref.original, LocalPathPolicyFor(cfg)));
      ASSIGN_OR_RETURN(std::string header, f.ReadAt(0, kHeaderBytes));
      RETURN_IF_ERROR(CheckSelfContained(header, ref.original, allow_backing, formats));
      return SizeMb(header, f.size(), formats);
    }
    case PathRef::Kind::kUrl: {
      ASSIGN_OR_RETURN(UrlProbe p, ProbeUrl(ref.original, kHeaderBytes, cfg.GetSeconds("IPFS_STAT_TIMEOUT")));
      // The checks take a short header for all of the file.
      if (p.header.size() < kHeaderBytes && p.size && *p.size > p.header.size())
        return Status::Failed(fmt::format("{} sent {} bytes of the first {} asked for", ref.original,
                                          p.header.size(), std::min<std::uint64_t>(*p.size, kHeaderBytes)));
      RETURN_IF_ERROR(CheckSelfContained(p.header, ref.original, allow_backing, formats));
      ImageInfo info = DetectImage(p.header);
      if (!p.size && !info.virtual_size)
        return Status::Failed(fmt::format("{} does not announce its size (no Content-Length)", ref.original));
      return SizeMb(p.header, p.size.value_or(0), formats);
    }
  }
  return Status::Invalid("unknown path kind");
}

Result<std::string> Stat(DsContext& ctx) {
  const std::string& path = ctx.action.image.path;
  if (path.empty()) return Status::Invalid("the image has no PATH to size");
  const auto budget = ctx.config.GetSeconds("IPFS_STAT_TIMEOUT");
  ctx.ipfs.set_timeout(budget);
  ctx.ipfs.set_deadline_in(budget);
  ASSIGN_OR_RETURN(PathRef ref, ClassifyPath(path));
  auto mb = SizeOf(ctx, ref);
  if (!mb.ok()) {
    const std::string what = ref.is_ipfs() ? ref.original : path;
    Status st = mb.status().Prefixed(fmt::format("cannot size '{}'", what));
    if (ref.is_ipfs() && st.code() == Status::Code::kTimeout)
      return Status::Timeout(fmt::format(
          "{}; the front-end daemon could not get its blocks within IPFS_STAT_TIMEOUT ({} s): check that a node "
          "holding {} is online and connected to it (ipfs swarm connect), and the CID",
          st.message(), budget.count(), ref.root));
    return st;
  }
  return std::to_string(*mb);
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("stat", "print the size in MB of the image PATH names", argc, argv, oneipfs::Stat);
}
