// failmigrate: remove the copies made on the destination host when a live migration failed
//
// argv: SRC_HOST DST_HOST VM_DIR VMID DSID [CALLER_TM]  (base64 VM XML on stdin)
// Called by the VMM driver on the system TM, which runs it for the other TMs
// of the VM's disks with a 6th argument (the caller's TM name): then only the
// disks whose TM_MAD is ipfs are handled. Without it (ipfs as the system TM)
// the whole VM directory is.
#include <fmt/format.h>

#include "common/tm.h"
#include "common/tm_disk.h"

namespace oneipfs {
namespace {

[[maybe_unused]] std::vector<std::string> Paths(const std::string& dir, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(dir + "/" + n);
  return out;
}

Status Action(TmContext& ctx) {
  const std::string& src_host = ctx.args[0];
  const std::string& dst_host = ctx.args[1];
  [[maybe_unused]] const std::string& dst_unused = dst_host;
  std::string dir = ctx.args[2];
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  bool for_disks = ctx.args.size() == 6 && !ctx.args[5].empty();
  std::vector<std::string> names;
  if (for_disks) {
    if (ctx.stdin_data.empty()) return Status::Invalid("no VM document on stdin");
    ASSIGN_OR_RETURN(auto ids, VmDiskIds(ctx.stdin_data, "ipfs"));
    for (const auto& id : ids) {
      names.push_back("disk." + id);
      names.push_back("disk." + id + ".snap");
    }
    if (names.empty()) {
      ctx.log.Info("the VM has no disks from an IPFS datastore");
      return Status::Ok();
    }
  } else {
    size_t slash = dir.rfind('/');
    names.push_back(dir.substr(slash + 1));
    dir = dir.substr(0, slash);
  }
  if (src_host == dst_host) return Status::Ok();
  return RemoveOnHost(ctx, dst_host, Paths(dir, names), true);
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  using namespace oneipfs;
  return RunTmAction({"failmigrate", "SRC_HOST DST_HOST VM_DIR VMID DSID [CALLER_TM]  (base64 VM XML on stdin)", "remove the copies made on the destination host when a live migration failed", 5, 6}, argc, argv, Action);
}
