#include "common/one/one_cli.h"

#include <tinyxml2.h>

#include <regex>

#include <fmt/format.h>

#include "common/base/number.h"
#include "common/base/text.h"

namespace oneipfs {
namespace {

std::string Text(const tinyxml2::XMLElement* parent, const char* name) {
  const auto* e = parent ? parent->FirstChildElement(name) : nullptr;
  return e && e->GetText() ? std::string(e->GetText()) : std::string();
}

bool Yes(const std::string& v) { return Lower(Trim(v)) == "yes"; }

std::optional<std::uint64_t> Megabytes(const std::string& v) {
  if (v.empty()) return std::nullopt;
  return ParseCount(Trim(v));
}

Result<const tinyxml2::XMLElement*> Root(tinyxml2::XMLDocument& doc, std::string_view xml, const char* name,
                                         std::string_view what) {
  if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS || !doc.RootElement() ||
      std::string_view(doc.RootElement()->Name()) != name)
    return Status::Invalid(fmt::format("{} did not print a <{}> XML document", what, name));
  return doc.RootElement();
}

}  // namespace

const VmDisk* VmInfo::Disk(std::string_view disk_id) const {
  for (const auto& d : disks)
    if (d.id == disk_id) return &d;
  return nullptr;
}

Result<VmInfo> ParseVmXml(std::string_view xml) {
  tinyxml2::XMLDocument doc;
  ASSIGN_OR_RETURN(const tinyxml2::XMLElement* vm, Root(doc, xml, "VM", "onevm show -x"));
  VmInfo info;
  info.id = Trim(Text(vm, "ID"));
  info.deploy_id = Trim(Text(vm, "DEPLOY_ID"));
  info.uid = Trim(Text(vm, "UID"));
  info.uname = Trim(Text(vm, "UNAME"));
  if (auto s = ParseCount(Trim(Text(vm, "LCM_STATE")))) info.lcm_state = static_cast<int>(*s);
  const auto* hist = vm->FirstChildElement("HISTORY_RECORDS");
  const tinyxml2::XMLElement* last = nullptr;
  for (const auto* h = hist ? hist->FirstChildElement("HISTORY") : nullptr; h; h = h->NextSiblingElement("HISTORY"))
    last = h;
  info.last_vm_mad = Trim(Text(last, "VM_MAD"));
  info.last_tm_mad = Trim(Text(last, "TM_MAD"));
  const auto* tmpl = vm->FirstChildElement("TEMPLATE");
  for (const auto* d = tmpl ? tmpl->FirstChildElement("DISK") : nullptr; d; d = d->NextSiblingElement("DISK")) {
    VmDisk disk;
    disk.id = Trim(Text(d, "DISK_ID"));
    disk.source = Trim(Text(d, "SOURCE"));
    disk.type = Trim(Text(d, "TYPE"));
    disk.tm_mad = Trim(Text(d, "TM_MAD"));
    disk.tm_mad_system = Trim(Text(d, "TM_MAD_SYSTEM"));
    disk.target = Trim(Text(d, "TARGET"));
    disk.image_id = Trim(Text(d, "IMAGE_ID"));
    disk.datastore_id = Trim(Text(d, "DATASTORE_ID"));
    disk.save_as = Trim(Text(d, "HOTPLUG_SAVE_AS"));
    disk.save_as_source = Trim(Text(d, "HOTPLUG_SAVE_AS_SOURCE"));
    disk.driver = Trim(Text(d, "DRIVER"));
    disk.format = Trim(Text(d, "FORMAT"));
    disk.persistent = Yes(Text(d, "PERSISTENT"));
    disk.readonly = Yes(Text(d, "READONLY"));
    disk.size_mb = Megabytes(Text(d, "SIZE"));
    disk.original_size_mb = Megabytes(Text(d, "ORIGINAL_SIZE"));
    info.disks.push_back(std::move(disk));
  }
  return info;
}

Result<std::map<std::string, std::string>> ParseDatastoreTemplateXml(std::string_view xml) {
  tinyxml2::XMLDocument doc;
  ASSIGN_OR_RETURN(const tinyxml2::XMLElement* ds, Root(doc, xml, "DATASTORE", "onedatastore show -x"));
  std::map<std::string, std::string> out;
  const auto* tmpl = ds->FirstChildElement("TEMPLATE");
  for (const auto* e = tmpl ? tmpl->FirstChildElement() : nullptr; e; e = e->NextSiblingElement())
    if (!e->FirstChildElement()) out[e->Name()] = e->GetText() ? e->GetText() : "";
  return out;
}

std::string DiskIdOfPath(std::string_view path) {
  static const std::regex kDisk("(?:.*/)?disk\\.([0-9]+)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(path.begin(), path.end(), m, kDisk)) return "";
  return m[1].str();
}

OneCli::OneCli(std::unique_ptr<RemoteRunner> local, std::chrono::seconds timeout)
    : local_(std::move(local)), timeout_(timeout) {}

OneCli::~OneCli() {
  for (auto& [key, f] : pending_)
    if (f.valid()) f.wait();
}

void OneCli::PrefetchVm(std::string_view vm_id) {
  if (!ParseCount(vm_id)) return;
  std::string key = fmt::format("onevm {}", vm_id);
  std::lock_guard<std::mutex> lock(mu_);
  if (cache_.count(key) || pending_.count(key)) return;
  pending_[key] = std::async(std::launch::async, [this, cmd = ShowCommand("onevm", vm_id)] { return local_->Run("", cmd); });
}

RemoteCommand OneCli::ShowCommand(const std::string& command, std::string_view id) const {
  RemoteCommand cmd;
  cmd.argv = {command, "show", "-x", std::string(id)};
  cmd.timeout = timeout_;
  return cmd;
}

Result<std::string> OneCli::Show(const std::string& command, std::string_view id) {
  if (!ParseCount(id)) return Status::Invalid(fmt::format("'{}' is not an OpenNebula object id", id));
  std::string key = fmt::format("{} {}", command, id);
  std::future<Result<RemoteResult>> prefetched;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    if (auto it = pending_.find(key); it != pending_.end()) {
      prefetched = std::move(it->second);
      pending_.erase(it);
    }
  }
  return Outcome(command, id, key, prefetched.valid() ? prefetched.get() : local_->Run("", ShowCommand(command, id)));
}

Result<std::string> OneCli::Outcome(const std::string& command, std::string_view id, const std::string& key,
                                    Result<RemoteResult> r) {
  if (!r.ok()) {
    if (r.status().code() == Status::Code::kNotFound)
      return Status::NotFound(fmt::format("{} is not installed on this machine", command));
    return r.status().Prefixed(fmt::format("{} show -x {}", command, id));
  }
  if (r->exit_code != 0)
    return Status::Failed(fmt::format("{} show -x {} failed (exit {}): {}", command, id, r->exit_code,
                                      LastLine(r->err)));
  std::lock_guard<std::mutex> lock(mu_);
  cache_[key] = r->out;
  return r->out;
}

Result<VmInfo> OneCli::Vm(std::string_view vm_id) {
  ASSIGN_OR_RETURN(std::string xml, Show("onevm", vm_id));
  return ParseVmXml(xml);
}

Result<std::map<std::string, std::string>> OneCli::DatastoreTemplate(std::string_view ds_id) {
  ASSIGN_OR_RETURN(std::string xml, Show("onedatastore", ds_id));
  return ParseDatastoreTemplateXml(xml);
}

}  // namespace oneipfs
