#include "common/ipfs.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace oneipfs {
namespace {

using json = nlohmann::json;
using Args = std::vector<std::pair<std::string, std::string>>;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool LooksNotFound(const std::string& msg) {
  std::string m = Lower(msg);
  for (const char* k : {"does not exist", "not found", "no link named", "no such file", "file does not exist"})
    if (m.find(k) != std::string::npos) return true;
  return false;
}

// Number that may be a JSON number or a string of digits.
std::uint64_t Num(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return 0;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer()) return static_cast<std::uint64_t>(std::max<std::int64_t>(0, it->get<std::int64_t>()));
  if (it->is_number_float()) return static_cast<std::uint64_t>(it->get<double>());
  if (it->is_string()) {
    try {
      return std::stoull(it->get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : "";
}

// The error text of a failed reply: JSON Message, or the plain body.
std::string ErrorText(const std::string& body) {
  try {
    auto j = json::parse(body);
    if (j.is_object() && j.contains("Message")) return Str(j, "Message");
  } catch (...) {
  }
  std::string t = body;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  if (t.size() > 300) t = t.substr(0, 300) + "...";
  return t.empty() ? "no error message" : t;
}

// Calls `on_line` for each complete NDJSON line in `buffer`, keeping the rest.
Status DrainLines(std::string& buffer, const std::function<Status(const json&)>& on_line) {
  size_t start = 0;
  for (;;) {
    size_t nl = buffer.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view line(buffer.data() + start, nl - start);
    start = nl + 1;
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
    json j;
    try {
      j = json::parse(line);
    } catch (const std::exception& e) {
      return Status::Failed(fmt::format("unreadable reply line: {}", e.what()));
    }
    if (j.is_object()) {
      if (Str(j, "Type") == "error" && j.contains("Message")) return Status::Failed(Str(j, "Message"));
      if (!Str(j, "Err").empty()) return Status::Failed(Str(j, "Err"));
    }
    RETURN_IF_ERROR(on_line(j));
  }
  buffer.erase(0, start);
  return Status::Ok();
}

}  // namespace

IpfsClient::IpfsClient(std::unique_ptr<HttpTransport> transport, IpfsOptions options)
    : transport_(std::move(transport)), options_(std::move(options)) {}

std::string IpfsClient::Address() const { return transport_->Describe(); }

namespace {

struct Call {
  std::string command;
  std::string subject;  // for messages: the main argument
};

}  // namespace

// Sends one command; non-2xx, transport failures and trailers become Status
// with a message naming the daemon, the command and its argument.
static Result<HttpResponse> Send(HttpTransport& t, const IpfsOptions& o, const Call& call, Args args,
                                 bool streaming, const std::function<Status(std::string_view)>& on_body,
                                 const ByteSource& upload = nullptr, const std::string& upload_name = "file") {
  HttpRequest req;
  req.path = "/api/v0/" + call.command;
  req.query = std::move(args);
  req.query.emplace_back("timeout", fmt::format("{}s", o.timeout.count()));
  if (streaming) req.stall_timeout = o.timeout;
  else req.total_timeout = o.timeout + std::chrono::seconds(5);
  req.on_body = on_body;
  req.upload = upload;
  req.upload_name = upload_name;
  std::string what = call.subject.empty() ? call.command : fmt::format("{} {}", call.command, call.subject);
  auto r = t.Post(req);
  if (!r.ok()) {
    const Status& st = r.status();
    switch (st.code()) {
      case Status::Code::kUnavailable:
        return Status::Unavailable(fmt::format("IPFS daemon at {} is not reachable ({})", t.Describe(), st.message()));
      case Status::Code::kTimeout:
        return Status::Timeout(fmt::format("IPFS daemon at {} did not answer {} within {} s", t.Describe(), what,
                                           o.timeout.count()));
      case Status::Code::kIo:
        return Status::Io(fmt::format("IPFS daemon at {}: {}: {}", t.Describe(), what, st.message()));
      default:
        return st;  // a callback's own status (sink/source failure)
    }
  }
  if (r->status < 200 || r->status >= 300) {
    std::string msg = ErrorText(r->body);
    std::string full = fmt::format("IPFS daemon at {}: {}: {}", t.Describe(), what, msg);
    if (Lower(msg).find("context deadline exceeded") != std::string::npos ||
        Lower(msg).find("timed out") != std::string::npos || Lower(msg).find("timeout") != std::string::npos)
      return Status::Timeout(fmt::format("IPFS daemon at {} did not answer {} within {} s ({})", t.Describe(), what,
                                         o.timeout.count(), msg));
    if (LooksNotFound(msg)) return Status::NotFound(full);
    return Status::Failed(full);
  }
  if (!r->stream_error.empty())
    return Status::Failed(fmt::format("IPFS daemon at {}: {}: {}", t.Describe(), what, r->stream_error));
  return r;
}

static Result<json> SendJson(HttpTransport& t, const IpfsOptions& o, const Call& call, Args args) {
  ASSIGN_OR_RETURN(HttpResponse r, Send(t, o, call, std::move(args), false, nullptr));
  try {
    if (r.body.find_first_not_of(" \r\n\t") == std::string::npos) return json::object();
    return json::parse(r.body);
  } catch (const std::exception& e) {
    return Status::Failed(fmt::format("IPFS daemon at {}: {}: unreadable reply ({})", t.Describe(), call.command,
                                      e.what()));
  }
}

Result<std::string> IpfsClient::Version() {
  ASSIGN_OR_RETURN(json j, SendJson(*transport_, options_, {"version", ""}, {}));
  return Str(j, "Version");
}

Result<PeerInfo> IpfsClient::Id() {
  ASSIGN_OR_RETURN(json j, SendJson(*transport_, options_, {"id", ""}, {}));
  PeerInfo p;
  p.id = Str(j, "ID");
  p.agent_version = Str(j, "AgentVersion");
  if (j.contains("Addresses") && j["Addresses"].is_array())
    for (const auto& a : j["Addresses"])
      if (a.is_string()) p.addresses.push_back(a.get<std::string>());
  if (p.id.empty()) return Status::Failed(fmt::format("IPFS daemon at {}: id: no ID in the reply", Address()));
  return p;
}

Result<std::string> IpfsClient::ResolveName(std::string_view ipns_path) {
  ASSIGN_OR_RETURN(json j, SendJson(*transport_, options_, {"name/resolve", std::string(ipns_path)},
                                    {{"arg", std::string(ipns_path)}, {"recursive", "true"}}));
  std::string p = Str(j, "Path");
  if (p.empty()) return Status::Failed(fmt::format("IPFS daemon at {}: name/resolve {}: empty reply", Address(), ipns_path));
  return p;
}

Result<std::string> IpfsClient::ResolvePath(std::string_view ipfs_path) {
  ASSIGN_OR_RETURN(json j, SendJson(*transport_, options_, {"resolve", std::string(ipfs_path)},
                                    {{"arg", std::string(ipfs_path)}}));
  return Str(j, "Path");
}

Result<FileStat> IpfsClient::Stat(std::string_view path) {
  ASSIGN_OR_RETURN(json j, SendJson(*transport_, options_, {"files/stat", std::string(path)},
                                    {{"arg", std::string(path)}}));
  FileStat s;
  s.cid = Str(j, "Hash");
  s.type = Lower(Str(j, "Type"));
  s.size = Num(j, "Size");
  s.cumulative_size = Num(j, "CumulativeSize");
  if (s.cid.empty()) return Status::Failed(fmt::format("IPFS daemon at {}: files/stat {}: no Hash in the reply", Address(), path));
  if (s.type == "raw") s.type = "file";
  return s;
}

Result<std::vector<DirEntry>> IpfsClient::FilesLs(std::string_view mfs_path) {
  ASSIGN_OR_RETURN(json j, SendJson(*transport_, options_, {"files/ls", std::string(mfs_path)},
                                    {{"arg", std::string(mfs_path)}, {"long", "true"}}));
  std::vector<DirEntry> out;
  auto it = j.find("Entries");
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& e : *it) {
    DirEntry d;
    d.name = Str(e, "Name");
    d.cid = Str(e, "Hash");
    d.size = Num(e, "Size");
    auto t = e.find("Type");
    if (t != e.end()) {
      if (t->is_number()) d.is_dir = t->get<int>() == 1;
      else if (t->is_string()) d.is_dir = Lower(t->get<std::string>()) == "directory" || t->get<std::string>() == "1";
    }
    out.push_back(std::move(d));
  }
  return out;
}

Status IpfsClient::FilesMkdir(std::string_view p) {
  return SendJson(*transport_, options_, {"files/mkdir", std::string(p)}, {{"arg", std::string(p)}, {"parents", "true"}})
      .status();
}

Status IpfsClient::FilesCp(std::string_view from, std::string_view to) {
  return SendJson(*transport_, options_, {"files/cp", fmt::format("{} {}", from, to)},
                  {{"arg", std::string(from)}, {"arg", std::string(to)}, {"parents", "true"}})
      .status();
}

Status IpfsClient::FilesMv(std::string_view from, std::string_view to) {
  return SendJson(*transport_, options_, {"files/mv", fmt::format("{} {}", from, to)},
                  {{"arg", std::string(from)}, {"arg", std::string(to)}})
      .status();
}

Status IpfsClient::FilesRm(std::string_view p, bool recursive) {
  Args args = {{"arg", std::string(p)}};
  if (recursive) args.emplace_back("recursive", "true");
  return SendJson(*transport_, options_, {"files/rm", std::string(p)}, std::move(args)).status();
}

Status IpfsClient::Cat(std::string_view path, std::uint64_t offset, std::optional<std::uint64_t> length,
                       const ByteSink& sink, const Progress& progress) {
  Args args = {{"arg", std::string(path)}};
  if (offset > 0) args.emplace_back("offset", std::to_string(offset));
  if (length) args.emplace_back("length", std::to_string(*length));
  std::uint64_t got = 0;
  auto r = Send(*transport_, options_, {"cat", std::string(path)}, std::move(args), true,
                [&](std::string_view chunk) -> Status {
                  if (length && got + chunk.size() > *length) chunk = chunk.substr(0, *length - got);
                  got += chunk.size();
                  RETURN_IF_ERROR(sink(chunk));
                  if (progress) progress(got);
                  return Status::Ok();
                });
  if (!r.ok()) return r.status();
  auto cl = r->headers.find("x-content-length");
  if (!length && cl != r->headers.end()) {
    std::uint64_t total = 0;
    try {
      total = std::stoull(cl->second);
    } catch (...) {
      total = 0;
    }
    if (total > offset && got != total - offset)
      return Status::Failed(fmt::format("IPFS daemon at {}: cat {}: truncated: got {} of {} bytes", Address(), path,
                                        got, total - offset));
  }
  return Status::Ok();
}

Result<std::string> IpfsClient::CatRange(std::string_view path, std::uint64_t offset, std::uint64_t length) {
  std::string out;
  RETURN_IF_ERROR(Cat(path, offset, length, [&](std::string_view c) {
    out.append(c);
    return Status::Ok();
  }));
  return out;
}

Result<IpfsClient::Added> IpfsClient::Add(std::string_view name, const ByteSource& source, const Progress& progress) {
  Args args = {{"pin", "false"},
               {"cid-version", std::to_string(options_.cid_version)},
               {"raw-leaves", options_.raw_leaves ? "true" : "false"},
               {"chunker", options_.chunker},
               {"hash", options_.hash},
               {"progress", "true"}};
  Added added;
  std::string buffer;
  auto on_line = [&](const json& j) -> Status {
    if (!j.is_object()) return Status::Ok();
    std::string hash = Str(j, "Hash");
    if (!hash.empty()) added.cid = hash;
    if (j.contains("Bytes")) {
      added.bytes = Num(j, "Bytes");
      if (progress) progress(added.bytes);
    }
    return Status::Ok();
  };
  std::string label(name.empty() ? "file" : name);
  auto r = Send(*transport_, options_, {"add", label}, std::move(args), true,
                [&](std::string_view chunk) -> Status {
                  buffer.append(chunk);
                  return DrainLines(buffer, on_line);
                },
                source, label);
  if (!r.ok()) return r.status();
  buffer += '\n';
  Status st = DrainLines(buffer, on_line);
  if (!st.ok()) return st.Prefixed(fmt::format("IPFS daemon at {}: add {}", Address(), label));
  if (added.cid.empty())
    return Status::Failed(fmt::format("IPFS daemon at {}: add {}: the reply named no CID", Address(), label));
  return added;
}

Status IpfsClient::FetchAll(std::string_view cid, const Progress& progress_blocks) {
  std::string buffer;
  std::uint64_t blocks = 0;
  auto on_line = [&](const json&) -> Status {
    ++blocks;
    if (progress_blocks) progress_blocks(blocks);
    return Status::Ok();
  };
  auto r = Send(*transport_, options_, {"refs", std::string(cid)},
                {{"arg", std::string(cid)}, {"recursive", "true"}, {"unique", "true"}}, true,
                [&](std::string_view chunk) -> Status {
                  buffer.append(chunk);
                  return DrainLines(buffer, on_line);
                });
  if (!r.ok()) return r.status();
  buffer += '\n';
  Status st = DrainLines(buffer, on_line);
  if (!st.ok()) return st.Prefixed(fmt::format("IPFS daemon at {}: refs {}", Address(), cid));
  return Status::Ok();
}

Result<RepoStat> IpfsClient::GetRepoStat() {
  ASSIGN_OR_RETURN(json j, SendJson(*transport_, options_, {"repo/stat", ""}, {}));
  RepoStat s;
  s.repo_size = Num(j, "RepoSize");
  s.storage_max = Num(j, "StorageMax");
  s.num_objects = Num(j, "NumObjects");
  s.repo_path = Str(j, "RepoPath");
  return s;
}

Status IpfsClient::SwarmConnect(std::string_view multiaddr) {
  return SendJson(*transport_, options_, {"swarm/connect", std::string(multiaddr)}, {{"arg", std::string(multiaddr)}})
      .status();
}

Status IpfsClient::RepoGc() {
  std::string buffer;
  auto r = Send(*transport_, options_, {"repo/gc", ""}, {}, true, [&](std::string_view chunk) -> Status {
    buffer.append(chunk);
    return DrainLines(buffer, [](const json&) { return Status::Ok(); });
  });
  if (!r.ok()) return r.status();
  buffer += '\n';
  return DrainLines(buffer, [](const json&) { return Status::Ok(); });
}

Result<std::string> IpfsClient::Call(std::string_view command, std::vector<std::pair<std::string, std::string>> args) {
  ASSIGN_OR_RETURN(HttpResponse r, Send(*transport_, options_, {std::string(command), ""}, std::move(args), false, nullptr));
  return r.body;
}

}  // namespace oneipfs
