// number.h: the one parser for the decimal numbers oned passes (SIZE, snapshot
// ids, byte counts, config values, ports).
//
// ParseCount accepts only plain decimal digits: no sign, no blanks, no
// "0x", nothing after the number, at most `max`. Anything else (including a
// value that overflows) is std::nullopt, so "  5", "+5", "-0", "5MB" and
// "99999999999999999999" are all refused instead of read as a number by
// strtol's lenient rules. Callers turn nullopt into their own one-line error.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace oneipfs {

// The largest SIZE in MB whose byte count still fits an off_t (and a shell's
// $((mb * 1048576)) on the host).
inline constexpr std::uint64_t kMaxMegabytes = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) >> 20;

std::optional<std::uint64_t> ParseCount(std::string_view text,
                                        std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

}  // namespace oneipfs
