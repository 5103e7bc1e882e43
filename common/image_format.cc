#include "common/image_format.h"

#include <limits>

namespace oneipfs {
namespace {

constexpr std::uint64_t kSector = 512;
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

std::uint64_t Be(std::string_view h, std::size_t off, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(h[off + i]);
  return v;
}
std::uint64_t Le(std::string_view h, std::size_t off, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(h[off + i]);
  return v;
}

std::optional<std::uint64_t> SectorsToBytes(std::uint64_t sectors) {
  if (sectors > kMax / kSector) return std::nullopt;
  return sectors * kSector;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Next whitespace-separated word of `line` starting at *pos.
std::string_view NextWord(std::string_view line, std::size_t* pos) {
  std::size_t i = *pos;
  while (i < line.size() && IsSpace(line[i])) ++i;
  std::size_t start = i;
  while (i < line.size() && !IsSpace(line[i])) ++i;
  *pos = i;
  return line.substr(start, i - start);
}

// Sum of the sector counts of a VMDK descriptor's extent lines:
//   RW 4194304 SPARSE "disk-s001.vmdk"
//   RDONLY 6144 FLAT "disk-flat.vmdk" 0
//   NOACCESS 2048 ZERO
// nullopt when there is no extent line or the sum overflows.
std::optional<std::uint64_t> DescriptorSectors(std::string_view text) {
  std::uint64_t sectors = 0;
  bool any = false;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);

    std::size_t pos = 0;
    std::string_view access = NextWord(line, &pos);
    if (access != "RW" && access != "RDONLY" && access != "NOACCESS") continue;
    std::string_view count = NextWord(line, &pos);
    std::string_view type = NextWord(line, &pos);
    if (count.empty() || type.empty()) continue;
    std::uint64_t n = 0;
    bool digits = true;
    for (char c : count) {
      if (c < '0' || c > '9' || n > (kMax - 9) / 10) {
        digits = false;
        break;
      }
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!digits) continue;
    if (n > kMax - sectors) return std::nullopt;
    sectors += n;
    any = true;
  }
  if (!any) return std::nullopt;
  return sectors;
}

}  // namespace

ImageInfo DetectImage(std::string_view h) {
  ImageInfo info;
  // qcow2 header: magic, u32 version, u64 backing file offset, u32 backing
  // file size, u32 cluster bits, u64 size (all big-endian).
  if (h.size() >= 32 && h.substr(0, 4) == std::string_view("QFI\xfb", 4)) {
    std::uint64_t version = Be(h, 4, 4);
    if (version == 2 || version == 3) {
      info.format = "qcow2";
      info.virtual_size = Be(h, 24, 8);
      return info;
    }
  }
  // VMDK sparse extent header (also streamOptimized): magic, u32 version,
  // u32 flags, u64 capacity in sectors (little-endian).
  if (h.size() >= 20 && h.substr(0, 4) == "KDMV") {
    info.format = "vmdk";
    info.virtual_size = SectorsToBytes(Le(h, 12, 8));
    return info;
  }
  // VMDK text descriptor (monolithicFlat, twoGbMaxExtent*, ...).
  if (h.substr(0, 21) == "# Disk DescriptorFile") {
    info.format = "vmdk";
    if (auto s = DescriptorSectors(h.substr(0, kHeaderBytes))) info.virtual_size = SectorsToBytes(*s);
    return info;
  }
  if (h.substr(0, 8) == "vhdxfile") {
    info.format = "vhdx";
    return info;
  }
  if (h.size() >= 0x8006 && h.substr(0x8001, 5) == "CD001") {
    info.format = "iso";
    return info;
  }
  return info;
}

std::uint64_t SizeMb(const ImageInfo& info, std::uint64_t file_size) {
  constexpr std::uint64_t kMiB = 1024 * 1024;
  std::uint64_t bytes = info.virtual_size.value_or(file_size);
  return bytes / kMiB + (bytes % kMiB != 0 ? 1 : 0);
}

}  // namespace oneipfs
