// ipfs_json.h: reading the daemon's replies (internal to ipfs.cc and its tests).
//
// Tolerant of the kubo / js-ipfs differences: numbers as JSON numbers or
// strings, keys matched case-insensitively when the exact spelling is absent,
// CIDs as strings or {"/": "<cid>"} links. Nothing here throws.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/base/status.h"

namespace oneipfs::ipfs_json {

using Json = nlohmann::json;

// The member `key` of object `j` (exact spelling first, then any case), or nullptr.
const Json* Find(const Json& j, std::string_view key);
// A string member; a {"/": "..."} link gives its target; else "".
std::string Str(const Json& j, std::string_view key);
// An unsigned number given as a JSON number or a decimal string; else 0.
// Negative numbers read as 0; numbers beyond 2^64 - 1 (a JSON number, a
// float, a long string) as 2^64 - 1: never wrapped, never UB.
std::uint64_t Num(const Json& j, std::string_view key);

// A decimal unsigned number (surrounding blanks allowed), or nullopt.
std::optional<std::uint64_t> ParseUint(std::string_view text);

// Parses a whole reply; an empty body is an empty object.
Result<Json> Parse(std::string_view body);

// The reason in an error body or trailer: its JSON "Message", else the
// trimmed text (shortened), else "no error message".
std::string ErrorText(std::string_view body);

// The daemon's words for "the path / MFS entry does not exist".
bool LooksNotFound(std::string_view message);
// The daemon's words for its own deadline (kubo / js-ipfs `timeout=`).
bool LooksTimedOut(std::string_view message);
// The daemon's words for "this CID is not pinned" (pin/rm, pin/ls?arg=):
// kubo "not pinned or pinned indirectly" / "path '<cid>' is not pinned",
// js-ipfs "Failed to remove pin: <cid> is not pinned".
bool LooksNotPinned(std::string_view message);
// The CIDs of a pin/ls reply: kubo and js-ipfs {"Keys":{"<cid>":{"Type":..}}}
// (kubo with stream=true: one {"Cid":..,"Type":..} object per line is also
// accepted here for a single object). Empty for "Keys": null / {}.
std::vector<std::string> PinKeys(const Json& reply);
// A 404 for the endpoint itself (kubo "404 page not found", hapi "Not Found").
bool LooksUnknownEndpoint(std::string_view message);

// Incremental NDJSON reader: Feed() the body as it arrives, Finish() at the
// end. Each non-blank line is parsed and handed to `on_line`; a line that
// reports an error ({"Message":..,"Type":"error"}, or a non-empty "Err" (refs,
// js-ipfs repo/gc) or "Error" (kubo repo/gc)) stops
// the stream with Status::Failed(<that message>).
class NdjsonReader {
 public:
  using LineFn = std::function<Status(const Json&)>;
  explicit NdjsonReader(LineFn on_line) : on_line_(std::move(on_line)) {}
  Status Feed(std::string_view chunk);
  Status Finish();
  std::uint64_t lines() const { return lines_; }

 private:
  Status Line(std::string_view line);
  LineFn on_line_;
  std::string pending_;
  std::uint64_t lines_ = 0;
};

}  // namespace oneipfs::ipfs_json
