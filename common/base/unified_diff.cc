// unified_diff.cc: see unified_diff.h. A shortest edit script (LCS) slid
// so that insertions after a closing line show after it.
#include "common/base/unified_diff.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include <fmt/format.h>

namespace oneipfs {
namespace {

struct Line {
  std::string_view text;  // without the '\n'
  bool newline = true;    // false for a last line without one
  bool operator==(const Line& o) const { return text == o.text && newline == o.newline; }
};

std::vector<Line> SplitLines(std::string_view s) {
  std::vector<Line> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string_view::npos) {
      out.push_back({s.substr(pos), false});
      break;
    }
    out.push_back({s.substr(pos, nl - pos), true});
    pos = nl + 1;
  }
  return out;
}

enum class Op { kSame, kDel, kAdd };

// Slides each run of only additions (or only deletions) down while the line
// after it equals its first line: text appended after a final "]" then shows
// after that "]" rather than straddling it.
void SlideDown(std::vector<Op>& ops, const std::vector<Line>& a, const std::vector<Line>& b) {
  size_t ai = 0, bi = 0;
  for (size_t k = 0; k < ops.size();) {
    if (ops[k] == Op::kSame) {
      ++ai, ++bi, ++k;
      continue;
    }
    size_t m = k;
    while (m < ops.size() && ops[m] == ops[k]) ++m;
    bool add = ops[k] == Op::kAdd;
    if (k == 0 || ops[k - 1] == Op::kSame) {
      const std::vector<Line>& lines = add ? b : a;
      size_t len = m - k;
      while (m < ops.size() && ops[m] == Op::kSame && lines[add ? bi : ai] == lines[(add ? bi : ai) + len]) {
        std::swap(ops[k], ops[m]);
        ++k, ++m, ++ai, ++bi;
      }
    }
    for (; k < m; ++k) ++(ops[k] == Op::kAdd ? bi : ai);
  }
}

// The edit script from a to b: common prefix and suffix, an LCS of the rest
// (a plain replacement when the rest is too big for the table).
std::vector<Op> Script(const std::vector<Line>& a, const std::vector<Line>& b) {
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) ++suf;
  size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
  std::vector<Op> ops(pre, Op::kSame);
  if (n * m > 16'000'000) {
    ops.insert(ops.end(), n, Op::kDel);
    ops.insert(ops.end(), m, Op::kAdd);
  } else {
    std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        lcs[i][j] = a[pre + i] == b[pre + j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[pre + i] == b[pre + j]) {
        ops.push_back(Op::kSame);
        ++i, ++j;
      } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
        ops.push_back(Op::kAdd);
        ++j;
      } else {
        ops.push_back(Op::kDel);
        ++i;
      }
    }
  }
  ops.insert(ops.end(), suf, Op::kSame);
  SlideDown(ops, a, b);
  return ops;
}

std::string Range(size_t start, size_t count) {
  // GNU diff: an empty range names the line before it; ",1" is left out.
  if (count == 0) return fmt::format("{},0", start);
  if (count == 1) return fmt::format("{}", start + 1);
  return fmt::format("{},{}", start + 1, count);
}

void PrintLine(std::string& out, char sign, const Line& l) {
  out += sign;
  out += l.text;
  out += '\n';
  if (!l.newline) out += "\\ No newline at end of file\n";
}

// One hunk: ops[from, to) with a and b starting at lines ai and bi.
void PrintHunk(std::string& out, const std::vector<Op>& ops, size_t from, size_t to, size_t ai, size_t bi,
               const std::vector<Line>& a, const std::vector<Line>& b) {
  size_t na = 0, nb = 0;
  for (size_t k = from; k < to; ++k) {
    na += ops[k] != Op::kAdd;
    nb += ops[k] != Op::kDel;
  }
  out += fmt::format("@@ -{} +{} @@\n", Range(ai, na), Range(bi, nb));
  std::vector<const Line*> dels, adds;
  auto flush = [&] {
    for (const Line* l : dels) PrintLine(out, '-', *l);
    for (const Line* l : adds) PrintLine(out, '+', *l);
    dels.clear();
    adds.clear();
  };
  for (size_t k = from; k < to; ++k) {
    if (ops[k] == Op::kSame) {
      flush();
      PrintLine(out, ' ', a[ai++]);
      ++bi;
    } else if (ops[k] == Op::kDel) {
      dels.push_back(&a[ai++]);
    } else {
      adds.push_back(&b[bi++]);
    }
  }
  flush();
}

}  // namespace

std::string UnifiedDiff(std::string_view a, std::string_view b, std::string_view a_name, std::string_view b_name) {
  if (a == b) return "";
  constexpr size_t kContext = 3;
  std::vector<Line> la = SplitLines(a), lb = SplitLines(b);
  std::vector<Op> ops = Script(la, lb);
  std::string out = fmt::format("--- {}\n+++ {}\n", a_name, b_name);
  // Line numbers in a and b at each op.
  std::vector<size_t> at_a(ops.size() + 1), at_b(ops.size() + 1);
  for (size_t k = 0; k < ops.size(); ++k) {
    at_a[k + 1] = at_a[k] + (ops[k] != Op::kAdd);
    at_b[k + 1] = at_b[k] + (ops[k] != Op::kDel);
  }
  size_t k = 0;
  while (k < ops.size()) {
    while (k < ops.size() && ops[k] == Op::kSame) ++k;
    if (k == ops.size()) break;
    size_t from = k >= kContext ? k - kContext : 0;
    // Extend while the next change is within 2 * context of this one.
    size_t last_change = k;
    for (size_t j = k; j < ops.size() && j <= last_change + 2 * kContext + 1; ++j)
      if (ops[j] != Op::kSame) last_change = j;
    size_t to = std::min(ops.size(), last_change + 1 + kContext);
    PrintHunk(out, ops, from, to, at_a[from], at_b[from], la, lb);
    k = to;
  }
  return out;
}

}  // namespace oneipfs
