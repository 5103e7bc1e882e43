// one_cli.h: what transfer actions learn from oned through the oneadmin CLI.
//
// Transfer scripts get nothing but argv from oned. OpenNebula's own TMs read
// the rest with `onevm show -x <VMID>` and `onedatastore show -x <DSID>` on
// the front end (tm_common.sh, ssh/clone, ssh/cpds); so do we:
//  - the VM: its owner (UID, UNAME), its LCM state (26 = HOTPLUG_SAVEAS: the VM runs during
//    disk-saveas), deploy id, and per disk SIZE, ORIGINAL_SIZE, PERSISTENT,
//    CLONE, TYPE, READONLY, TM_MAD_SYSTEM, DRIVER and FORMAT (the format
//    KVM gives QEMU: the image's FORMAT, or the disk's own DRIVER),
//    IMAGE_ID, DATASTORE_ID and the HOTPLUG_SAVE_AS image of a disk-saveas;
//  - the image datastore's template (IPFS_API, IPFS_API_AUTH, ... set with
//    `onedatastore update`), so transfer actions use the same daemon settings
//    as datastore actions;
//  - for operator tools: an image (`oneimage show -x`: state, running VMs,
//    SOURCE, datastore), and CreateImage (`oneimage create -d <ds> <file>`,
//    the template written to a private temporary file) -> the new image id.
// OneCli runs the commands from argv (no shell) through a RemoteRunner (the
// local runner in production, a fake in unit tests) and caches each document
// for the action's lifetime; PrefetchVm starts one in the background, so
// the two slow CLI calls of a deploy (each a Ruby program and an XML-RPC
// call to oned) run side by side instead of one after the other. Outcomes:
// Status::NotFound when the command is not installed on this machine
// (callers decide whether that is fatal);
// Status::Failed with the CLI's last stderr line when it exits non-zero;
// Status::Invalid when the output is not the expected XML document.
#pragma once

#include <chrono>
#include <future>
#include <mutex>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/remote.h"
#include "common/base/status.h"

namespace oneipfs {

// VM LCM states the transfer driver cares about (include/VirtualMachine.h).
constexpr int kLcmHotplugSaveas = 26;

struct VmDisk {
  std::string id;             // DISK_ID
  std::string source;         // SOURCE
  std::string type;           // TYPE (e.g. CDROM, FILE)
  std::string tm_mad;         // TM_MAD of the image datastore
  std::string tm_mad_system;  // TM_MAD_SYSTEM: the system datastore's TM, when it differs
  std::string target;         // TARGET (vda...)
  std::string image_id;       // IMAGE_ID ("" for volatile disks)
  std::string datastore_id;   // DATASTORE_ID of the image
  std::string save_as;        // HOTPLUG_SAVE_AS: the image a running disk-saveas fills
  std::string save_as_source; // HOTPLUG_SAVE_AS_SOURCE: that image's SOURCE
  std::string driver;         // DRIVER (libvirt's <driver type=...>)
  std::string format;         // FORMAT (the image's; oned copies it into DRIVER)
  bool persistent = false;    // PERSISTENT=YES
  bool readonly = false;      // READONLY=YES
  std::optional<std::uint64_t> size_mb;           // SIZE
  std::optional<std::uint64_t> original_size_mb;  // ORIGINAL_SIZE
};

struct VmInfo {
  std::string id;
  std::string deploy_id;
  std::string uid, uname;   // the VM's owner (UID, UNAME): who caused a save-back
  int lcm_state = -1;
  std::string last_vm_mad;  // HISTORY_RECORDS/HISTORY[last()]/VM_MAD
  std::string last_tm_mad;  // HISTORY_RECORDS/HISTORY[last()]/TM_MAD (the system DS's TM)
  std::vector<VmDisk> disks;
  const VmDisk* Disk(std::string_view disk_id) const;
  // The system datastore TM a disk lives beside: its TM_MAD_SYSTEM, else the
  // last history record's TM_MAD.
  std::string SystemTm(const VmDisk& d) const { return d.tm_mad_system.empty() ? last_tm_mad : d.tm_mad_system; }
};

// Image states (include/Image.h) and what an image is.
struct OnedImage {
  std::string id, name, source, datastore_id, uname;
  int state = -1;        // STATE: 1 READY, 2 USED, 4 LOCKED, 8 USED_PERS, ...
  std::uint64_t running_vms = 0;
  bool persistent = false;
  // In use: a VM has it (RUNNING_VMS > 0) or its state is USED, USED_PERS,
  // LOCKED(_USED...), CLONE or DELETE: its content must not change now.
  bool InUse() const;
  std::string StateName() const;
};
Result<OnedImage> ParseImageXml(std::string_view xml);
// A value for an OpenNebula template: "..." with \ and " escaped and
// control characters replaced by spaces.
std::string TemplateQuote(std::string_view value);

// Parses `onevm show -x` output (a <VM> document).
Result<VmInfo> ParseVmXml(std::string_view xml);
// Parses `onedatastore show -x` output: the DATASTORE/TEMPLATE children.
Result<std::map<std::string, std::string>> ParseDatastoreTemplateXml(std::string_view xml);

// "disk.3" (or ".../disk.3") -> "3"; "" when the path is not a disk path.
std::string DiskIdOfPath(std::string_view path);

class OneCli {
 public:
  explicit OneCli(std::unique_ptr<RemoteRunner> local, std::chrono::seconds timeout = std::chrono::seconds(60));
  ~OneCli();  // waits for a prefetch still running
  OneCli(const OneCli&) = delete;
  OneCli& operator=(const OneCli&) = delete;
  Result<VmInfo> Vm(std::string_view vm_id);
  Result<std::map<std::string, std::string>> DatastoreTemplate(std::string_view ds_id);
  Result<OnedImage> Image(std::string_view image_id);
  // `oneimage create -d <ds_id> <file with template_text>`: the new image's id.
  Result<std::string> CreateImage(std::string_view ds_id, std::string_view template_text);
  // Starts `onevm show -x <vm_id>` now, on a thread of its own; Vm(vm_id)
  // then takes its outcome. An id that is not a number starts nothing.
  void PrefetchVm(std::string_view vm_id);

 private:
  Result<std::string> Show(const std::string& command, std::string_view id);
  RemoteCommand ShowCommand(const std::string& command, std::string_view id) const;  // `<command> show -x <id>`
  // The document of a finished run, cached under `key` ("onevm 42").
  Result<std::string> Outcome(const std::string& command, std::string_view id, const std::string& key,
                              Result<RemoteResult> r);
  std::unique_ptr<RemoteRunner> local_;
  std::chrono::seconds timeout_;
  std::mutex mu_;
  std::map<std::string, std::string> cache_;                        // "onevm 42" -> XML
  std::map<std::string, std::future<Result<RemoteResult>>> pending_;  // prefetches
};

}  // namespace oneipfs
