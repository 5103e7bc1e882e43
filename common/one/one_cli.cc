#include "common/one/one_cli.h"

#include <tinyxml2.h>

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
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

bool OnedImage::InUse() const {
  return running_vms > 0 || state == 2 || state == 4 || state == 6 || state == 7 || state >= 8;
}

std::string OnedImage::StateName() const {
  static const char* kNames[] = {"INIT",   "READY",     "USED",        "DISABLED",         "LOCKED", "ERROR",
                                 "CLONE",  "DELETE",    "USED_PERS",   "LOCKED_USED",      "LOCKED_USED_PERS"};
  if (state >= 0 && state < static_cast<int>(std::size(kNames))) return kNames[state];
  return fmt::format("state {}", state);
}

Result<OnedImage> ParseImageXml(std::string_view xml) {
  tinyxml2::XMLDocument doc;
  ASSIGN_OR_RETURN(const tinyxml2::XMLElement* img, Root(doc, xml, "IMAGE", "oneimage show -x"));
  OnedImage i;
  i.id = Trim(Text(img, "ID"));
  i.name = Text(img, "NAME");
  i.uname = Text(img, "UNAME");
  i.source = Trim(Text(img, "SOURCE"));
  i.datastore_id = Trim(Text(img, "DATASTORE_ID"));
  auto state = ParseCount(Trim(Text(img, "STATE")));
  if (!state) return Status::Invalid("oneimage show -x printed an IMAGE without a STATE");
  i.state = static_cast<int>(*state);
  i.running_vms = ParseCount(Trim(Text(img, "RUNNING_VMS"))).value_or(0);
  i.persistent = Trim(Text(img, "PERSISTENT")) == "1";
  return i;
}

std::string TemplateQuote(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
  }
  return out + "\"";
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

Result<OnedImage> OneCli::Image(std::string_view image_id) {
  ASSIGN_OR_RETURN(std::string xml, Show("oneimage", image_id));
  return ParseImageXml(xml);
}

Result<std::string> OneCli::CreateImage(std::string_view ds_id, std::string_view template_text) {
  if (!ParseCount(ds_id)) return Status::Invalid(fmt::format("'{}' is not a datastore id", ds_id));
  const char* tmp = std::getenv("TMPDIR");
  std::string path = fmt::format("{}/one-ipfs-image-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  int fd = ::mkstemp(path.data());
  if (fd < 0) return Status::Io(fmt::format("cannot create a temporary template file: {}", std::strerror(errno)));
  bool written = ::write(fd, template_text.data(), template_text.size()) ==
                 static_cast<ssize_t>(template_text.size());
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return Status::Io(fmt::format("cannot write {}", path));
  }
  RemoteCommand cmd;
  cmd.argv = {"oneimage", "create", "-d", std::string(ds_id), path};
  cmd.timeout = timeout_;
  auto r = local_->Run("", cmd);
  ::unlink(path.c_str());
  if (!r.ok()) {
    if (r.status().code() == Status::Code::kNotFound)
      return Status::NotFound("oneimage is not installed on this machine");
    return r.status().Prefixed("oneimage create");
  }
  if (r->exit_code != 0)
    return Status::Failed(fmt::format("oneimage create failed (exit {}): {}", r->exit_code,
                                      LastLine(r->err.empty() ? r->out : r->err)));
  std::smatch m;
  static const std::regex kId(R"(ID:\s*([0-9]+))");
  if (!std::regex_search(r->out, m, kId))
    return Status::Invalid(fmt::format("oneimage create printed no image id: {}", LastLine(r->out)));
  return m[1].str();
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
