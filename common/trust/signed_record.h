// signed_record.h: a payload signed by its publisher, stored as one JSON
// object
//
//   {"payload":"<text>","publisher":"did:key:z6Mk...","signature":"<base64>"}
//
// The signature is over the exact bytes of the "payload" string (no
// canonical JSON needed: readers verify those bytes, then parse them).
// OpenRecord accepts a record only when it is exactly that object, the
// publisher id parses and the signature verifies; anything else is Invalid
// with a reason (a changed payload, another key, a truncated signature, not
// JSON). Whether the publisher is one to trust is the caller's decision.
#pragma once

#include <string>
#include <string_view>

#include "common/trust/signing.h"
#include "common/base/status.h"

namespace oneipfs {

Result<std::string> SealRecord(const SigningKey& key, std::string_view payload);

struct OpenedRecord {
  std::string payload;
  std::string publisher;
};
Result<OpenedRecord> OpenRecord(std::string_view sealed);

}  // namespace oneipfs
