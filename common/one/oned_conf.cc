// oned_conf.cc: the oned.conf parser, the ipfs registration edits and a
// unified diff (contract in oned_conf.h).
//
// The text is never re-serialised: parsing records byte offsets, and every
// edit is a splice at those offsets, so bytes the edit does not target stay
// as they were (comments, spacing, key case, line endings, a missing final
// newline). Nothing here throws on bad input; std::string may still throw
// std::bad_alloc like everywhere else.
#include "common/one/oned_conf.h"
#include "common/one/oned_conf_parse.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/base/text.h"

namespace oneipfs {
namespace {

constexpr std::string_view kMarker =
    "# one-ipfs: IPFS datastore and transfer drivers (added by one-ipfs-register)";

// ---------------------------------------------------------------------------
// Lexer: words, "strings", = [ ] , with '#' comments to the end of the line.

struct Token {
  // kUnterminated: a '"' without its closing one (runs to the end of the
  // text); the parser reports it only if nothing before it is wrong, since
  // a missing '"' earlier shows up earlier as misplaced tokens.
  enum Kind { kWord, kString, kEqual, kOpen, kClose, kComma, kUnterminated, kEnd } kind = kEnd;
  size_t begin = 0;  // of the token (the opening quote for strings)
  size_t end = 0;    // one past the token (past the closing quote)
  size_t line = 0;   // where the token starts
  size_t end_line = 0;
  // The value: the word itself, or what is between the quotes.
  size_t value_begin() const { return kind == kString ? begin + 1 : begin; }
  size_t value_end() const { return kind == kString ? end - 1 : end; }
};

bool IsWordChar(char c) {
  return !std::isspace(static_cast<unsigned char>(c)) && c != '=' && c != '[' && c != ']' && c != ',' &&
         c != '"' && c != '#';
}

std::string Shown(std::string_view s) {
  std::string out(s.substr(0, 24));
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return s.size() > 24 ? out + "..." : out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // The tokens of the whole text, ending with kEnd; comment start offsets
  // go to *comments.
  std::vector<Token> Run(std::vector<size_t>* comments) {
    std::vector<Token> out;
    for (;;) {
      SkipBlanksAndComments(comments);
      Token t;
      t.begin = pos_;
      t.line = line_;
      if (pos_ >= text_.size()) {
        t.end = pos_;
        t.end_line = line_;
        out.push_back(t);
        return out;
      }
      char c = text_[pos_];
      if (c == '"') {
        String(t);
      } else if (IsWordChar(c)) {
        t.kind = Token::kWord;
        while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
      } else {
        t.kind = c == '=' ? Token::kEqual : c == '[' ? Token::kOpen : c == ']' ? Token::kClose : Token::kComma;
        ++pos_;
      }
      t.end = pos_;
      t.end_line = line_;
      out.push_back(t);
    }
  }

 private:
  void SkipBlanksAndComments(std::vector<size_t>* comments) {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '#') {
        comments->push_back(pos_);
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        return;
      }
    }
  }

  // A double-quoted string; it may span lines (oned.conf has such values).
  void String(Token& t) {
    size_t close = text_.find('"', pos_ + 1);
    t.kind = close == std::string_view::npos ? Token::kUnterminated : Token::kString;
    size_t end = close == std::string_view::npos ? text_.size() : close + 1;
    line_ += std::count(text_.begin() + pos_, text_.begin() + end, '\n');
    pos_ = end;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

// ---------------------------------------------------------------------------
// Parser: KEY = VALUE and KEY = [ K = V, ... ] at the top level.

struct Pair {
  std::string key;
  Token value;
};

struct Entry {
  std::string key;
  size_t line = 0;
  size_t begin = 0;  // of the key
  size_t end = 0;    // past the value or the ']'
  bool vector = false;
  std::vector<Pair> pairs;
};

struct Parsed {
  std::vector<Entry> entries;
  std::vector<size_t> comments;  // offsets of every '#' comment
};

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens) : text_(text), tokens_(std::move(tokens)) {}

  Result<std::vector<Entry>> Run() {
    std::vector<Entry> entries;
    while (Peek().kind != Token::kEnd) {
      ASSIGN_OR_RETURN(Entry e, ParseEntry());
      entries.push_back(std::move(e));
    }
    return entries;
  }

