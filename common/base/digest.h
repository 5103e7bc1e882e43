// digest.h: MD5 and SHA1 of a byte stream, for the MD5/SHA1 image template
// attributes OpenNebula uses to verify what it registers (OpenSSL EVP).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace oneipfs {

class Digests {
 public:
  Digests();
  ~Digests();
  Digests(const Digests&) = delete;
  Digests& operator=(const Digests&) = delete;

  void Update(std::string_view bytes);
  // Lower-case hex; finishes the digests (call once, after the last Update).
  void Finish();
  const std::string& md5() const { return md5_; }
  const std::string& sha1() const { return sha1_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string md5_, sha1_;
};

}  // namespace oneipfs
