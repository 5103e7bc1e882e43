#include "common/market/market_reply.h"

#include <map>

#include <fmt/format.h>

#include "common/base/log.h"
#include "common/base/text.h"
#include "common/one/reply.h"

namespace oneipfs {
namespace {

Status Bad(std::string_view action, std::string_view why, std::string_view payload) {
  return Status::Invalid(fmt::format("refusing to answer oned with {} for marketplace {}: {}",
                                     QuoteForMessage(payload, 120), action, why));
}

bool IsMd5(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool IsBase64(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) return false;
  return true;
}

}  // namespace

Status CheckMarketReply(std::string_view action, std::string_view payload) {
  if (action == "import") {
    std::map<std::string, std::string> seen;
    for (const std::string& line : Split(payload, '\n')) {
      size_t eq = line.find('=');
      if (eq == std::string::npos || line.size() < eq + 3 || line[eq + 1] != '"' || line.back() != '"')
        return Bad(action, fmt::format("line {} is not KEY=\"VALUE\"", QuoteForMessage(line, 60)), payload);
      std::string key = line.substr(0, eq), value = line.substr(eq + 2, line.size() - eq - 3);
      bool ok = key == "SOURCE"   ? IsSourceToken(value)
                : key == "MD5"    ? IsMd5(value)
                : key == "SIZE"   ? IsSizeToken(value)
                : key == "FORMAT" ? IsFormatToken(value)
                                  : false;
      if (!ok) return Bad(action, fmt::format("{} is not a valid {}", QuoteForMessage(value, 60), key), payload);
      if (!seen.emplace(key, value).second) return Bad(action, fmt::format("{} twice", key), payload);
    }
    if (seen.size() != 4) return Bad(action, "expected SOURCE, MD5, SIZE and FORMAT", payload);
    return Status::Ok();
  }
  if (action == "monitor") {
    RETURN_IF_ERROR(CheckDsReply("monitor", payload));
    for (const std::string& line : Split(payload, '\n'))
      if (line.starts_with("APP=\"") && !IsBase64(std::string_view(line).substr(5, line.size() - 6)))
        return Bad(action, "an APP value is not base64", payload);
    return Status::Ok();
  }
  if (!payload.empty()) return Bad(action, "this action prints nothing", payload);
  return Status::Ok();
}

}  // namespace oneipfs
