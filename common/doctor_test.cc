// Unit tests for doctor.h: loopback detection, API address hosts, the report
// table and the onehost XML.
#include <doctest/doctest.h>

#include "common/doctor.h"

using namespace oneipfs;

TEST_CASE("doctor: loopback hosts") {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LocalHost", ""})
    CHECK_MESSAGE(IsLoopbackHost(h), h);
  for (const char* h : {"0.0.0.0", "10.0.0.1", "192.168.1.5", "::", "[::]", "127.0.0.1.example.com", "127.0.0",
                        "localhost.example.com", "128.0.0.1"})
    CHECK_MESSAGE(!IsLoopbackHost(h), h);
}

TEST_CASE("doctor: the host of an API address") {
  CHECK(ApiAddressHost("/ip4/127.0.0.1/tcp/5001").value() == "127.0.0.1");
  CHECK(ApiAddressHost("/ip4/0.0.0.0/tcp/5001").value() == "0.0.0.0");
  CHECK(ApiAddressHost("/dns4/ipfs.example.com/tcp/5001/https").value() == "ipfs.example.com");
  CHECK(ApiAddressHost("http://localhost:5001").value() == "localhost");
  CHECK(ApiAddressHost("https://10.1.1.1").value() == "10.1.1.1");
  CHECK(IsLoopbackHost(ApiAddressHost("/ip6/::1/tcp/5001").value()));
  CHECK(!IsLoopbackHost(ApiAddressHost("/ip6/::/tcp/5001").value()));
  CHECK(ApiAddressHost("/unix/run/ipfs.sock").value().empty());
  CHECK(!ApiAddressHost("/ip4/127.0.0.1").ok());
  CHECK(!ApiAddressHost("ftp://x").ok());
}

TEST_CASE("doctor: the report table") {
  Report r;
  CHECK(!r.failed());
  r.Pass("front end", "IPFS daemon", "version 0.66.1");
  r.Warn("hosts", "host list", "onehost not found", "name the hosts");
  CHECK(!r.failed());
  r.Fail("node1", "helper", "no helper at /var/tmp/one/tm/ipfs/one-ipfs-host", "run onehost sync --force");
  CHECK(r.failed());
  std::string t = r.Table();
  CHECK(t.find("PASS  front end  IPFS daemon  version 0.66.1\n") != std::string::npos);
  CHECK(t.find("FAIL  node1      helper       no helper at") != std::string::npos);
  CHECK(t.find("      fix: run onehost sync --force\n") != std::string::npos);
  CHECK(t.find("      fix: name the hosts\n") != std::string::npos);
  CHECK(t.find("1 passed, 1 warning, 1 failed") != std::string::npos);
  // PASS rows carry no fix line.
  CHECK(t.find("fix: \n") == std::string::npos);
}

TEST_CASE("doctor: hosts from onehost list -x") {
  auto hosts = ParseHostPool(
      "<HOST_POOL><HOST><ID>0</ID><NAME>kvm-1</NAME><STATE>2</STATE></HOST>"
      "<HOST><ID>3</ID><NAME>kvm 2.example.com</NAME></HOST></HOST_POOL>");
  REQUIRE(hosts.ok());
  REQUIRE(hosts->size() == 2);
  CHECK((*hosts)[0] == "kvm-1");
  CHECK((*hosts)[1] == "kvm 2.example.com");
  CHECK(ParseHostPool("<HOST_POOL/>")->empty());
  CHECK(!ParseHostPool("<HOST_POOL><HOST>").ok());
  CHECK(!ParseHostPool("<VM_POOL/>").ok());
}
