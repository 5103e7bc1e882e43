// image_format.h: disk image format detection, sizes and the self-contained
// check, from the first bytes of an image.
//
// DetectImage() looks at a header buffer (the first kHeaderBytes of the image,
// or fewer when the image is shorter) and returns the format name OpenNebula
// uses for FORMAT/DRIVER: "qcow2", "vmdk", "vhdx", "iso", or "raw" for
// anything it does not recognise. vmdk is what QEMU's probe calls vmdk: a
// KDMV (VMDK4) or COWD (VMDK3, ESX) sparse header, or a text descriptor whose
// first line that is neither a comment nor blank is "version=1|2|3" (and, as
// before, any text starting with "# Disk DescriptorFile"). It also returns the
// virtual disk size when the header states one (qcow2: big-endian u64 at
// offset 24; KDMV: capacity in sectors at offset 12; COWD: u32 sectors at 12;
// descriptors: the sum of the extent lines' sector counts; vhdx: not in the
// first 64 KiB, so unknown) and std::nullopt otherwise.
// ISO 9660 is recognised by "CD001" at offset 0x8001, so the header must be
// at least 0x8006 bytes long to see it; kHeaderBytes covers it.
// Pure functions: no I/O.
//
// The formats an image is judged as. The VM is given a DRIVER (libvirt's
// <driver type=...>, so QEMU never probes): the image's FORMAT, which cp
// prints from IMAGE/TEMPLATE/DRIVER or from DetectImage; a VM disk's own
// DRIVER when the image has no FORMAT. Every check below therefore takes
// `formats`, the DRIVER/FORMAT values the caller knows of (ds actions:
// IMAGE/TEMPLATE/DRIVER and DATASTORE/TEMPLATE/DRIVER; tm clone/ln: the VM
// disk's DRIVER and FORMAT), and judges the image as each of them and as its
// detected format. A format this file has no parser for counts as raw: among
// the formats libvirt names, QEMU 7.2 opens another file only for qcow, qcow2,
// qed (backing file, qcow2's external data file) and vmdk (extents, parent);
// vpc/vhdx/vdi/parallels/dmg/bochs/cloop/luks open none (vhdx refuses
// differencing images) and raw/iso never do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace oneipfs {

inline constexpr std::size_t kHeaderBytes = 64 * 1024;

struct ImageInfo {
  std::string format = "raw";
  std::optional<std::uint64_t> virtual_size;  // bytes
};

ImageInfo DetectImage(std::string_view header);

// DRIVER / FORMAT values the VM may be given (any case; blank ones ignored).
using FormatList = std::vector<std::string>;

// `bytes` in MiB, rounded up (0 -> 0).
std::uint64_t MbCeil(std::uint64_t bytes);

// The size of the disk QEMU presents to the guest, the largest over the
// detected format and `formats`: a qcow/qcow2/qed/vmdk header's virtual size
// when the image is opened as that format, `file_size` when it is opened as
// raw or a format whose size this file does not read (vhdx, vpc, vdi, ...).
// Status::Invalid for a KDMV header whose grain directory is at the end
// (gd_offset ~0, VMware's streamOptimized): QEMU then presents the capacity
// of the footer at the end of the file, whatever the header says, and the
// footer is not read (QEMU refuses a second write to any cluster of such a
// compressed file, so it makes no writable VM disk anyway: convert it).
Result<std::uint64_t> PresentedBytes(std::string_view header, std::uint64_t file_size,
                                     const FormatList& formats = {});

// The size to tell oned (stat) and to hold a registration to (cp against
// IMAGE/SIZE), in MiB rounded up: the larger of what the image occupies
// (`file_size`: a qcow2 can store more than its virtual size, and quotas and
// capacity count SIZE) and PresentedBytes (whose error it returns).
Result<std::uint64_t> SizeMb(std::string_view header, std::uint64_t file_size, const FormatList& formats = {});

// Files outside the image that QEMU would open on the host because the
// image's bytes say so, judged as the detected format and `formats`. A
// deployed disk must not do that: a qcow2 made with `-b /etc/hostname`, or a
// vmdk descriptor with `RW 2 FLAT "/etc/hostname" 0`, gives the guest a host
// file. What counts, as QEMU 7.2 reads it (block/qcow.c, qcow2.c, qed.c,
// vmdk.c):
//  - QFI\xfb (qcow v1, qcow2 v2/v3), whatever the format: a backing file
//    (any non-zero name offset), qcow2 v3's external data file (incompatible
//    bit 2, header extension 0x44415441);
//  - QED: a backing file (feature bit 0);
//  - KDMV and COWD: a "parentFileNameHint" in the 10 KiB at 0x200 (up to a
//    NUL); KDMV with capacity 0 and a non-zero desc_offset: QEMU ignores
//    desc_size and reads the descriptor at (desc_offset << 9, wrapping) up to
//    a NUL or 1 MiB, then opens its extents;
//  - anything else opened as vmdk (vmdk detected or among `formats`) is a
//    text descriptor: the bytes up to the first NUL (QEMU reads up to 1 MiB).
//    A "parentFileNameHint" anywhere in it, or an extent line as QEMU's
//    sscanf("%10s %ld %10s \"%511[^\n\r\"]\"") matches it from any line start
//    (whitespace, newlines included, between the fields) with the access word
//    RW (RDONLY and NOACCESS too, to be safe).
// A descriptor QEMU would read past the bytes given (no NUL in a full
// `header`, or an embedded descriptor starting beyond it) cannot be checked
// and counts as a reference: no legitimate image has one (descriptors are a
// few hundred bytes; QEMU-made and VMware sparse files have capacity != 0),
// so the check never needs more than kHeaderBytes. A monolithicSparse or
// streamOptimized file (capacity != 0) whose embedded descriptor names its
// own extent is self-contained: QEMU does not read those extents.
// Returns a short description of the first reference ("a backing file
// '/etc/hostname'"), or nullopt when there is none.
std::optional<std::string> ExternalFileReference(std::string_view header, const FormatList& formats = {});

// Status::Invalid naming `what`, the reference and the fixes (flatten the
// image, or IPFS_ALLOW_BACKING_FILE=yes) when `header` has an external
// reference (judged as above) and `allow` is false; Ok otherwise.
Status CheckSelfContained(std::string_view header, std::string_view what, bool allow, const FormatList& formats = {});

}  // namespace oneipfs
