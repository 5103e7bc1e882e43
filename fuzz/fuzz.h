// fuzz.h: what every harness (fuzz/<name>_fuzz.cc) shares.
//
// A harness defines LLVMFuzzerTestOneInput and is built twice (fuzz.cmake):
// with clang and libFuzzer (-fsanitize=fuzzer,address,undefined) for
// `make fuzz`, and with the project's own compiler and replay_main.cc as the
// CTest test fuzz_<name>, which runs it over fuzz/corpus/<name>/.
//
// FUZZ_CHECK(cond, fmt, args...) states a property the code under test must
// have beyond "no crash". A violation prints one line naming the property
// and aborts: libFuzzer reports that as a crash (with the input saved), the
// replay test as a failure. Inputs in messages go through QuoteForMessage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/log.h"

namespace oneipfs::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* cond, const std::string& why) {
  std::fprintf(stderr, "fuzz property violated at %s:%d: %s: %s\n", file, line, cond, why.c_str());
  std::fflush(stderr);
  std::abort();
}

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

inline std::string Q(std::string_view s) { return QuoteForMessage(s, 300); }

}  // namespace oneipfs::fuzz

#define FUZZ_CHECK(cond, ...)                                                              \
  do {                                                                                     \
    if (!(cond)) ::oneipfs::fuzz::Fail(__FILE__, __LINE__, #cond, fmt::format(__VA_ARGS__)); \
  } while (0)
