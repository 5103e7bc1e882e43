// oned_conf_parse.h: the oned.conf parser (internal to oned_conf*.cc).
//
// oned.conf is OpenNebula's template syntax: KEY = VALUE and
// KEY = [ K = V, ... ] at the top level, "strings", '#' comments to the end
// of the line. Parse records the byte offsets of every entry, pair and
// comment and never re-serialises: edits splice the text at those offsets.
// A text it cannot parse safely is Invalid with the line and what was seen.
// Nothing here throws on bad input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace oneipfs::oned_conf {

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

Result<Parsed> Parse(std::string_view text);

}  // namespace oneipfs::oned_conf
