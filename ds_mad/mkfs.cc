// mkfs: create an empty datablock, or reserve the SOURCE of a disk-saveas;
// prints the SOURCE only.
//
// FORMAT=save_as (onevm disk-saveas): creates an empty catalog entry and
// prints its SOURCE; the transfer driver's cpds writes version 1 later.
// Otherwise: SIZE MB in FORMAT raw or qcow2 (the datastore's DRIVER, when
// set, forces the format as in OpenNebula), formatted with FS when given
// (mkfs -t FS), added to the front-end daemon. An empty raw datablock (no FS)
// is registered in constant time: with a fixed-size IPFS_CHUNKER (and CIDv1,
// raw leaves, sha2-256, the defaults) its UnixFS DAG is a few distinct nodes
// that zero_dag.h computes and stores with dag/put, checked with files/stat
// to be exactly what `add` of SIZE zero bytes gives; other settings (rabin or
// buzhash chunkers, CIDv0...) stream the zeros through `add` as before, with
// an INFO line saying so. qcow2 and FS= datablocks add their
// small real content. Temporary files (only for qcow2 or FS) live in
// IPFS_TMPDIR and are removed on every path. Either way the content goes into
// the catalog through StoreNewImage, like every other import. The new entry
// (or the reservation) is a "mkfs" event in the catalog history (history.h).
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "common/catalog/catalog.h"
#include "common/catalog/history.h"
#include "common/one/driver.h"
#include "common/catalog/image_store.h"
#include "common/catalog/importer.h"
#include "common/base/number.h"
#include "common/base/remote.h"
#include "common/ipfs/zero_dag.h"

