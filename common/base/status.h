// status.h: errors as values.
//
// Every fallible function in one-ipfs returns a Status (no value) or a
// Result<T> (a value or a Status). Exceptions never cross a public function of
// common/: the files that wrap throwing libraries (nlohmann/json,
// Boost.Process, std::filesystem) catch and convert them here.
//
// A Status carries one human-readable message, the line oned shows the user.
// Callers add context where it helps ("cp: image 5: " + ...) with Prefixed().
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace oneipfs {

class Status {
 public:
  enum class Code { kOk, kInvalid, kNotFound, kUnavailable, kTimeout, kIo, kFailed };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string m) { return Status(Code::kInvalid, std::move(m)); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  // The daemon (or a host) could not be reached at all.
  static Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
  static Status Timeout(std::string m) { return Status(Code::kTimeout, std::move(m)); }
  static Status Io(std::string m) { return Status(Code::kIo, std::move(m)); }
  static Status Failed(std::string m) { return Status(Code::kFailed, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Same code, message "<prefix>: <message>".
  Status Prefixed(const std::string& prefix) const {
    if (ok()) return *this;
    return Status(code_, prefix + ": " + message_);
  }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}             // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}      // NOLINT: must not be Ok

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace oneipfs

// Early return of a failed Status / Result from the enclosing function.
#define ONEIPFS_CONCAT_(a, b) a##b
#define ONEIPFS_CONCAT(a, b) ONEIPFS_CONCAT_(a, b)
#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::oneipfs::Status _st = (expr);                \
    if (!_st.ok()) return _st;                     \
  } while (0)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(ONEIPFS_CONCAT(_res_, __LINE__), lhs, expr)
