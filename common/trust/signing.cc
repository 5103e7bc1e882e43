#include "common/trust/signing.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "common/ipfs/cid.h"

namespace oneipfs {

struct SigningKey::Impl {
  EVP_PKEY* pkey = nullptr;
  ~Impl() { EVP_PKEY_free(pkey); }
};

SigningKey::~SigningKey() = default;
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;

namespace {

constexpr std::uint8_t kEd25519Pub[2] = {0xed, 0x01};  // multicodec ed25519-pub (varint)
constexpr std::string_view kDidKey = "did:key:z";

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status MakeDirs(const std::string& dir) {
  if (dir.empty()) return Status::Ok();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) return Status::Ok();
  size_t slash = dir.rfind('/');
  if (slash != std::string::npos && slash > 0) RETURN_IF_ERROR(MakeDirs(dir.substr(0, slash)));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Io(fmt::format("cannot create {}: {}", dir, std::strerror(errno)));
  return Status::Ok();
}

}  // namespace

std::string DefaultSigningKeyPath(const char* one_location) {
  if (one_location && *one_location) return fmt::format("{}/var/.one/one-ipfs-signing.key", one_location);
  return "/var/lib/one/.one/one-ipfs-signing.key";
}

Result<SigningKey> SigningKey::Generate() {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  EVP_PKEY* pkey = nullptr;
  bool ok = ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &pkey) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return Status::Failed("cannot generate an ed25519 key (OpenSSL)");
  return FromPkey(pkey, "a new key");
}

Result<SigningKey> SigningKey::Load(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(fmt::format("signing key {} does not exist", path));
    return Status::Io(fmt::format("cannot open signing key {}: {}", path, std::strerror(errno)));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Invalid(fmt::format("signing key {} is not a regular file", path));
  }
  if (st.st_mode & 077) {
    ::close(fd);
    return Status::Invalid(fmt::format("signing key {} may be read by others (mode {:o}); chmod 600 {}", path,
                                       st.st_mode & 0777, path));
  }
  std::string pem = ReadAll(fd);
  ::close(fd);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (!pkey) return Status::Invalid(fmt::format("signing key {} is not a PEM private key", path));
  return FromPkey(pkey, path);
}

Status CheckKeyUser(const std::string& path) {
  if (::geteuid() != 0) return Status::Ok();
  std::string at = path;
  struct stat sb {};
  while (::lstat(at.c_str(), &sb) != 0) {
    auto slash = at.rfind('/');
    if (slash == std::string::npos) return Status::Ok();  // a relative path with nothing there: root's own
    at = slash == 0 ? "/" : at.substr(0, slash);
  }
  if (sb.st_uid == 0) return Status::Ok();
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  std::string owner = ::getpwuid_r(sb.st_uid, &pw, buf, sizeof buf, &found) == 0 && found && found->pw_name
                          ? std::string(found->pw_name)
                          : fmt::format("uid {}", sb.st_uid);
  return Status::Invalid(fmt::format(
      "run this as {} (e.g. sudo -u {}), not as root: {} belongs to {}, and as root the signing key {} and the "
      "history spool beside it would become root's, which the drivers (running as {}) cannot use",
      owner, owner, at, owner, path, owner));
}

Result<SigningKey> SigningKey::LoadOrCreate(const std::string& path) {
  auto loaded = Load(path);
  if (loaded.ok() || loaded.status().code() != Status::Code::kNotFound) return loaded;
  ASSIGN_OR_RETURN(SigningKey key, Generate());
  BIO* bio = BIO_new(BIO_s_mem());
  bool ok = bio && PEM_write_bio_PrivateKey(bio, key.impl_->pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::string pem;
  if (ok) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  if (!ok) return Status::Failed("cannot encode the new signing key (OpenSSL)");
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  RETURN_IF_ERROR(MakeDirs(dir));
  std::string tmp = path + ".new-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);  // 0600, a name of its own
  if (fd < 0) return Status::Io(fmt::format("cannot create signing key {}: {}", tmp, std::strerror(errno)));
  bool written = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return Status::Io(fmt::format("cannot write signing key {}", tmp));
  }
  // link() never replaces: if another action created the key meanwhile, its
  // key wins and we load it.
  int linked = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0 && link_errno != EEXIST)
    return Status::Io(fmt::format("cannot create signing key {}: {}", path, std::strerror(link_errno)));
  if (int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    ::fsync(d);
    ::close(d);
  }
  return Load(path);
}

Result<SigningKey> SigningKey::FromPkey(EVP_PKEY* pkey, std::string_view what) {
  if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(pkey);
    return Status::Invalid(fmt::format("{} is not an ed25519 key", what));
  }
  SigningKey k;
  k.impl_ = std::make_unique<Impl>();
  k.impl_->pkey = pkey;
  size_t len = k.public_.size();
  if (EVP_PKEY_get_raw_public_key(pkey, k.public_.data(), &len) != 1 || len != k.public_.size())
    return Status::Invalid(fmt::format("{}: cannot read its public key", what));
  return k;
}

std::string SigningKey::PublisherId() const { return PublisherIdOf(public_); }

Result<std::string> SigningKey::Sign(std::string_view data) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string sig(64, '\0');
  size_t len = sig.size();
  bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, impl_->pkey) == 1 &&
            EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || len != 64) return Status::Failed("cannot sign (OpenSSL)");
  return sig;
}

std::string PublisherIdOf(const PublicKey& key) {
  std::vector<std::uint8_t> bytes(2 + key.size());
  std::copy(kEd25519Pub, kEd25519Pub + 2, bytes.begin());
  std::copy(key.begin(), key.end(), bytes.begin() + 2);
  return std::string(kDidKey) + Base58btcEncode(bytes);
}

Result<PublicKey> ParsePublisherId(std::string_view id) {
  auto bad = [&] {
    return Status::Invalid(fmt::format("'{}' is not a publisher id (did:key:z6Mk...)", id.substr(0, 80)));
  };
  if (!id.starts_with(kDidKey) || id.size() > 120) return bad();
  auto bytes = Base58btcDecode(id.substr(kDidKey.size()));
  if (!bytes.ok() || bytes->size() != 34 || (*bytes)[0] != kEd25519Pub[0] || (*bytes)[1] != kEd25519Pub[1])
    return bad();
  PublicKey key;
  std::copy(bytes->begin() + 2, bytes->end(), key.begin());
  return key;
}

Status VerifySignature(std::string_view publisher, std::string_view data, std::string_view signature) {
  ASSIGN_OR_RETURN(PublicKey key, ParsePublisherId(publisher));
  if (signature.size() != 64)
    return Status::Invalid(fmt::format("a signature of {} has {} bytes, not 64", publisher, signature.size()));
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = pkey && ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  if (!ok) return Status::Invalid(fmt::format("the signature does not verify against {}", publisher));
  return Status::Ok();
}

}  // namespace oneipfs
