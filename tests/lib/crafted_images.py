#!/usr/bin/env python3
"""Write crafted disk images that make QEMU open another file: TARGET.

usage: crafted_images.py DIR TARGET

Each file below, opened by QEMU as vmdk (`qemu-img info -f vmdk`, or a VM
disk with DRIVER=vmdk), names TARGET as an extent or as its parent image.
They are what a tenant could upload; safe_images_test.sh checks that QEMU
really opens TARGET through each and that stat, cp and tm clone/ln refuse
them.

  desc-version.vmdk  a text descriptor without the "# Disk DescriptorFile"
                     line, starting with "version=1" (QEMU's probe calls it
                     vmdk, so it is vmdk even without a DRIVER)
  desc-bare.vmdk     a text descriptor QEMU does not probe (no version line
                     first): raw unless DRIVER=vmdk; its extent line is split
                     over four lines (QEMU's sscanf skips newlines)
  kdmv-desc0.vmdk    a sparse header with capacity 0 and desc_size 0: QEMU
                     reads the embedded descriptor anyway (to NUL, <= 1 MiB)
  kdmv-past.vmdk     capacity 0, desc_size 1 sector, the extent line past it
  kdmv-wrap.vmdk     capacity 0, desc_offset 2^55 + 1: desc_offset << 9
                     wraps to sector 1
  cowd-parent.vmdk   a COWD (ESX sparse) header, parentFileNameHint at 0x200
"""
import struct
import sys

out, target = sys.argv[1], sys.argv[2].encode()
# QEMU's vmdk driver wants a CID in the descriptor area (0 for a text
# descriptor, 0x200 for a sparse header) or the open fails after the extents
# were opened; it is there so that `qemu-img info` shows what was opened.
CID = b'CID=fffffffe\nparentCID=ffffffff\n'
FLAT = b'createType="monolithicFlat"\nRW 2 FLAT "' + target + b'" 0\n'


def write(name, data):
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)


def kdmv(capacity, desc_offset, desc_size, at, desc, total=4096):
    h = bytearray(total)
    h[0:4] = b"KDMV"
    # version, flags, capacity, granularity, desc_offset, desc_size
    struct.pack_into("<IIQQQQ", h, 4, 1, 3, capacity, 128, desc_offset, desc_size)
    h[at:at + len(desc)] = desc
    assert len(h) == total
    return bytes(h)


write("desc-version.vmdk", b"version=1\n" + CID + FLAT)
write("desc-bare.vmdk", CID + b'createType="monolithicFlat"\nRW\n2\nFLAT\n"' + target + b'" 0\n')
write("kdmv-desc0.vmdk", kdmv(0, 1, 0, 512, CID + FLAT))
write("kdmv-past.vmdk", kdmv(0, 1, 1, 512, CID + b'createType="monolithicFlat"\n' + b"#" * 600 + b"\n" +
                            b'RW 2 FLAT "' + target + b'" 0\n'))
write("kdmv-wrap.vmdk", kdmv(0, 2**55 + 1, 1, 512, CID + FLAT))

cowd = bytearray(8192)
cowd[0:4] = b"COWD"
# version, flags, disk_sectors, granularity, l1dir_offset, l1dir_size, file_sectors
struct.pack_into("<IIIIIII", cowd, 4, 1, 3, 2048, 1, 8, 1, 16)
hint = CID + b'parentFileNameHint="' + target + b'"\n'
cowd[512:512 + len(hint)] = hint
write("cowd-parent.vmdk", bytes(cowd))
