#include "common/one/reply.h"

#include <doctest/doctest.h>

namespace oneipfs {

TEST_CASE("reply: the one line each datastore action may print") {
  CHECK(CheckDsReply("cp", "mfs:/one-ipfs/100/5-1767225600 qcow2").ok());
  CHECK(CheckDsReply("cp", "ipns://k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8/disk.img raw").ok());
  CHECK(CheckDsReply("clone", "mfs:/one-ipfs/100/6-1").ok());
  CHECK(CheckDsReply("clone", "mfs:/one-ipfs/100/6-1 raw").ok());
  CHECK(CheckDsReply("mkfs", "mfs:/one-ipfs/100/7-1").ok());
  CHECK(CheckDsReply("stat", "300").ok());
  CHECK(CheckDsReply("monitor", "USED_MB=1\nFREE_MB=2\nTOTAL_MB=3").ok());
  CHECK(CheckDsReply("monitor", "USED_MB=1\nNOTE=\"a b\"").ok());
  CHECK(CheckDsReply("rm", "").ok());
  CHECK(CheckDsReply("snap_delete", "").ok());
  CHECK(CheckDsReply("export", "<IMPORT_INFO><IMPORT_SOURCE><![CDATA[/ipfs/x]]></IMPORT_SOURCE></IMPORT_INFO>").ok());

  // The DRIVER-newline forgery: a second reply line.
  Status forged = CheckDsReply("cp", "mfs:/one-ipfs/100/5-1 raw\nCP SUCCESS 6 mfs:/one-ipfs raw");
  CHECK(forged.code() == Status::Code::kInvalid);
  CHECK(forged.message().find("refusing to answer oned with") == 0);
  CHECK(forged.message().find("\\x0a") != std::string::npos);  // quoted, one line
  CHECK(forged.message().find('\n') == std::string::npos);
  for (const char* bad : {"", "mfs:/x", "mfs:/x raw extra", "mfs:/x RAW", "mfs:/x ra-w", "mfs:/x  raw", " mfs:/x raw",
                          "mfs:/x raw ", "mfs:/x\traw", "mfs:/a\"b raw", "mfs:/a<b raw", "mfs:/x raw\r"})
    CHECK_MESSAGE(!CheckDsReply("cp", bad).ok(), bad);
  CHECK(!CheckDsReply("mkfs", "mfs:/x raw").ok());
  CHECK(!CheckDsReply("clone", "a b c").ok());
  for (const char* bad : {"", "-1", "1.5", "12 MB", "300\n", "1234567890123456789"})
    CHECK_MESSAGE(!CheckDsReply("stat", bad).ok(), bad);
  for (const char* bad : {"", "USED_MB=", "used_mb=1", "USED_MB=1\n", "USED_MB=1\nX", "NOTE=\"a\"b\"", "NOTE=\"\\\"",
                          "USED_MB=1 2"})
    CHECK_MESSAGE(!CheckDsReply("monitor", bad).ok(), bad);
  CHECK(!CheckDsReply("rm", "anything").ok());
  CHECK(!CheckDsReply("export", "<IMPORT_INFO>\n</IMPORT_INFO>").ok());
}

TEST_CASE("reply: tokens") {
  CHECK(IsFormatToken("qcow2"));
  CHECK(IsFormatToken("raw"));
  CHECK(IsFormatToken("save_as"));
  CHECK_FALSE(IsFormatToken("Qcow2"));
  CHECK_FALSE(IsFormatToken("raw\n"));
  CHECK_FALSE(IsFormatToken(std::string(33, 'a')));
  CHECK(IsSourceToken("mfs:/one-ipfs/100/5-1"));
  CHECK_FALSE(IsSourceToken("mfs:/one ipfs"));
  CHECK_FALSE(IsSourceToken(std::string(1025, 'a')));
  CHECK_FALSE(IsSourceToken("a`b"));
}

}  // namespace oneipfs
