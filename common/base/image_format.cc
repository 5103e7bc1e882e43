#include "common/base/image_format.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "common/base/text.h"

namespace oneipfs {
namespace {

constexpr std::uint64_t kSector = 512;
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t kQemuDescSize = 20 * 512;  // vmdk.c DESC_SIZE: where QEMU looks for the parent
constexpr std::size_t kQemuProbeBytes = 2048;    // block.c BLOCK_PROBE_BUF_SIZE

const std::string_view kQfi("QFI\xfb", 4);
const std::string_view kQed("QED\0", 4);

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

// Blanks within a line (for DescriptorSectors' line-by-line reading).
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
// isspace() in the C locale, as sscanf skips it.
bool IsCSpace(char c) { return IsSpace(c) || c == '\n'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The first line of *text (without its newline); *text moves past it.
std::string_view PopLine(std::string_view* text) {
  std::size_t nl = text->find('\n');
  std::string_view line = text->substr(0, nl);
  *text = nl == std::string_view::npos ? std::string_view() : text->substr(nl + 1);
  return line;
}

// The access word that starts a vmdk descriptor's extent line.
bool IsExtentAccess(std::string_view w) { return w == "RW" || w == "RDONLY" || w == "NOACCESS"; }

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
    std::string_view line = PopLine(&text);
    std::size_t pos = 0;
    if (!IsExtentAccess(NextWord(line, &pos))) continue;
    std::string_view count = NextWord(line, &pos);
    std::string_view type = NextWord(line, &pos);
    if (count.empty() || type.empty()) continue;
    std::uint64_t n = 0;
    bool digits = true;
    for (char c : count) {
      if (!IsDigit(c) || n > (kMax - 9) / 10) {
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

// `text` up to its first NUL (C string semantics, as QEMU parses descriptors).
std::string_view UpToNul(std::string_view text) { return text.substr(0, text.find('\0')); }

// QEMU's vmdk_probe for text: past '#' comment lines and lines of spaces, the
// first line is "version=1", "version=2" or "version=3" (\n or \r\n).
bool ProbesAsVmdkDescriptor(std::string_view h) {
  std::string_view b = h.substr(0, kQemuProbeBytes);
  std::size_t p = 0;
  while (p < b.size()) {
    if (b[p] == '#') {
      while (p < b.size() && b[p] != '\n') ++p;
      ++p;
      continue;
    }
    if (b[p] == ' ') {
      while (p < b.size() && b[p] == ' ') ++p;
      if (p < b.size() && b[p] == '\r') ++p;
      if (p == b.size() || b[p] != '\n') return false;
      ++p;
      continue;
    }
    std::string_view rest = b.substr(p);
    if (rest.size() < 10 || rest.substr(0, 8) != "version=" || rest[8] < '1' || rest[8] > '3') return false;
    return rest[9] == '\n' || rest.substr(9, 2) == "\r\n";
  }
  return false;
}

bool IsTextDescriptor(std::string_view h) {
  return h.substr(0, 21) == "# Disk DescriptorFile" || ProbesAsVmdkDescriptor(h);
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

// One extent line as QEMU's vmdk_parse_extents reads it from `p`:
//   sscanf(p, "%10s %ld %10s \"%511[^\n\r\"]\" %ld", access, &sectors, type, fname, &off)
// with at least 4 conversions and an access word (QEMU: RW only). Newlines
// are whitespace to sscanf, so the fields may lie on several lines.
// Returns the file name, or nullopt when the line names none.
std::optional<std::string_view> ScanExtentLine(std::string_view t, std::size_t i) {
  auto skip = [&](std::size_t k) {
    while (k < t.size() && IsCSpace(t[k])) ++k;
    return k;
  };
  auto word = [&](std::size_t* k) {  // %10s
    std::size_t s = *k = skip(*k);
    while (*k < t.size() && *k - s < 10 && !IsCSpace(t[*k])) ++*k;
    return t.substr(s, *k - s);
  };
  if (!IsExtentAccess(word(&i))) return std::nullopt;
  i = skip(i);  // %ld
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  std::size_t digits = i;
  while (i < t.size() && IsDigit(t[i])) ++i;
  if (i == digits) return std::nullopt;
  if (word(&i).empty()) return std::nullopt;  // the type
  i = skip(i);
  if (i >= t.size() || t[i] != '"') return std::nullopt;
  std::size_t s = ++i;  // %511[^\n\r"]
  while (i < t.size() && i - s < 511 && t[i] != '\n' && t[i] != '\r' && t[i] != '"') ++i;
  if (i == s) return std::nullopt;
  return t.substr(s, i - s);
}

// The first file an extent line of descriptor `text` (no NUL) names, trying
// every line start as QEMU does. A run of blank lines leads every start in it
// to the same word, which is read once: linear in the text.
std::optional<std::string_view> FirstExtentFile(std::string_view text) {
  std::size_t word = 0, tried = std::string_view::npos;
  for (std::size_t line = 0; line < text.size();) {
    if (line >= word) {
      word = line;
      while (word < text.size() && IsCSpace(text[word])) ++word;
    }
    if (word < text.size() && word != tried) {
      tried = word;
      if (auto name = ScanExtentLine(text, word)) return name;
    }
    std::size_t nl = text.find('\n', line);
    if (nl == std::string_view::npos) break;
    line = nl + 1;
  }
  return std::nullopt;
}

// A "parentFileNameHint" in `text` (QEMU: strstr, then the name up to '"').
std::optional<std::string> ParentHint(std::string_view text) {
  std::size_t p = text.find("parentFileNameHint");
  if (p == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(p);
  std::size_t q1 = rest.find('"'), nl = rest.find('\n');
  std::size_t q2 = q1 == std::string_view::npos ? q1 : rest.find('"', q1 + 1);
  if (q2 != std::string_view::npos && q2 < nl) return fmt::format("a parent image '{}'", Printable(rest.substr(q1 + 1, q2 - q1 - 1)));
  return std::string("a parent image");
}

// A vmdk descriptor's (`text`, no NUL) reference to another file: a parent
// or an extent file.
std::optional<std::string> DescriptorReference(std::string_view text) {
  if (auto hint = ParentHint(text)) return hint;
  if (auto name = FirstExtentFile(text)) return fmt::format("an extent file '{}'", Printable(*name));
  return std::nullopt;
}

// The descriptor text QEMU reads from `from` (an offset in `h`): up to a NUL,
// or to the end of the file when `h` is all of it. nullopt when it may go on
// past `h` (a full header with no NUL in it).
std::optional<std::string_view> DescriptorText(std::string_view h, std::size_t from) {
  std::string_view rest = h.substr(std::min(from, h.size()));
  std::size_t nul = rest.find('\0');
  if (nul == std::string_view::npos && h.size() >= kHeaderBytes) return std::nullopt;
  return rest.substr(0, nul);
}

struct Reference {
  std::string_view format;
  std::string what;
};

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

// KDMV (VMDK4) and COWD (VMDK3) sparse headers, little-endian. QEMU reads a
// parentFileNameHint from the descriptor area at 0x200 for both. KDMV: u64
// capacity at 12, u64 desc_offset at 28 (sectors); with capacity 0 and a
// desc_offset QEMU reads the descriptor there (desc_size is ignored) and
// opens its extents instead of the file itself.
std::optional<std::string> SparseVmdkReference(std::string_view h) {
  if (h.size() > 0x200)
    if (auto hint = ParentHint(UpToNul(h.substr(0x200, kQemuDescSize)))) return hint;
  if (h.substr(0, 4) != "KDMV" || h.size() < 36) return std::nullopt;
  std::uint64_t capacity = Le(h, 12, 8), desc_offset = Le(h, 28, 8);
  if (capacity != 0 || desc_offset == 0) return std::nullopt;
  std::uint64_t at = desc_offset << 9;  // wraps as QEMU's does
  if (at >= h.size() && h.size() < kHeaderBytes) return std::nullopt;  // past the end: QEMU reads no descriptor
  auto text = at < h.size() ? DescriptorText(h, static_cast<std::size_t>(at)) : std::nullopt;
  if (!text)
    return fmt::format("an embedded descriptor (at byte {}) that QEMU reads past the first {} KiB, which cannot be "
                       "checked",
                       at, kHeaderBytes / 1024);
  if (auto name = FirstExtentFile(*text)) return fmt::format("an extent file '{}'", Printable(*name));
  return std::nullopt;
}

// Anything else QEMU is told to open as vmdk is a text descriptor.
std::optional<std::string> TextVmdkReference(std::string_view h) {
  auto text = DescriptorText(h, 0);
  if (!text)
    return fmt::format("a descriptor that goes on past the first {} KiB (QEMU reads up to 1 MiB), which cannot be "
                       "checked",
                       kHeaderBytes / 1024);
  return DescriptorReference(*text);
}

bool HasFormat(const FormatList& formats, std::string_view name) {
  return std::any_of(formats.begin(), formats.end(), [&](const std::string& f) { return Lower(Trim(f)) == name; });
}

std::optional<Reference> FindReference(std::string_view h, const FormatList& formats) {
  if (h.substr(0, 4) == kQfi)
    if (auto r = QcowReference(h)) return Reference{Be(h, 4, 4) == 1 ? "qcow" : "qcow2", *r};
  if (h.substr(0, 4) == kQed)
    if (auto r = QedReference(h)) return Reference{"qed", *r};
  if (h.substr(0, 4) == "KDMV" || h.substr(0, 4) == "COWD") {
    if (auto r = SparseVmdkReference(h)) return Reference{"vmdk", *r};
    return std::nullopt;
  }
  if (DetectImage(h).format == "vmdk" || HasFormat(formats, "vmdk"))
    if (auto r = TextVmdkReference(h)) return Reference{"vmdk", *r};
  return std::nullopt;
}

// The disk size QEMU presents for `h` opened as `format` (lower case), when
// the header states it; nullopt when QEMU would use the file's size (raw and
// formats not read here) or would not open it.
std::optional<std::uint64_t> HeaderSizeAs(std::string_view h, std::string_view format) {
  if ((format == "qcow2" || format == "qcow") && h.size() >= 32 && h.substr(0, 4) == kQfi) {
    std::uint64_t version = Be(h, 4, 4);
    if (format == "qcow" ? version == 1 : (version == 2 || version == 3)) return Be(h, 24, 8);
    return std::nullopt;
  }
  if (format == "qed" && h.size() >= 56 && h.substr(0, 4) == kQed) return Le(h, 48, 8);
  if (format == "vmdk") {
    if (h.substr(0, 4) == "KDMV") {
      if (h.size() < 20) return std::nullopt;
      if (std::uint64_t capacity = Le(h, 12, 8); capacity != 0 || h.size() < 36 || Le(h, 28, 8) == 0)
        return SectorsToBytes(capacity);
      // Capacity 0: QEMU presents the embedded descriptor's extents.
      std::uint64_t at = Le(h, 28, 8) << 9;
      auto text = at < h.size() ? DescriptorText(h, static_cast<std::size_t>(at)) : std::nullopt;
      auto sectors = text ? DescriptorSectors(*text) : std::nullopt;
      return sectors ? SectorsToBytes(*sectors) : std::nullopt;
    }
    if (h.substr(0, 4) == "COWD") return h.size() >= 16 ? SectorsToBytes(Le(h, 12, 4)) : std::nullopt;
    if (h.substr(0, 4) == kQfi || h.substr(0, 4) == kQed) return std::nullopt;
    if (auto s = DescriptorSectors(UpToNul(h))) return SectorsToBytes(*s);
  }
  return std::nullopt;
}

// KDMV whose capacity QEMU takes from the footer: gd_offset (u64 at 56) is
// VMDK4_GD_AT_END, unless capacity 0 and a desc_offset send QEMU to the
// embedded descriptor first.
bool SizeInFooter(std::string_view h) {
  if (h.size() < 64 || h.substr(0, 4) != "KDMV") return false;
  if (Le(h, 12, 8) == 0 && Le(h, 28, 8) != 0) return false;
  return Le(h, 56, 8) == kMax;
}

}  // namespace

std::optional<std::string> ExternalFileReference(std::string_view h, const FormatList& formats) {
  if (auto r = FindReference(h, formats)) return r->what;
  return std::nullopt;
}

Status CheckSelfContained(std::string_view header, std::string_view what, bool allow, const FormatList& formats) {
  if (allow) return Status::Ok();
  auto ref = FindReference(header, formats);
  if (!ref) return Status::Ok();
  return Status::Invalid(fmt::format(
      "{} is a {} image with {}: QEMU would open that file on the host; flatten it first (e.g. `qemu-img convert "
      "-O qcow2 in.img flat.qcow2`) or, if you check your images yourself, set IPFS_ALLOW_BACKING_FILE=yes",
      what, ref->format, ref->what));
}

ImageInfo DetectImage(std::string_view h) {
  ImageInfo info;
  // qcow2 header: magic, u32 version, u64 backing file offset, u32 backing
  // file size, u32 cluster bits, u64 size (all big-endian).
  if (h.size() >= 32 && h.substr(0, 4) == kQfi) {
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
  // VMDK3 / ESX sparse (COWD): magic, u32 version, u32 flags, u32 sectors.
  if (h.size() >= 16 && h.substr(0, 4) == "COWD") {
    info.format = "vmdk";
    info.virtual_size = SectorsToBytes(Le(h, 12, 4));
    return info;
  }
  // VMDK text descriptor (monolithicFlat, twoGbMaxExtent*, ...).
  if (IsTextDescriptor(h)) {
    info.format = "vmdk";
    if (auto s = DescriptorSectors(UpToNul(h))) info.virtual_size = SectorsToBytes(*s);
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

std::uint64_t MbCeil(std::uint64_t bytes) {
  constexpr std::uint64_t kMiB = 1024 * 1024;
  return bytes / kMiB + (bytes % kMiB != 0 ? 1 : 0);
}

Result<std::uint64_t> PresentedBytes(std::string_view header, std::uint64_t file_size, const FormatList& formats) {
  if (SizeInFooter(header))
    return Status::Invalid(
        "it is a vmdk whose grain directory is at its end (gd_offset ~0, VMware's streamOptimized): QEMU presents the "
        "capacity its footer states, which is not read here; convert it (`qemu-img convert -O qcow2 in.vmdk "
        "out.qcow2`)");
  auto as = [&](std::string_view format) { return HeaderSizeAs(header, format).value_or(file_size); };
  std::uint64_t bytes = as(DetectImage(header).format);
  for (const auto& f : formats)
    if (std::string name = Lower(Trim(f)); !name.empty()) bytes = std::max(bytes, as(name));
  return bytes;
}

Result<std::uint64_t> SizeMb(std::string_view header, std::uint64_t file_size, const FormatList& formats) {
  ASSIGN_OR_RETURN(std::uint64_t presented, PresentedBytes(header, file_size, formats));
  return MbCeil(std::max(file_size, presented));
}

}  // namespace oneipfs
