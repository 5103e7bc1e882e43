#include "common/base/image_format.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace oneipfs {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMiB = 1024 * 1024;

// A fresh directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "image-format-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

bool HaveQemuImg() { return std::system("qemu-img --version >/dev/null 2>&1") == 0; }

// Runs qemu-img create in `dir`; `args` are trusted test literals.
void QemuImgCreate(const fs::path& dir, const std::string& args) {
  std::string cmd = "cd '" + dir.string() + "' && qemu-img create -q " + args + " >/dev/null";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
}

// The first kHeaderBytes of `file` (fewer when it is shorter).
std::string Header(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in.good());
  std::string h(kHeaderBytes, '\0');
  in.read(h.data(), static_cast<std::streamsize>(h.size()));
  h.resize(static_cast<std::size_t>(in.gcount()));
  return h;
}

void PutBe(std::string& b, std::size_t off, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) b[off + i] = static_cast<char>(v & 0xff);
}
void PutLe(std::string& b, std::size_t off, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i, v >>= 8) b[off + i] = static_cast<char>(v & 0xff);
}

std::string Qcow2Header(std::uint32_t version, std::uint64_t size, std::size_t len = 104) {
  std::string h(len, '\0');
  h.replace(0, 4, "QFI\xfb", 4);
  PutBe(h, 4, version, 4);
  PutBe(h, 20, 16, 4);  // cluster bits
  PutBe(h, 24, size, 8);
  return h;
}

}  // namespace

TEST_CASE("image_format: real images made by qemu-img") {
  // The test is about real files: without qemu-img it fails, it does not skip.
  REQUIRE_MESSAGE(HaveQemuImg(), "qemu-img is required (apt-get install qemu-utils)");
  TempDir dir;

  struct Case {
    std::string name, file, options, size, format;
    std::optional<std::uint64_t> virtual_size;
  };
  const Case cases[] = {
      {"qcow2 v2 (compat=0.10)", "v2.qcow2", "-f qcow2 -o compat=0.10", "1G", "qcow2", 1024 * kMiB},
      {"qcow2 v3 (compat=1.1)", "v3.qcow2", "-f qcow2 -o compat=1.1", "10G", "qcow2", 10240 * kMiB},
      {"qcow2 odd size", "odd.qcow2", "-f qcow2", "1000001", "qcow2", 1000448},  // qemu rounds up to 512
      {"qcow2 with a backing file", "child.qcow2", "-f qcow2 -b v3.qcow2 -F qcow2", "", "qcow2", 10240 * kMiB},
      {"vmdk monolithicSparse", "sparse.vmdk", "-f vmdk", "2G", "vmdk", 2048 * kMiB},
      {"vmdk streamOptimized", "stream.vmdk", "-f vmdk -o subformat=streamOptimized", "3M", "vmdk", 3 * kMiB},
      {"vmdk monolithicFlat descriptor", "flat.vmdk", "-f vmdk -o subformat=monolithicFlat", "5M", "vmdk", 5 * kMiB},
      {"vmdk twoGbMaxExtentSparse descriptor (3 extents)", "split.vmdk", "-f vmdk -o subformat=twoGbMaxExtentSparse",
       "5G", "vmdk", 5120 * kMiB},
      {"vhdx", "disk.vhdx", "-f vhdx", "1G", "vhdx", std::nullopt},
      {"raw", "disk.raw", "-f raw", "3M", "raw", std::nullopt},
      {"raw odd size", "odd.raw", "-f raw", "1000001", "raw", std::nullopt},
  };
  SUBCASE("each format") {
    for (const Case& c : cases) {
      INFO(c.name);
      QemuImgCreate(dir.path, c.options + " " + c.file + " " + c.size);
      fs::path path = dir.path / c.file;
      REQUIRE(fs::exists(path));
      ImageInfo info = DetectImage(Header(path));
      CHECK(info.format == c.format);
      CHECK(info.virtual_size == c.virtual_size);
      std::uint64_t file_size = fs::file_size(path);
      // The size oned is told: the larger of the virtual and the stored size.
      std::uint64_t expect_bytes = std::max(c.virtual_size.value_or(file_size), file_size);
      CHECK(*SizeMb(Header(path), file_size) == (expect_bytes + kMiB - 1) / kMiB);
    }
  }

  SUBCASE("raw file of an odd size: the file size is the disk size") {
    fs::path path = dir.path / "odd.bin";
    {
      std::ofstream out(path, std::ios::binary);
      std::string data(3 * kMiB + 1, '\0');
      for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 7919) >> 3);
      out.write(data.data(), static_cast<std::streamsize>(data.size()));
    }
    ImageInfo info = DetectImage(Header(path));
    CHECK(info.format == "raw");
    CHECK_FALSE(info.virtual_size.has_value());
    CHECK(*SizeMb(Header(path), fs::file_size(path)) == 4);
  }

  SUBCASE("qemu-img agrees on the virtual size of a qcow2 image") {
    QemuImgCreate(dir.path, "-f qcow2 agree.qcow2 123456789");
    std::string cmd = "qemu-img info --output=json '" + (dir.path / "agree.qcow2").string() +
                      "' | grep -o '\"virtual-size\": *[0-9]*' | grep -o '[0-9]*$'";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[64] = {};
    std::size_t n = std::fread(buf, 1, sizeof(buf) - 1, p);
    ::pclose(p);
    REQUIRE(n > 0);
    ImageInfo info = DetectImage(Header(dir.path / "agree.qcow2"));
    REQUIRE(info.virtual_size.has_value());
    CHECK(*info.virtual_size == std::stoull(std::string(buf, n)));
  }
}

