#include "common/local_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "common/text.h"

namespace oneipfs {
namespace {

std::string Normalise(std::string p) {
  char buf[PATH_MAX];
  if (::realpath(p.c_str(), buf)) return buf;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

}  // namespace

bool PathIsUnder(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (dir == "/") return !path.empty() && path[0] == '/';
  if (path.size() < dir.size() || path.substr(0, dir.size()) != dir) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

Result<LocalFile> CheckLocalImagePath(std::string_view path, std::string_view restricted_dirs,
                                      std::string_view safe_dirs, std::string_view home) {
  std::string p(path);
  char buf[PATH_MAX];
  if (!::realpath(p.c_str(), buf))
    return Status::NotFound(fmt::format("cannot access '{}': no such file", p));
  std::string real = buf;

  bool safe = false;
  for (const auto& d : SplitWords(safe_dirs))
    if (PathIsUnder(real, Normalise(d))) safe = true;
  if (!safe) {
    std::vector<std::string> restricted = SplitWords(restricted_dirs);
    restricted.push_back("/var/lib/one");
    restricted.push_back("/etc/one");
    if (!home.empty()) restricted.emplace_back(home);
    for (const auto& d : restricted)
      if (PathIsUnder(real, Normalise(d)))
        return Status::Invalid(fmt::format(
            "'{}' is in a restricted directory ({}); add its directory to the datastore's SAFE_DIRS to allow it",
            p, d));
  }
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0) return Status::NotFound(fmt::format("cannot access '{}'", p));
  if (!S_ISREG(st.st_mode)) return Status::Invalid(fmt::format("'{}' is not a regular file", p));
  if (::access(real.c_str(), R_OK) != 0) return Status::Invalid(fmt::format("'{}' is not readable", p));
  return LocalFile{real, static_cast<unsigned long long>(st.st_size)};
}

}  // namespace oneipfs
