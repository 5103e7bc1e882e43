// not_applicable: the transfer actions one-ipfs does not implement because
// they belong to a system-datastore driver (context, mkswap, mkimage,
// monitor, monitor_ds, restore, prebackup, postbackup, ...). ipfs is an image
// datastore TM: use it with TM_MAD_SYSTEM="ssh,shared" system datastores.
// Built once per name (CMake defines ONEIPFS_ACTION) so oned never finds a
// silent no-op: each says so in one line and exits 1.
#include <fmt/format.h>

#include "common/one/driver.h"
#include "common/base/log.h"

#ifndef ONEIPFS_ACTION
#define ONEIPFS_ACTION "not_applicable"
#endif

int main(int argc, char** argv) {
  using namespace oneipfs;
  std::string usage = fmt::format(
      "one-ipfs transfer action '{0}': not applicable. ipfs is an image datastore transfer driver;\n"
      "'{0}' belongs to the system datastore's driver (use TM_MAD_SYSTEM=\"ssh,shared\").\n",
      ONEIPFS_ACTION);
  if (HandleHelpVersion(ONEIPFS_ACTION, usage, argc, argv)) return 0;
  PrintFailure(fmt::format("{}: the ipfs transfer driver does not implement '{}': it is an image datastore driver; "
                           "use an ssh or shared system datastore (TM_MAD_SYSTEM)",
                           ONEIPFS_ACTION, ONEIPFS_ACTION),
               false);
  return 1;
}
