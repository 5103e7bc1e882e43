// doctor_history.cc: the doctor's row on the deleted area (doctor.h,
// CheckDeletedArea): what undelete (retention.h) keeps in the front end.
#include <fmt/format.h>

#include "common/admin/doctor.h"
#include "common/catalog/retention.h"

namespace oneipfs {

Result<DeletedArea> MeasureDeletedArea(IpfsClient& ipfs, std::string_view catalog_root, std::int64_t grace,
                                       std::int64_t now) {
  ASSIGN_OR_RETURN(DeletedList list, ListDeleted(ipfs, catalog_root));
  DeletedArea a;
  for (const auto& e : list.entries) {
    ++a.images;
    if (e.deleted_at + grace <= now) ++a.past_grace;
    auto bytes = DirFileBytes(ipfs, e.dir);
    if (bytes.ok()) a.bytes += *bytes;
  }
  return a;
}

void CheckDeletedArea(const Result<DeletedArea>& area, std::int64_t grace, Report& r) {
  const char* subject = "front end";
  if (!area.ok()) {
    r.Warn(subject, "deleted images", fmt::format("cannot list the deleted area: {}", area.status().message()),
           "check the front-end daemon");
    return;
  }
  std::string detail = fmt::format("{} deleted image(s) kept for undelete hold {} (IPFS_DELETE_GRACE {} s)",
                                   area->images, HumanBytes(area->bytes), grace);
  if (area->past_grace == 0) {
    r.Pass(subject, "deleted images", detail);
    return;
  }
  r.Warn(subject, "deleted images", fmt::format("{}; {} past their grace", detail, area->past_grace),
         "run `one-ipfs-fsck --repair` (daily from cron: `17 3 * * * oneadmin one-ipfs-fsck --repair --no-oned`)");
}

}  // namespace oneipfs