 private:
  const Token& Peek() const { return tokens_[i_]; }
  const Token& Next() { return tokens_[i_ < tokens_.size() - 1 ? i_++ : i_]; }
  std::string_view TextOf(const Token& t) const { return text_.substr(t.begin, t.end - t.begin); }
  std::string Describe(const Token& t) const {
    return t.kind == Token::kEnd ? std::string("the end of the file") : "'" + Shown(TextOf(t)) + "'";
  }
  // A hint for errors that a stray '"' earlier in the file can cause.
  std::string Hint() const {
    return suspect_string_ ? fmt::format(" (is the string that starts at line {} missing its closing '\"'?)",
                                         *suspect_string_)
                           : "";
  }
  // A string with a line in it that looks like oned.conf syntax ("]",
  // "# ...", "KEY =") probably runs on past a missing '"'.
  bool LooksSwallowed(const Token& t) const {
    std::string_view v = text_.substr(t.value_begin(), t.value_end() - t.value_begin());
    for (size_t nl = v.find('\n'); nl != std::string_view::npos; nl = v.find('\n', nl + 1)) {
      size_t i = v.find_first_not_of(" \t\r", nl + 1);
      if (i == std::string_view::npos) continue;
      if (v[i] == ']' || v[i] == '#') return true;
      size_t j = i;
      while (j < v.size() && IsWordChar(v[j])) ++j;
      size_t k = v.find_first_not_of(" \t", j);
      if (j > i && k != std::string_view::npos && v[k] == '=') return true;
    }
    return false;
  }
  static Status UnterminatedString(const Token& t) {
    return Status::Invalid(fmt::format("line {}: unterminated string: the '\"' opened here is never closed", t.line));
  }
  Status Unexpected(const Token& t, std::string_view wanted) const {
    if (t.kind == Token::kUnterminated) return UnterminatedString(t);
    return Status::Invalid(fmt::format("line {}: expected {}, found {}{}", t.line, wanted, Describe(t), Hint()));
  }

  const Token& Value() {
    const Token& t = Next();
    if (t.kind == Token::kString && t.end_line != t.line && LooksSwallowed(t)) suspect_string_ = t.line;
    return t;
  }

  Result<Entry> ParseEntry() {
    const Token& key = Next();
    if (key.kind != Token::kWord) return Unexpected(key, "an attribute name");
    Entry e;
    e.key = std::string(TextOf(key));
    e.line = key.line;
    e.begin = key.begin;
    const Token& eq = Next();
    if (eq.kind != Token::kEqual) return Unexpected(eq, fmt::format("'=' after {}", e.key));
    const Token& v = Peek();
    if (v.kind == Token::kOpen) {
      Next();
      e.vector = true;
      RETURN_IF_ERROR(ParseVector(e, v.line));
    } else if (v.kind == Token::kString || v.kind == Token::kWord) {
      e.end = Value().end;
    } else {
      return Unexpected(v, fmt::format("a value for {}", e.key));
    }
    return e;
  }

