// base64.h: standard base64 (RFC 4648, '+' '/', '=' padding).
//
// Base64Decode tolerates whitespace (oned's documents and the ruby front
// ends' line breaks) and refuses any other byte outside the alphabet, data
// after padding and impossible lengths (Invalid "not valid base64").
#pragma once

#include <string>
#include <string_view>

#include "common/base/status.h"

namespace oneipfs {

Result<std::string> Base64Decode(std::string_view text);
std::string Base64Encode(std::string_view bytes);

}  // namespace oneipfs
