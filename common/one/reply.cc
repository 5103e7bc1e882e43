#include "common/one/reply.h"

#include <cctype>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "common/base/log.h"
#include "common/base/text.h"

namespace oneipfs {
namespace {

bool IsKey(std::string_view k) {
  if (k.empty() || !(k[0] >= 'A' && k[0] <= 'Z')) return false;
  for (char c : k)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

bool IsDigits(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool IsMonitorValue(std::string_view v) {
  if (IsDigits(v, 18)) return true;
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return false;
  for (char c : v.substr(1, v.size() - 2)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

// The payload's tokens when it is one line of single-space separated tokens.
bool OneLineTokens(std::string_view p, std::vector<std::string_view>* out) {
  if (p.empty() || p.find('\n') != std::string_view::npos || p.find('\r') != std::string_view::npos) return false;
  for (std::size_t i = 0;;) {
    std::size_t j = p.find(' ', i);
    std::string_view t = p.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    if (t.empty()) return false;
    out->push_back(t);
    if (j == std::string_view::npos) return true;
    i = j + 1;
  }
}

Status Bad(std::string_view action, std::string_view why, std::string_view payload) {
  return Status::Invalid(fmt::format("refusing to answer oned with {} for {}: {}", QuoteForMessage(payload, 120),
                                     action, why));
}

}  // namespace

bool IsSourceToken(std::string_view s) {
  if (s.empty() || s.size() > 1024) return false;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '\'' || c == '\\' || c == '<' || c == '>' || c == '&' ||
        c == '`')
      return false;
  }
  return true;
}

bool IsFormatToken(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

bool IsSizeToken(std::string_view s) { return IsDigits(s, 18); }

Status CheckDsReply(std::string_view action, std::string_view payload) {
  std::vector<std::string_view> t;
  if (action == "cp" || action == "clone" || action == "mkfs") {
    std::size_t want_min = action == "cp" ? 2 : 1, want_max = action == "mkfs" ? 1 : 2;
    if (!OneLineTokens(payload, &t) || t.size() < want_min || t.size() > want_max)
      return Bad(action, action == "cp"     ? "expected one line 'SOURCE FORMAT'"
                         : action == "mkfs" ? "expected one SOURCE token"
                                            : "expected one line 'SOURCE [FORMAT]'",
                 payload);
    if (!IsSourceToken(t[0])) return Bad(action, "SOURCE has a character oned cannot keep", payload);
    if (t.size() == 2 && !IsFormatToken(t[1])) return Bad(action, "FORMAT is not a disk format name", payload);
    return Status::Ok();
  }
  if (action == "stat") {
    if (!IsSizeToken(payload)) return Bad(action, "expected a size in MB", payload);
    return Status::Ok();
  }
  if (action == "monitor") {
    if (payload.empty()) return Bad(action, "expected KEY=VALUE lines", payload);
    for (const std::string& line : Split(payload, '\n')) {
      std::size_t eq = line.find('=');
      if (eq == std::string::npos || !IsKey(std::string_view(line).substr(0, eq)) ||
          !IsMonitorValue(std::string_view(line).substr(eq + 1)))
        return Bad(action, fmt::format("line {} is not KEY=VALUE", QuoteForMessage(line, 60)), payload);
    }
    return Status::Ok();
  }
  if (action == "export") {
    static constexpr std::string_view kOpen = "<IMPORT_INFO>", kClose = "</IMPORT_INFO>";
    if (payload.find('\n') != std::string_view::npos || !payload.starts_with(kOpen) || !payload.ends_with(kClose))
      return Bad(action, "expected one <IMPORT_INFO> element on one line", payload);
    for (char c : payload)
      if (static_cast<unsigned char>(c) < 0x20) return Bad(action, "control character", payload);
    return Status::Ok();
  }
  if (!payload.empty()) return Bad(action, "this action prints nothing", payload);
  return Status::Ok();
}

int PrintReply(std::string_view payload) {
  if (!payload.empty()) {
    std::fwrite(payload.data(), 1, payload.size(), stdout);
    std::fputc('\n', stdout);
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace oneipfs
