#include "common/host_cache.h"

#include <doctest/doctest.h>

namespace oneipfs {

TEST_CASE("host cache: least recently deployed first, never a leased CID") {
  constexpr std::uint64_t MiB = 1 << 20;
  std::vector<CachedImage> cached = {{"new", 300, 40 * MiB}, {"old", 100, 40 * MiB}, {"mid", 200, 40 * MiB}};
  CHECK(ChooseEvictions(cached, {}, 120 * MiB).empty());  // within budget: nothing
  CHECK(ChooseEvictions(cached, {}, 100 * MiB) == std::vector<std::string>{"old"});
  CHECK(ChooseEvictions(cached, {}, 40 * MiB) == std::vector<std::string>{"old", "mid"});
  // A running deploy reads "old": it stays, the next oldest go instead.
  CHECK(ChooseEvictions(cached, {"old"}, 40 * MiB) == std::vector<std::string>{"mid", "new"});
  // Everything leased: over budget for a while rather than dropping what is read.
  CHECK(ChooseEvictions(cached, {"old", "mid", "new"}, 0).empty());
  // Budget smaller than one image: nothing unleased is kept.
  CHECK(ChooseEvictions(cached, {}, 10 * MiB) == std::vector<std::string>{"old", "mid", "new"});
}

}  // namespace oneipfs
