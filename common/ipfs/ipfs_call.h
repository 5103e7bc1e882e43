// ipfs_call.h: how the IPFS client makes one RPC call (internal to the
// client's files: ipfs.cc, ipfs_files.cc, ipfs_content.cc, ipfs_pins.cc and
// ipfs_names.cc; nothing else includes it).
//
// A Spec names the command, its arguments and what kind of call it is (a
// small call with the daemon-side deadline, or a transfer with a stall
// limit; idempotent or not). Caller::Send runs it over the transport with
// the client's timeout, deadline and retries, and turns transport failures,
// non-2xx replies and X-Stream-Error trailers into a Status naming the
// daemon, the command and its object.
//
// Timeouts: small calls send the daemon-side `timeout=<N>s` and bound the
// whole request at N+5 s on our side. The calls that move data (cat, add,
// refs -r) may legitimately run for far longer than N: both kubo and js-ipfs
// treat `timeout=` as a deadline for the whole command, so those calls do not
// send it and use a client-side stall limit of N s instead (no byte moving for
// N s aborts). Dropping the connection cancels the command in the daemon.
//
// Retries (see ipfs.h): a transient failure is retried after a backoff
// that doubles, within the call's timeout. Transient means the request never
// reached the daemon (connection refused), or, for calls that can safely run
// twice, a connection reset or an HTTP 5xx that is not a command error. kubo
// (go-ipfs-cmds) and js-ipfs answer their command errors ("file does not
// exist", a bad argument) with 500 and a JSON body {"Message", "Code",
// "Type": "error"}: those are final. Nothing is retried once a byte of an
// upload was read from its source or a byte of the reply reached the caller.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/base/text.h"
#include "common/ipfs/http.h"
#include "common/ipfs/ipfs.h"
#include "common/ipfs/ipfs_json.h"

namespace oneipfs::ipfs_call {

using ipfs_json::Json;
using ipfs_json::Num;
using ipfs_json::Str;
using Args = std::vector<std::pair<std::string, std::string>>;

struct Spec {
  std::string command;
  std::string subject;   // the object named in messages (usually the main arg)
  Args args;
  bool transfer = false;  // moves data: stall limit, no daemon-side deadline
  std::function<Status(std::string_view)> on_body;
  ByteSource upload;
  std::string upload_name;
  // Running it twice has the effect of running it once (reads, mkdir -p,
  // swarm connect, gc). Only those are retried after a reset or a 5xx.
  bool idempotent = true;
  std::chrono::seconds limit{0};  // > 0: replaces the client's timeout for this call

  std::string What() const { return subject.empty() ? command : command + " " + subject; }
};

// A 5xx that is not the daemon's answer to the command: 502/503/504 (a proxy
// or a daemon not ready), or a 500 without the JSON error body kubo and
// js-ipfs give every command error.
inline bool IsTransientHttp(long status, std::string_view body) {
  if (status == 502 || status == 503 || status == 504) return true;
  if (status != 500) return false;
  std::string_view t = Trim(body);
  if (t.empty() || t.front() != '{') return true;
  auto j = ipfs_json::Parse(t);
  return !j.ok() || !j->is_object() || Str(*j, "Message").empty();
}

// An upload of `bytes` (a copy it owns), as an HTTP request body.
inline ByteSource UploadOf(std::string bytes) {
  std::size_t at = 0;
  return [bytes = std::move(bytes), at](char* buf, std::size_t cap) mutable -> Result<std::size_t> {
    std::size_t n = std::min(cap, bytes.size() - at);
    std::memcpy(buf, bytes.data() + at, n);
    at += n;
    return n;
  };
}

// About when the program started (ipfs_call.cc, static init): DEBUG lines count from it.
extern const std::chrono::steady_clock::time_point kProgramStart;

class Caller {
 public:
  Caller(HttpTransport& t, const IpfsOptions& o) : t_(t), o_(o) {}

  std::string Prefix(const Spec& s) const { return fmt::format("IPFS daemon at {}: {}", t_.Describe(), s.What()); }

