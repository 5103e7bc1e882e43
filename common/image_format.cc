#include "common/image_format.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

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
// The first line of *text (without its newline); *text moves past it.
std::string_view PopLine(std::string_view* text) {
  std::size_t nl = text->find('\n');
  std::string_view line = text->substr(0, nl);
  *text = nl == std::string_view::npos ? std::string_view() : text->substr(nl + 1);
  return line;
}

// The access word that starts a vmdk descriptor's extent line.
bool IsExtentAccess(std::string_view w) { return w == "RW" || w == "RDONLY" || w == "NOACCESS"; }

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
    std::string_view line = PopLine(&text);
    std::size_t pos = 0;
    if (!IsExtentAccess(NextWord(line, &pos))) continue;
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

// A file name from an image header, printable and bounded for a message.
std::string Printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (name.size() > 200) out += "...";
  return out;
}

// `len` bytes at `off` of `h`, or nullopt when they are not all in `h`.
std::optional<std::string_view> Slice(std::string_view h, std::uint64_t off, std::uint64_t len) {
  if (off > h.size() || len > h.size() - off) return std::nullopt;
  return h.substr(static_cast<std::size_t>(off), static_cast<std::size_t>(len));
}

std::string NamedOrBeyond(std::string_view what, std::string_view h, std::uint64_t off, std::uint64_t len) {
  if (auto name = Slice(h, off, len)) return fmt::format("{} '{}'", what, Printable(*name));
  return fmt::format("{} (its name lies beyond the first {} KiB)", what, kHeaderBytes / 1024);
}

// qcow (v1) and qcow2: backing file name at u64 offset 8, u32 size 16 (both
// versions); qcow2 v3: incompatible feature bit 2 = external data file, whose
// name is the header extension 0x44415441 (extensions start at the u32
// header_length at offset 100; each is u32 type, u32 length, data padded to 8).
std::optional<std::string> QcowReference(std::string_view h) {
  if (h.size() < 20) return std::nullopt;
  std::uint64_t backing_off = Be(h, 8, 8);
  if (backing_off != 0) return NamedOrBeyond("a backing file", h, backing_off, Be(h, 16, 4));
  if (Be(h, 4, 4) != 3 || h.size() < 104) return std::nullopt;
  constexpr std::uint64_t kExternalDataFile = 1u << 2;
  if ((Be(h, 72, 8) & kExternalDataFile) == 0) return std::nullopt;
  std::uint64_t pos = Be(h, 100, 4);
  while (pos + 8 <= h.size()) {
    std::uint64_t type = Be(h, static_cast<std::size_t>(pos), 4), len = Be(h, static_cast<std::size_t>(pos) + 4, 4);
    if (type == 0) break;
    if (type == 0x44415441) return NamedOrBeyond("an external data file", h, pos + 8, len);
    pos += 8 + ((len + 7) / 8) * 8;
  }
  return std::string("an external data file");
}

// QED: u64 features at 16 (bit 0: has a backing file), u32 name offset at
// 56 and u32 size at 60 (little-endian).
std::optional<std::string> QedReference(std::string_view h) {
  if (h.size() < 64 || (Le(h, 16, 8) & 1) == 0) return std::nullopt;
  return NamedOrBeyond("a backing file", h, Le(h, 56, 4), Le(h, 60, 4));
}

