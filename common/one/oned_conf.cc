// oned_conf.cc: the ipfs registration edits of oned.conf (contract in
// oned_conf.h); the parser is oned_conf_parse.cc.
//
// The text is never re-serialised: parsing records byte offsets, and every
// edit is a splice at those offsets, so bytes the edit does not target stay
// as they were (comments, spacing, key case, line endings, a missing final
// newline). Nothing here throws on bad input; std::string may still throw
// std::bad_alloc like everywhere else.
#include "common/one/oned_conf.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/base/text.h"

#include "common/one/oned_conf_parse.h"

namespace oneipfs {
namespace {

using namespace oned_conf;  // Token, Pair, Entry, Parsed, Parse

constexpr std::string_view kMarker =
    "# one-ipfs: IPFS datastore and transfer drivers (added by one-ipfs-register)";

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


std::string DefaultOnedConfPath() {
  const char* loc = std::getenv("ONE_LOCATION");
  return loc && *loc ? std::string(loc) + "/etc/oned.conf" : "/etc/one/oned.conf";
}

}  // namespace oneipfs
