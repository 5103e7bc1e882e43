#include "common/trust/signing.h"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/base/scratch_files_test.h"

namespace oneipfs {

TEST_CASE("signing: sign, verify, and the publisher id round trip") {
  auto key = SigningKey::Generate();
  REQUIRE(key.ok());
  std::string id = key->PublisherId();
  CHECK(id.rfind("did:key:z6Mk", 0) == 0);
  auto parsed = ParsePublisherId(id);
  REQUIRE(parsed.ok());
  CHECK(*parsed == key->public_key());
  auto sig = key->Sign("app record");
  REQUIRE(sig.ok());
  CHECK(sig->size() == 64);
  CHECK(VerifySignature(id, "app record", *sig).ok());
  CHECK_FALSE(VerifySignature(id, "app recorD", *sig).ok());
  std::string flipped = *sig;
  flipped[10] ^= 1;
  CHECK_FALSE(VerifySignature(id, "app record", flipped).ok());
  auto other = SigningKey::Generate();
  REQUIRE(other.ok());
  Status wrong = VerifySignature(other->PublisherId(), "app record", *sig);
  CHECK(wrong.message().find("does not verify against did:key:z6Mk") != std::string::npos);
  CHECK_FALSE(VerifySignature(id, "app record", sig->substr(0, 63)).ok());
  for (const char* bad : {"", "did:key:", "did:key:z", "did:key:zzzz", "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                          "did:web:example.com"})
    CHECK_FALSE_MESSAGE(ParsePublisherId(bad).ok(), bad);
}

TEST_CASE("signing: the key file is created once, 0600, and refused when others may read it") {
  const std::string dir = testing::MakeTempDir("one-ipfs-signing").string();
  std::string path = dir + "/sub/dir/key.pem";
  CHECK(SigningKey::Load(path).status().code() == Status::Code::kNotFound);
  // Created by whichever of several concurrent first users links first.
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (auto& id : ids)
    threads.emplace_back([&] {
      auto k = SigningKey::LoadOrCreate(path);
      id = k.ok() ? k->PublisherId() : k.status().message();
    });
  for (auto& t : threads) t.join();
  for (const auto& id : ids) CHECK(id == ids[0]);
  CHECK(ids[0].rfind("did:key:", 0) == 0);
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = SigningKey::Load(path);
  REQUIRE(again.ok());
  CHECK(again->PublisherId() == ids[0]);
  ::chmod(path.c_str(), 0644);
  Status open = SigningKey::Load(path).status();
  CHECK(open.message().find("may be read by others") != std::string::npos);
  CHECK(open.message().find("chmod 600") != std::string::npos);
  ::chmod(path.c_str(), 0600);
  { std::ofstream(dir + "/junk.pem") << "not a key"; }
  ::chmod((dir + "/junk.pem").c_str(), 0600);
  CHECK(SigningKey::Load(dir + "/junk.pem").status().code() == Status::Code::kInvalid);
  CHECK(DefaultSigningKeyPath(nullptr) == "/var/lib/one/.one/one-ipfs-signing.key");
  CHECK(DefaultSigningKeyPath("/opt/one") == "/opt/one/var/.one/one-ipfs-signing.key");
  std::filesystem::remove_all(dir);
}


TEST_CASE("CheckKeyUser: root is refused on another user's key directory, and nothing is created") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  auto dir = testing::MakeTempDir("keyuser");
  auto theirs = dir / "oneadmin-home";
  std::filesystem::create_directories(theirs);
  REQUIRE(::chown(theirs.c_str(), 65534, 65534) == 0);  // nobody
  std::string key = (theirs / ".one" / "one-ipfs-signing.key").string();
  Status st = CheckKeyUser(key);
  CHECK(st.code() == Status::Code::kInvalid);
  CHECK(st.message().find("not as root") != std::string::npos);
  CHECK(st.message().find(theirs.string()) != std::string::npos);
  CHECK(!std::filesystem::exists(theirs / ".one"));
  // root's own directory: fine.
  CHECK(CheckKeyUser((dir / "root-key.pem").string()).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace oneipfs
