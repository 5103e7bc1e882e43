#include "common/base/digest.h"

#include <openssl/evp.h>

namespace oneipfs {

struct Digests::Impl {
  EVP_MD_CTX* md5 = EVP_MD_CTX_new();
  EVP_MD_CTX* sha1 = EVP_MD_CTX_new();
  ~Impl() {
    EVP_MD_CTX_free(md5);
    EVP_MD_CTX_free(sha1);
  }
};

namespace {
std::string Hex(const unsigned char* d, unsigned n) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < n; ++i) {
    s += k[d[i] >> 4];
    s += k[d[i] & 15];
  }
  return s;
}
}  // namespace

Digests::Digests() : impl_(std::make_unique<Impl>()) {
  EVP_DigestInit_ex(impl_->md5, EVP_md5(), nullptr);
  EVP_DigestInit_ex(impl_->sha1, EVP_sha1(), nullptr);
}
Digests::~Digests() = default;

void Digests::Update(std::string_view b) {
  EVP_DigestUpdate(impl_->md5, b.data(), b.size());
  EVP_DigestUpdate(impl_->sha1, b.data(), b.size());
}

void Digests::Finish() {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_DigestFinal_ex(impl_->md5, d, &n);
  md5_ = Hex(d, n);
  EVP_DigestFinal_ex(impl_->sha1, d, &n);
  sha1_ = Hex(d, n);
}

}  // namespace oneipfs
