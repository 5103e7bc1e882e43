// text.h: the small string helpers every module needs, defined once.
//
// Lower: ASCII lower case. Trim: without leading and trailing whitespace
// (std::isspace). StartsWithNoCase: `s` begins with `prefix`, ASCII case
// ignored. Split: the fields between each `sep` (empty ones kept: "a,,b" is
// three, "" is one). SplitWords: the whitespace-separated words (settings such as
// IPFS_SSH_OPTS, SAFE_DIRS, IPFS_FRONTEND_SWARM). LastLine: the last line of
// a program's stderr that is not blank, without its line ending ("" when
// there is none), which is what a one-line failure message is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace oneipfs {

std::string Lower(std::string_view s);
std::string_view Trim(std::string_view s);
bool StartsWithNoCase(std::string_view s, std::string_view prefix);
std::vector<std::string> Split(std::string_view s, char sep);
std::vector<std::string> SplitWords(std::string_view s);
std::string LastLine(std::string_view s);

}  // namespace oneipfs
