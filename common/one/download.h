// download.h: plain http(s) URLs an image may be registered from.
//
// ProbeUrl finds the size and the first bytes of a URL without downloading
// it (HEAD for Content-Length, then a ranged GET of the header; a server that
// ignores ranges is cut off after the header bytes). DownloadUrl streams the
// whole body to a sink; it follows redirects (to http and https only: any
// other scheme is Invalid "... redirects to a URL that is not http(s) ..."),
// treats HTTP >= 400 as a failure
// naming the status, aborts when the transfer stalls for `stall` seconds, and
// fails ("... ended after X of Y bytes") when the body is shorter than the
// announced Content-Length. Nothing is written to disk here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace oneipfs {

struct UrlProbe {
  std::optional<std::uint64_t> size;  // unknown when the server does not say
  std::string header;                 // up to `header_bytes` first bytes
};

Result<UrlProbe> ProbeUrl(std::string_view url, std::size_t header_bytes, std::chrono::seconds timeout);

Status DownloadUrl(std::string_view url, const std::function<Status(std::string_view)>& sink,
                   std::chrono::seconds stall,
                   const std::function<void(std::optional<std::uint64_t>)>& on_length = nullptr);

}  // namespace oneipfs