  // After the '[': K = V pairs separated by ',' up to the ']'.
  Status ParseVector(Entry& e, size_t open_line) {
    // The end of the file, or a word where ',' or ']' should follow a pair
    // (typically the next section), means a missing ']': name the '[' line.
    auto unclosed = [&](const Token& t, std::string_view wanted) {
      if (t.kind == Token::kUnterminated) return UnterminatedString(t);
      if (t.kind == Token::kEnd || t.kind == Token::kWord)
        return Status::Invalid(fmt::format("line {}: {} = [ is not closed: line {} has {} where {} was expected{}",
                                           open_line, e.key, t.line, Describe(t), wanted, Hint()));
      return Status::Invalid(fmt::format("line {}: in {} = [ (line {}): expected {}, found {}{}", t.line, e.key,
                                         open_line, wanted, Describe(t), Hint()));
    };
    for (;;) {
      const Token& t = Next();
      if (t.kind == Token::kClose) {
        e.end = t.end;
        return Status::Ok();
      }
      if (t.kind != Token::kWord) return unclosed(t, "an attribute or ']'");
      Pair p{std::string(TextOf(t)), {}};
      const Token& eq = Next();
      if (eq.kind != Token::kEqual) return unclosed(eq, fmt::format("'=' after {}", p.key));
      const Token& v = Peek();
      if (v.kind != Token::kString && v.kind != Token::kWord) return unclosed(v, fmt::format("a value for {}", p.key));
      p.value = Value();
      e.pairs.push_back(std::move(p));
      const Token& sep = Peek();
      if (sep.kind == Token::kComma) {
        Next();
      } else if (sep.kind != Token::kClose) {
        return unclosed(sep, "',' or ']'");
      }
    }
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t i_ = 0;
  std::optional<size_t> suspect_string_;
};

Result<Parsed> Parse(std::string_view text) {
  Parsed out;
  std::vector<Token> tokens = Lexer(text).Run(&out.comments);
  ASSIGN_OR_RETURN(out.entries, Parser(text, std::move(tokens)).Run());
  return out;
}

// ---------------------------------------------------------------------------
// What the registration looks at.

bool SameKey(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

size_t LineAt(std::string_view text, size_t offset) {
  return 1 + std::count(text.begin(), text.begin() + std::min(offset, text.size()), '\n');
}

// The -d list of DATASTORE_MAD or TM_MAD: where it is and what it holds.
struct DriverList {
  std::string section;
  size_t begin = 0, end = 0;  // of the list inside the ARGUMENTS string
  size_t line = 0;
  std::vector<std::string> drivers;  // split at ','
  bool Has(std::string_view name) const { return std::find(drivers.begin(), drivers.end(), name) != drivers.end(); }
};

// Whitespace-separated words of [begin, end) as offset ranges.
std::vector<std::pair<size_t, size_t>> Words(std::string_view text, size_t begin, size_t end) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t i = begin;
  while (i < end) {
    while (i < end && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < end && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.emplace_back(start, i);
  }
  return out;
}

Result<const Entry*> TheSection(const std::vector<Entry>& entries, std::string_view name) {
  const Entry* found = nullptr;
  for (const Entry& e : entries) {
    if (!SameKey(e.key, name)) continue;
    if (found)
      return Status::Invalid(fmt::format("line {}: a second {} section (the first is at line {}); oned.conf must "
                                         "have exactly one",
                                         e.line, name, found->line));
    found = &e;
  }
  if (!found) return Status::Invalid(fmt::format("no {} = [ ... ] section", name));
  if (!found->vector) return Status::Invalid(fmt::format("line {}: {} is not a [ ... ] section", found->line, name));
  return found;
}

Result<DriverList> FindDriverList(std::string_view text, const std::vector<Entry>& entries, std::string_view name) {
  ASSIGN_OR_RETURN(const Entry* section, TheSection(entries, name));
  const Pair* args = nullptr;
  for (const Pair& p : section->pairs) {
    if (!SameKey(p.key, "ARGUMENTS")) continue;
    if (args)
      return Status::Invalid(fmt::format("line {}: {} has a second ARGUMENTS", p.value.line, name));
    args = &p;
  }
  if (!args) return Status::Invalid(fmt::format("line {}: {} has no ARGUMENTS", section->line, name));
  auto words = Words(text, args->value.value_begin(), args->value.value_end());
  std::optional<size_t> d;
  for (size_t i = 0; i < words.size(); ++i) {
    if (text.substr(words[i].first, words[i].second - words[i].first) != "-d") continue;
    if (d)
      return Status::Invalid(fmt::format("line {}: {} ARGUMENTS has two -d lists", LineAt(text, words[i].first), name));
    d = i;
  }
  if (!d || *d + 1 >= words.size())
    return Status::Invalid(fmt::format("line {}: {} ARGUMENTS has no -d driver list", args->value.line, name));
  DriverList list;
  list.section = std::string(name);
  list.begin = words[*d + 1].first;
  list.end = words[*d + 1].second;
  list.line = LineAt(text, list.begin);
  list.drivers = Split(text.substr(list.begin, list.end - list.begin), ',');
  return list;
}

// The DS_MAD_CONF / TM_MAD_CONF sections with NAME = "ipfs" (indices).
std::vector<size_t> IpfsBlocks(std::string_view text, const std::vector<Entry>& entries, std::string_view key) {
  std::vector<size_t> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (!e.vector || !SameKey(e.key, key)) continue;
    for (const Pair& p : e.pairs) {
      std::string_view v = text.substr(p.value.value_begin(), p.value.value_end() - p.value.value_begin());
      if (SameKey(p.key, "NAME") && v == "ipfs") {
        out.push_back(i);
        break;
      }
    }
  }
  return out;
}

struct Analysis {
  Parsed parsed;
  DriverList datastore, tm;
  std::vector<size_t> ds_blocks, tm_blocks;  // into parsed.entries
};

Result<Analysis> Analyze(std::string_view text) {
  Analysis a;
  ASSIGN_OR_RETURN(a.parsed, Parse(text));
  ASSIGN_OR_RETURN(a.datastore, FindDriverList(text, a.parsed.entries, "DATASTORE_MAD"));
  ASSIGN_OR_RETURN(a.tm, FindDriverList(text, a.parsed.entries, "TM_MAD"));
  a.ds_blocks = IpfsBlocks(text, a.parsed.entries, "DS_MAD_CONF");
  a.tm_blocks = IpfsBlocks(text, a.parsed.entries, "TM_MAD_CONF");
  return a;
}

// ---------------------------------------------------------------------------
// The blocks Register appends: kIpfsConfBlocks from its first DS_MAD_CONF
// line on, split into the DS_MAD_CONF piece and the TM_MAD_CONF piece (with
// the comment lines right above it). Each ends with exactly one '\n'.

struct Pieces {
  std::string ds, tm;
};

size_t LineStartingWith(std::string_view text, std::string_view prefix) {
  for (size_t pos = 0; pos < text.size();) {
    if (text.substr(pos).starts_with(prefix)) return pos;
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return std::string_view::npos;
}

std::string TrimmedLines(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s) + "\n";
}

Result<Pieces> SplitBlocks() {
  std::string_view all = kIpfsConfBlocks;
  size_t ds = LineStartingWith(all, "DS_MAD_CONF");
  if (ds == std::string_view::npos) return Status::Failed("the embedded ipfs.conf blocks have no DS_MAD_CONF line");
  std::string_view tail = all.substr(ds);
  size_t tm = LineStartingWith(tail, "TM_MAD_CONF");
  if (tm == std::string_view::npos) return Status::Failed("the embedded ipfs.conf blocks have no TM_MAD_CONF line");
  // Back over the comment lines right above TM_MAD_CONF.
  size_t tm_start = tm;
  while (tm_start >= 2) {
    size_t prev = tail.rfind('\n', tm_start - 2);
    prev = prev == std::string_view::npos ? 0 : prev + 1;
    if (prev >= tm_start || tail[prev] != '#') break;
    tm_start = prev;
  }
  Pieces p{TrimmedLines(tail.substr(0, tm_start)), TrimmedLines(tail.substr(tm_start))};
  for (auto [piece, key] : {std::pair{&p.ds, "DS_MAD_CONF"}, std::pair{&p.tm, "TM_MAD_CONF"}}) {
    auto parsed = Parse(*piece);
    if (!parsed.ok() || parsed->entries.size() != 1 || IpfsBlocks(*piece, parsed->entries, key).size() != 1)
      return Status::Failed(fmt::format("the embedded ipfs.conf {} block does not parse as one NAME = \"ipfs\" section",
                                        key));
  }
  return p;
}

// ---------------------------------------------------------------------------
// Edits: splices at byte offsets, applied back to front.

struct Edit {
  size_t begin, end;
  std::string replacement;
};

// Overlapping deletions (a section's line and the region after it) merge;
// replacements never overlap anything (they are inside -d lists).
std::string Apply(std::string_view text, std::vector<Edit> edits) {
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  std::vector<Edit> merged;
  for (Edit& e : edits) {
    if (!merged.empty() && e.begin < merged.back().end && e.replacement.empty() && merged.back().replacement.empty())
      merged.back().end = std::max(merged.back().end, e.end);
    else
      merged.push_back(std::move(e));
  }
  std::string out(text);
  for (auto e = merged.rbegin(); e != merged.rend(); ++e) out.replace(e->begin, e->end - e->begin, e->replacement);
  return out;
}

// Removes every "ipfs" from a -d list (the rest keeps its exact spelling).
Result<Edit> DropIpfs(const DriverList& list) {
  std::vector<std::string> kept;
  for (const auto& d : list.drivers)
    if (d != "ipfs") kept.push_back(d);
  if (kept.empty())
    return Status::Invalid(fmt::format("line {}: ipfs is the only driver in the {} -d list; edit that list by hand",
                                       list.line, list.section));
  return Edit{list.begin, list.end, fmt::format("{}", fmt::join(kept, ","))};
}

bool IsComment(const Parsed& parsed, size_t offset) {
  return std::binary_search(parsed.comments.begin(), parsed.comments.end(), offset);
}

// The regions Register appended: "\n" + marker line + the pieces it added.
std::vector<std::pair<size_t, size_t>> MarkerRegions(std::string_view text, const Parsed& parsed, const Pieces& p) {
  std::vector<std::pair<size_t, size_t>> out;
  std::string needle = "\n" + std::string(kMarker) + "\n";
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) {
    if (!IsComment(parsed, at + 1)) continue;  // the words inside a string
    size_t cursor = at + needle.size();
    std::string_view rest = text.substr(cursor);
    if (rest.starts_with(p.ds)) {
      cursor += p.ds.size();
      if (text.substr(cursor).starts_with("\n" + p.tm)) cursor += 1 + p.tm.size();
    } else if (rest.starts_with(p.tm)) {
      cursor += p.tm.size();
    }
    out.emplace_back(at, cursor);
  }
  return out;
}

