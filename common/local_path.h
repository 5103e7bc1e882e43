// local_path.h: may an image be imported from this front-end path?
//
// Follows OpenNebula's fs driver: the path is resolved (symlinks, "..") and
// then allowed when it lies under one of SAFE_DIRS, refused when it lies under
// one of RESTRICTED_DIRS or the always-restricted /var/lib/one, /etc/one and
// the driver user's $HOME; otherwise allowed. Lists are space separated.
// Directory matching is by whole path components (/var/tmpx is not under
// /var/tmp). Errors: NotFound when the file does not exist, Invalid when it
// is restricted, not a regular file, or unreadable; the message names the path.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace oneipfs {

struct LocalFile {
  std::string real_path;
  unsigned long long size = 0;
};

Result<LocalFile> CheckLocalImagePath(std::string_view path, std::string_view restricted_dirs,
                                      std::string_view safe_dirs, std::string_view home);

// True when `path` is `dir` or inside it (both absolute, normalised).
bool PathIsUnder(std::string_view path, std::string_view dir);

}  // namespace oneipfs
