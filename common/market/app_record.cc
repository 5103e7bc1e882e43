// app_record.cc: nlohmann::json throws on bad UTF-8 in dump(); every use is
// inside a try here.
#include "common/market/app_record.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "common/base/number.h"
#include "common/ipfs/cid.h"
#include "common/one/reply.h"
#include "common/trust/signed_record.h"

namespace oneipfs {
namespace {

constexpr std::string_view kKind = "one-ipfs-market-app";

bool PlainText(std::string_view s, std::size_t max) {
  if (s.size() > max) return false;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

bool Base64Text(std::string_view s, std::size_t max) {
  if (s.size() > max) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) return false;
  return true;
}

bool Md5Hex(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

bool IsAppId(std::string_view id) {
  size_t dash = id.find('-');
  if (dash == std::string_view::npos || id.size() > 40) return false;
  return ParseCount(id.substr(0, dash)).has_value() && ParseCount(id.substr(dash + 1)).has_value();
}

std::string PublisherTag(std::string_view publisher) {
  constexpr std::string_view kPrefix = "did:key:z6Mk";
  std::string_view rest = publisher.starts_with(kPrefix) ? publisher.substr(kPrefix.size()) : publisher;
  return std::string(rest.substr(0, 16));
}

std::string AppDirName(const AppRecord& r) { return fmt::format("{}-{}", PublisherTag(r.publisher), r.id); }

Result<std::string> AppRecordPayload(const AppRecord& r) {
  try {
    nlohmann::json j = {{"kind", kKind},
                        {"v", 1},
                        {"id", r.id},
                        {"name", r.name},
                        {"version", r.version},
                        {"description", r.description},
                        {"cid", r.cid},
                        {"bytes", r.bytes},
                        {"size_mb", r.size_mb},
                        {"format", r.format},
                        {"md5", r.md5},
                        {"time", r.time},
                        {"publisher", r.publisher},
                        {"app_template64", r.app_template64},
                        {"vm_template64", r.vm_template64}};
    return j.dump();
  } catch (const std::exception& e) {
    return Status::Invalid(fmt::format("an app record that is not valid text: {}", e.what()));
  }
}

Result<std::string> SealAppRecord(const SigningKey& key, AppRecord& r) {
  r.publisher = key.PublisherId();
  ASSIGN_OR_RETURN(std::string payload, AppRecordPayload(r));
  return SealRecord(key, payload);
}

Result<AppRecord> OpenAppRecord(std::string_view sealed) {
  ASSIGN_OR_RETURN(OpenedRecord opened, OpenRecord(sealed));
  nlohmann::json j = nlohmann::json::parse(opened.payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("its payload is not a JSON object");
  auto str = [&](const char* k, std::string* out) {
    auto it = j.find(k);
    if (it == j.end() || !it->is_string()) return false;
    *out = it->get<std::string>();
    return true;
  };
  auto num = [&](const char* k, std::uint64_t* out) {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number_unsigned()) return false;
    *out = it->get<std::uint64_t>();
    return true;
  };
  std::string kind;
  if (!str("kind", &kind) || kind != kKind) return Status::Invalid("it is not a marketplace app record");
  AppRecord r;
  std::uint64_t time = 0;
  if (!str("id", &r.id) || !str("name", &r.name) || !str("version", &r.version) ||
      !str("description", &r.description) || !str("cid", &r.cid) || !num("bytes", &r.bytes) ||
      !num("size_mb", &r.size_mb) || !str("format", &r.format) || !str("md5", &r.md5) || !num("time", &time) ||
      !str("publisher", &r.publisher) || !str("app_template64", &r.app_template64) ||
      !str("vm_template64", &r.vm_template64))
    return Status::Invalid("it lacks a field of an app record, or one has the wrong type");
  r.time = static_cast<std::int64_t>(time);
  if (r.publisher != opened.publisher)
    return Status::Invalid(fmt::format("it says it is {}'s but {} signed it", r.publisher.substr(0, 80),
                                       opened.publisher));
  if (!IsAppId(r.id)) return Status::Invalid("its id is not <app id>-<regtime>");
  if (r.name.empty() || !PlainText(r.name, 256)) return Status::Invalid("its name is empty, too long or not text");
  if (!PlainText(r.version, 128) || !PlainText(r.description, 4096))
    return Status::Invalid("its version or description is too long or not text");
  if (!ParseCid(r.cid).ok()) return Status::Invalid("its cid is not a CID");
  if (!Md5Hex(r.md5)) return Status::Invalid("its md5 is not 32 hex digits");
  if (!IsFormatToken(r.format)) return Status::Invalid("its format is not a disk format name");
  if (!Base64Text(r.app_template64, 65536) || !Base64Text(r.vm_template64, 65536))
    return Status::Invalid("its templates are not base64 text");
  return r;
}

}  // namespace oneipfs
