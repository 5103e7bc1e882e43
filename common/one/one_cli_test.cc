#include "common/one/one_cli.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include <doctest/doctest.h>

namespace oneipfs {
namespace {

// What `onevm show -x 42` prints for a VM in HOTPLUG_SAVEAS (LCM 26) on an ssh
// system datastore: an ipfs OS disk grown at deploy time, a persistent
// datablock, and the last history record (elements as OpenNebula 7.0 writes
// them, trimmed to what the parser reads).
const char* kVm = R"(<VM><ID>42</ID><DEPLOY_ID>one-42</DEPLOY_ID><STATE>3</STATE><LCM_STATE>26</LCM_STATE>
<TEMPLATE>
 <DISK><CLONE><![CDATA[YES]]></CLONE><DISK_ID><![CDATA[0]]></DISK_ID><ORIGINAL_SIZE><![CDATA[10]]></ORIGINAL_SIZE>
  <SIZE><![CDATA[64]]></SIZE><SOURCE><![CDATA[mfs:/one-ipfs/100/5-1767225600]]></SOURCE><TARGET><![CDATA[vda]]></TARGET>
  <TM_MAD><![CDATA[ipfs]]></TM_MAD><TM_MAD_SYSTEM><![CDATA[ssh]]></TM_MAD_SYSTEM>
  <DRIVER><![CDATA[vmdk]]></DRIVER><FORMAT><![CDATA[ qcow2 ]]></FORMAT></DISK>
 <DISK><DISK_ID><![CDATA[1]]></DISK_ID><PERSISTENT><![CDATA[YES]]></PERSISTENT><SIZE><![CDATA[2]]></SIZE>
  <SOURCE><![CDATA[/ipfs/bafkqaaa]]></SOURCE><TM_MAD><![CDATA[ipfs]]></TM_MAD><TYPE><![CDATA[CDROM]]></TYPE>
  <READONLY><![CDATA[yes]]></READONLY></DISK>
</TEMPLATE>
<HISTORY_RECORDS><HISTORY><SEQ>0</SEQ><HOSTNAME>node1</HOSTNAME><TM_MAD>shared</TM_MAD><VM_MAD>kvm</VM_MAD></HISTORY>
<HISTORY><SEQ>1</SEQ><HOSTNAME>node2</HOSTNAME><TM_MAD>ssh</TM_MAD><VM_MAD>kvm</VM_MAD></HISTORY></HISTORY_RECORDS></VM>)";

class FakeLocal : public RemoteRunner {
 public:
  Result<RemoteResult> Run(const std::string&, const RemoteCommand& cmd) override {
    calls.push_back(cmd.argv);
    if (missing) return Status::NotFound(cmd.argv[0] + ": command not found");
    return reply;
  }
  std::vector<std::vector<std::string>> calls;
  RemoteResult reply;
  bool missing = false;
};

TEST_CASE("one_cli: a VM document gives the state, the domain and every disk's attributes") {
  auto vm = ParseVmXml(kVm);
  REQUIRE(vm.ok());
  CHECK(vm->id == "42");
  CHECK(vm->deploy_id == "one-42");
  CHECK(vm->lcm_state == kLcmHotplugSaveas);
  CHECK(vm->last_tm_mad == "ssh");
  CHECK(vm->last_vm_mad == "kvm");
  REQUIRE(vm->disks.size() == 2);
  const VmDisk* d0 = vm->Disk("0");
  REQUIRE(d0);
  CHECK(d0->size_mb == 64u);
  CHECK(d0->original_size_mb == 10u);
  CHECK_FALSE(d0->persistent);
  CHECK(d0->target == "vda");
  CHECK(d0->driver == "vmdk");
  CHECK(d0->format == "qcow2");
  CHECK(vm->SystemTm(*d0) == "ssh");
  const VmDisk* d1 = vm->Disk("1");
  REQUIRE(d1);
  CHECK(d1->persistent);
  CHECK(d1->readonly);
  CHECK(d1->type == "CDROM");
  CHECK_FALSE(d1->original_size_mb.has_value());
  CHECK(d1->driver.empty());
  CHECK(d1->format.empty());
  CHECK(vm->SystemTm(*d1) == "ssh");  // no TM_MAD_SYSTEM: the last history record's
  CHECK(vm->Disk("7") == nullptr);
}

TEST_CASE("one_cli: anything but a <VM> or <DATASTORE> document is refused") {
  CHECK(ParseVmXml("").status().code() == Status::Code::kInvalid);
  CHECK(ParseVmXml("<DATASTORE/>").status().code() == Status::Code::kInvalid);
  CHECK(ParseVmXml("[one.vm.info] Error getting virtual machine [42].").status().code() == Status::Code::kInvalid);
  CHECK(ParseDatastoreTemplateXml("<VM/>").status().code() == Status::Code::kInvalid);
}

TEST_CASE("one_cli: the datastore template's simple attributes, CDATA or not") {
  auto t = ParseDatastoreTemplateXml(
      "<DATASTORE><ID>100</ID><NAME>ipfs</NAME><TEMPLATE><IPFS_API><![CDATA[http://127.0.0.1:5999]]></IPFS_API>"
      "<IPFS_TIMEOUT>30</IPFS_TIMEOUT><EMPTY/><VEC><A>1</A></VEC></TEMPLATE></DATASTORE>");
  REQUIRE(t.ok());
  CHECK(t->at("IPFS_API") == "http://127.0.0.1:5999");
  CHECK(t->at("IPFS_TIMEOUT") == "30");
  CHECK(t->at("EMPTY").empty());
  CHECK(t->count("VEC") == 0);  // vector attributes are not settings
  CHECK(t->count("NAME") == 0);  // only TEMPLATE children
}

TEST_CASE("one_cli: disk ids from paths") {
  CHECK(DiskIdOfPath("/var/lib/one//datastores/0/42/disk.3") == "3");
  CHECK(DiskIdOfPath("disk.12") == "12");
  CHECK(DiskIdOfPath("/var/lib/one//datastores/0/42") == "");
  CHECK(DiskIdOfPath("/x/disk.1.snap/0") == "");
  CHECK(DiskIdOfPath("/x/disk.") == "");
}

TEST_CASE("one_cli: runs the CLI from argv once per object, and says when it is missing or fails") {
  auto fake = std::make_unique<FakeLocal>();
  FakeLocal* f = fake.get();
  f->reply.out = kVm;
  OneCli one(std::move(fake));
  REQUIRE(one.Vm("42").ok());
  REQUIRE(one.Vm("42").ok());
  REQUIRE(f->calls.size() == 1);
  CHECK(f->calls[0] == std::vector<std::string>{"onevm", "show", "-x", "42"});
  CHECK(one.Vm("42; rm -rf /").status().code() == Status::Code::kInvalid);
  CHECK(f->calls.size() == 1);

  f->reply = RemoteResult{255, "", "[one.datastore.info] User couldn't be authenticated, aborting call.\n"};
  auto failed = one.DatastoreTemplate("100");
  CHECK(failed.status().code() == Status::Code::kFailed);
  CHECK(failed.status().message().find("couldn't be authenticated") != std::string::npos);

  f->missing = true;
  auto missing = one.DatastoreTemplate("101");
  CHECK(missing.status().code() == Status::Code::kNotFound);
  CHECK(missing.status().message() == "onedatastore is not installed on this machine");
}

// onedatastore answers only once onevm has started (within 5 s): the two
// calls must run side by side.
class SideBySide : public RemoteRunner {
 public:
  Result<RemoteResult> Run(const std::string&, const RemoteCommand& cmd) override {
    std::unique_lock<std::mutex> lock(mu);
    calls.push_back(cmd.argv);
    if (cmd.argv[0] == "onevm") {
      vm_started = true;
      cv.notify_all();
      if (missing_vm) return Status::NotFound("onevm: command not found");
      return RemoteResult{0, kVm, ""};
    }
    if (!cv.wait_for(lock, std::chrono::seconds(5), [&] { return vm_started; }))
      return RemoteResult{1, "", "onevm did not start beside onedatastore\n"};
    return RemoteResult{0, "<DATASTORE><TEMPLATE><IPFS_API><![CDATA[/ip4/127.0.0.1/tcp/5001]]></IPFS_API></TEMPLATE></DATASTORE>", ""};
  }
  std::mutex mu;
  std::condition_variable cv;
  bool vm_started = false;
  bool missing_vm = false;
  std::vector<std::vector<std::string>> calls;
};

TEST_CASE("one_cli: a prefetched VM document is read beside the datastore template, once") {
  auto fake = std::make_unique<SideBySide>();
  SideBySide* f = fake.get();
  OneCli one(std::move(fake));
  one.PrefetchVm("42");
  auto tmpl = one.DatastoreTemplate("100");
  REQUIRE_MESSAGE(tmpl.ok(), tmpl.status().message());
  CHECK(tmpl->at("IPFS_API") == "/ip4/127.0.0.1/tcp/5001");
  auto vm = one.Vm("42");
  REQUIRE(vm.ok());
  CHECK(vm->id == "42");
  REQUIRE(one.Vm("42").ok());
  std::lock_guard<std::mutex> lock(f->mu);
  CHECK(f->calls.size() == 2);  // one onevm, one onedatastore
}

TEST_CASE("one_cli: without a prefetch the calls run one after the other (the check above can fail)") {
  auto fake = std::make_unique<SideBySide>();
  OneCli one(std::move(fake));
  auto tmpl = one.DatastoreTemplate("100");
  CHECK(tmpl.status().code() == Status::Code::kFailed);
  CHECK(tmpl.status().message().find("did not start beside") != std::string::npos);
}

TEST_CASE("one_cli: a prefetch of a missing CLI or a bad id reports as a direct call would") {
  auto fake = std::make_unique<SideBySide>();
  SideBySide* f = fake.get();
  f->missing_vm = true;
  OneCli one(std::move(fake));
  one.PrefetchVm("7; reboot");  // not an id: nothing starts
  one.PrefetchVm("42");
  auto vm = one.Vm("42");
  CHECK(vm.status().code() == Status::Code::kNotFound);
  CHECK(vm.status().message() == "onevm is not installed on this machine");
  CHECK(one.Vm("7; reboot").status().code() == Status::Code::kInvalid);
  std::lock_guard<std::mutex> lock(f->mu);
  CHECK(f->calls.size() == 1);
}

TEST_CASE("one_cli: an image's state and use; oneimage create's id; template quoting") {
  auto fake = std::make_unique<FakeLocal>();
  FakeLocal* f = fake.get();
  OneCli one(std::move(fake));
  f->reply.out = "<IMAGE><ID>7</ID><NAME>data</NAME><STATE>8</STATE><RUNNING_VMS>1</RUNNING_VMS>"
                 "<PERSISTENT>1</PERSISTENT><DATASTORE_ID>100</DATASTORE_ID>"
                 "<SOURCE><![CDATA[mfs:/one-ipfs/100/7-1]]></SOURCE></IMAGE>";
  auto img = one.Image("7");
  REQUIRE(img.ok());
  CHECK(img->InUse());
  CHECK(img->StateName() == "USED_PERS");
  CHECK(img->source == "mfs:/one-ipfs/100/7-1");
  CHECK(img->persistent);
  CHECK(f->calls.back() == std::vector<std::string>{"oneimage", "show", "-x", "7"});
  auto ready = ParseImageXml("<IMAGE><ID>8</ID><STATE>1</STATE><RUNNING_VMS>0</RUNNING_VMS></IMAGE>");
  REQUIRE(ready.ok());
  CHECK(!ready->InUse());
  CHECK(!ParseImageXml("<IMAGE><ID>8</ID></IMAGE>").ok());
  f->reply.out = "ID: 31\n";
  auto id = one.CreateImage("100", "NAME = \"x\"\n");
  REQUIRE(id.ok());
  CHECK(*id == "31");
  REQUIRE(f->calls.back().size() == 5);
  CHECK(f->calls.back()[1] == "create");
  CHECK(f->calls.back()[3] == "100");
  f->reply.exit_code = 255;
  f->reply.err = "[one.image.allocate] NAME is already taken\n";
  CHECK(one.CreateImage("100", "").status().message().find("already taken") != std::string::npos);
  CHECK(!one.CreateImage("1; x", "").ok());
  CHECK(TemplateQuote("a\"b\\c\nd") == "\"a\\\"b\\\\c d\"");
}

}  // namespace
}  // namespace oneipfs
