// unified_diff.h: the unified diff of two texts, as `diff -u` prints it
// (3 lines of context, "\ No newline at end of file" markers), for tools
// that show what they would change (one-ipfs-register --dry-run).
#pragma once

#include <string>
#include <string_view>

namespace oneipfs {

// "" when the texts are equal; otherwise the "--- a_name" / "+++ b_name"
// header and the hunks.
std::string UnifiedDiff(std::string_view a, std::string_view b, std::string_view a_name, std::string_view b_name);

}  // namespace oneipfs
