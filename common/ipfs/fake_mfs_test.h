// fake_mfs_test.h: a stateful fake daemon for unit tests of code that keeps
// state in MFS (a test-only header; *_test.* never enters the library).
//
// FakeMfsDaemon answers, from an in-memory MFS and block store, the calls
// the event chain and the catalog make: files/stat, files/ls, files/read,
// files/write, files/cp (from /ipfs/<cid>; refused when the destination
// exists, as kubo and js-ipfs refuse it), files/mv (a file or a directory
// tree; refused when the destination's parent is missing, as kubo does),
// files/rm, files/mkdir, dag/put
// (raw blocks get their real CIDv1: base32 of raw + sha2-256) and
// block/get. It is thread-safe, so tests can append from many threads.
// Errors come back as kubo writes them (HTTP 500 {"Message": ...}).
#pragma once

#include <openssl/sha.h>

#include <map>
#include <set>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/ipfs/canned_http_test.h"
#include "common/ipfs/cid.h"
#include "common/ipfs/http.h"

namespace oneipfs::testing {

class FakeMfsDaemon : public HttpTransport {
 public:
  std::string Describe() const override { return "http://fake-mfs:5001"; }

  static std::string RawCid(std::string_view bytes) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), d);
    std::vector<std::uint8_t> v = {0x01, 0x55, 0x12, 0x20};
    v.insert(v.end(), d, d + sizeof d);
    return "b" + Base32LowerEncode(v);
  }
  // Puts a block directly (as another writer of the daemon would).
  std::string PutBlock(std::string bytes) {
    std::lock_guard<std::mutex> l(mu_);
    std::string cid = RawCid(bytes);
    blocks_[cid] = std::move(bytes);
    return cid;
  }
  // Points MFS `path` at block `cid` (replacing what is there), for tampering.
  void Link(const std::string& path, const std::string& cid) {
    std::lock_guard<std::mutex> l(mu_);
    files_[path] = cid;
  }
  std::size_t calls(const std::string& command) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = calls_.find(command);
    return it == calls_.end() ? 0 : it->second;
  }

  Result<HttpResponse> Post(const HttpRequest& r) override {
    std::string upload;
    if (r.upload) {
      char buf[65536];
      for (;;) {
        auto n = r.upload(buf, sizeof buf);
        if (!n.ok()) return n.status();
        if (*n == 0) break;
        upload.append(buf, *n);
      }
    }
    std::lock_guard<std::mutex> l(mu_);
    std::string cmd = r.path.substr(std::string("/api/v0/").size());
    ++calls_[cmd];
    auto args = Args(r);
    auto missing = [] { return NotFound(); };
    auto parent_of = [](const std::string& p) { return p.substr(0, p.rfind('/')); };
    if (cmd == "dag/put") {
      std::string cid = RawCid(upload);
      blocks_[cid] = upload;
      return Ok(nlohmann::json{{"Cid", {{"/", cid}}}}.dump());
    }
    if (cmd == "block/get") {
      auto it = blocks_.find(args.at(0));
      return it == blocks_.end() ? missing() : Ok(it->second);
    }
    if (cmd == "files/cp") {
      std::string from = args.at(0), to = args.at(1);
      if (from.rfind("/ipfs/", 0) != 0) return Reply(400, R"({"Message":"fake: only /ipfs/ sources"})");
      std::string cid = from.substr(6);
      if (!blocks_.count(cid)) return missing();
      if (files_.count(to) || IsDir(to))
        return Reply(500, R"({"Message":"directory already has entry by that name","Code":0,"Type":"error"})");
      MakeDirs(parent_of(to));
      files_[to] = cid;
      return Ok("");
    }
    if (cmd == "files/write") {
      std::string cid = RawCid(upload);
      blocks_[cid] = upload;
      MakeDirs(parent_of(args.at(0)));
      files_[args.at(0)] = cid;
      return Ok("");
    }
    if (cmd == "files/read") {
      auto it = files_.find(args.at(0));
      return it == files_.end() ? missing() : Ok(blocks_[it->second]);
    }
    if (cmd == "files/mkdir") {
      MakeDirs(args.at(0));
      return Ok("");
    }
    if (cmd == "files/rm") {
      std::string p = args.at(0);
      bool found = files_.erase(p) > 0;
      if (IsDir(p)) {
        found = true;
        dirs_.erase(p);
        for (auto it = files_.begin(); it != files_.end();)
          it = it->first.rfind(p + "/", 0) == 0 ? files_.erase(it) : std::next(it);
        for (auto it = dirs_.begin(); it != dirs_.end();)
          it = it->rfind(p + "/", 0) == 0 ? dirs_.erase(it) : std::next(it);
      }
      return found ? Ok("") : missing();
    }
    if (cmd == "files/mv") {
      std::string from = args.at(0), to = args.at(1);
      if (!files_.count(from) && !IsDir(from)) return missing();
      if (!IsDir(parent_of(to))) return missing();
      if (files_.count(to) || IsDir(to))
        return Reply(500, R"({"Message":"directory already has entry by that name","Code":0,"Type":"error"})");
      if (auto it = files_.find(from); it != files_.end()) {
        files_[to] = it->second;
        files_.erase(it);
        return Ok("");
      }
      std::map<std::string, std::string> moved_files;
      for (auto it = files_.begin(); it != files_.end();) {
        if (it->first.rfind(from + "/", 0) == 0) {
          moved_files[to + it->first.substr(from.size())] = it->second;
          it = files_.erase(it);
        } else {
          ++it;
        }
      }
      std::set<std::string> moved_dirs;
      for (auto it = dirs_.begin(); it != dirs_.end();) {
        if (*it == from || it->rfind(from + "/", 0) == 0) {
          moved_dirs.insert(to + it->substr(from.size()));
          it = dirs_.erase(it);
        } else {
          ++it;
        }
      }
      files_.insert(moved_files.begin(), moved_files.end());
      dirs_.insert(moved_dirs.begin(), moved_dirs.end());
      return Ok("");
    }
    if (cmd == "files/stat") {
      std::string p = args.at(0);
      if (auto it = files_.find(p); it != files_.end())
        return Ok(nlohmann::json{{"Hash", it->second}, {"Type", "file"}, {"Size", blocks_[it->second].size()},
                                 {"CumulativeSize", blocks_[it->second].size()}}
                      .dump());
      if (IsDir(p)) return Ok(R"({"Hash":"QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn","Type":"directory","Size":0})");
      return missing();
    }
    if (cmd == "files/ls") {
      std::string p = args.at(0);
      if (!IsDir(p)) return missing();
      nlohmann::json entries = nlohmann::json::array();
      for (const auto& [path, cid] : files_)
        if (parent_of(path) == p)
          entries.push_back({{"Name", path.substr(p.size() + 1)}, {"Type", 0}, {"Size", blocks_[cid].size()},
                             {"Hash", cid}});
      for (const auto& d : dirs_)
        if (parent_of(d) == p) entries.push_back({{"Name", d.substr(p.size() + 1)}, {"Type", 1}, {"Size", 0}, {"Hash", ""}});
      return Ok(nlohmann::json{{"Entries", entries}}.dump());
    }
    return Reply(404, "404 page not found");
  }

 private:
  bool IsDir(const std::string& p) const { return p == "/" || dirs_.count(p) > 0; }
  void MakeDirs(const std::string& p) {
    for (size_t i = 1; i <= p.size(); ++i)
      if (i == p.size() || p[i] == '/') dirs_.insert(p.substr(0, i));
  }
  mutable std::mutex mu_;
  std::map<std::string, std::string> files_;   // MFS file path -> block CID
  std::set<std::string> dirs_;
  std::map<std::string, std::string> blocks_;  // CID -> bytes
  std::map<std::string, std::size_t> calls_;
};

}  // namespace oneipfs::testing
