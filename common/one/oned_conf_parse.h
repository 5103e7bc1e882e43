// oned_conf_parse.h: oned_conf.cc's parser of oned.conf, for registrations
// kept in files of their own (oned_conf_market.cc). What it understands and
// refuses is described in oned_conf.h; offsets index the text parsed, so an
// edit is a splice that keeps every other byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace oneipfs {

struct OnedConfPair {
  std::string key;
  std::size_t line = 0;
  std::size_t value_begin = 0, value_end = 0;  // the value, without its quotes
  bool quoted = false;
};

struct OnedConfSection {
  std::string key;
  std::size_t line = 0;
  std::size_t begin = 0, end = 0;  // the key .. past the value or the ']'
  bool vector = false;
  std::vector<OnedConfPair> pairs;
};

struct OnedConfText {
  std::vector<OnedConfSection> sections;
  std::vector<std::size_t> comments;  // offsets of every '#' comment
};

Result<OnedConfText> ParseOnedConfText(std::string_view text);

}  // namespace oneipfs
