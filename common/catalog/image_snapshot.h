// image_snapshot.h: what the image snapshot actions (ds snap_delete,
// snap_revert, snap_flatten) share.
//
// ImageSnapshotTarget reads IMAGE/SOURCE (the image's own catalog entry,
// catalog.h "Ownership": never an alias's original) and
// IMAGE/TARGET_SNAPSHOT (a snapshot id) from the action document; either
// one malformed or a SOURCE that is not the image's own entry is an Invalid
// error whose message starts with `what`
// ("cannot snap_revert image 5 snapshot 0"). RevertToSnapshot makes the
// saved snapshot the image's next version (the replaced content stays as
// history); NotFound when the image has no such snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/catalog/catalog.h"
#include "common/one/driver.h"
#include "common/base/status.h"

namespace oneipfs {

struct SnapshotTarget {
  CatalogEntry entry;
  std::uint64_t id = 0;
  std::string what;  // message prefix naming the action, image and snapshot
};

Result<SnapshotTarget> ImageSnapshotTarget(const DsContext& ctx, std::string_view action);
// Returns the new version number.
Result<std::uint64_t> RevertToSnapshot(Catalog& catalog, const SnapshotTarget& t);

}  // namespace oneipfs
