// image_format.h: disk image format detection from the first bytes.
//
// Detect() looks at a header buffer (the first kHeaderBytes of the image, or
// fewer when the image is shorter) and returns the format name OpenNebula
// uses for FORMAT/DRIVER: "qcow2", "vmdk", "vhdx", "iso", or "raw" for
// anything it does not recognise. It also returns the virtual disk size when
// the header states one (qcow2: big-endian u64 at offset 24; vmdk sparse
// extent: capacity in sectors at offset 12, descriptor files: the sum of the
// extent lines' sector counts; vhdx: not in the first 64 KiB, so unknown) and
// std::nullopt otherwise, in which case the file size is the disk size.
// ISO 9660 is recognised by "CD001" at offset 0x8001, so the header must be
// at least 0x8006 bytes long to see it; kHeaderBytes covers it.
// Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oneipfs {

inline constexpr std::size_t kHeaderBytes = 64 * 1024;

struct ImageInfo {
  std::string format = "raw";
  std::optional<std::uint64_t> virtual_size;  // bytes
};

ImageInfo DetectImage(std::string_view header);

// Size to report to oned: the virtual size when known, else `file_size`,
// in MiB rounded up (0 bytes -> 0).
std::uint64_t SizeMb(const ImageInfo& info, std::uint64_t file_size);

}  // namespace oneipfs
