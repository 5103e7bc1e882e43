#include "common/base/text.h"

#include <doctest/doctest.h>

namespace oneipfs {

TEST_CASE("text: case, trimming, prefixes") {
  CHECK(Lower("IPFS://Qm") == "ipfs://qm");
  CHECK(Trim(" \t x y \r\n") == "x y");
  CHECK(Trim(" \n ").empty());
  CHECK(StartsWithNoCase("IpFs://bafy", "ipfs://"));
  CHECK(StartsWithNoCase("https://x", "HTTPS://"));
  CHECK(!StartsWithNoCase("ipf", "ipfs://"));
  CHECK(!StartsWithNoCase("ipns://k", "ipfs://"));
}

TEST_CASE("text: words and the last line") {
  CHECK(SplitWords("  -o  A=1\t-o\nB ") == std::vector<std::string>{"-o", "A=1", "-o", "B"});
  CHECK(SplitWords(" \t ").empty());
  CHECK(Split("ssh,shared,,ipfs", ',') == std::vector<std::string>{"ssh", "shared", "", "ipfs"});
  CHECK(Split("", ',') == std::vector<std::string>{""});
  CHECK(Split("/a/b", '/') == std::vector<std::string>{"", "a", "b"});
  CHECK(LastLine("INFO: x\nERROR: disk full\n") == "ERROR: disk full");
  CHECK(LastLine("first\nlast\r\n  \n") == "last");
  CHECK(LastLine("only") == "only");
  CHECK(LastLine("\n \n").empty());
}

}  // namespace oneipfs
