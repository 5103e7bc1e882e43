// ipfs.cc: the IPFS RPC client (see ipfs.h): the client itself and the
// node-level calls (version, id, names and paths, stat, repo, swarm, gc).
// How one call is made (timeouts, retries, errors): ipfs_call.h; MFS calls:
// ipfs_files.cc; content in and out: ipfs_content.cc; pins: ipfs_pins.cc;
// reply parsing: ipfs_json.cc.
#include "common/ipfs/ipfs.h"

#include <algorithm>

#include "common/ipfs/ipfs_call.h"

namespace oneipfs {

using namespace ipfs_call;  // Spec, Caller, Small, NotRepeatable, Missing, UploadOf
using ipfs_json::Json;
using ipfs_json::Num;
using ipfs_json::Str;

IpfsClient::IpfsClient(std::unique_ptr<HttpTransport> transport, IpfsOptions options)
    : transport_(std::move(transport)), options_(std::move(options)) {}

std::string IpfsClient::Address() const { return transport_->Describe(); }

TimeoutCap::TimeoutCap(IpfsClient& client, std::chrono::seconds cap) : client_(client), saved_(client.timeout()) {
  client_.set_timeout(std::min(saved_, cap));
}
TimeoutCap::~TimeoutCap() { client_.set_timeout(saved_); }

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

Result<std::vector<IpfsClient::SwarmPeer>> IpfsClient::SwarmPeers() {
  Caller c(*transport_, options_);
  Spec s = Small("swarm/peers", "", {});
  ASSIGN_OR_RETURN(Json j, c.SendJson(s));
  const Json* peers = ipfs_json::Find(j, "Peers");
  if (!peers || !(peers->is_array() || peers->is_null())) return Missing(c, s, "Peers");
  std::vector<SwarmPeer> out;
  if (peers->is_array())
    for (const auto& p : *peers) {
      std::string id = Str(p, "Peer");
      if (!id.empty()) out.push_back({std::move(id), Str(p, "Addr")});
    }
  return out;
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

}  // namespace oneipfs