TEST_CASE("image_format: hand-built headers") {
  SUBCASE("empty and tiny buffers are raw") {
    for (std::string h : {std::string(), std::string("Q"), std::string("QFI\xfb", 4), std::string("KDMV"),
                          std::string("vhdx"), std::string(31, '\0')}) {
      ImageInfo info = DetectImage(h);
      CHECK(info.format == "raw");
      CHECK_FALSE(info.virtual_size.has_value());
    }
  }
  SUBCASE("qcow2 header truncated below 32 bytes is raw") {
    std::string h = Qcow2Header(3, 1 << 30);
    CHECK(DetectImage(h.substr(0, 31)).format == "raw");
    ImageInfo info = DetectImage(h.substr(0, 32));
    CHECK(info.format == "qcow2");
    CHECK(info.virtual_size == std::uint64_t{1} << 30);
  }
  SUBCASE("qcow2 versions") {
    CHECK(DetectImage(Qcow2Header(2, 42)).format == "qcow2");
    CHECK(DetectImage(Qcow2Header(3, 42)).virtual_size == 42u);
    for (std::uint32_t bad : {0u, 1u, 4u, 0x03000000u, 0xffffffffu}) {
      INFO("version " << bad);
      ImageInfo info = DetectImage(Qcow2Header(bad, 42));
      CHECK(info.format == "raw");
      CHECK_FALSE(info.virtual_size.has_value());
    }
  }
  SUBCASE("qcow2 size is big-endian and uses all 64 bits") {
    ImageInfo info = DetectImage(Qcow2Header(3, 0x0102030405060708ull));
    CHECK(info.virtual_size == 0x0102030405060708ull);
    CHECK(*SizeMb(Qcow2Header(3, 0x0102030405060708ull), 0) == (0x0102030405060708ull + kMiB - 1) / kMiB);
  }
  SUBCASE("vmdk sparse header: little-endian capacity in sectors") {
    std::string h(512, '\0');
    h.replace(0, 4, "KDMV");
    PutLe(h, 4, 1, 4);
    PutLe(h, 12, 4194304, 8);
    ImageInfo info = DetectImage(h);
    CHECK(info.format == "vmdk");
    CHECK(info.virtual_size == 2048 * kMiB);
    CHECK(DetectImage(h.substr(0, 19)).format == "raw");
  }
  SUBCASE("vmdk sparse header with an absurd capacity: vmdk, size unknown") {
    std::string h(512, '\0');
    h.replace(0, 4, "KDMV");
    PutLe(h, 12, 0xffffffffffffffffull, 8);
    ImageInfo info = DetectImage(h);
    CHECK(info.format == "vmdk");
    CHECK_FALSE(info.virtual_size.has_value());
  }
  SUBCASE("vmdk descriptor: extent lines are summed, other lines ignored") {
    std::string d =
        "# Disk DescriptorFile\r\n"
        "version=1\r\n"
        "createType=\"twoGbMaxExtentFlat\"\r\n"
        "# RW 999 FLAT \"commented.vmdk\" 0\r\n"
        "RW 4194304 FLAT \"a-f001.vmdk\" 0\r\n"
        "  RDONLY 100 SPARSE \"b.vmdk\"\r\n"
        "NOACCESS 28 ZERO\r\n"
        "RW 12x FLAT \"bad.vmdk\" 0\r\n"
        "RW 77\r\n"
        "ddb.geometry.heads = \"16\"\r\n";
    ImageInfo info = DetectImage(d);
    CHECK(info.format == "vmdk");
    CHECK(info.virtual_size == (4194304u + 100u + 28u) * 512u);
  }
  SUBCASE("vmdk descriptor without extents: vmdk, size unknown") {
    ImageInfo info = DetectImage("# Disk DescriptorFile\nversion=1\n");
    CHECK(info.format == "vmdk");
    CHECK_FALSE(info.virtual_size.has_value());
  }
  SUBCASE("vhdx: size unknown") {
    std::string h(kHeaderBytes, '\0');
    h.replace(0, 8, "vhdxfile");
    ImageInfo info = DetectImage(h);
    CHECK(info.format == "vhdx");
    CHECK_FALSE(info.virtual_size.has_value());
  }
  SUBCASE("iso: CD001 at 0x8001") {
    std::string h(kHeaderBytes, '\0');
    h[0x8000] = 1;
    h.replace(0x8001, 5, "CD001");
    ImageInfo info = DetectImage(h);
    CHECK(info.format == "iso");
    CHECK_FALSE(info.virtual_size.has_value());
    CHECK(DetectImage(h.substr(0, 0x8006)).format == "iso");
    CHECK(DetectImage(h.substr(0, 0x8005)).format == "raw");  // header too short to see it
    std::string moved(kHeaderBytes, '\0');
    moved.replace(0x8000, 5, "CD001");
    CHECK(DetectImage(moved).format == "raw");
  }
  SUBCASE("magic elsewhere than offset 0 is raw") {
    std::string h(4096, 'x');
    h.replace(1, 4, "QFI\xfb", 4);
    h.replace(100, 8, "vhdxfile");
    CHECK(DetectImage(h).format == "raw");
  }
}

