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

#include "common/status.h"

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

// Files outside the image that QEMU would open on the host because the
// image's header says so. A deployed disk must not do that: a qcow2 made with
// `-b /etc/hostname` would give the guest a host file. Looks at any QFI\xfb
// header (qcow v1, qcow2 v2/v3): a backing file, and qcow2 v3's external
// data file (incompatible feature bit 2 / header extension 0x44415441);
// QED: a backing file; VMDK: a `parentFileNameHint` in the descriptor (text
// descriptor files, or the one embedded in a sparse extent), and extent lines
// naming a file in a text descriptor or in the embedded descriptor of a
// sparse header with capacity 0 (QEMU then opens the descriptor's extents).
// A monolithicSparse/streamOptimized file whose embedded descriptor names
// its own (only) extent is self-contained, as is anything else.
// Returns a short description of the first reference ("a qcow2 backing file
// '/etc/hostname'"), or nullopt when there is none. When the header claims a
// descriptor or file name that lies beyond `header`, the image cannot be
// checked and that is reported as a reference too (conservative).
std::optional<std::string> ExternalFileReference(std::string_view header);

// Status::Invalid naming `what`, the reference and the fixes (flatten the
// image, or IPFS_ALLOW_BACKING_FILE=yes) when `header` has an external
// reference and `allow` is false; Ok otherwise.
Status CheckSelfContained(std::string_view header, std::string_view what, bool allow);

}  // namespace oneipfs
