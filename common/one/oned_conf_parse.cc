// oned_conf_parse.cc: the oned.conf lexer and parser (see oned_conf_parse.h).
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


namespace oneipfs::oned_conf {
namespace {
// ---------------------------------------------------------------------------
// Lexer: words, "strings", = [ ] , with '#' comments to the end of the line.



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

}  // namespace

Result<Parsed> Parse(std::string_view text) {
  Parsed out;
  std::vector<Token> tokens = Lexer(text).Run(&out.comments);
  ASSIGN_OR_RETURN(out.entries, Parser(text, std::move(tokens)).Run());
  return out;
}

}  // namespace oneipfs::oned_conf
