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
// An exception escaping the code under test is reported the same way.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/base/log.h"

namespace oneipfs::fuzz {

// stderr as it was at start-up: make fuzz passes libFuzzer -close_fd_mask=3,
// which silences the library's INFO/WARN lines but must not silence these.
inline const int kReportFd = ::dup(2);

inline void Report(const std::string& line) {
  std::string l = line + "\n";
  (void)!::write(kReportFd >= 0 ? kReportFd : 2, l.data(), l.size());
}

[[noreturn]] inline void Fail(const char* file, int line, const char* cond, const std::string& why) {
  Report(fmt::format("fuzz property violated at {}:{}: {}: {}", file, line, cond, why));
  std::abort();
}

// An exception escaping the code under test (the library promises none):
// named on the report line before the abort libFuzzer reports.
inline const bool kTerminateHandler = (std::set_terminate([] {
  std::string what = "unknown";
  try {
    if (auto e = std::current_exception()) std::rethrow_exception(e);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  Report("uncaught exception: " + what);
  std::abort();
}), true);

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

inline std::string Q(std::string_view s) { return QuoteForMessage(s, 300); }

}  // namespace oneipfs::fuzz

#define FUZZ_CHECK(cond, ...)                                                              \
  do {                                                                                     \
    if (!(cond)) ::oneipfs::fuzz::Fail(__FILE__, __LINE__, #cond, fmt::format(__VA_ARGS__)); \
  } while (0)
