// log.h: what an action writes to stderr.
//
// oned (>= 7.0) forwards stderr lines that start with "INFO:", "WARN:",
// "ERROR:" or "DEBUG:" as log messages and shows the *other* stderr lines to
// the user as the failure reason; 6.2-6.10 show all of stderr; <= 6.0 shows
// only the text between the "ERROR MESSAGE --8<------" markers. So:
//  - progress and notes go through Info()/Warn() ("INFO: cp: ..."), always;
//  - the failure reason is printed once, by the action runner, through
//    PrintFailure(): one plain line (wrapped in the markers when the target
//    OpenNebula is older than 6.2).
// Nothing here writes to stdout: stdout is the payload oned parses.
#pragma once

#include <string>
#include <string_view>

namespace oneipfs {

class Log {
 public:
  explicit Log(std::string action) : action_(std::move(action)) {}
  void Info(std::string_view msg) const;
  void Warn(std::string_view msg) const;
  void Debug(std::string_view msg) const;  // only when ONE_IPFS_DEBUG is set
  const std::string& action() const { return action_; }

 private:
  std::string action_;
};

// One line (newlines in `msg` become spaces); `legacy_markers` wraps it in
// OpenNebula <= 6.0's ERROR MESSAGE block.
void PrintFailure(std::string_view msg, bool legacy_markers);

// An input quoted for a one-line message: '...' with control and non-ASCII
// bytes as \xNN, cut to `max` bytes followed by "..." when longer.
std::string QuoteForMessage(std::string_view s, std::size_t max = 200);

// Formats a byte count for humans: "512 B", "3.0 MiB", "1.2 GiB".
std::string HumanBytes(unsigned long long bytes);

}  // namespace oneipfs