TEST_CASE("image_format: SizeMb rounds up to whole MiB") {
  CHECK(MbCeil(0) == 0);
  CHECK(MbCeil(~std::uint64_t{0}) == std::uint64_t{1} << 44);  // no overflow
  const std::string raw(4096, 'r');
  CHECK(*SizeMb(raw, 0) == 0);
  CHECK(*SizeMb(raw, 1) == 1);
  CHECK(*SizeMb(raw, kMiB - 1) == 1);
  CHECK(*SizeMb(raw, kMiB) == 1);
  CHECK(*SizeMb(raw, kMiB + 1) == 2);
  CHECK(*SizeMb(raw, 10 * kMiB) == 10);
  CHECK(*SizeMb(raw, ~std::uint64_t{0}) == std::uint64_t{1} << 44);

  CHECK(*SizeMb(Qcow2Header(3, kMiB + 1), 0) == 2);  // a virtual size bigger than the file wins
  // ... and so does a file bigger than its virtual size (issue 17: a qcow2
  // header understated what the image occupies)
  CHECK(*SizeMb(Qcow2Header(3, kMiB + 1), 100 * kMiB) == 100);
  CHECK(*SizeMb(Qcow2Header(3, 0), 5 * kMiB) == 5);
}

}  // namespace oneipfs

