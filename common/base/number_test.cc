#include "common/base/number.h"

#include <doctest/doctest.h>

namespace oneipfs {

TEST_CASE("number: plain decimal counts") {
  CHECK(ParseCount("0") == 0u);
  CHECK(ParseCount("42") == 42u);
  CHECK(ParseCount("007") == 7u);
  CHECK(ParseCount("18446744073709551615") == std::numeric_limits<std::uint64_t>::max());
  CHECK(ParseCount("65535", 65535) == 65535u);
}

TEST_CASE("number: everything else is refused") {
  for (const char* bad : {"", " 5", "5 ", "+5", "-0", "-1", "5MB", "0x10", "1e3", "1.5", "\t7", "7\n",
                          "18446744073709551616", "99999999999999999999999"})
    CHECK_MESSAGE(!ParseCount(bad), "accepted '" << bad << "'");
  CHECK(!ParseCount("65536", 65535));
}

}  // namespace oneipfs