  // One call: transport failures, non-2xx replies and X-Stream-Error
  // trailers become a Status naming the daemon, the command and its object.
  // A Status produced by the caller's own callbacks is returned unchanged.
  // Transient failures are retried (see the top of this file).
  // With ONE_IPFS_DEBUG set, one stderr line per call: its time, and when it
  // started counted from the program's start (for profiling an action).
  Result<HttpResponse> Send(const Spec& s) const {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = SendRetrying(s);
    if (std::getenv("ONE_IPFS_DEBUG")) {
      using Ms = std::chrono::duration<double, std::milli>;
      std::fprintf(stderr, "DEBUG: ipfs %s: %.1f ms, started at +%.1f ms%s\n", s.What().c_str(),
                   Ms(std::chrono::steady_clock::now() - t0).count(), Ms(t0 - kProgramStart).count(),
                   r.ok() ? "" : " (failed)");
    }
    return r;
  }

  Result<HttpResponse> SendRetrying(const Spec& s) const {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto budget = s.limit.count() > 0 ? s.limit : o_.timeout;  // 0: no limit
    if (o_.deadline) {  // never past it: the call's budget is what is left
      auto left = std::chrono::ceil<std::chrono::seconds>(*o_.deadline - start);
      if (left.count() <= 0)
        return Status::Timeout(fmt::format("IPFS daemon at {}: {}: no time left for it", t_.Describe(), s.What()));
      if (budget.count() == 0 || left < budget) budget = left;
    }
    auto backoff = o_.retry_backoff;
    const int attempts = std::max(1, o_.attempts);
    for (int attempt = 1;; ++attempt) {
      std::chrono::seconds left = budget;
      if (attempt > 1 && budget.count() > 0) {
        auto used = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start);
        left = std::max(std::chrono::seconds(1), budget - used);
      }
      bool transient = false;
      auto r = SendOnce(s, left, &transient, o_.deadline.has_value());
      if (r.ok() || !transient) return r;
      bool time_left = budget.count() == 0 || Clock::now() - start + backoff < budget;
      if (attempt >= attempts || !time_left) {
        if (attempt == 1) return r;
        return WithNote(r.status(), fmt::format(" (tried {} times)", attempt));
      }
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }

  static Status WithNote(const Status& st, const std::string& note) {
    const std::string m = st.message() + note;
    switch (st.code()) {
      case Status::Code::kUnavailable: return Status::Unavailable(m);
      case Status::Code::kTimeout: return Status::Timeout(m);
      case Status::Code::kIo: return Status::Io(m);
      case Status::Code::kNotFound: return Status::NotFound(m);
      case Status::Code::kInvalid: return Status::Invalid(m);
      default: return Status::Failed(m);
    }
  }