namespace oneipfs {
namespace {

// Creates `file` in `dir` with qemu-img and returns ExternalFileReference of its header.
std::optional<std::string> RefOf(const fs::path& dir, const std::string& args, const std::string& file) {
  QemuImgCreate(dir, args);
  return ExternalFileReference(Header(dir / file));
}

}  // namespace

TEST_CASE("image_format: external file references of images made by qemu-img") {
  REQUIRE_MESSAGE(HaveQemuImg(), "qemu-img is required (apt-get install qemu-utils)");
  TempDir dir;
  QemuImgCreate(dir.path, "-f raw base.raw 1M");
  QemuImgCreate(dir.path, "-f vmdk base.vmdk 1M");

  SUBCASE("self-contained images have none") {
    CHECK_FALSE(RefOf(dir.path, "-f qcow2 plain.qcow2 1M", "plain.qcow2"));
    CHECK_FALSE(RefOf(dir.path, "-f qcow2 -o compat=0.10 v2.qcow2 1M", "v2.qcow2"));
    CHECK_FALSE(RefOf(dir.path, "-f vmdk sparse.vmdk 1M", "sparse.vmdk"));  // embedded descriptor names itself
    CHECK_FALSE(RefOf(dir.path, "-f vmdk -o subformat=streamOptimized s.vmdk 1M", "s.vmdk"));
    CHECK_FALSE(RefOf(dir.path, "-f vhdx d.vhdx 1M", "d.vhdx"));
    CHECK_FALSE(ExternalFileReference(Header(dir.path / "base.raw")));
  }
  SUBCASE("qcow2 with a backing file (the issue's example) names it") {
    auto ref = RefOf(dir.path, "-f qcow2 -b /etc/hostname -F raw x.qcow2", "x.qcow2");
    REQUIRE(ref);
    CHECK(*ref == "a backing file '/etc/hostname'");
    ref = RefOf(dir.path, "-f qcow2 -o compat=0.10 -b base.raw -F raw x2.qcow2", "x2.qcow2");
    REQUIRE(ref);
    CHECK(*ref == "a backing file 'base.raw'");
  }
  SUBCASE("qcow2 with an external data file names it") {
    auto ref = RefOf(dir.path, "-f qcow2 -o data_file=data.raw d.qcow2 1M", "d.qcow2");
    REQUIRE(ref);
    CHECK(*ref == "an external data file 'data.raw'");
  }
  SUBCASE("qed with a backing file") {
    auto ref = RefOf(dir.path, "-f qed -b base.raw -F raw x.qed", "x.qed");
    REQUIRE(ref);
    CHECK(*ref == "a backing file 'base.raw'");
    CHECK_FALSE(RefOf(dir.path, "-f qed plain.qed 1M", "plain.qed"));
  }
  SUBCASE("vmdk: a parent image, or extents in other files") {
    auto ref = RefOf(dir.path, "-f vmdk -b base.vmdk -F vmdk child.vmdk", "child.vmdk");
    REQUIRE(ref);
    CHECK(ref->find("a parent image") == 0);
    CHECK(ref->find("base.vmdk") != std::string::npos);
    ref = RefOf(dir.path, "-f vmdk -o subformat=monolithicFlat flat.vmdk 1M", "flat.vmdk");
    REQUIRE(ref);
    CHECK(*ref == "an extent file 'flat-flat.vmdk'");
    ref = RefOf(dir.path, "-f vmdk -o subformat=twoGbMaxExtentSparse split.vmdk 1M", "split.vmdk");
    REQUIRE(ref);
    CHECK(*ref == "an extent file 'split-s001.vmdk'");
  }
  SUBCASE("CheckSelfContained: one line naming the image, the file and the escape hatch") {
    QemuImgCreate(dir.path, "-f qcow2 -b /etc/hostname -F raw x.qcow2");
    std::string h = Header(dir.path / "x.qcow2");
    Status st = CheckSelfContained(h, "/ipfs/bafyX", false);
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK(st.message().find("/ipfs/bafyX is a qcow2 image with a backing file '/etc/hostname'") == 0);
    CHECK(st.message().find("IPFS_ALLOW_BACKING_FILE=yes") != std::string::npos);
    CHECK(st.message().find('\n') == std::string::npos);
    CHECK(CheckSelfContained(h, "x", true).ok());
    CHECK(CheckSelfContained(Header(dir.path / "base.raw"), "x", false).ok());
  }
}

TEST_CASE("image_format: external file references in hand-built headers") {
  SUBCASE("qcow v1 backing file") {
    std::string h = Qcow2Header(1, 42, 512);
    PutBe(h, 8, 200, 8);
    PutBe(h, 16, 4, 4);
    h.replace(200, 4, "base");
    CHECK(ExternalFileReference(h) == std::optional<std::string>("a backing file 'base'"));
    CHECK(CheckSelfContained(h, "img", false).message().find("img is a qcow image") == 0);
  }
  SUBCASE("backing file name beyond the header: still refused") {
    std::string h = Qcow2Header(3, 42, 512);
    PutBe(h, 8, 1 << 20, 8);
    PutBe(h, 16, 10, 4);
    auto ref = ExternalFileReference(h);
    REQUIRE(ref);
    CHECK(ref->find("a backing file (its name lies beyond") == 0);
  }
  SUBCASE("qcow2 v3 external data file bit without the name extension") {
    std::string h = Qcow2Header(3, 42, 512);
    PutBe(h, 72, 4, 8);
    PutBe(h, 100, 112, 4);
    CHECK(ExternalFileReference(h) == std::optional<std::string>("an external data file"));
    PutBe(h, 72, 1, 8);  // dirty bit only
    CHECK_FALSE(ExternalFileReference(h));
  }
  SUBCASE("non-printable names are masked") {
    std::string h = Qcow2Header(3, 42, 512);
    PutBe(h, 8, 200, 8);
    PutBe(h, 16, 3, 4);
    h.replace(200, 3, "a\nb");
    CHECK(ExternalFileReference(h) == std::optional<std::string>("a backing file 'a?b'"));
  }
  SUBCASE("vmdk text descriptor: ZERO extents name no file") {
    std::string d = "# Disk DescriptorFile\nversion=1\nNOACCESS 28 ZERO\n";
    CHECK_FALSE(ExternalFileReference(d));
    d += "RW 100 FLAT \"/dev/sda\" 0\n";
    CHECK(ExternalFileReference(d) == std::optional<std::string>("an extent file '/dev/sda'"));
  }
  SUBCASE("vmdk sparse header with capacity 0: its embedded descriptor's extents are opened") {
    std::string h(4096, '\0');
    h.replace(0, 4, "KDMV");
    PutLe(h, 4, 1, 4);
    PutLe(h, 28, 1, 8);  // descriptor at sector 1
    PutLe(h, 36, 2, 8);  // 2 sectors
    std::string desc = "# Disk DescriptorFile\nRW 2048 FLAT \"/etc/shadow\" 0\n";
    h.replace(512, desc.size(), desc);
    CHECK(ExternalFileReference(h) == std::optional<std::string>("an extent file '/etc/shadow'"));
    PutLe(h, 12, 2048, 8);  // with a capacity QEMU reads the file itself
    CHECK_FALSE(ExternalFileReference(h));
  }
}

}  // namespace oneipfs