namespace oneipfs {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

class TempDir {
 public:
  static Result<std::unique_ptr<TempDir>> Make(const std::string& parent) {
    std::string tmpl = parent + "/one-ipfs-mkfs.XXXXXX";
    if (!::mkdtemp(tmpl.data())) return Status::Io(fmt::format("cannot create a temporary directory in {}", parent));
    return std::unique_ptr<TempDir>(new TempDir(tmpl));
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

Status RunTool(std::vector<std::string> argv) {
  auto runner = MakeLocalRunner();
  RemoteCommand cmd;
  cmd.argv = argv;
  cmd.timeout = std::chrono::seconds(600);
  ASSIGN_OR_RETURN(RemoteResult r, runner->Run("", cmd));
  if (r.exit_code != 0) {
    std::string err = r.err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    if (auto nl = err.rfind('\n'); nl != std::string::npos) err = err.substr(nl + 1);
    return Status::Failed(fmt::format("{} failed (exit {}): {}", argv[0], r.exit_code, err));
  }
  return Status::Ok();
}

// Builds the image file and returns its path inside `dir`.
Result<std::string> BuildImageFile(const std::string& dir, std::uint64_t mb, const std::string& format,
                                   const std::string& fs) {
  std::string raw = dir + "/disk.raw";
  if (format == "qcow2" && fs.empty()) {
    std::string out = dir + "/disk.qcow2";
    RETURN_IF_ERROR(RunTool({"qemu-img", "create", "-q", "-f", "qcow2", out, fmt::format("{}M", mb)}));
    return out;
  }
  int fd = ::open(raw.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(mb * kMiB)) != 0) {
    if (fd >= 0) ::close(fd);
    return Status::Io(fmt::format("cannot create a {} MB file in {}", mb, dir));
  }
  ::close(fd);
  if (!fs.empty()) {
    for (char c : fs)
      if (!std::isalnum(static_cast<unsigned char>(c)))
        return Status::Invalid(fmt::format("FS '{}' is not a file system type", fs));
    std::vector<std::string> argv = {"mkfs", "-t", fs};
    if (fs.rfind("ext", 0) == 0) argv.push_back("-F");
    if (fs.rfind("ext", 0) == 0 || fs == "xfs") argv.push_back("-q");
    argv.push_back(raw);
    RETURN_IF_ERROR(RunTool(argv));
  }
  if (format == "qcow2") {
    std::string out = dir + "/disk.qcow2";
    RETURN_IF_ERROR(RunTool({"qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, out}));
    return out;
  }
  return raw;
}

Result<std::string> Mkfs(DsContext& ctx) {
  const ImageDoc& img = ctx.action.image;
  if (!img.present) return Status::Invalid("the action document has no IMAGE");
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  CatalogEntry entry = catalog.EntryFor(ctx.action.datastore.id, img.id, img.regtime);

  if (img.format == "save_as") {
    Status st = catalog.Reserve(entry);
    if (!st.ok()) return st.Prefixed(fmt::format("cannot reserve {} for image {}", entry.Source(), img.id));
    ctx.log.Info(fmt::format("reserved {} for a disk save-as", entry.Source()));
    RecordDsEvent(ctx, NewEvent("mkfs", 0, "", "", 0, "save-as reservation (empty until cpds)"));
    return entry.Source();
  }

  std::uint64_t mb = ParseCount(img.size_mb, kMaxMegabytes).value_or(0);
  if (mb == 0)
    return Status::Invalid(fmt::format("image {}: SIZE '{}' is not a positive number of MB", img.id, img.size_mb));
  std::string format = ctx.config.Get("DRIVER").empty() ? img.format : ctx.config.Get("DRIVER");
  if (format.empty()) format = "raw";
  if (format != "raw" && format != "qcow2")
    return Status::Invalid(fmt::format("image {}: FORMAT '{}' is not supported for new datablocks (raw or qcow2)",
                                       img.id, format));
  std::string what = fmt::format("cannot create the {} MB {} datablock of image {}", mb, format, img.id);

  Result<Imported> imported = Status::Failed("unreachable");
  std::unique_ptr<TempDir> tmp;
  BlocksAt blocks = BlocksAt::kMaybePeers;
  if (format == "raw" && img.fs.empty()) {
    auto chunk = ZeroDagChunk(IpfsOptionsFrom(ctx.config));
    if (chunk.ok()) {
      auto started = std::chrono::steady_clock::now();
      auto root = PutZeroFile(ctx.ipfs, mb * kMiB, *chunk);
      if (!root.ok()) return root.status().Prefixed(what);
      imported = Imported{*root, mb * kMiB, {}, {}, {}, nullptr};
      blocks = BlocksAt::kAllLocal;
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      ctx.log.Info(fmt::format("stored {} of zeros as /ipfs/{} without streaming them ({:.2f} s)",
                               HumanBytes(mb * kMiB), *root, secs));
    } else {
      ctx.log.Info(fmt::format("{}: streaming {} of zeros through add", chunk.status().message(),
                               HumanBytes(mb * kMiB)));
      imported = Import(ctx.ipfs, "datablock.raw", ZeroSource(mb * kMiB), mb * kMiB, ctx.log);
    }
  } else {
    auto dir = TempDir::Make(ctx.config.Get("IPFS_TMPDIR"));
    if (!dir.ok()) return dir.status().Prefixed(what);
    tmp = std::move(*dir);
    auto file = BuildImageFile(tmp->path(), mb, format, img.fs);
    if (!file.ok()) return file.status().Prefixed(what);
    int fd = ::open(file->c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::Io(what);
    imported = Import(ctx.ipfs, file->substr(file->rfind('/') + 1), FileSource(fd), std::nullopt, ctx.log);
    ::close(fd);
  }
  if (!imported.ok()) return imported.status().Prefixed(what);
  Status st = StoreNewImage(ctx.ipfs, catalog, entry, imported->cid, ctx.log, imported->hold.get(), blocks);
  if (st.ok() && blocks == BlocksAt::kAllLocal) {
    // The zero DAG had no hold (a recursive pin would walk every link): a GC
    // between its dag/put and the catalog link may have taken some of its few
    // distinct blocks. They are linked now, so putting them again (constant
    // time, same CIDs) leaves them all present and kept.
    auto again = PutZeroFile(ctx.ipfs, mb * kMiB, *ZeroDagChunk(IpfsOptionsFrom(ctx.config)));
    if (!again.ok()) st = again.status();
    else if (*again != imported->cid) st = Status::Failed(fmt::format("the zero DAG came back as /ipfs/{}", *again));
    if (!st.ok()) (void)catalog.Remove(entry);
  }
  if (!st.ok()) return st.Prefixed(what);
  RecordDsEvent(ctx, NewEvent("mkfs", 1, imported->cid, "", imported->bytes,
                              fmt::format("{} MB {}{}", mb, format, img.fs.empty() ? "" : " " + img.fs)));
  return entry.Source();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("mkfs", "create an empty datablock (or reserve a save-as SOURCE); prints SOURCE",
                              argc, argv, oneipfs::Mkfs);
}
