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
//
// For the marketplace (published trees, IPNS): an MFS directory's CID
// (files/stat) names a snapshot of it, so /ipfs/<dir CID>[/sub] paths are
// immutable as on a daemon: files/stat, ls (links), cat (offset, length) and
// files/cp (a whole directory) read them; files/mv moves a file or a
// directory; key/gen (an ed25519 key with a real peer id: "12D3KooW..."),
// key/list (each key twice when list_keys_twice, as js-ipfs 0.66 lists them),
// name/publish and name/resolve (kubo's "could not resolve name" for a name
// never published; a name in `silent_names` times out); pin/add, pin/rm and
// refs answer success (content here is always local).
#pragma once

#include <openssl/sha.h>

#include <map>
#include <optional>
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
  // What /ipns/<name> resolves to here (as another publisher's daemon gave it).
  void SetName(const std::string& name, const std::string& value) {
    std::lock_guard<std::mutex> l(mu_);
    names_[name] = value;
  }
  std::size_t publishes() const {
    std::lock_guard<std::mutex> l(mu_);
    return publishes_;
  }
  bool list_keys_twice = false;
  std::set<std::string> silent_names;  // name/resolve of these times out
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
      if (auto snap = Resolve(from); snap && snap->dir) {  // a directory of a snapshot
        if (files_.count(to) || IsDir(to))
          return Reply(500, R"({"Message":"directory already has entry by that name","Code":0,"Type":"error"})");
        MakeDirs(to);
        for (const auto& [rel, c] : snap->files) files_[to + "/" + rel] = c;
        for (const auto& d : snap->dirs) MakeDirs(to + "/" + d);
        return Ok("");
      }
      std::string cid = from.substr(6);
      if (auto snap = Resolve(from); snap && !snap->dir) cid = snap->file;
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
      if (p.rfind("/ipfs/", 0) == 0) {
        auto snap = Resolve(p);
        if (!snap) return missing();
        if (snap->dir) return Ok(nlohmann::json{{"Hash", snap->cid}, {"Type", "directory"}, {"Size", 0}}.dump());
        return Ok(nlohmann::json{{"Hash", snap->file}, {"Type", "file"}, {"Size", blocks_[snap->file].size()},
                                 {"CumulativeSize", blocks_[snap->file].size()}}
                      .dump());
      }
      if (auto it = files_.find(p); it != files_.end())
        return Ok(nlohmann::json{{"Hash", it->second}, {"Type", "file"}, {"Size", blocks_[it->second].size()},
                                 {"CumulativeSize", blocks_[it->second].size()}}
                      .dump());
      if (IsDir(p)) return Ok(nlohmann::json{{"Hash", SnapshotOf(p)}, {"Type", "directory"}, {"Size", 0}}.dump());
      return missing();
    }
    if (cmd == "files/mv") {
      std::string from = args.at(0), to = args.at(1);
      if (files_.count(to) || IsDir(to)) return Reply(500, R"({"Message":"directory already has entry by that name"})");
      if (auto it = files_.find(from); it != files_.end()) {
        MakeDirs(parent_of(to));
        files_[to] = it->second;
        files_.erase(it);
        return Ok("");
      }
      if (!IsDir(from) || from == "/") return missing();
      MakeDirs(to);
      std::map<std::string, std::string> moved;
      for (auto it = files_.begin(); it != files_.end();) {
        if (it->first.rfind(from + "/", 0) == 0) {
          moved[to + it->first.substr(from.size())] = it->second;
          it = files_.erase(it);
        } else {
          ++it;
        }
      }
      std::set<std::string> dirs;
      for (auto it = dirs_.begin(); it != dirs_.end();) {
        if (*it == from || it->rfind(from + "/", 0) == 0) {
          dirs.insert(to + it->substr(from.size()));
          it = dirs_.erase(it);
        } else {
          ++it;
        }
      }
      files_.insert(moved.begin(), moved.end());
      dirs_.insert(dirs.begin(), dirs.end());
      return Ok("");
    }
    if (cmd == "ls") {
      auto snap = Resolve(args.at(0));
      if (!snap) return missing();
      nlohmann::json links = nlohmann::json::array();
      if (snap->dir) {
        std::set<std::string> seen;
        for (const auto& [rel, c] : snap->files)
          if (rel.find('/') == std::string::npos) links.push_back({{"Name", rel}, {"Hash", c}, {"Size", blocks_[c].size()}, {"Type", 2}});
        for (const auto& d : snap->dirs)
          if (d.find('/') == std::string::npos)
            links.push_back({{"Name", d}, {"Hash", Resolve("/ipfs/" + snap->cid + "/" + d)->cid}, {"Size", 0}, {"Type", 1}});
      }
      return Ok(nlohmann::json{{"Objects", {{{"Hash", args.at(0)}, {"Links", links}}}}}.dump());
    }
    if (cmd == "cat") {
      auto snap = Resolve(args.at(0));
      if (!snap) return missing();
      if (snap->dir) return Reply(500, R"({"Message":"this dag node is a directory"})");
      std::string bytes = blocks_[snap->file];
      std::size_t offset = 0, length = std::string::npos;
      for (const auto& [k, v] : r.query) {
        if (k == "offset") offset = std::stoul(v);
        if (k == "length") length = std::stoul(v);
      }
      HttpResponse resp = Ok(offset < bytes.size() ? bytes.substr(offset, length) : "");
      if (r.on_body) {
        if (Status st = r.on_body(resp.body); !st.ok()) return st;
        resp.body.clear();
      }
      return resp;
    }
    if (cmd == "key/gen") {
      std::string name = args.at(0);
      if (keys_.count(name))
        return Reply(500, nlohmann::json{{"Message", "key with name '" + name + "' already exists"}, {"Code", 0},
                                         {"Type", "error"}}
                              .dump());
      keys_[name] = PeerIdOf(name);
      return Ok(nlohmann::json{{"Name", name}, {"Id", keys_[name]}}.dump());
    }
    if (cmd == "key/list") {
      nlohmann::json keys = nlohmann::json::array();
      for (const auto& [n, id] : keys_)
        for (int i = 0; i < (list_keys_twice ? 2 : 1); ++i) keys.push_back({{"Name", n}, {"Id", id}});
      return Ok(nlohmann::json{{"Keys", keys}}.dump());
    }
    if (cmd == "name/publish") {
      std::string key;
      for (const auto& [k, v] : r.query)
        if (k == "key") key = v;
      if (!keys_.count(key)) return Reply(500, R"({"Message":"no key by the given name was found"})");
      names_[keys_[key]] = args.at(0);
      ++publishes_;
      return Ok(nlohmann::json{{"Name", keys_[key]}, {"Value", args.at(0)}}.dump());
    }
    if (cmd == "name/resolve") {
      std::string name = args.at(0).substr(std::string("/ipns/").size());
      if (silent_names.count(name)) return Status::Timeout("fake: no answer for " + name);
      auto it = names_.find(name);
      if (it == names_.end()) return Reply(500, R"({"Message":"could not resolve name","Code":0,"Type":"error"})");
      return Ok(nlohmann::json{{"Path", it->second}}.dump());
    }
    if (cmd == "pin/add" || cmd == "pin/rm") return Ok(R"({"Pins":[]})");
    if (cmd == "refs") return Ok("");
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
  // A directory's snapshot: its files and directories, relative.
  struct Snap {
    bool dir = true;
    std::string cid;   // of the directory
    std::string file;  // !dir: the file's block CID
    std::map<std::string, std::string> files;
    std::set<std::string> dirs;
  };
  // The CID of MFS directory `p` now, its snapshot (and its subdirectories') kept.
  std::string SnapshotOf(const std::string& p) {
    Snap s;
    std::string text;
    for (const auto& [path, cid] : files_)
      if (path.rfind(p + "/", 0) == 0) s.files[path.substr(p.size() + 1)] = cid;
    for (const auto& d : dirs_)
      if (d.rfind(p + "/", 0) == 0) s.dirs.insert(d.substr(p.size() + 1));
    for (const auto& [rel, cid] : s.files) text += "f " + rel + " " + cid + "\n";
    for (const auto& d : s.dirs) text += "d " + d + "\n";
    s.cid = RawCid("fake-dir\n" + text);
    for (const auto& d : s.dirs) SnapshotOf(p + "/" + d);
    snaps_[s.cid] = s;
    return s.cid;
  }
  // /ipfs/<cid>[/sub] of a snapshot or a block.
  std::optional<Snap> Resolve(const std::string& path) {
    if (path.rfind("/ipfs/", 0) != 0) return std::nullopt;
    std::string rest = path.substr(6);
    std::string root = rest.substr(0, rest.find('/'));
    std::string sub = rest.size() > root.size() ? rest.substr(root.size() + 1) : "";
    auto it = snaps_.find(root);
    if (it == snaps_.end()) {
      if (!sub.empty() || !blocks_.count(root)) return std::nullopt;
      Snap f;
      f.dir = false;
      f.file = root;
      return f;
    }
    if (sub.empty()) return it->second;
    const Snap& s = it->second;
    if (auto f = s.files.find(sub); f != s.files.end()) {
      Snap out;
      out.dir = false;
      out.file = f->second;
      return out;
    }
    if (!s.dirs.count(sub)) return std::nullopt;
    Snap out;
    for (const auto& [rel, cid] : s.files)
      if (rel.rfind(sub + "/", 0) == 0) out.files[rel.substr(sub.size() + 1)] = cid;
    for (const auto& d : s.dirs)
      if (d.rfind(sub + "/", 0) == 0) out.dirs.insert(d.substr(sub.size() + 1));
    std::string text;
    for (const auto& [rel, cid] : out.files) text += "f " + rel + " " + cid + "\n";
    for (const auto& d : out.dirs) text += "d " + d + "\n";
    out.cid = RawCid("fake-dir\n" + text);
    snaps_[out.cid] = out;
    return out;
  }
  // A real libp2p peer id (identity multihash of an ed25519 public key).
  static std::string PeerIdOf(const std::string& name) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(), d);
    std::vector<std::uint8_t> v = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};
    v.insert(v.end(), d, d + sizeof d);
    return Base58btcEncode(v);
  }
  std::map<std::string, Snap> snaps_;
  std::map<std::string, std::string> keys_, names_;
  std::size_t publishes_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::string> files_;   // MFS file path -> block CID
  std::set<std::string> dirs_;
  std::map<std::string, std::string> blocks_;  // CID -> bytes
  std::map<std::string, std::size_t> calls_;
};

// A transport of its own over a shared fake daemon: one client per thread
// (IpfsClient is not shared between threads), one daemon behind them all.
struct ForwardTo : HttpTransport {
  explicit ForwardTo(FakeMfsDaemon& d) : d(d) {}
  Result<HttpResponse> Post(const HttpRequest& r) override { return d.Post(r); }
  std::string Describe() const override { return d.Describe(); }
  FakeMfsDaemon& d;
};

// A client of `d` with a 5 s timeout.
inline std::unique_ptr<IpfsClient> FakeClientOf(FakeMfsDaemon& d) {
  IpfsOptions o;
  o.timeout = std::chrono::seconds(5);
  return std::make_unique<IpfsClient>(std::make_unique<ForwardTo>(d), o);
}

}  // namespace oneipfs::testing