namespace oneipfs {
namespace {

// The crafted forms of tests/lib/crafted_images.py (issue 17, item 2), each
// of which QEMU opens as vmdk and then opens `target` (checked with qemu-img
// in safe_images_test.sh).
const std::string kCid = "CID=fffffffe\nparentCID=ffffffff\n";
std::string FlatDesc(const std::string& target) {
  return "createType=\"monolithicFlat\"\nRW 2 FLAT \"" + target + "\" 0\n";
}
// A VMDK4 sparse header (KDMV) with `desc` written at byte `at`.
std::string Kdmv(std::uint64_t capacity, std::uint64_t desc_offset, std::uint64_t desc_size, std::size_t at,
                 const std::string& desc, std::size_t total = 4096) {
  std::string h(total, '\0');
  h.replace(0, 4, "KDMV");
  PutLe(h, 4, 1, 4);
  PutLe(h, 8, 3, 4);
  PutLe(h, 12, capacity, 8);
  PutLe(h, 20, 128, 8);
  PutLe(h, 28, desc_offset, 8);
  PutLe(h, 36, desc_size, 8);
  h.replace(at, desc.size(), desc);
  return h;
}
// A VMDK3 (COWD, ESX sparse) header with `desc` at 0x200.
std::string Cowd(const std::string& desc) {
  std::string h(8192, '\0');
  h.replace(0, 4, "COWD");
  PutLe(h, 4, 1, 4);
  PutLe(h, 8, 3, 4);
  PutLe(h, 12, 2048, 4);  // disk sectors
  PutLe(h, 16, 1, 4);     // granularity
  PutLe(h, 20, 8, 4);     // l1dir offset
  PutLe(h, 24, 1, 4);     // l1dir size
  h.replace(512, desc.size(), desc);
  return h;
}

using Ref = std::optional<std::string>;

}  // namespace

TEST_CASE("image_format: crafted vmdk and COWD images that name a host file") {
  SUBCASE("a text descriptor without the '# Disk DescriptorFile' line (QEMU probes 'version=1' as vmdk)") {
    std::string d = "version=1\n" + kCid + FlatDesc("/etc/hostname");
    CHECK(DetectImage(d).format == "vmdk");
    CHECK(ExternalFileReference(d) == Ref("an extent file '/etc/hostname'"));
    std::string commented = "# a comment\n   \r\nversion=2\r\n" + kCid + FlatDesc("/etc/shadow");
    CHECK(DetectImage(commented).format == "vmdk");
    CHECK(ExternalFileReference(commented) == Ref("an extent file '/etc/shadow'"));
  }
  SUBCASE("an extent line split over several lines (sscanf skips newlines) or glued to its quote") {
    std::string split = "# Disk DescriptorFile\n" + kCid + "createType=\"monolithicFlat\"\nRW\n2\nFLAT\n\"/etc/hostname\" 0\n";
    CHECK(ExternalFileReference(split) == Ref("an extent file '/etc/hostname'"));
    std::string blank = "# Disk DescriptorFile\n\n\n   RW   +5 SPARSE\t\"/dev/sda\"\n";
    CHECK(ExternalFileReference(blank) == Ref("an extent file '/dev/sda'"));
    // %10s stops after 10 characters: a 10-letter type may touch the quote
    // (QEMU 7.2 opens /etc/hostname through this line; one letter more, it does not)
    std::string glued = "# Disk DescriptorFile\nRW 2 VMFSSPARSE\"/etc/hostname\"\n";
    CHECK(ExternalFileReference(glued) == Ref("an extent file '/etc/hostname'"));
    CHECK_FALSE(ExternalFileReference("# Disk DescriptorFile\nRW 2 VMFSSPARSEX\"/etc/hostname\"\n"));
    std::string unclosed = "# Disk DescriptorFile\nRW 2 FLAT \"/etc/hostname";
    CHECK(ExternalFileReference(unclosed) == Ref("an extent file '/etc/hostname'"));
  }
  SUBCASE("sparse header, capacity 0, desc_size 0: QEMU reads the embedded descriptor anyway") {
    CHECK(ExternalFileReference(Kdmv(0, 1, 0, 512, kCid + FlatDesc("/etc/hostname"))) ==
          Ref("an extent file '/etc/hostname'"));
  }
  SUBCASE("sparse header, capacity 0: the extent line past desc_size sectors") {
    std::string desc = kCid + "createType=\"monolithicFlat\"\n" + std::string(600, '#') + "\nRW 2 FLAT \"/etc/hostname\" 0\n";
    CHECK(ExternalFileReference(Kdmv(0, 1, 1, 512, desc)) == Ref("an extent file '/etc/hostname'"));
  }
  SUBCASE("sparse header, capacity 0: desc_offset << 9 wraps around to sector 1") {
    std::uint64_t wraps = (std::uint64_t{1} << 55) + 1;
    CHECK(ExternalFileReference(Kdmv(0, wraps, 1, 512, kCid + FlatDesc("/etc/hostname"))) ==
          Ref("an extent file '/etc/hostname'"));
  }
  SUBCASE("sparse header, capacity 0: a descriptor beyond the bytes read cannot be checked") {
    std::string h = Kdmv(0, 200, 1, 512, kCid, kHeaderBytes);  // the file goes on past the header
    auto ref = ExternalFileReference(h);
    REQUIRE(ref);
    CHECK(ref->find("cannot be checked") != std::string::npos);
  }
  SUBCASE("COWD (ESX sparse) with a parentFileNameHint at 0x200") {
    std::string h = Cowd(kCid + "parentFileNameHint=\"/etc/hostname\"\n");
    CHECK(DetectImage(h).format == "vmdk");
    CHECK(DetectImage(h).virtual_size == 2048u * 512u);
    CHECK(ExternalFileReference(h) == Ref("a parent image '/etc/hostname'"));
    CHECK(CheckSelfContained(h, "x", false).message().find("x is a vmdk image with a parent image") == 0);
    CHECK_FALSE(ExternalFileReference(Cowd(kCid)));
  }
}

TEST_CASE("image_format: self-contained images stay accepted") {
  REQUIRE_MESSAGE(HaveQemuImg(), "qemu-img is required (apt-get install qemu-utils)");
  REQUIRE_MESSAGE(std::system("genisoimage --version >/dev/null 2>&1") == 0, "genisoimage is required");
  TempDir dir;
  QemuImgCreate(dir.path, "-f vmdk sparse.vmdk 2M");
  QemuImgCreate(dir.path, "-f vmdk -o subformat=streamOptimized stream.vmdk 2M");
  QemuImgCreate(dir.path, "-f qcow2 plain.qcow2 2M");
  QemuImgCreate(dir.path, "-f raw disk.raw 2M");
  std::string cmd = "cd '" + dir.path.string() + "' && mkdir iso && echo hi >iso/a && genisoimage -quiet -o cd.iso iso";
  REQUIRE(std::system(cmd.c_str()) == 0);
  for (const char* f : {"sparse.vmdk", "stream.vmdk", "plain.qcow2", "disk.raw", "cd.iso"}) {
    INFO(f);
    std::string h = Header(dir.path / f);
    CHECK_FALSE(ExternalFileReference(h));
    CHECK(CheckSelfContained(h, f, false).ok());
  }
  CHECK(DetectImage(Header(dir.path / "cd.iso")).format == "iso");
}

}  // namespace oneipfs

