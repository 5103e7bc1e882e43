// ipfs.cc: the IPFS RPC client (see ipfs.h); reply parsing is in ipfs_json.cc.
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
#include "common/ipfs/ipfs.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "common/ipfs/ipfs_json.h"
#include "common/base/text.h"

namespace oneipfs {
namespace {

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
bool IsTransientHttp(long status, std::string_view body) {
  if (status == 502 || status == 503 || status == 504) return true;
  if (status != 500) return false;
  std::string_view t = Trim(body);
  if (t.empty() || t.front() != '{') return true;
  auto j = ipfs_json::Parse(t);
  return !j.ok() || !j->is_object() || Str(*j, "Message").empty();
}

// An upload of `bytes` (a copy it owns), as an HTTP request body.
ByteSource UploadOf(std::string bytes) {
  std::size_t at = 0;
  return [bytes = std::move(bytes), at](char* buf, std::size_t cap) mutable -> Result<std::size_t> {
    std::size_t n = std::min(cap, bytes.size() - at);
    std::memcpy(buf, bytes.data() + at, n);
    at += n;
    return n;
  };
}

const auto kProgramStart = std::chrono::steady_clock::now();  // static init: about when the program started

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
Spec NotRepeatable(Spec s) {
  s.idempotent = false;
  return s;
}

Spec Small(std::string command, std::string_view subject, Args args) {
  Spec s;
  s.command = std::move(command);
  s.subject = std::string(subject);
  s.args = std::move(args);
  return s;
}

Status Missing(const Caller& c, const Spec& s, std::string_view what) {
  return Status::Failed(fmt::format("{}: the reply has no {}", c.Prefix(s), what));
}

}  // namespace

IpfsClient::IpfsClient(std::unique_ptr<HttpTransport> transport, IpfsOptions options)
    : transport_(std::move(transport)), options_(std::move(options)) {}

std::string IpfsClient::Address() const { return transport_->Describe(); }

Result<std::string> IpfsClient::Version() {
  Caller c(*transport_, options_);
  Spec s = Small("version", "", {});
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  std::string v = Str(j, "Version");
  if (v.empty()) return Missing(c, s, "Version");
  return v;
}

Result<PeerInfo> IpfsClient::Id() {
  Caller c(*transport_, options_);
  Spec s = Small("id", "", {});
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  PeerInfo p;
  p.id = Str(j, "ID");
  p.agent_version = Str(j, "AgentVersion");
  if (const Json* a = ipfs_json::Find(j, "Addresses"); a && a->is_array())
    for (const auto& e : *a)
      if (e.is_string()) p.addresses.push_back(e.get<std::string>());
  if (p.id.empty()) return Missing(c, s, "ID");
  return p;
}

Result<std::string> IpfsClient::ResolveName(std::string_view ipns_path) {
  Caller c(*transport_, options_);
  Spec s = Small("name/resolve", ipns_path, {{"arg", std::string(ipns_path)}, {"recursive", "true"}});
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  std::string p = Str(j, "Path");
  if (p.empty()) return Missing(c, s, "Path");
  return p;
}

Result<std::string> IpfsClient::ResolvePath(std::string_view ipfs_path) {
  Caller c(*transport_, options_);
  Spec s = Small("resolve", ipfs_path, {{"arg", std::string(ipfs_path)}});
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  std::string p = Str(j, "Path");
  if (p.empty()) return Missing(c, s, "Path");
  return p;
}

Result<FileStat> IpfsClient::Stat(std::string_view path) {
  Caller c(*transport_, options_);
  Spec s = Small("files/stat", path, {{"arg", std::string(path)}});
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  FileStat st;
  st.cid = Str(j, "Hash");
  st.type = Lower(Str(j, "Type"));
  if (st.type == "raw") st.type = "file";  // a single raw block is a file
  st.size = Num(j, "Size");
  st.cumulative_size = Num(j, "CumulativeSize");
  if (st.cid.empty()) return Missing(c, s, "Hash");
  if (st.type.empty()) return Missing(c, s, "Type");
  return st;
}

Result<std::vector<DirEntry>> IpfsClient::FilesLs(std::string_view mfs_path) {
  Caller c(*transport_, options_);
  Spec s = Small("files/ls", mfs_path, {{"arg", std::string(mfs_path)}, {"long", "true"}});
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  std::vector<DirEntry> out;
  const Json* entries = ipfs_json::Find(j, "Entries");
  if (!entries || entries->is_null()) return out;  // kubo: null for an empty directory
  if (!entries->is_array()) return Status::Failed(c.Prefix(s) + ": Entries is not a list");
  for (const auto& e : *entries) {
    if (!e.is_object()) continue;
    DirEntry d;
    d.name = Str(e, "Name");
    d.cid = Str(e, "Hash");
    d.size = Num(e, "Size");
    if (const Json* t = ipfs_json::Find(e, "Type")) {
      if (t->is_number()) {
        d.is_dir = Num(e, "Type") == 1;
      } else if (t->is_string()) {
        std::string ts = Lower(t->get<std::string>());
        d.is_dir = ts == "1" || ts == "directory" || ts == "dir";
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

Status IpfsClient::FilesMkdir(std::string_view mfs_path) {
  Caller c(*transport_, options_);
  return c.SendJson(Small("files/mkdir", mfs_path, {{"arg", std::string(mfs_path)}, {"parents", "true"}})).status();
}

Status IpfsClient::FilesCp(std::string_view from, std::string_view to) {
  Caller c(*transport_, options_);
  return c
      .SendJson(NotRepeatable(Small("files/cp", fmt::format("{} {}", from, to),
                                    {{"arg", std::string(from)}, {"arg", std::string(to)}, {"parents", "true"}})))
      .status();
}

Status IpfsClient::FilesWrite(std::string_view mfs_path, std::string_view data) {
  Caller c(*transport_, options_);
  Spec s = Small("files/write", mfs_path,
                 {{"arg", std::string(mfs_path)}, {"create", "true"}, {"parents", "true"}, {"truncate", "true"}});
  s.idempotent = false;
  s.upload = UploadOf(std::string(data));
  s.upload_name = "data";
  return c.SendJson(std::move(s)).status();
}

Result<std::string> IpfsClient::FilesRead(std::string_view mfs_path) {
  Caller c(*transport_, options_);
  ASSIGN_OR_RETURN(HttpResponse r, c.Send(Small("files/read", mfs_path, {{"arg", std::string(mfs_path)}})));
  return std::move(r.body);
}

Status IpfsClient::FilesMv(std::string_view from, std::string_view to) {
  Caller c(*transport_, options_);
  return c
      .SendJson(NotRepeatable(
          Small("files/mv", fmt::format("{} {}", from, to), {{"arg", std::string(from)}, {"arg", std::string(to)}})))
      .status();
}

Status IpfsClient::FilesRm(std::string_view mfs_path, bool recursive) {
  Caller c(*transport_, options_);
  Args args = {{"arg", std::string(mfs_path)}};
  if (recursive) args.emplace_back("recursive", "true");
  return c.SendJson(NotRepeatable(Small("files/rm", mfs_path, std::move(args)))).status();
}

Status IpfsClient::Cat(std::string_view path, std::uint64_t offset, std::optional<std::uint64_t> length,
                       const ByteSink& sink, const Progress& progress) {
  if (length && *length == 0) return Status::Ok();  // js-ipfs rejects length=0
  Caller c(*transport_, options_);
  Spec s = Small("cat", path, {{"arg", std::string(path)}, {"offset", std::to_string(offset)}});
  if (length) s.args.emplace_back("length", std::to_string(*length));
  s.transfer = true;
  std::uint64_t got = 0;
  s.on_body = [&](std::string_view chunk) -> Status {
    if (length && got + chunk.size() > *length) chunk = chunk.substr(0, *length - got);  // never more than asked
    if (chunk.empty()) return Status::Ok();
    got += chunk.size();
    RETURN_IF_ERROR(sink(chunk));
    if (progress) progress(got);
    return Status::Ok();
  };
  std::string prefix = c.Prefix(s);
  ASSIGN_OR_RETURN(HttpResponse r, c.Send(std::move(s)));

  // kubo announces the byte count of this reply (after offset and length).
  // Also accept a daemon that would announce the whole file's size instead.
  auto cl = r.headers.find("x-content-length");
  if (cl == r.headers.end()) return Status::Ok();
  std::optional<std::uint64_t> parsed = ipfs_json::ParseUint(cl->second);
  if (!parsed) return Status::Ok();  // unreadable: nothing to check against
  const std::uint64_t announced = *parsed;
  auto cap = [&](std::uint64_t n) { return length ? std::min(n, *length) : n; };
  std::uint64_t expected = cap(announced);
  if (got == expected) return Status::Ok();
  if (announced >= offset && got == cap(announced - offset)) return Status::Ok();
  if (got > expected) return Status::Ok();  // more than announced: nothing was lost
  return Status::Failed(fmt::format("{}: truncated: got {} of {} bytes", prefix, got, expected));
}

Result<std::string> IpfsClient::CatRange(std::string_view path, std::uint64_t offset, std::uint64_t length) {
  std::string out;
  RETURN_IF_ERROR(Cat(path, offset, length, [&](std::string_view chunk) {
    out.append(chunk);
    return Status::Ok();
  }));
  return out;
}

Result<IpfsClient::Added> IpfsClient::Add(std::string_view name, const ByteSource& source, const Progress& progress,
                                          std::string_view hold_name) {
  Caller c(*transport_, options_);
  std::string label(name.empty() ? "file" : name);
  const bool hold = !hold_name.empty();
  Spec s = Small("add", label,
                 {{"pin", hold ? "true" : "false"},
                  {"cid-version", std::to_string(options_.cid_version)},
                  {"raw-leaves", options_.raw_leaves ? "true" : "false"},
                  {"chunker", options_.chunker},
                  {"hash", options_.hash},
                  {"progress", "true"}});
  s.transfer = true;
  s.idempotent = false;  // the source cannot be rewound
  s.upload = source;
  s.upload_name = hold ? std::string(hold_name) : label;
  std::replace(s.upload_name.begin(), s.upload_name.end(), '/', '_');  // a part name, not a path
  // Both daemons make an implicit directory of the first path component.
  if (hold) s.upload_name = std::string(kHoldDir) + "/" + s.upload_name;
  std::string prefix = c.Prefix(s);
  Added added;
  std::string last_hash;
  RETURN_IF_ERROR(c.SendNdjson(std::move(s), [&](const Json& j) -> Status {
    if (!j.is_object()) return Status::Ok();
    if (std::string h = Str(j, "Hash"); !h.empty()) {
      std::string n = Str(j, "Name");
      if (!hold) {
        added.cid = std::move(h);  // the last one is the root
      } else if (n.find('/') != std::string::npos) {
        added.cid = std::move(h);  // "one-ipfs-hold/<hold_name>": the file
      } else {
        added.held_root = std::move(h);  // "one-ipfs-hold": the pinned wrapper
      }
    }
    if (ipfs_json::Find(j, "Bytes")) {
      added.bytes = Num(j, "Bytes");
      if (progress) progress(added.bytes);
    }
    return Status::Ok();
  }));
  if (added.cid.empty()) return Status::Failed(prefix + ": the reply named no CID");
  if (hold && added.held_root.empty()) return Status::Failed(prefix + ": the reply named no pinned wrapper directory");
  return added;
}

Result<std::string> IpfsClient::DagPutJson(std::string_view json) {
  Caller c(*transport_, options_);
  Spec s = Small("dag/put", "", {{"store-codec", "dag-cbor"}, {"input-codec", "dag-json"}, {"pin", "false"}});
  s.upload = UploadOf(std::string(json));
  s.upload_name = "hold.json";
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  const Json* cid = ipfs_json::Find(j, "Cid");
  if (cid && cid->is_object()) {
    std::string v = Str(*cid, "/");
    if (!v.empty()) return v;
  }
  return Missing(c, s, "Cid");
}

Result<std::string> IpfsClient::DagGetString(std::string_view path) {
  Caller c(*transport_, options_);
  Spec s = Small("dag/get", path, {{"arg", std::string(path)}});
  std::string prefix = c.Prefix(s);
  ASSIGN_OR_RETURN(HttpResponse r, c.Send(std::move(s)));
  // kubo answers dag-json ("\"text\""); js-ipfs 0.66 the bare text.
  std::string_view body = Trim(r.body);
  if (!body.empty() && body.front() == '"') {
    auto j = ipfs_json::Parse(body);
    if (j.ok() && j->is_string()) return j->get<std::string>();
  }
  if (body.empty() || body.front() == '{' || body.front() == '[') return Status::Failed(prefix + ": not a string");
  return std::string(body);
}

Result<std::vector<DirEntry>> IpfsClient::LsLinks(std::string_view cid) {
  Caller c(*transport_, options_);
  Spec s = Small("ls", cid, {{"arg", std::string(cid)}, {"resolve-type", "false"}, {"size", "false"}});
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  std::vector<DirEntry> out;
  const Json* objects = ipfs_json::Find(j, "Objects");
  if (!objects || !objects->is_array()) return out;
  for (const auto& o : *objects) {
    const Json* links = ipfs_json::Find(o, "Links");
    if (!links || !links->is_array()) continue;
    for (const auto& l : *links) {
      if (!l.is_object()) continue;
      DirEntry d;
      d.name = Str(l, "Name");
      d.cid = Str(l, "Hash");
      d.size = Num(l, "Size");
      out.push_back(std::move(d));
    }
  }
  return out;
}

Status IpfsClient::PinAdd(std::string_view cid, bool recursive, std::chrono::seconds limit) {
  Caller c(*transport_, options_);
  Spec s = Small("pin/add", cid, {{"arg", std::string(cid)}, {"recursive", recursive ? "true" : "false"}});
  s.limit = limit;
  return c.SendJson(std::move(s)).status();
}

Status IpfsClient::PinAddOffline(std::string_view cid, std::chrono::seconds limit) {
  Caller c(*transport_, options_);
  Spec s = Small("pin/add", cid, {{"arg", std::string(cid)}, {"recursive", "true"}, {"offline", "true"}});
  s.limit = limit;
  return c.SendJson(std::move(s)).status();
}

Result<bool> IpfsClient::PinRm(std::string_view cid) {
  Caller c(*transport_, options_);
  Status st = c.SendJson(Small("pin/rm", cid, {{"arg", std::string(cid)}, {"recursive", "true"}})).status();
  if (st.ok()) return true;
  if (ipfs_json::LooksNotPinned(st.message())) return false;
  return st;
}

Result<std::vector<std::string>> IpfsClient::PinLsRecursive() {
  Caller c(*transport_, options_);
  Spec s = Small("pin/ls", "", {{"type", "recursive"}});
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  return ipfs_json::PinKeys(j);
}

Result<std::vector<std::string>> IpfsClient::PinLsDirect() {
  Caller c(*transport_, options_);
  Spec s = Small("pin/ls", "", {{"type", "direct"}});
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  return ipfs_json::PinKeys(j);
}

Result<bool> IpfsClient::PinnedRecursively(std::string_view cid) {
  Caller c(*transport_, options_);
  Spec s = Small("pin/ls", cid, {{"arg", std::string(cid)}, {"type", "recursive"}});
  auto j = c.SendJson(s);
  if (!j.ok()) {
    if (ipfs_json::LooksNotPinned(j.status().message())) return false;
    return j.status();
  }
  return !ipfs_json::PinKeys(*j).empty();
}

Status IpfsClient::RefsLocal(std::string_view cid, std::chrono::seconds limit) {
  Caller c(*transport_, options_);
  Spec s = Small("refs", cid,
                 {{"arg", std::string(cid)}, {"recursive", "true"}, {"unique", "true"}, {"offline", "true"}});
  s.limit = limit;
  return c.SendNdjson(std::move(s), [](const Json&) { return Status::Ok(); });
}

Status IpfsClient::FetchAll(std::string_view cid, const Progress& progress_blocks) {
  Caller c(*transport_, options_);
  Spec s = Small("refs", cid, {{"arg", std::string(cid)}, {"recursive", "true"}, {"unique", "true"}});
  s.transfer = true;
  std::uint64_t blocks = 0;
  return c.SendNdjson(std::move(s), [&](const Json&) {
    ++blocks;
    if (progress_blocks) progress_blocks(blocks);
    return Status::Ok();
  });
}

Result<std::string> IpfsClient::DagPut(std::string_view codec, std::string_view bytes) {
  Caller c(*transport_, options_);
  Spec s = Small("dag/put", fmt::format("({} bytes of {})", bytes.size(), codec),
                 {{"store-codec", std::string(codec)},
                  {"input-codec", std::string(codec)},
                  {"hash", "sha2-256"},
                  {"pin", "false"}});
  s.upload = UploadOf(std::string(bytes));
  s.upload_name = "block";
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  std::string cid = Str(j, "Cid");
  if (cid.empty()) return Missing(c, s, "Cid");
  return cid;
}

Result<std::string> IpfsClient::BlockGet(std::string_view cid) {
  Caller c(*transport_, options_);
  ASSIGN_OR_RETURN(HttpResponse r, c.Send(Small("block/get", cid, {{"arg", std::string(cid)}})));
  return std::move(r.body);
}

Result<RepoStat> IpfsClient::GetRepoStat(bool size_only) {
  Caller c(*transport_, options_);
  Spec s = Small("repo/stat", "", {});
  if (size_only) s.args.emplace_back("size-only", "true");
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  if (!ipfs_json::Find(j, "RepoSize")) return Missing(c, s, "RepoSize");
  RepoStat st;
  st.repo_size = Num(j, "RepoSize");
  st.storage_max = Num(j, "StorageMax");
  st.num_objects = Num(j, "NumObjects");
  st.repo_path = Str(j, "RepoPath");
  return st;
}

Status IpfsClient::SwarmConnect(std::string_view multiaddr) {
  Caller c(*transport_, options_);
  return c.SendJson(Small("swarm/connect", multiaddr, {{"arg", std::string(multiaddr)}})).status();
}

Status IpfsClient::SwarmDisconnect(std::string_view multiaddr) {
  Caller c(*transport_, options_);
  return c.SendJson(Small("swarm/disconnect", multiaddr, {{"arg", std::string(multiaddr)}})).status();
}

Status IpfsClient::RepoGc() {
  Caller c(*transport_, options_);
  return c.SendNdjson(Small("repo/gc", "", {}), [](const Json&) { return Status::Ok(); });
}

Result<std::string> IpfsClient::Call(std::string_view command, std::vector<std::pair<std::string, std::string>> args) {
  Caller c(*transport_, options_);
  std::string subject;
  for (const auto& [k, v] : args)
    if (k == "arg") subject += (subject.empty() ? "" : " ") + v;
  ASSIGN_OR_RETURN(HttpResponse r, c.Send(NotRepeatable(Small(std::string(command), subject, std::move(args)))));
  return std::move(r.body);
}

Result<std::string> IpfsClient::Call(std::string_view command, std::vector<std::pair<std::string, std::string>> args,
                                     const CallOptions& how) {
  Caller c(*transport_, options_);
  std::string subject;
  for (const auto& [k, v] : args)
    if (k == "arg") subject += (subject.empty() ? "" : " ") + v;
  Spec s = Small(std::string(command), subject, std::move(args));
  s.limit = how.limit;
  s.idempotent = how.repeatable;
  ASSIGN_OR_RETURN(HttpResponse r, c.Send(s));
  return std::move(r.body);
}

}  // namespace oneipfs
