// image_format_fuzz.cc: disk image headers (image_format.h), the first
// 64 KiB of every image a user registers, read by stat, cp and tm clone/ln.
//
// Feeds the input as a header (kHeaderBytes at most, as the drivers read it)
// to DetectImage, SizeMb, ExternalFileReference and CheckSelfContained.
// Asserts (beyond no crash, no sanitizer report, no escaping exception):
//  - CheckSelfContained refuses exactly the headers ExternalFileReference
//    names a reference for, and never refuses with allow = true;
//  - its refusal is one printable line (it goes to oned as the failure);
//  - a reference is described in printable ASCII;
//  - the format is one OpenNebula knows (raw, qcow2, vmdk, vhdx, iso);
//  - SizeMb is the virtual size (or file size) in MiB rounded up.
#include <string>

#include "common/base/image_format.h"
#include "fuzz/fuzz.h"

using namespace oneipfs;
using fuzz::Q;

namespace {

bool Printable(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c >= 0x7f) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view all = fuzz::AsText(data, size);
  std::string_view header = all.substr(0, kHeaderBytes);

  ImageInfo info = DetectImage(header);
  FUZZ_CHECK(info.format == "raw" || info.format == "qcow2" || info.format == "vmdk" || info.format == "vhdx" ||
                 info.format == "iso",
             "unknown format {}", Q(info.format));
  const std::uint64_t file_size = size;
  // SizeMb: the larger of the stored bytes and the presented disk, in MiB
  // rounded up, or PresentedBytes' refusal.
  auto presented = PresentedBytes(header, file_size);
  auto mb = SizeMb(header, file_size);
  FUZZ_CHECK(presented.ok() == mb.ok(), "SizeMb and PresentedBytes disagree on {}", "refusing");
  if (mb.ok()) {
    std::uint64_t bytes = std::max(file_size, *presented);
    FUZZ_CHECK(*mb == MbCeil(bytes), "SizeMb {} for {} bytes", *mb, bytes);
  } else {
    FUZZ_CHECK(Printable(mb.status().message()), "the refusal is not printable: {}", Q(mb.status().message()));
  }

  auto ref = ExternalFileReference(header);
  if (ref) FUZZ_CHECK(Printable(*ref), "reference description {} is not printable", Q(*ref));
  Status refused = CheckSelfContained(header, "/ipfs/bafyfuzz", false);
  FUZZ_CHECK(refused.ok() == !ref.has_value(), "CheckSelfContained {} but ExternalFileReference {}",
             refused.ok() ? "accepts" : "refuses", ref ? *ref : std::string("finds nothing"));
  if (!refused.ok())
    FUZZ_CHECK(Printable(refused.message()), "the refusal is not one printable line: {}", Q(refused.message()));
  FUZZ_CHECK(CheckSelfContained(header, "/ipfs/bafyfuzz", true).ok(), "allow = true still refuses");
  return 0;
}
