#include "common/market/app_listing.h"

#include <algorithm>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "common/base/base64.h"

namespace oneipfs {
namespace {

constexpr std::string_view kInvalidNameChars = "&|:\\\";/'#{}$<>";

std::string CutUtf8(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // not inside a character
  s.resize(n);
  return s;
}

std::string Value(std::string_view v) {
  std::string out;
  for (char c : v) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"')
      out += '\'';
    else if (c == '\\')
      out += '/';
    else if (u < 0x20 || u == 0x7f)
      out += ' ';
    else
      out += c;
  }
  // "]]>" would end oned's CDATA when the template is stored as XML.
  for (size_t at = out.find("]]>"); at != std::string::npos; at = out.find("]]>", at)) out.replace(at, 3, "]] >");
  return out;
}

}  // namespace

std::string SafeAppName(std::string_view name) {
  std::string out;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f || kInvalidNameChars.find(c) != std::string_view::npos) ? '_' : c;
  }
  if (out.empty()) out = "app";
  return CutUtf8(std::move(out), 128);
}

std::vector<std::string> ListedNames(const std::vector<AppRecord>& apps, std::string_view self) {
  std::vector<std::string> names(apps.size());
  for (std::size_t i = 0; i < apps.size(); ++i) {
    const AppRecord& r = apps[i];
    if (r.publisher == self) {
      names[i] = SafeAppName(r.name);
    } else {
      std::string tag = PublisherTag(r.publisher).substr(0, 8);
      std::string suffix = fmt::format(" ({})", SafeAppName(tag));
      names[i] = CutUtf8(SafeAppName(r.name), 128 - suffix.size()) + suffix;
    }
  }
  // Clashes: the oldest keeps the name.
  std::vector<std::size_t> order(apps.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (apps[a].time != apps[b].time) return apps[a].time < apps[b].time;
    if (apps[a].id != apps[b].id) return apps[a].id < apps[b].id;
    return apps[a].publisher < apps[b].publisher;
  });
  std::map<std::string, int> taken;
  for (std::size_t i : order) {
    if (taken[names[i]]++ == 0) continue;
    std::string suffix = fmt::format(" #{}", apps[i].id);
    names[i] = CutUtf8(names[i], 128 - suffix.size()) + suffix;
  }
  return names;
}

std::string AppTemplate(const AppRecord& r, std::string_view name, std::string_view source) {
  std::string t;
  auto put = [&](std::string_view k, std::string_view v) {
    if (!v.empty()) t += fmt::format("{}=\"{}\"\n", k, Value(v));
  };
  put("NAME", name);
  put("SOURCE", source);
  put("IMPORT_ID", r.id);
  put("ORIGIN_ID", "-1");
  put("TYPE", "IMAGE");
  put("PUBLISHER", r.publisher);
  put("FORMAT", r.format);
  put("DESCRIPTION", r.description);
  put("VERSION", r.version);
  put("REGTIME", std::to_string(r.time));
  put("SIZE", std::to_string(r.size_mb));
  put("MD5", r.md5);
  put("APPTEMPLATE64", r.app_template64);
  put("VMTEMPLATE64", r.vm_template64);
  put("IPFS_CID", r.cid);
  return t;
}

std::string AppLine(const AppRecord& r, std::string_view name, std::string_view source) {
  return fmt::format("APP=\"{}\"", Base64Encode(AppTemplate(r, name, source)));
}

}  // namespace oneipfs
