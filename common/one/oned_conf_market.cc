#include "common/one/oned_conf_market.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/base/text.h"
#include "common/one/oned_conf_parse.h"

namespace oneipfs {
namespace {

using oned_conf::Entry;
using oned_conf::Pair;
using oned_conf::Parsed;
using oned_conf::Token;

bool Quoted(const Pair& p) { return p.value.kind == Token::kString; }

constexpr std::string_view kMarker = "# one-ipfs: IPFS marketplace driver (added by one-ipfs-register)";

bool SameKey(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

std::string_view ValueOf(std::string_view text, const Pair& p) {
  return text.substr(p.value.value_begin(), p.value.value_end() - p.value.value_begin());
}

std::size_t LineAt(std::string_view text, std::size_t offset) {
  return 1 + std::count(text.begin(), text.begin() + std::min(offset, text.size()), '\n');
}

struct MarketList {
  std::size_t begin = 0, end = 0, line = 0;
  std::vector<std::string> drivers;
  bool Has(std::string_view d) const { return std::find(drivers.begin(), drivers.end(), d) != drivers.end(); }
};

Result<MarketList> FindMarketList(std::string_view text, const Parsed& parsed) {
  const Entry* section = nullptr;
  for (const auto& s : parsed.entries) {
    if (!SameKey(s.key, "MARKET_MAD")) continue;
    if (section)
      return Status::Invalid(fmt::format("line {}: a second MARKET_MAD section (the first is at line {})", s.line,
                                         section->line));
    section = &s;
  }
  if (!section) return Status::Invalid("no MARKET_MAD = [ ... ] section");
  if (!section->vector) return Status::Invalid(fmt::format("line {}: MARKET_MAD is not a [ ... ] section", section->line));
  const Pair* args = nullptr;
  for (const auto& p : section->pairs)
    if (SameKey(p.key, "ARGUMENTS")) {
      if (args) return Status::Invalid(fmt::format("line {}: MARKET_MAD has a second ARGUMENTS", p.value.line));
      args = &p;
    }
  if (!args) return Status::Invalid(fmt::format("line {}: MARKET_MAD has no ARGUMENTS", section->line));
  // Whitespace-separated words of the value, as offsets.
  std::vector<std::pair<std::size_t, std::size_t>> words;
  for (std::size_t i = args->value.value_begin(); i < args->value.value_end();) {
    while (i < args->value.value_end() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < args->value.value_end() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) words.emplace_back(start, i);
  }
  std::optional<std::size_t> m;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (text.substr(words[i].first, words[i].second - words[i].first) != "-m") continue;
    if (m) return Status::Invalid(fmt::format("line {}: MARKET_MAD ARGUMENTS has two -m lists", args->value.line));
    m = i;
  }
  if (!m || *m + 1 >= words.size())
    return Status::Invalid(fmt::format("line {}: MARKET_MAD ARGUMENTS has no -m driver list", args->value.line));
  MarketList list;
  list.begin = words[*m + 1].first;
  list.end = words[*m + 1].second;
  list.line = LineAt(text, list.begin);
  list.drivers = Split(text.substr(list.begin, list.end - list.begin), ',');
  return list;
}

std::vector<const Entry*> IpfsBlocks(std::string_view text, const Parsed& parsed,
                                               std::string_view key) {
  std::vector<const Entry*> out;
  for (const auto& s : parsed.entries) {
    if (!s.vector || !SameKey(s.key, key)) continue;
    for (const auto& p : s.pairs)
      if (SameKey(p.key, "NAME") && ValueOf(text, p) == "ipfs") {
        out.push_back(&s);
        break;
      }
  }
  return out;
}

// The MARKETPLACE_ACTIONS pair of a DS_MAD_CONF block, or null.
const Pair* ActionsOf(const Entry& s) {
  for (const auto& p : s.pairs)
    if (SameKey(p.key, "MARKETPLACE_ACTIONS")) return &p;
  return nullptr;
}

bool ListsExport(std::string_view text, const Entry& s) {
  const Pair* p = ActionsOf(s);
  if (!p) return false;
  for (const auto& a : Split(ValueOf(text, *p), ','))
    if (Trim(a) == "export") return true;
  return false;
}

Result<std::string> TheBlock() {
  std::string_view all = kIpfsMarketConfBlock;
  std::size_t at = std::string_view::npos;
  for (std::size_t pos = 0; pos < all.size();) {
    if (all.substr(pos).starts_with("MARKET_MAD_CONF")) {
      at = pos;
      break;
    }
    std::size_t nl = all.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (at == std::string_view::npos) return Status::Failed("the embedded ipfs-market.conf has no MARKET_MAD_CONF line");
  std::string_view block = all.substr(at);
  while (!block.empty() && std::isspace(static_cast<unsigned char>(block.back()))) block.remove_suffix(1);
  return std::string(block) + "\n";
}

struct Splice {
  std::size_t begin, end;
  std::string text;
};

std::string Apply(std::string_view text, std::vector<Splice> edits) {
  std::sort(edits.begin(), edits.end(), [](const Splice& a, const Splice& b) { return a.begin > b.begin; });
  std::string out(text);
  for (const auto& e : edits) out.replace(e.begin, e.end - e.begin, e.text);
  return out;
}

bool IsComment(const Parsed& parsed, std::size_t offset) {
  return std::binary_search(parsed.comments.begin(), parsed.comments.end(), offset);
}

}  // namespace

Result<OnedConfMarketRegistration> InspectOnedConfMarket(std::string_view text) {
  ASSIGN_OR_RETURN(Parsed parsed, oned_conf::Parse(text));
  ASSIGN_OR_RETURN(MarketList list, FindMarketList(text, parsed));
  OnedConfMarketRegistration r;
  r.market_mad_listed = list.Has("ipfs");
  r.market_mad_conf = !IpfsBlocks(text, parsed, "MARKET_MAD_CONF").empty();
  for (const auto* ds : IpfsBlocks(text, parsed, "DS_MAD_CONF"))
    if (ListsExport(text, *ds)) r.ds_exports = true;
  return r;
}

Result<std::string> RegisterIpfsMarket(std::string_view text) {
  ASSIGN_OR_RETURN(Parsed parsed, oned_conf::Parse(text));
  ASSIGN_OR_RETURN(MarketList list, FindMarketList(text, parsed));
  std::vector<Splice> edits;
  if (!list.Has("ipfs")) edits.push_back({list.end, list.end, ",ipfs"});
  for (const auto* ds : IpfsBlocks(text, parsed, "DS_MAD_CONF")) {
    if (ListsExport(text, *ds)) continue;
    if (const Pair* p = ActionsOf(*ds); p && Quoted(*p)) {
      bool empty = Trim(ValueOf(text, *p)).empty();
      edits.push_back({p->value.value_begin(), p->value.value_end(),
                       empty ? std::string("export") : std::string(ValueOf(text, *p)) + ", export"});
    } else if (!p) {
      std::size_t close = ds->end - 1;  // the ']'
      std::size_t last = ds->pairs.empty() ? close : ds->pairs.back().value.end;
      edits.push_back({last, last, std::string(ds->pairs.empty() ? "" : ",") + "\n    MARKETPLACE_ACTIONS = \"export\""});
    } else {
      return Status::Invalid(fmt::format("line {}: the ipfs DS_MAD_CONF has MARKETPLACE_ACTIONS without quotes; "
                                         "set it to \"export\" by hand",
                                         p->value.line));
    }
  }
  if (IpfsBlocks(text, parsed, "MARKET_MAD_CONF").empty()) {
    ASSIGN_OR_RETURN(std::string block, TheBlock());
    // As RegisterIpfs appends its blocks: "\n" + marker line + block.
    edits.push_back({text.size(), text.size(), "\n" + std::string(kMarker) + "\n" + block});
  }
  return Apply(text, std::move(edits));
}

Result<std::string> UnregisterIpfsMarket(std::string_view text) {
  ASSIGN_OR_RETURN(Parsed parsed, oned_conf::Parse(text));
  ASSIGN_OR_RETURN(MarketList list, FindMarketList(text, parsed));
  ASSIGN_OR_RETURN(std::string block, TheBlock());
  std::vector<Splice> edits;
  if (list.Has("ipfs")) {
    std::vector<std::string> kept;
    for (const auto& d : list.drivers)
      if (d != "ipfs") kept.push_back(d);
    if (kept.empty())
      return Status::Invalid(
          fmt::format("line {}: ipfs is the only driver in the MARKET_MAD -m list; edit that list by hand", list.line));
    edits.push_back({list.begin, list.end, fmt::format("{}", fmt::join(kept, ","))});
  }
  // The marker line with the block after it, as Register appended them.
  std::vector<std::pair<std::size_t, std::size_t>> regions;
  std::string needle = "\n" + std::string(kMarker) + "\n";
  for (std::size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) {
    if (!IsComment(parsed, at + 1)) continue;
    std::size_t end = at + needle.size();
    if (text.substr(end).starts_with(block)) end += block.size();
    regions.emplace_back(at, end);
  }
  for (auto [b, e] : regions) edits.push_back({b, e, ""});
  for (const auto* s : IpfsBlocks(text, parsed, "MARKET_MAD_CONF")) {
    bool inside = std::any_of(regions.begin(), regions.end(),
                              [&](auto r) { return s->begin >= r.first && s->end <= r.second; });
    if (inside) continue;
    // Its whole lines when it has them to itself, else its bytes.
    std::size_t b = s->begin, e = s->end;
    std::size_t ls = text.rfind('\n', b == 0 ? 0 : b - 1);
    ls = (b == 0 || ls == std::string_view::npos) ? 0 : ls + 1;
    std::size_t nl = text.find('\n', e);
    std::size_t le = nl == std::string_view::npos ? text.size() : nl + 1;
    bool alone = text.substr(ls, b - ls).find_first_not_of(" \t") == std::string_view::npos &&
                 text.substr(e, le - e).find_first_not_of(" \t\r\n") == std::string_view::npos;
    edits.push_back(alone ? Splice{ls, le, ""} : Splice{b, e, ""});
  }
  return Apply(text, std::move(edits));
}

}  // namespace oneipfs