// The whole lines of a section when it has them to itself, else its bytes.
Edit RemoveSection(std::string_view text, const Entry& e) {
  size_t begin = e.begin, end = e.end;
  size_t line_start = text.rfind('\n', begin == 0 ? 0 : begin - 1);
  line_start = (begin == 0 || line_start == std::string_view::npos) ? 0 : line_start + 1;
  bool alone_before = text.substr(line_start, begin - line_start).find_first_not_of(" \t") == std::string_view::npos;
  size_t nl = text.find('\n', end);
  size_t line_end = nl == std::string_view::npos ? text.size() : nl + 1;
  std::string_view after = text.substr(end, line_end - end);
  size_t first = after.find_first_not_of(" \t\r\n");
  bool alone_after = first == std::string_view::npos || after[first] == '#';
  if (alone_before && alone_after) return Edit{line_start, line_end, ""};
  return Edit{begin, end, ""};
}

bool Inside(const std::vector<std::pair<size_t, size_t>>& regions, const Entry& e) {
  return std::any_of(regions.begin(), regions.end(), [&](auto r) { return e.begin >= r.first && e.end <= r.second; });
}

// ---------------------------------------------------------------------------
// Unified diff.

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

// ---------------------------------------------------------------------------

Result<OnedConfRegistration> InspectOnedConf(std::string_view text) {
  ASSIGN_OR_RETURN(Analysis a, Analyze(text));
  OnedConfRegistration r;
  r.datastore_mad_listed = a.datastore.Has("ipfs");
  r.tm_mad_listed = a.tm.Has("ipfs");
  r.ds_mad_conf = !a.ds_blocks.empty();
  r.tm_mad_conf = !a.tm_blocks.empty();
  return r;
}

