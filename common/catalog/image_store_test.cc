#include "common/catalog/image_store.h"

#include <doctest/doctest.h>

#include <string>

namespace oneipfs {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// A qcow2 v3 header stating `virtual_size` bytes.
std::string Qcow2(std::uint64_t virtual_size) {
  std::string h(104, '\0');
  h.replace(0, 4, "QFI\xfb", 4);
  h[7] = 3;
  for (int i = 0; i < 8; ++i) h[24 + i] = static_cast<char>((virtual_size >> (56 - 8 * i)) & 0xff);
  return h;
}

}  // namespace

TEST_CASE("image_store: DriverFormats are the image's and the datastore's DRIVER") {
  DsAction a;
  CHECK(DriverFormats(a).empty());
  a.image.tmpl["DRIVER"] = "vmdk";
  a.datastore.tmpl["DRIVER"] = " ";
  CHECK(DriverFormats(a) == FormatList{"vmdk"});
  a.datastore.tmpl["DRIVER"] = "qcow2";
  CHECK(DriverFormats(a) == FormatList{"vmdk", "qcow2"});
}

TEST_CASE("image_store: CheckRegisteredSize holds cp to the SIZE oned was told") {
  DsAction a;
  a.image.size_mb = "64";
  CHECK(CheckRegisteredSize(a, Qcow2(64 * kMiB), 200 * 1024, "img").ok());
  CHECK(CheckRegisteredSize(a, std::string(4096, 'r'), 64 * kMiB, "img").ok());
  Status big = CheckRegisteredSize(a, Qcow2(64 * kMiB + 1), 200 * 1024, "/ipfs/bafyX");
  CHECK(big.code() == Status::Code::kInvalid);
  CHECK(big.message().find("/ipfs/bafyX is 65 MB") == 0);
  CHECK(big.message().find("SIZE of 64 MB") != std::string::npos);
  CHECK(big.message().find('\n') == std::string::npos);
  // what the image stores counts too: a 1 MiB qcow2 stored in 65 MiB
  CHECK_FALSE(CheckRegisteredSize(a, Qcow2(kMiB), 65 * kMiB, "img").ok());
  // as the DRIVER the VM gets: a 4 KiB raw file, but a 100 MiB disk as qed
  std::string qed(512, '\0');
  qed.replace(0, 4, std::string_view("QED\0", 4));
  qed[48 + 2] = 0x40;  // image_size (little-endian) = 0x6400000 = 100 MiB
  qed[48 + 3] = 0x06;
  CHECK(CheckRegisteredSize(a, qed, 4096, "img").ok());
  a.image.tmpl["DRIVER"] = "qed";
  CHECK(CheckRegisteredSize(a, qed, 4096, "img").message().find("img is 100 MB") == 0);
  a.image.size_mb = "";  // no SIZE to hold it to (oned always sends one to cp)
  CHECK(CheckRegisteredSize(a, Qcow2(1 << 30), 0, "img").ok());
  a.image.size_mb = "0";
  CHECK_FALSE(CheckRegisteredSize(a, std::string(10, 'r'), 10, "img").ok());
}

}  // namespace oneipfs
