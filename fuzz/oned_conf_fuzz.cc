// oned_conf_fuzz.cc: one-ipfs-register's reading and editing of oned.conf
// (oned_conf.h), OpenNebula's own file, which it must never damage.
//
// Feeds the input as an oned.conf text to InspectOnedConf, RegisterIpfs and
// UnregisterIpfs, and the texts before and after to UnifiedDiff.
// Asserts (beyond no crash, no sanitizer report, no escaping exception):
//  - Inspect and Register accept the same texts; Unregister accepts only
//    texts Inspect accepts;
//  - a registered text is completely registered, and registering it again
//    changes nothing; a completely registered text is not changed at all;
//  - Unregister(Register(x)) == x byte for byte when x registers nothing;
//  - an unregistered text still parses and registers nothing;
//  - UnifiedDiff(x, y) is "" for equal texts, and otherwise a unified diff
//    that, applied to x (by the strict patcher below), gives exactly y.
#include <optional>
#include <string>
#include <vector>

#include "common/one/oned_conf.h"
#include "fuzz/fuzz.h"

using namespace oneipfs;
using fuzz::Q;

namespace {

struct Line {
  std::string text;
  bool newline = true;
  bool operator==(const Line& o) const { return text == o.text && newline == o.newline; }
};

std::vector<Line> Lines(std::string_view s) {
  std::vector<Line> out;
  for (std::size_t pos = 0; pos < s.size();) {
    std::size_t nl = s.find('\n', pos);
    if (nl == std::string_view::npos) {
      out.push_back({std::string(s.substr(pos)), false});
      break;
    }
    out.push_back({std::string(s.substr(pos, nl - pos)), true});
    pos = nl + 1;
  }
  return out;
}

// "-12,3" / "+4" (count 1) after its sign: start and count.
bool Range(std::string_view r, std::size_t* start, std::size_t* count) {
  std::size_t comma = r.find(',');
  auto num = [](std::string_view s, std::size_t* v) {
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
    *v = std::stoul(std::string(s));
    return true;
  };
  *count = 1;
  return num(r.substr(0, comma), start) && (comma == std::string_view::npos || num(r.substr(comma + 1), count));
}

// Applies a unified diff as GNU patch would, refusing any context or
// deleted line that does not match `a` exactly. nullopt when it does not apply.
std::optional<std::string> Patch(std::string_view a, std::string_view diff) {
  std::vector<Line> src = Lines(a), d = Lines(diff), out;
  if (d.size() < 2 || !d[0].text.starts_with("--- ") || !d[1].text.starts_with("+++ ")) return std::nullopt;
  std::size_t at = 0;  // next line of src
  std::size_t k = 2;
  while (k < d.size()) {
    const std::string& h = d[k].text;
    if (!h.starts_with("@@ -") || !h.ends_with(" @@")) return std::nullopt;
    std::string_view mid = std::string_view(h).substr(4, h.size() - 7);
    std::size_t plus = mid.find(" +");
    if (plus == std::string_view::npos) return std::nullopt;
    std::size_t a_start, a_count, b_start, b_count;
    if (!Range(mid.substr(0, plus), &a_start, &a_count) || !Range(mid.substr(plus + 2), &b_start, &b_count))
      return std::nullopt;
    std::size_t first = a_count == 0 ? a_start : a_start - 1;  // an empty range names the line before
    if (a_count > 0 && a_start == 0) return std::nullopt;
    if (first < at || first > src.size()) return std::nullopt;
    out.insert(out.end(), src.begin() + static_cast<std::ptrdiff_t>(at), src.begin() + static_cast<std::ptrdiff_t>(first));
    at = first;
    // The hunk's lines, "\ No newline at end of file" applied to the one before.
    struct Op {
      char sign;
      Line line;
    };
    std::vector<Op> ops;
    for (++k; k < d.size() && !d[k].text.starts_with("@@ "); ++k) {
      const std::string& t = d[k].text;
      if (t == "\\ No newline at end of file") {
        if (ops.empty()) return std::nullopt;
        ops.back().line.newline = false;
      } else if (!t.empty() && (t[0] == ' ' || t[0] == '-' || t[0] == '+')) {
        ops.push_back({t[0], {t.substr(1), true}});
      } else {
        return std::nullopt;
      }
    }
    std::size_t na = 0, nb = 0;
    for (const Op& op : ops) {
      if (op.sign != '+') {
        if (at >= src.size() || !(src[at] == op.line)) return std::nullopt;
        ++at, ++na;
      }
      if (op.sign != '-') out.push_back(op.line), ++nb;
    }
    if (na != a_count || nb != b_count) return std::nullopt;
  }
  out.insert(out.end(), src.begin() + static_cast<std::ptrdiff_t>(at), src.end());
  std::string joined;
  for (const Line& l : out) joined += l.text + (l.newline ? "\n" : "");
  return joined;
}

void CheckDiff(std::string_view x, std::string_view y) {
  std::string diff = UnifiedDiff(x, y, "oned.conf", "oned.conf.new");
  if (x == y) {
    FUZZ_CHECK(diff.empty(), "a diff between equal texts: {}", Q(diff));
    return;
  }
  auto patched = Patch(x, diff);
  FUZZ_CHECK(patched.has_value(), "the diff does not apply: {}", Q(diff));
  FUZZ_CHECK(*patched == y, "the diff applied gives {}, not {}", Q(*patched), Q(y));
}

std::string Outcome(const Status& st) { return st.ok() ? "accepts" : "refuses (" + st.message() + ")"; }

bool Nothing(const OnedConfRegistration& r) {
  return !r.datastore_mad_listed && !r.tm_mad_listed && !r.ds_mad_conf && !r.tm_mad_conf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view x = fuzz::AsText(data, size);
  auto inspected = InspectOnedConf(x);
  auto registered = RegisterIpfs(x);
  auto unregistered = UnregisterIpfs(x);
  FUZZ_CHECK(inspected.ok() == registered.ok(), "Inspect {} but Register {}", Outcome(inspected.status()),
             Outcome(registered.status()));
  if (!inspected.ok()) {
    FUZZ_CHECK(!unregistered.ok(), "Unregister accepts a text Inspect refuses ({})", inspected.status().message());
    FUZZ_CHECK(inspected.status().message().find('\n') == std::string::npos, "a multi-line error");
    return 0;
  }
  const std::string& r = *registered;
  auto again = InspectOnedConf(r);
  FUZZ_CHECK(again.ok() && again->complete(), "a registered text is not completely registered: {}", Q(r));
  auto twice = RegisterIpfs(r);
  FUZZ_CHECK(twice.ok() && *twice == r, "registering twice changes the text");
  if (inspected->complete()) FUZZ_CHECK(r == x, "registering a registered text changes it");
  if (Nothing(*inspected)) {
    auto back = UnregisterIpfs(r);
    FUZZ_CHECK(back.ok() && *back == x, "Unregister(Register(x)) != x: {}",
               back.ok() ? Q(*back) : back.status().message());
  }
  if (unregistered.ok()) {
    auto after = InspectOnedConf(*unregistered);
    FUZZ_CHECK(after.ok(), "the unregistered text no longer parses: {}: {}", after.status().message(),
               Q(*unregistered));
    FUZZ_CHECK(Nothing(*after), "the unregistered text still registers ipfs: {}", Q(*unregistered));
    CheckDiff(x, *unregistered);
  }
  CheckDiff(x, r);
  return 0;
}
