// signing.h: the front end's ed25519 key, and the signatures made with it.
//
// One key per front end signs what one-ipfs records for others to trust:
// marketplace app records and their event log, and the catalog's history
// events. Its public half is the front end's *publisher id*, written as a
// did:key ("did:key:z6Mk..." = "did:key:z" + base58btc(0xed 0x01 +
// 32-byte public key), the W3C did:key form for ed25519): one token, safe in
// a space-separated setting such as IPFS_MARKET_TRUST.
//
// The key lives in IPFS_SIGNING_KEY (operator-only; default
// /var/lib/one/.one/one-ipfs-signing.key, or $ONE_LOCATION/var/.one/... in a
// self-contained install: oneadmin's private directory, never under
// remotes/, which `onehost sync` copies to every host). It is a PKCS#8 PEM
// file. LoadOrCreate makes one at first use: written 0600 to a temporary
// name in the same directory, fsync'd and linked into place, so two actions
// starting at once end up with the same key (the loser of the link loads the
// winner's). A key file that others may read, or that is not ed25519, is
// refused with a message that says how to fix it.
//
// Sign/Verify are over exact bytes (no canonicalisation): callers sign the
// serialised payload they store.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace oneipfs {

using PublicKey = std::array<std::uint8_t, 32>;

class SigningKey {
 public:
  ~SigningKey();
  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;

  // Loads `path`; NotFound when it does not exist.
  static Result<SigningKey> Load(const std::string& path);
  // Loads `path`, creating a new key there (and its directory, 0700) first
  // when it does not exist.
  static Result<SigningKey> LoadOrCreate(const std::string& path);
  // A key that lives only in memory (tests).
  static Result<SigningKey> Generate();

  const PublicKey& public_key() const { return public_; }
  std::string PublisherId() const;
  // The 64-byte ed25519 signature of `data`.
  Result<std::string> Sign(std::string_view data) const;

 private:
  SigningKey() = default;
  // Takes ownership of `pkey`.
  static Result<SigningKey> FromPkey(EVP_PKEY* pkey, std::string_view what);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  PublicKey public_{};
};

// "did:key:z6Mk..." <-> the public key. Invalid for anything else.
std::string PublisherIdOf(const PublicKey& key);
Result<PublicKey> ParsePublisherId(std::string_view id);

// Ok when `signature` (64 bytes) is `publisher`'s signature of `data`;
// Invalid (naming the publisher) otherwise.
Status VerifySignature(std::string_view publisher, std::string_view data, std::string_view signature);

// IPFS_SIGNING_KEY's default for this install (see above).
std::string DefaultSigningKeyPath(const char* one_location);

// For the operator tools: whether the running user may use the key at
// `path` (and the history spool beside it) without leaving files the
// drivers cannot use. The drivers run as oneadmin; a tool run as root would
// create the key, or spool events, root-owned, and every later action would
// then fail to sign. So root is refused (Invalid, naming the owner) when the
// key, or else the nearest existing directory above it, belongs to another
// user. Any other user, and root on root's own key, is fine.
Status CheckKeyUser(const std::string& path);

}  // namespace oneipfs
