#include "common/base/log.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace oneipfs {
namespace {

std::string OneLine(std::string_view msg) {
  std::string s(msg);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

void Emit(const char* level, const std::string& action, std::string_view msg) {
  std::string line = fmt::format("{}: {}: {}\n", level, action, OneLine(msg));
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void Log::Info(std::string_view msg) const { Emit("INFO", action_, msg); }
void Log::Warn(std::string_view msg) const { Emit("WARN", action_, msg); }
void Log::Debug(std::string_view msg) const {
  if (std::getenv("ONE_IPFS_DEBUG")) Emit("DEBUG", action_, msg);
}

void PrintFailure(std::string_view msg, bool legacy_markers) {
  std::string line = OneLine(msg);
  if (line.empty()) line = "failed (no reason given)";
  if (legacy_markers)
    std::fprintf(stderr, "ERROR MESSAGE --8<------\n%s\nERROR MESSAGE ------>8--\n", line.c_str());
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

std::string QuoteForMessage(std::string_view s, std::size_t max) {
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    out += std::isprint(u) ? std::string(1, s[i]) : fmt::format("\\x{:02x}", u);
  }
  if (s.size() > max) out += "...";
  return out + "'";
}

std::string HumanBytes(unsigned long long bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, units[u]);
}

}  // namespace oneipfs
