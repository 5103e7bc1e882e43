#include "common/image_format.h"

#include <cstdlib>
#include <sstream>

namespace oneipfs {
namespace {

std::uint64_t Be64(std::string_view h, std::size_t off) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(h[off + i]);
  return v;
}
std::uint32_t Be32(std::string_view h, std::size_t off) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(h[off + i]);
  return v;
}
std::uint64_t Le64(std::string_view h, std::size_t off) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(h[off + i]);
  return v;
}

// "RW 204800 SPARSE "disk-s001.vmdk"" lines of a VMDK descriptor.
std::optional<std::uint64_t> DescriptorSectors(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  std::uint64_t sectors = 0;
  bool any = false;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string access, count;
    if (!(words >> access >> count)) continue;
    if (access != "RW" && access != "RDONLY" && access != "NOACCESS") continue;
    char* end = nullptr;
    unsigned long long n = std::strtoull(count.c_str(), &end, 10);
    if (*end) continue;
    sectors += n;
    any = true;
  }
  if (!any) return std::nullopt;
  return sectors;
}

}  // namespace

ImageInfo DetectImage(std::string_view h) {
  ImageInfo info;
  if (h.size() >= 32 && h.substr(0, 4) == "QFI\xfb") {
    std::uint32_t version = Be32(h, 4);
    if (version == 2 || version == 3) {
      info.format = "qcow2";
      info.virtual_size = Be64(h, 24);
      return info;
    }
  }
  if (h.size() >= 20 && h.substr(0, 4) == "KDMV") {
    info.format = "vmdk";
    info.virtual_size = Le64(h, 12) * 512;
    return info;
  }
  if (h.rfind("# Disk DescriptorFile", 0) == 0) {
    info.format = "vmdk";
    if (auto s = DescriptorSectors(h.substr(0, std::min<std::size_t>(h.size(), 64 * 1024)))) info.virtual_size = *s * 512;
    return info;
  }
  if (h.size() >= 8 && h.substr(0, 8) == "vhdxfile") {
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
  std::uint64_t bytes = info.virtual_size.value_or(file_size);
  constexpr std::uint64_t kMiB = 1024 * 1024;
  return (bytes + kMiB - 1) / kMiB;
}

}  // namespace oneipfs