namespace oneipfs {

TEST_CASE("image_format: the format the VM is given decides how the bytes are read") {
  // Not probed by QEMU (no version= line first): raw, unless DRIVER=vmdk.
  const std::string bare = kCid + "createType=\"monolithicFlat\"\nRW\n2\nFLAT\n\"/etc/hostname\" 0\n";
  REQUIRE(DetectImage(bare).format == "raw");
  SUBCASE("a descriptor QEMU only opens as vmdk when told to") {
    CHECK_FALSE(ExternalFileReference(bare));
    CHECK_FALSE(ExternalFileReference(bare, {"raw", ""}));
    CHECK(ExternalFileReference(bare, {"vmdk"}) == Ref("an extent file '/etc/hostname'"));
    CHECK(ExternalFileReference(bare, {"raw", " VMDK "}) == Ref("an extent file '/etc/hostname'"));
    Status st = CheckSelfContained(bare, "/ipfs/bafyX", false, {"vmdk"});
    CHECK(st.message().find("/ipfs/bafyX is a vmdk image with an extent file '/etc/hostname'") == 0);
    CHECK(CheckSelfContained(bare, "x", true, {"vmdk"}).ok());  // IPFS_ALLOW_BACKING_FILE
    CHECK(CheckSelfContained(bare, "x", false, {"raw"}).ok());
  }
  SUBCASE("text QEMU would read on past the header cannot be checked as vmdk") {
    std::string text(kHeaderBytes, 'x');
    CHECK_FALSE(ExternalFileReference(text));
    auto ref = ExternalFileReference(text, {"vmdk"});
    REQUIRE(ref);
    CHECK(ref->find("cannot be checked") != std::string::npos);
    CHECK_FALSE(ExternalFileReference(text.substr(0, kHeaderBytes - 1), {"vmdk"}));  // all of a shorter file
    text[1000] = '\0';  // QEMU stops at the first NUL
    CHECK_FALSE(ExternalFileReference(text, {"vmdk"}));
    text.replace(10, 30, "\nRW 2 FLAT \"/etc/hostname\" 0\n");
    CHECK(ExternalFileReference(text, {"vmdk"}) == Ref("an extent file '/etc/hostname'"));
  }
  SUBCASE("what QEMU skips: other access words than RW-like, no name, a NUL before the line, a comment") {
    for (std::string line : {"rw 2 FLAT \"/x\" 0", "RWX 2 FLAT \"/x\" 0", "RW two FLAT \"/x\" 0", "RW 2 FLAT \"\" 0",
                             "RW 2 ZERO", "# RW 2 FLAT \"/x\" 0", "RW 2 FLATFLATFLAT \"/x\" 0"}) {
      INFO(line);
      CHECK_FALSE(ExternalFileReference(kCid + line + "\n", {"vmdk"}));
    }
    CHECK_FALSE(ExternalFileReference(kCid + std::string(1, '\0') + FlatDesc("/x"), {"vmdk"}));
  }
  SUBCASE("a long run of blank lines is read once (linear)") {
    std::string text = kCid + std::string(kHeaderBytes - 200, '\n') + "RW 2 FLAT \"/etc/hostname\" 0\n";
    text.resize(kHeaderBytes - 1);
    CHECK(ExternalFileReference(text, {"vmdk"}) == Ref("an extent file '/etc/hostname'"));
  }
}

TEST_CASE("image_format: legitimate images judged as vmdk or any DRIVER") {
  REQUIRE_MESSAGE(HaveQemuImg(), "qemu-img is required (apt-get install qemu-utils)");
  TempDir dir;
  QemuImgCreate(dir.path, "-f vmdk sparse.vmdk 2M");
  QemuImgCreate(dir.path, "-f vmdk -o subformat=streamOptimized stream.vmdk 2M");
  QemuImgCreate(dir.path, "-f qcow2 plain.qcow2 2M");
  QemuImgCreate(dir.path, "-f raw disk.raw 2M");
  for (const char* f : {"sparse.vmdk", "stream.vmdk", "plain.qcow2", "disk.raw"}) {
    INFO(f);
    std::string h = Header(dir.path / f);
    for (const FormatList& formats : {FormatList{"vmdk"}, FormatList{"qcow2"}, FormatList{"raw", "qed", "vhdx"}})
      CHECK(CheckSelfContained(h, f, false, formats).ok());
  }
}

TEST_CASE("image_format: PresentedBytes, the disk QEMU shows the guest") {
  SUBCASE("qcow2: the header's virtual size when opened as qcow2, the file's size as raw") {
    std::string h = Qcow2Header(3, 64 * kMiB);
    CHECK(*PresentedBytes(h, kMiB) == 64 * kMiB);
    CHECK(*PresentedBytes(h, kMiB, {"qcow2"}) == 64 * kMiB);
    CHECK(*PresentedBytes(h, 100 * kMiB, {"qcow2"}) == 64 * kMiB);  // stored > virtual: still a 64 MiB disk
    CHECK(*PresentedBytes(h, 100 * kMiB, {"raw"}) == 100 * kMiB);
    CHECK(*PresentedBytes(h, kMiB, {"qcow"}) == 64 * kMiB);  // the qcow driver refuses v3: the qcow2 size stays
    std::string v1 = Qcow2Header(1, 32 * kMiB);
    CHECK(*PresentedBytes(v1, kMiB) == kMiB);  // detected raw
    CHECK(*PresentedBytes(v1, kMiB, {"QCOW"}) == 32 * kMiB);
  }
  SUBCASE("qed: image_size at 48 when opened as qed") {
    std::string h(512, '\0');
    h.replace(0, 4, std::string_view("QED\0", 4));
    PutLe(h, 48, 8 * kMiB, 8);
    CHECK(*PresentedBytes(h, 4096) == 4096);
    CHECK(*PresentedBytes(h, 4096, {"qed"}) == 8 * kMiB);
  }
  SUBCASE("vmdk: KDMV and COWD capacity, descriptors' extents, capacity-0 embedded descriptors") {
    CHECK(*PresentedBytes(Cowd(kCid), 8192) == 2048 * 512);
    CHECK(*PresentedBytes(Kdmv(4096, 1, 20, 512, kCid), 8192) == 4096 * 512);
    CHECK(*PresentedBytes(Kdmv(0, 1, 20, 512, kCid + "RW 6144 FLAT \"f\" 0\n"), 4096) == 6144 * 512);
    std::string bare = kCid + "RW 6144 FLAT \"f\" 0\n";
    CHECK(*PresentedBytes(bare, bare.size()) == bare.size());
    CHECK(*PresentedBytes(bare, bare.size(), {"vmdk"}) == 6144 * 512);
  }
  SUBCASE("formats whose size is not read count as the file size") {
    CHECK(*PresentedBytes(std::string(512, 'v'), 12345, {"vdi", "vpc", "bogus"}) == 12345);
  }
}

}  // namespace oneipfs