// A VMDK descriptor's reference to another file: a parentFileNameHint (QEMU
// looks for the word anywhere in the descriptor) or, when `extents_count`,
// an extent line with a file name (`RW 2048 FLAT "disk-flat.vmdk" 0`).
std::optional<std::string> DescriptorReference(std::string_view text, bool extents_count) {
  text = text.substr(0, text.find('\0'));
  if (std::size_t p = text.find("parentFileNameHint"); p != std::string_view::npos) {
    std::string_view rest = text.substr(p);
    std::size_t q1 = rest.find('"'), nl = rest.find('\n');
    std::size_t q2 = q1 == std::string_view::npos ? q1 : rest.find('"', q1 + 1);
    if (q2 != std::string_view::npos && q2 < nl) return fmt::format("a parent image '{}'", Printable(rest.substr(q1 + 1, q2 - q1 - 1)));
    return std::string("a parent image");
  }
  if (!extents_count) return std::nullopt;
  while (!text.empty()) {
    std::string_view line = PopLine(&text);
    std::size_t pos = 0;
    if (!IsExtentAccess(NextWord(line, &pos))) continue;
    NextWord(line, &pos);  // sector count
    NextWord(line, &pos);  // type
    std::string_view rest = line.substr(pos);
    std::size_t q1 = rest.find('"');
    if (q1 == std::string_view::npos) continue;  // ZERO extents name no file
    std::size_t q2 = rest.find('"', q1 + 1);
    return fmt::format("an extent file '{}'", Printable(rest.substr(q1 + 1, q2 == std::string_view::npos ? q2 : q2 - q1 - 1)));
  }
  return std::nullopt;
}

// VMDK sparse extent (little-endian): u64 capacity at 12, u64 descriptor
// offset at 28 and size at 36, in sectors. QEMU reads a parentFileNameHint
// from the descriptor area at 0x200; with capacity 0 it opens the embedded
// descriptor's extents instead of the file itself.
std::optional<std::string> SparseVmdkReference(std::string_view h) {
  if (h.size() < 44) return std::nullopt;
  constexpr std::size_t kQemuDescSize = 20 * 512;
  if (h.size() > 0x200)
    if (auto r = DescriptorReference(h.substr(0x200, kQemuDescSize), false)) return r;
  std::uint64_t desc_off = Le(h, 28, 8), desc_size = Le(h, 36, 8);
  if (desc_off == 0 || desc_size == 0) return std::nullopt;
  bool uses_extents = Le(h, 12, 8) == 0;
  auto desc = desc_off <= kMax / kSector && desc_size <= kMax / kSector
                  ? Slice(h, desc_off * kSector, desc_size * kSector)
                  : std::nullopt;
  if (!desc) {
    if (h.size() < kHeaderBytes) return std::nullopt;  // the whole file is here: the descriptor does not exist
    return fmt::format("a descriptor beyond the first {} KiB that cannot be checked", kHeaderBytes / 1024);
  }
  return DescriptorReference(*desc, uses_extents);
}

std::string_view FormatName(std::string_view h) {
  if (h.substr(0, 4) == std::string_view("QFI\xfb", 4)) return Be(h, 4, 4) == 1 ? "qcow" : "qcow2";
  if (h.substr(0, 4) == std::string_view("QED\0", 4)) return "qed";
  return "vmdk";
}

}  // namespace

std::optional<std::string> ExternalFileReference(std::string_view h) {
  if (h.substr(0, 4) == std::string_view("QFI\xfb", 4)) return QcowReference(h);
  if (h.substr(0, 4) == std::string_view("QED\0", 4)) return QedReference(h);
  if (h.substr(0, 4) == "KDMV") return SparseVmdkReference(h);
  if (h.substr(0, 21) == "# Disk DescriptorFile") {
    if (h.size() >= kHeaderBytes && h.find('\0') == std::string_view::npos)
      return fmt::format("a descriptor longer than {} KiB that cannot be checked", kHeaderBytes / 1024);
    return DescriptorReference(h, true);
  }
  return std::nullopt;
}

Status CheckSelfContained(std::string_view header, std::string_view what, bool allow) {
  if (allow) return Status::Ok();
  auto ref = ExternalFileReference(header);
  if (!ref) return Status::Ok();
  return Status::Invalid(fmt::format(
      "{} is a {} image with {}: QEMU would open that file on the host; flatten it first (e.g. `qemu-img convert "
      "-O qcow2 in.img flat.qcow2`) or, if you check your images yourself, set IPFS_ALLOW_BACKING_FILE=yes",
      what, FormatName(header), *ref));
}

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