Result<std::string> RegisterIpfs(std::string_view text) {
  ASSIGN_OR_RETURN(Analysis a, Analyze(text));
  ASSIGN_OR_RETURN(Pieces p, SplitBlocks());
  std::vector<Edit> edits;
  for (const DriverList* list : {&a.datastore, &a.tm})
    if (!list->Has("ipfs")) edits.push_back({list->end, list->end, ",ipfs"});
  std::vector<std::string> pieces;
  if (a.ds_blocks.empty()) pieces.push_back(p.ds);
  if (a.tm_blocks.empty()) pieces.push_back(p.tm);
  if (!pieces.empty())
    edits.push_back({text.size(), text.size(), "\n" + std::string(kMarker) + "\n" + fmt::format("{}", fmt::join(pieces, "\n"))});
  return Apply(text, std::move(edits));
}

Result<std::string> UnregisterIpfs(std::string_view text) {
  ASSIGN_OR_RETURN(Analysis a, Analyze(text));
  ASSIGN_OR_RETURN(Pieces p, SplitBlocks());
  std::vector<Edit> edits;
  for (const DriverList* list : {&a.datastore, &a.tm}) {
    if (!list->Has("ipfs")) continue;
    ASSIGN_OR_RETURN(Edit e, DropIpfs(*list));
    edits.push_back(std::move(e));
  }
  auto regions = MarkerRegions(text, a.parsed, p);
  for (auto [begin, end] : regions) edits.push_back({begin, end, ""});
  for (const auto* blocks : {&a.ds_blocks, &a.tm_blocks})
    for (size_t i : *blocks)
      if (const Entry& e = a.parsed.entries[i]; !Inside(regions, e)) edits.push_back(RemoveSection(text, e));
  return Apply(text, std::move(edits));
}

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

Result<OnedConfText> ParseOnedConfText(std::string_view text) {
  ASSIGN_OR_RETURN(Parsed parsed, Parse(text));
  OnedConfText out;
  out.comments = std::move(parsed.comments);
  for (const Entry& e : parsed.entries) {
    OnedConfSection s{e.key, e.line, e.begin, e.end, e.vector, {}};
    for (const Pair& p : e.pairs)
      s.pairs.push_back({p.key, p.value.line, p.value.value_begin(), p.value.value_end(),
                         p.value.kind == Token::kString});
    out.sections.push_back(std::move(s));
  }
  return out;
}

std::string DefaultOnedConfPath() {
  const char* loc = std::getenv("ONE_LOCATION");
  return loc && *loc ? std::string(loc) + "/etc/oned.conf" : "/etc/one/oned.conf";
}

}  // namespace oneipfs
