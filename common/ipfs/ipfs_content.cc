// ipfs_content.cc: the IPFS client's calls that move content in and out
// (cat, add, dag, block, ls), see ipfs.h.
#include "common/ipfs/ipfs_call.h"

namespace oneipfs {

using namespace ipfs_call;  // Spec, Caller, Small, NotRepeatable, Missing, UploadOf
using ipfs_json::Json;
using ipfs_json::Num;
using ipfs_json::Str;

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

}  // namespace oneipfs
