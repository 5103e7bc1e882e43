// canned_http_test.h: the fake daemon of unit tests that script one reply per
// request, in order (a test-only header; *_test.* never enters the library).
//
// CannedTransport answers each request with the next reply and records the
// request; a request beyond the script fails the test. The reply bodies each
// test writes stand for kubo's (core/commands/files.go): files/ls
// {"Entries":[{"Name","Type","Size","Hash"}]} (Type 0 file, 1 directory),
// files/read the file's bytes, files/write, files/mkdir, files/mv and files/rm
// an empty body, a missing path error 500 {"Message":"file does not exist"}
// (NotFound). Tests with routing by command use gc_guard_test.cc's fake.
// LockFile, RunningGc and LockProbe check that MFS writes hold IPFS_MFS_LOCK.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "common/ipfs/http.h"
#include "common/ipfs/ipfs.h"

namespace oneipfs::testing {

class CannedTransport : public HttpTransport {
 public:
  explicit CannedTransport(std::deque<HttpResponse> replies) : replies_(std::move(replies)) {}
  std::string Describe() const override { return "http://fake:5001"; }
  Result<HttpResponse> Post(const HttpRequest& r) override {
    requests.push_back(r);
    REQUIRE_MESSAGE(!replies_.empty(), "unexpected request " << r.path);
    HttpResponse resp = replies_.front();
    replies_.pop_front();
    return resp;
  }
  std::vector<HttpRequest> requests;
  std::size_t unused() const { return replies_.size(); }  // replies nobody asked for

 private:
  std::deque<HttpResponse> replies_;
};

inline HttpResponse Reply(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}
inline HttpResponse Ok(std::string body) { return Reply(200, std::move(body)); }
inline HttpResponse NotFound() { return Reply(500, R"({"Message":"file does not exist","Code":0,"Type":"error"})"); }

// kubo's swarm/connect and swarm/disconnect reply {"Strings":[...]}; a dial
// that fails is an error 500 (core/commands/swarm.go).
inline HttpResponse SwarmConnected() { return Ok(R"({"Strings":["connect ok"]})"); }
inline HttpResponse SwarmDialFailed() {
  return Reply(500, R"({"Message":"failure: dial refused","Code":0,"Type":"error"})");
}
// swarm/peers as kubo and js-ipfs 0.66 reply: {"Peers":[{"Addr":..,"Peer":..}]}
// (peer id, address).
inline HttpResponse SwarmPeersReply(const std::vector<std::pair<std::string, std::string>>& peers) {
  std::string body = R"({"Peers":[)";
  for (std::size_t i = 0; i < peers.size(); ++i)
    body += (i ? "," : "") + std::string(R"({"Addr":")") + peers[i].second + R"(","Peer":")" + peers[i].first + "\"}";
  return Ok(body + "]}");
}

// Every "arg" of a request, and the first one ("" when none).
inline std::vector<std::string> Args(const HttpRequest& r) {
  std::vector<std::string> out;
  for (const auto& [k, v] : r.query)
    if (k == "arg") out.push_back(v);
  return out;
}
inline std::string Arg(const HttpRequest& r) {
  auto a = Args(r);
  return a.empty() ? "" : a.front();
}

// A scratch IPFS_MFS_LOCK file, removed at the end.
struct LockFile {
  LockFile() {
    char tmpl[] = "/tmp/one-ipfs-lock-XXXXXX";
    int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = tmpl;
  }
  ~LockFile() { ::unlink(path.c_str()); }
  // Whether a `flock <file> ipfs repo gc` could start now (exclusive lock free).
  bool GcCouldRun() const {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    return free;
  }
  // Client options whose MFS writes take this lock, waiting up to `wait`.
  IpfsOptions Options(std::chrono::seconds wait) const {
    IpfsOptions o;
    o.mfs_lock = path;
    o.timeout = wait;
    return o;
  }
  std::string path;
};

// `flock <file> ipfs repo gc` running: the exclusive lock, held until destroyed.
class RunningGc {
 public:
  explicit RunningGc(const LockFile& lock) : fd_(::open(lock.path.c_str(), O_RDONLY | O_CLOEXEC)) {
    REQUIRE(fd_ >= 0);
    REQUIRE(::flock(fd_, LOCK_EX | LOCK_NB) == 0);
  }
  ~RunningGc() { ::close(fd_); }
  RunningGc(const RunningGc&) = delete;
  RunningGc& operator=(const RunningGc&) = delete;

 private:
  int fd_;
};

// CannedTransport that notes, for every request, whether a GC under the
// exclusive IPFS_MFS_LOCK could have run while the daemon worked on it.
class LockProbe : public CannedTransport {
 public:
  LockProbe(std::deque<HttpResponse> replies, const LockFile& lock) : CannedTransport(std::move(replies)), lock_(lock) {}
  Result<HttpResponse> Post(const HttpRequest& r) override {
    gc_could_run.push_back(lock_.GcCouldRun());
    return CannedTransport::Post(r);
  }
  // Checks that every request to one of `writes` (e.g. "/api/v0/files/rm")
  // ran while no GC could; returns how many such requests there were.
  int CheckWritesHeldLock(const std::vector<std::string>& writes) const {
    REQUIRE(gc_could_run.size() == requests.size());
    int n = 0;
    for (size_t i = 0; i < requests.size(); ++i) {
      const std::string& path = requests[i].path;
      if (std::find(writes.begin(), writes.end(), path) == writes.end()) continue;
      ++n;
      CHECK_MESSAGE(!gc_could_run[i], "request " << i << " " << path << " ran without the shared lock");
    }
    return n;
  }
  std::vector<bool> gc_could_run;

 private:
  const LockFile& lock_;
};

}  // namespace oneipfs::testing