  // One request with a call timeout of `n`; sets *transient when another
  // attempt may succeed and is safe. `hard`: a transfer too ends after `n`
  // (a deadline), not only when it stalls for `n`.
  Result<HttpResponse> SendOnce(const Spec& s, std::chrono::seconds n, bool* transient, bool hard = false) const {
    HttpRequest req;
    req.path = "/api/v0/" + s.command;
    req.query = s.args;
    if (n.count() > 0) {
      if (s.transfer) {
        req.stall_timeout = n;
        if (hard) req.total_timeout = n;
      } else {
        req.query.emplace_back("timeout", fmt::format("{}s", n.count()));
        req.total_timeout = n + std::chrono::seconds(5);
      }
    }
    // A failure of our own callbacks comes back through Post unchanged.
    bool callback_failed = false;
    bool moved = false;  // a byte went out of the upload source or into the sink
    if (s.on_body)
      req.on_body = [&](std::string_view chunk) {
        moved = true;
        Status st = s.on_body(chunk);
        if (!st.ok()) callback_failed = true;
        return st;
      };
    if (s.upload)
      req.upload = [&](char* buf, std::size_t cap) {
        moved = true;
        Result<std::size_t> got = s.upload(buf, cap);
        if (!got.ok()) callback_failed = true;
        return got;
      };
    if (!s.upload_name.empty()) req.upload_name = s.upload_name;

    auto r = t_.Post(req);
    if (!r.ok()) {
      const Status& st = r.status();
      if (callback_failed) return st;  // the sink's / source's own reason
      *transient = !moved && (st.code() == Status::Code::kUnavailable ||
                              (st.code() == Status::Code::kIo && s.idempotent));
      switch (st.code()) {
        case Status::Code::kUnavailable:
          return Status::Unavailable(fmt::format("IPFS daemon at {} is not reachable ({})", t_.Describe(), st.message()));
        case Status::Code::kTimeout:
          return Status::Timeout(fmt::format("IPFS daemon at {} did not answer {} within {} s{}", t_.Describe(),
                                             s.What(), n.count(), s.transfer && !hard ? " (the transfer stalled)" : ""));
        case Status::Code::kIo:
          return Status::Io(fmt::format("{}: {}", Prefix(s), st.message()));
        default:
          return Status::Failed(fmt::format("{}: {}", Prefix(s), st.message()));
      }
    }
    HttpResponse& resp = *r;
    if (resp.status < 200 || resp.status >= 300) {
      *transient = !moved && s.idempotent && IsTransientHttp(resp.status, resp.body);
      std::string msg = resp.body.empty() ? fmt::format("HTTP {}", resp.status) : ipfs_json::ErrorText(resp.body);
      if (resp.status == 404 && ipfs_json::LooksUnknownEndpoint(msg))
        return Status::Failed(
            fmt::format("{}: the daemon does not implement this command (HTTP 404: {})", Prefix(s), msg));
      if (resp.status == 401 || resp.status == 403)
        return Status::Failed(fmt::format("{}: HTTP {}: {} (check the API authorization secret)", Prefix(s),
                                          resp.status, msg));
      if (ipfs_json::LooksTimedOut(msg))
        return Status::Timeout(fmt::format("IPFS daemon at {} did not answer {} within {} s ({})", t_.Describe(),
                                           s.What(), n.count(), msg));
      if (ipfs_json::LooksNotFound(msg)) return Status::NotFound(fmt::format("{}: {}", Prefix(s), msg));
      return Status::Failed(fmt::format("{}: {}", Prefix(s), msg));
    }
    if (!resp.stream_error.empty())
      return Status::Failed(fmt::format("{}: {}", Prefix(s), ipfs_json::ErrorText(resp.stream_error)));
    return r;
  }

  Result<Json> SendJson(const Spec& s) const {
    std::string prefix = Prefix(s);
    ASSIGN_OR_RETURN(HttpResponse r, Send(s));
    auto j = ipfs_json::Parse(r.body);
    if (!j.ok()) return j.status().Prefixed(prefix);
    return j;
  }

  // Streams an NDJSON reply through `on_line`; an error line fails the call.
  Status SendNdjson(Spec s, const ipfs_json::NdjsonReader::LineFn& on_line) const {
    std::string prefix = Prefix(s);
    ipfs_json::NdjsonReader reader(on_line);
    s.on_body = [&](std::string_view chunk) { return reader.Feed(chunk).Prefixed(prefix); };
    auto r = Send(s);
    if (!r.ok()) return r.status();
    return reader.Finish().Prefixed(prefix);
  }

 private:
  HttpTransport& t_;
  const IpfsOptions& o_;
};

// A call that must not run twice (MFS moves and removals, add): retried only
// when the daemon was not reached at all.
inline Spec NotRepeatable(Spec s) {
  s.idempotent = false;
  return s;
}

inline Spec Small(std::string command, std::string_view subject, Args args) {
  Spec s;
  s.command = std::move(command);
  s.subject = std::string(subject);
  s.args = std::move(args);
  return s;
}

inline Status Missing(const Caller& c, const Spec& s, std::string_view what) {
  return Status::Failed(fmt::format("{}: the reply has no {}", c.Prefix(s), what));
}

}  // namespace oneipfs::ipfs_call
