// ipfs_json.cc: reading the daemon's replies (see ipfs_json.h).
#include "common/ipfs/ipfs_json.h"

#include <limits>

#include <fmt/format.h>

#include "common/base/text.h"

namespace oneipfs::ipfs_json {
namespace {

bool ContainsAny(std::string_view message, std::initializer_list<const char*> needles) {
  std::string m = Lower(message);
  for (const char* n : needles)
    if (m.find(n) != std::string::npos) return true;
  return false;
}

}  // namespace

const Json* Find(const Json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(std::string(key));
  if (it != j.end()) return &*it;
  std::string lk = Lower(key);
  for (auto i = j.begin(); i != j.end(); ++i)
    if (Lower(i.key()) == lk) return &i.value();
  return nullptr;
}

std::string Str(const Json& j, std::string_view key) {
  const Json* v = Find(j, key);
  if (!v) return "";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_object()) {
    auto link = v->find("/");
    if (link != v->end() && link->is_string()) return link->get<std::string>();
  }
  return "";
}

std::uint64_t Num(const Json& j, std::string_view key) {
  const Json* v = Find(j, key);
  if (!v) return 0;
  if (v->is_number_unsigned()) return v->get<std::uint64_t>();
  if (v->is_number_integer()) {
    auto n = v->get<std::int64_t>();
    return n < 0 ? 0 : static_cast<std::uint64_t>(n);
  }
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  if (v->is_number_float()) {  // also integers too big for 64 bits
    double d = v->get<double>();
    if (!(d > 0)) return 0;
    return d >= 18446744073709551616.0 ? kMax : static_cast<std::uint64_t>(d);  // 2^64: saturate, no UB
  }
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    std::uint64_t n = 0;
    bool any = false;
    for (char c : Trim(s)) {
      if (c < '0' || c > '9') return any ? n : 0;  // "123" or "123.0"-style: the integer part
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (n > (kMax - digit) / 10) return kMax;  // saturate, never wrap
      n = n * 10 + digit;
      any = true;
    }
    return n;
  }
  return 0;
}

std::optional<std::uint64_t> ParseUint(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t next = n * 10 + static_cast<std::uint64_t>(c - '0');
    if (next / 10 != n) return std::nullopt;  // overflow
    n = next;
  }
  return n;
}

Result<Json> Parse(std::string_view body) {
  if (Trim(body).empty()) return Json::object();
  try {
    return Json::parse(body);
  } catch (const std::exception& e) {
    std::string excerpt(Trim(body).substr(0, 120));
    return Status::Failed(fmt::format("unreadable reply ({}): {}", e.what(), excerpt));
  }
}

std::string ErrorText(std::string_view body) {
  std::string_view t = Trim(body);
  if (!t.empty() && t.front() == '{') {
    try {
      Json j = Json::parse(t);
      std::string m = Str(j, "Message");
      if (!m.empty()) return m;
    } catch (const std::exception&) {
    }
  }
  if (t.empty()) return "no error message";
  std::string out(t.substr(0, 500));
  if (t.size() > 500) out += "...";
  return out;
}

bool LooksNotFound(std::string_view message) {
  return ContainsAny(message, {"does not exist", "not found", "no link named", "no such file"});
}

bool LooksNotPinned(std::string_view message) {
  return ContainsAny(message, {"not pinned"});
}

std::vector<std::string> PinKeys(const Json& reply) {
  std::vector<std::string> out;
  if (!reply.is_object()) return out;
  if (const Json* keys = Find(reply, "Keys"); keys && keys->is_object()) {
    for (auto it = keys->begin(); it != keys->end(); ++it) out.push_back(it.key());
  } else if (std::string c = Str(reply, "Cid"); !c.empty()) {
    out.push_back(c);
  }
  return out;
}

bool LooksTimedOut(std::string_view message) {
  return ContainsAny(message, {"context deadline exceeded", "request timed out", "timeouterror"});
}

bool LooksUnknownEndpoint(std::string_view message) {
  std::string m = Lower(Trim(message));
  return m == "404 page not found" || m == "not found";
}

Status NdjsonReader::Feed(std::string_view chunk) {
  pending_.append(chunk);
  std::size_t start = 0;
  for (;;) {
    std::size_t nl = pending_.find('\n', start);
    if (nl == std::string::npos) break;
    Status st = Line(std::string_view(pending_).substr(start, nl - start));
    start = nl + 1;
    if (!st.ok()) {
      pending_.clear();
      return st;
    }
  }
  pending_.erase(0, start);
  return Status::Ok();
}

Status NdjsonReader::Finish() {
  std::string rest;
  rest.swap(pending_);
  return Line(rest);
}

Status NdjsonReader::Line(std::string_view line) {
  line = Trim(line);
  if (line.empty()) return Status::Ok();
  Json j;
  try {
    j = Json::parse(line);
  } catch (const std::exception& e) {
    return Status::Failed(fmt::format("unreadable reply line ({}): {}", e.what(), line.substr(0, 120)));
  }
  if (j.is_object()) {
    if (Lower(Str(j, "Type")) == "error") {
      std::string m = Str(j, "Message");
      return Status::Failed(m.empty() ? std::string("the daemon reported an error") : m);
    }
    for (const char* key : {"Err", "Error"}) {
      auto e = j.find(key);
      if (e != j.end() && e->is_string() && !e->get<std::string>().empty()) return Status::Failed(e->get<std::string>());
    }
  }
  ++lines_;
  return on_line_ ? on_line_(j) : Status::Ok();
}

}  // namespace oneipfs::ipfs_json
