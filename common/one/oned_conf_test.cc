// Unit tests for oned_conf.h: inspect / register / unregister over the real
// oned.conf files of tests/fixtures/oned.conf (every *.conf there), partial
// registrations, comments, driver names that merely contain "ipfs", the
// files the parser must refuse (with the line), and the unified diff.
#include "common/one/oned_conf.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace oneipfs {
namespace {

namespace fs = std::filesystem;

const std::string kMarker = "# one-ipfs: IPFS datastore and transfer drivers (added by one-ipfs-register)";

fs::path FixtureDir() {
  const char* src = std::getenv("ONEIPFS_SOURCE_DIR");
  fs::path root = src && *src ? fs::path(src) : fs::path(ONEIPFS_TEST_SOURCE_DIR);
  return root / "tests" / "fixtures" / "oned.conf";
}

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Fixture {
  std::string name;
  std::string text;
};

std::vector<Fixture> Fixtures() {
  std::vector<Fixture> out;
  for (const auto& entry : fs::directory_iterator(FixtureDir()))
    if (entry.path().extension() == ".conf") out.push_back({entry.path().filename().string(), ReadFile(entry.path())});
  std::sort(out.begin(), out.end(), [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
  return out;
}

std::string FixtureText(const std::string& name) { return ReadFile(FixtureDir() / name); }

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  REQUIRE_MESSAGE(text.find(from, at + 1) == std::string::npos, from);
  return text.replace(at, from.size(), to);
}

size_t LineOf(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  REQUIRE_MESSAGE(at != std::string::npos, needle);
  return 1 + std::count(text.begin(), text.begin() + at, '\n');
}

// A small oned.conf with everything the registration looks at.
std::string Mini(const std::string& ds_list = "dummy,fs", const std::string& tm_list = "dummy,shared,ssh",
                 const std::string& extra = "") {
  return "LOG = [ SYSTEM = \"file\", DEBUG_LEVEL = 3 ]\n"
         "TM_MAD = [\n"
         "    EXECUTABLE = \"one_tm\",\n"
         "    ARGUMENTS = \"-t 15 -d " + tm_list + "\"\n"
         "]\n"
         "DATASTORE_MAD = [\n"
         "    EXECUTABLE = \"one_datastore\",\n"
         "    ARGUMENTS  = \"-t 15 -d " + ds_list + " -s shared,ssh\"\n"
         "]\n" + extra;
}

void CheckInvalid(const std::string& text, const std::string& expected_start) {
  auto inspect = InspectOnedConf(text);
  REQUIRE_FALSE(inspect.ok());
  CHECK(inspect.status().code() == Status::Code::kInvalid);
  CHECK_MESSAGE(inspect.status().message().rfind(expected_start, 0) == 0, inspect.status().message());
  CHECK(inspect.status().message().find('\n') == std::string::npos);
  auto reg = RegisterIpfs(text);
  REQUIRE_FALSE(reg.ok());
  CHECK(reg.status().message() == inspect.status().message());
  auto unreg = UnregisterIpfs(text);
  REQUIRE_FALSE(unreg.ok());
  CHECK(unreg.status().message() == inspect.status().message());
}

}  // namespace

TEST_CASE("oned_conf: the fixtures are there and none registers ipfs") {
  auto fixtures = Fixtures();
  REQUIRE(fixtures.size() >= 5);
  for (const auto& f : fixtures) {
    INFO(f.name);
    auto r = InspectOnedConf(f.text);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK_FALSE(r->datastore_mad_listed);
    CHECK_FALSE(r->tm_mad_listed);
    CHECK_FALSE(r->ds_mad_conf);
    CHECK_FALSE(r->tm_mad_conf);
    CHECK_FALSE(r->complete());
  }
}

TEST_CASE("oned_conf: every fixture registers fully, keeping every other byte") {
  for (const auto& f : Fixtures()) {
    INFO(f.name);
    auto reg = RegisterIpfs(f.text);
    REQUIRE_MESSAGE(reg.ok(), reg.status().message());
    auto r = InspectOnedConf(*reg);
    REQUIRE(r.ok());
    CHECK(r->datastore_mad_listed);
    CHECK(r->tm_mad_listed);
    CHECK(r->ds_mad_conf);
    CHECK(r->tm_mad_conf);
    CHECK(r->complete());
    // Two ",ipfs" in the lists, then the appended tail; nothing else.
    CHECK(Count(*reg, ",ipfs") == Count(f.text, ",ipfs") + 2);
    size_t tail = reg->find("\n" + kMarker + "\n");
    REQUIRE(tail != std::string::npos);
    CHECK(Count(*reg, kMarker) == 1);
    std::string head = reg->substr(0, tail);
    head.erase(head.find(",ipfs"), 5);
    head.erase(head.find(",ipfs"), 5);
    CHECK(head == f.text);
    // The blocks come from ipfs.conf, without its instruction comments.
    std::string blocks = kIpfsConfBlocks;
    std::string ds_block = blocks.substr(blocks.find("DS_MAD_CONF"));
    ds_block = ds_block.substr(0, ds_block.find("]\n") + 2);
    CHECK(reg->find(ds_block, tail) != std::string::npos);
    CHECK(reg->find("TM_MAD_CONF = [\n    NAME = \"ipfs\"", tail) != std::string::npos);
    CHECK(reg->find("# 1. Add \"ipfs\"") == std::string::npos);
    CHECK(reg->back() == '\n');
  }
}

TEST_CASE("oned_conf: the -d lists of real files get ipfs at their end") {
  auto reg = RegisterIpfs(FixtureText("oned-5.12.conf"));
  REQUIRE(reg.ok());
  CHECK(reg->find("ARGUMENTS  = \"-t 15 -d dummy,fs,lvm,ceph,dev,iscsi_libvirt,vcenter,ipfs -s "
                  "shared,ssh,ceph,fs_lvm,qcow2,vcenter\"") != std::string::npos);
  CHECK(reg->find("ARGUMENTS = \"-t 15 -d dummy,lvm,shared,fs_lvm,qcow2,ssh,ceph,dev,vcenter,iscsi_libvirt,ipfs\"") !=
        std::string::npos);
  // The operator-edited file: the list on its own line of a multi-line
  // ARGUMENTS; the commented-out stock section stays as it was.
  std::string edited = FixtureText("oned-5.12-edited.conf");
  reg = RegisterIpfs(edited);
  REQUIRE(reg.ok());
  CHECK(reg->find("                  -d dummy,fs,lvm,ceph,dev,iscsi_libvirt,vcenter,linstor_un,ipfs\n") !=
        std::string::npos);
  CHECK(reg->find("#    ARGUMENTS  = \"-t 15 -d dummy,fs,lvm,ceph,dev,iscsi_libvirt,vcenter -s ") != std::string::npos);
  CHECK(reg->find("]\n" + kMarker) != std::string::npos);  // the missing final newline is supplied
}

TEST_CASE("oned_conf: registering twice is registering once") {
  for (const auto& f : Fixtures()) {
    INFO(f.name);
    auto once = RegisterIpfs(f.text);
    REQUIRE(once.ok());
    auto twice = RegisterIpfs(*once);
    REQUIRE(twice.ok());
    CHECK(*twice == *once);
  }
}

TEST_CASE("oned_conf: unregister undoes register byte for byte") {
  for (const auto& f : Fixtures()) {
    INFO(f.name);
    auto reg = RegisterIpfs(f.text);
    REQUIRE(reg.ok());
    auto unreg = UnregisterIpfs(*reg);
    REQUIRE_MESSAGE(unreg.ok(), unreg.status().message());
    CHECK(*unreg == f.text);
    // Nothing registered: nothing to remove.
    auto again = UnregisterIpfs(f.text);
    REQUIRE(again.ok());
    CHECK(*again == f.text);
  }
}

TEST_CASE("oned_conf: a partial registration gets only what is missing") {
  std::string base = FixtureText("oned-6.10.conf");
  const std::string ds_args = "vcenter,restic,rsync -s shared";

  SUBCASE("ipfs already in the DATASTORE_MAD list") {
    std::string x = Replaced(base, ds_args, "vcenter,restic,rsync,ipfs -s shared");
    auto r = InspectOnedConf(x);
    REQUIRE(r.ok());
    CHECK(r->datastore_mad_listed);
    CHECK_FALSE(r->tm_mad_listed);
    auto reg = RegisterIpfs(x);
    REQUIRE(reg.ok());
    CHECK(Count(*reg, "rsync,ipfs -s") == 1);
    CHECK(Count(*reg, "ipfs,ipfs") == 0);
    CHECK(Count(*reg, "iscsi_libvirt,ipfs\"") == 1);  // TM_MAD
    CHECK(InspectOnedConf(*reg)->complete());
  }

  SUBCASE("a hand-written DS_MAD_CONF for ipfs: only the TM_MAD_CONF block is appended") {
    std::string mine = "DS_MAD_CONF = [ NAME = \"ipfs\", REQUIRED_ATTRS = \"\", PERSISTENT_ONLY = \"NO\" ]\n";
    std::string ceph = "DS_MAD_CONF = [\n    NAME = \"ceph\"";
    std::string x = Replaced(base, ceph, mine + ceph);
    auto r = InspectOnedConf(x);
    REQUIRE(r.ok());
    CHECK(r->ds_mad_conf);
    CHECK_FALSE(r->tm_mad_conf);
    auto reg = RegisterIpfs(x);
    REQUIRE(reg.ok());
    size_t tail = reg->find("\n" + kMarker + "\n");
    REQUIRE(tail != std::string::npos);
    CHECK(reg->find("DS_MAD_CONF", tail) == std::string::npos);
    CHECK(reg->find("TM_MAD_CONF = [\n    NAME = \"ipfs\"", tail) != std::string::npos);
    CHECK(InspectOnedConf(*reg)->complete());
    CHECK(*RegisterIpfs(*reg) == *reg);
    // Unregistering removes the hand-written block too: nothing of ipfs stays.
    auto unreg = UnregisterIpfs(*reg);
    REQUIRE(unreg.ok());
    CHECK(*unreg == base);
  }

  SUBCASE("only the TM_MAD list is missing: one insertion, no blocks") {
    auto full = RegisterIpfs(base);
    REQUIRE(full.ok());
    std::string x = Replaced(*full, "iscsi_libvirt,ipfs\"\n]", "iscsi_libvirt\"\n]");
    auto r = InspectOnedConf(x);
    REQUIRE(r.ok());
    CHECK_FALSE(r->tm_mad_listed);
    CHECK(r->datastore_mad_listed);
    CHECK(r->ds_mad_conf);
    CHECK(r->tm_mad_conf);
    auto reg = RegisterIpfs(x);
    REQUIRE(reg.ok());
    CHECK(*reg == *full);
  }
}

TEST_CASE("oned_conf: comments and commented-out sections are not registration") {
  std::string extra =
      "#DATASTORE_MAD = [\n"
      "#    EXECUTABLE = \"one_datastore\",\n"
      "#    ARGUMENTS  = \"-t 15 -d dummy,fs,ipfs -s shared\"\n"
      "#]\n"
      "# TM_MAD = [ EXECUTABLE = \"one_tm\", ARGUMENTS = \"-d ipfs\" ]\n"
      "#DS_MAD_CONF = [ NAME = \"ipfs\" ]\n"
      "  # TM_MAD_CONF = [\n"
      "  #   NAME = \"ipfs\"\n"
      "  # ]\n"
      "LOG_CALL_FORMAT = \"Req:%i # DS_MAD_CONF = [ NAME = ipfs ]\"  # a '#' in a string is no comment\n";
  std::string x = Mini("dummy,fs", "dummy,shared,ssh", extra);
  auto r = InspectOnedConf(x);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK_FALSE(r->datastore_mad_listed);
  CHECK_FALSE(r->tm_mad_listed);
  CHECK_FALSE(r->ds_mad_conf);
  CHECK_FALSE(r->tm_mad_conf);
  auto reg = RegisterIpfs(x);
  REQUIRE(reg.ok());
  CHECK(reg->find("\"-t 15 -d dummy,fs,ipfs -s shared,ssh\"") != std::string::npos);
  CHECK(reg->find("#    ARGUMENTS  = \"-t 15 -d dummy,fs,ipfs -s shared\"") != std::string::npos);  // untouched
  CHECK(InspectOnedConf(*reg)->complete());
  CHECK(*UnregisterIpfs(*reg) == x);
  // A comment inside a section, and after a value.
  std::string inside = Mini("dummy,fs", "dummy",
                            "DS_MAD_CONF = [\n  # NAME = \"ipfs\",\n  NAME = \"fs\" # , NAME = \"ipfs\"\n]\n");
  r = InspectOnedConf(inside);
  REQUIRE(r.ok());
  CHECK_FALSE(r->ds_mad_conf);
}

TEST_CASE("oned_conf: ipfs already listed is not added again; ipfsx is not ipfs") {
  auto r = InspectOnedConf(Mini("dummy,ipfsx,fs,xipfs,ipfs_old", "ipfs2,dummy"));
  REQUIRE(r.ok());
  CHECK_FALSE(r->datastore_mad_listed);
  CHECK_FALSE(r->tm_mad_listed);
  auto reg = RegisterIpfs(Mini("dummy,ipfsx,fs,xipfs,ipfs_old", "ipfs2,dummy"));
  REQUIRE(reg.ok());
  CHECK(reg->find("-d dummy,ipfsx,fs,xipfs,ipfs_old,ipfs -s") != std::string::npos);
  CHECK(reg->find("-d ipfs2,dummy,ipfs\"") != std::string::npos);

  std::string listed = Mini("ipfs,dummy,fs", "dummy,ipfs,ssh");
  r = InspectOnedConf(listed);
  REQUIRE(r.ok());
  CHECK(r->datastore_mad_listed);
  CHECK(r->tm_mad_listed);
  reg = RegisterIpfs(listed);
  REQUIRE(reg.ok());
  CHECK(reg->find("-d ipfs,dummy,fs -s") != std::string::npos);
  CHECK(reg->find("-d dummy,ipfs,ssh\"") != std::string::npos);
  CHECK(Count(*reg, "ipfs,") == 2);  // nothing appended to either list
  // Unregister takes ipfs out wherever it is in the list, and only ipfs.
  auto unreg = UnregisterIpfs(*reg);
  REQUIRE(unreg.ok());
  CHECK(unreg->find("-d dummy,fs -s") != std::string::npos);
  CHECK(unreg->find("-d dummy,ssh\"") != std::string::npos);
  CHECK(unreg->find(kMarker) == std::string::npos);
  CHECK(*UnregisterIpfs(Mini("dummy,ipfsx", "ipfs2")) == Mini("dummy,ipfsx", "ipfs2"));
  // Keys and attribute names are case-insensitive, driver names are not.
  std::string lower =
      "tm_mad = [ executable = \"one_tm\", arguments = \"-d dummy\" ]\n"
      "datastore_mad = [ executable = \"one_datastore\", arguments = \"-d IPFS\" ]\n"
      "ds_mad_conf = [ name = \"ipfs\" ]\n";
  r = InspectOnedConf(lower);
  REQUIRE(r.ok());
  CHECK_FALSE(r->datastore_mad_listed);
  CHECK(r->ds_mad_conf);
}

TEST_CASE("oned_conf: unregister refuses to empty a list and removes hand-written blocks") {
  auto only = UnregisterIpfs(Mini("ipfs"));
  REQUIRE_FALSE(only.ok());
  CHECK(only.status().code() == Status::Code::kInvalid);
  CHECK(only.status().message().rfind("line 8: ipfs is the only driver in the DATASTORE_MAD -d list", 0) == 0);
  std::string hand = Mini("dummy,ipfs,fs", "ipfs,dummy",
                          "\nTM_MAD_CONF = [\n    NAME = \"ipfs\", LN_TARGET = \"SYSTEM\"\n]\n\n"
                          "DS_MAD_CONF = [ NAME = \"ipfs\" ]  # mine\nVNC_PORTS = [ START = 5900 ]\n");
  auto unreg = UnregisterIpfs(hand);
  REQUIRE(unreg.ok());
  CHECK(*unreg == Mini("dummy,fs", "dummy", "\n\nVNC_PORTS = [ START = 5900 ]\n"));
  // A hand-written block on the last line, no final newline: Register puts the
  // marker right after it; Unregister takes both.
  std::string last = Mini() + "DS_MAD_CONF = [ NAME = \"ipfs\" ]";
  auto reg = RegisterIpfs(last);
  REQUIRE(reg.ok());
  CHECK(reg->find("DS_MAD_CONF = [ NAME = \"ipfs\" ]\n" + kMarker + "\n# Image datastores") != std::string::npos);
  unreg = UnregisterIpfs(*reg);
  REQUIRE(unreg.ok());
  CHECK(*unreg == Mini());
}

TEST_CASE("oned_conf: unparseable files are refused with the line") {
  std::string base = FixtureText("oned-6.10.conf");

  SUBCASE("unterminated [") {
    size_t line = LineOf(base, "DATASTORE_MAD = [");
    std::string x = Replaced(base, "qcow2,vcenter\"\n]\n", "qcow2,vcenter\"\n\n");
    CheckInvalid(x, "line " + std::to_string(line) + ": DATASTORE_MAD = [ is not closed");
    CheckInvalid("LOG = [ SYSTEM = \"file\",\n  DEBUG_LEVEL = 3\n",
                 "line 1: LOG = [ is not closed: line 3 has the end");
  }
  SUBCASE("unterminated \"") {
    CheckInvalid(Mini() + "\nMAC_PREFIX   = \"02:00\nNETWORK_SIZE = 254\n", "line 11: unterminated string");
    // A closing quote missing in the middle: the string runs on into the next
    // sections; the error names the section and the string to look at.
    std::string x = Replaced(base, "\"-t 1 -i dummy,aws,equinix,vultr\"", "\"-t 1 -i dummy,aws,equinix,vultr");
    size_t ipam = LineOf(base, "IPAM_MAD = [");
    CheckInvalid(x, "line " + std::to_string(ipam) + ": IPAM_MAD = [ is not closed: line ");
    auto r = InspectOnedConf(x);
    CHECK_MESSAGE(r.status().message().find("(is the string that starts at line " + std::to_string(ipam + 2) +
                                            " missing its closing '\"'?)") != std::string::npos,
                  r.status().message());
    // Legitimate multi-line strings (IMPORTED_VMS_ACTIONS) are not suspected.
    x = Replaced(base, "ARGUMENTS  = \"-t 15 -m http", "ARGUMENTS  = \"-t 15 -m http\"");
    CheckInvalid(x, "line " + std::to_string(LineOf(base, "-t 15 -m http")) + ": in MARKET_MAD = [ (line ");
    CHECK(InspectOnedConf(x).status().message().find("closing") == std::string::npos);
  }
  SUBCASE("two DATASTORE_MAD sections") {
    std::string x = base + "\nDATASTORE_MAD = [ EXECUTABLE = \"one_datastore\", ARGUMENTS = \"-d fs\" ]\n";
    size_t second = 1 + std::count(base.begin(), base.end(), '\n') + 1;
    CheckInvalid(x, "line " + std::to_string(second) + ": a second DATASTORE_MAD section (the first is at line " +
                        std::to_string(LineOf(base, "DATASTORE_MAD = [")) + ")");
  }
  SUBCASE("two TM_MAD sections") {
    CheckInvalid(Mini() + "TM_MAD = [ EXECUTABLE = \"one_tm\", ARGUMENTS = \"-d ssh\" ]\n",
                 "line 10: a second TM_MAD section (the first is at line 2)");
  }
  SUBCASE("no ARGUMENTS") {
    std::string x = Replaced(base, "ARGUMENTS  = \"-t 15 -d dummy,fs,lvm", "XARGUMENTS = \"-t 15 -d dummy,fs,lvm");
    CheckInvalid(x, "line " + std::to_string(LineOf(base, "DATASTORE_MAD = [")) + ": DATASTORE_MAD has no ARGUMENTS");
  }
  SUBCASE("no -d") {
    std::string x = Replaced(base, "\"-t 15 -d dummy,fs,lvm", "\"-t 15 dummy,fs,lvm");
    size_t line = LineOf(base, "\"-t 15 -d dummy,fs,lvm");
    CheckInvalid(x, "line " + std::to_string(line) + ": DATASTORE_MAD ARGUMENTS has no -d driver list");
    CheckInvalid(Mini("dummy", ""), "line 4: TM_MAD ARGUMENTS has no -d driver list");
    CheckInvalid(Mini("dummy -d fs"), "line 8: DATASTORE_MAD ARGUMENTS has two -d lists");
  }
  SUBCASE("no section at all, not a section, bad tokens") {
    CheckInvalid("LOG = [ SYSTEM = \"file\" ]\n", "no DATASTORE_MAD = [ ... ] section");
    CheckInvalid("TM_MAD = [ ARGUMENTS = \"-d ssh\" ]\nDATASTORE_MAD = \"one_datastore\"\n",
                 "line 2: DATASTORE_MAD is not a [ ... ] section");
    CheckInvalid("DATASTORE_MAD = [ ARGUMENTS = \"-d fs\" ]\n", "no TM_MAD = [ ... ] section");
    CheckInvalid(Mini() + "PORT 2633\n", "line 10: expected '=' after PORT, found '2633'");
    CheckInvalid(Mini() + "= 2633\n", "line 10: expected an attribute name, found '='");
    CheckInvalid(Mini() + "VNC_PORTS = [ START = 5900 RESERVED = \"1\" ]\n",
                 "line 10: VNC_PORTS = [ is not closed: line 10 has 'RESERVED'");
    CheckInvalid(Mini() + "VNC_PORTS = [ START = 5900,\n  = 1 ]\n",
                 "line 11: in VNC_PORTS = [ (line 10): expected an attribute or ']', found '='");
    CheckInvalid(Mini() + "TM_MAD_CONF = [ NAME = [ ] ]\n", "line 10: in TM_MAD_CONF = [ (line 10): expected a value");
  }
}

TEST_CASE("oned_conf: unified diff") {
  CHECK(UnifiedDiff("a\nb\n", "a\nb\n", "x", "y").empty());
  CHECK(UnifiedDiff("a\nb\nc\n", "a\nB\nc\n", "x", "y") == "--- x\n+++ y\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  CHECK(UnifiedDiff("", "x\n", "a", "b") == "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
  CHECK(UnifiedDiff("x\n", "", "a", "b") == "--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n");
  CHECK(UnifiedDiff("a\nb", "a\nb\nc\n", "x", "y") ==
        "--- x\n+++ y\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n");

  // Appended text shows after the old last line, not around it.
  CHECK(UnifiedDiff("x\n]\n", "x\n]\nA\n]\n", "a", "b") == "--- a\n+++ b\n@@ -1,2 +1,4 @@\n x\n ]\n+A\n+]\n");
  CHECK(UnifiedDiff("x\n]\nA\n]\n", "x\n]\n", "a", "b") == "--- a\n+++ b\n@@ -1,4 +1,2 @@\n x\n ]\n-A\n-]\n");

  std::string a, b, c;
  for (int i = 1; i <= 20; ++i) {
    a += "L" + std::to_string(i) + "\n";
    b += (i == 2 || i == 18 ? "M" : "L") + std::to_string(i) + "\n";
    c += (i == 2 || i == 9 ? "M" : "L") + std::to_string(i) + "\n";
  }
  CHECK(UnifiedDiff(a, b, "a", "b") ==
        "--- a\n+++ b\n"
        "@@ -1,5 +1,5 @@\n L1\n-L2\n+M2\n L3\n L4\n L5\n"
        "@@ -15,6 +15,6 @@\n L15\n L16\n L17\n-L18\n+M18\n L19\n L20\n");
  // Changes six lines apart share one hunk.
  CHECK(UnifiedDiff(a, c, "a", "b") ==
        "--- a\n+++ b\n"
        "@@ -1,12 +1,12 @@\n L1\n-L2\n+M2\n L3\n L4\n L5\n L6\n L7\n L8\n-L9\n+M9\n L10\n L11\n L12\n");

  // A registration: the two list lines and the appended blocks.
  std::string conf = FixtureText("oned-7.x.conf");
  auto reg = RegisterIpfs(conf);
  REQUIRE(reg.ok());
  std::string d = UnifiedDiff(conf, *reg, "oned.conf", "oned.conf (registered)");
  CHECK(d.rfind("--- oned.conf\n+++ oned.conf (registered)\n@@ -", 0) == 0);
  CHECK(Count(d, "\n@@ -") == 3);
  const std::string tm = "    ARGUMENTS = \"-t 15 -d dummy,lvm,shared,fs_lvm,fs_lvm_ssh,qcow2,ssh,local,ceph,dev,"
                         "iscsi_libvirt,netapp,purefa";
  CHECK(d.find("\n-" + tm + "\"\n+" + tm + ",ipfs\"\n") != std::string::npos);
  CHECK(d.find("\n+" + kMarker + "\n+DS_MAD_CONF = [\n+    NAME = \"ipfs\",\n") != std::string::npos);
  CHECK(d.find("\n+    ALLOW_ORPHANS = \"YES\"\n+]\n") != std::string::npos);
  size_t removed = 0;
  std::istringstream lines(d);
  for (std::string l; std::getline(lines, l);)
    if (l.rfind("-", 0) == 0 && l.rfind("---", 0) != 0) ++removed;
  CHECK(removed == 2);
}

}  // namespace oneipfs
