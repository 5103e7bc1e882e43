// ipfs_pins.cc: the IPFS client's pins and completeness checks (pin/*,
// refs), see ipfs.h.
#include "common/ipfs/ipfs_call.h"

namespace oneipfs {

using namespace ipfs_call;  // Spec, Caller, Small, NotRepeatable, Missing, UploadOf
using ipfs_json::Json;
using ipfs_json::Num;
using ipfs_json::Str;

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

}  // namespace oneipfs
