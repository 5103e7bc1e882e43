// ipfs_files.cc: the IPFS client's MFS calls (files/*), see ipfs.h.
#include "common/ipfs/ipfs_call.h"

namespace oneipfs {

using namespace ipfs_call;  // Spec, Caller, Small, NotRepeatable, Missing, UploadOf
using ipfs_json::Json;
using ipfs_json::Num;
using ipfs_json::Str;

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

}  // namespace oneipfs