namespace oneipfs {

TEST_CASE("image_format: a vmdk whose size is in its footer cannot be sized from the header") {
  std::string h = Kdmv(4096, 1, 20, 512, kCid);
  PutLe(h, 56, 26, 8);  // grain directory at sector 26, as qemu-img writes streamOptimized files
  REQUIRE(PresentedBytes(h, 8192).ok());
  CHECK(*SizeMb(h, 8192) == 2);
  PutLe(h, 56, ~std::uint64_t{0}, 8);  // VMDK4_GD_AT_END: QEMU reads the footer's capacity instead
  CHECK(PresentedBytes(h, 8192).status().code() == Status::Code::kInvalid);
  CHECK(SizeMb(h, 8192).status().message().find("footer") != std::string::npos);
  CHECK(PresentedBytes(h, 8192, {"raw"}).status().code() == Status::Code::kInvalid);  // detected vmdk counts
  CHECK_FALSE(ExternalFileReference(h));  // not a reference: the size is what is unknown
  std::string desc_first = Kdmv(0, 1, 20, 512, kCid + "RW 8 FLAT \"f\" 0\n");
  PutLe(desc_first, 56, ~std::uint64_t{0}, 8);  // capacity 0 + desc_offset: the descriptor wins
  CHECK(*PresentedBytes(desc_first, 4096) == 8 * 512);
}

}  // namespace oneipfs
