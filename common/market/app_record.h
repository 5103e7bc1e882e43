// app_record.h: a marketplace app as its publisher signed it.
//
// The record is a signed record (trust/signed_record.h) whose payload is
// one JSON object:
//   {"kind":"one-ipfs-market-app","v":1,
//    "id":"<oned app id>-<regtime>",   the app at its publisher (stable)
//    "name","version","description",   as `onemarketapp create` set them
//    "cid":"<CID of the image>","bytes":N,"size_mb":N,"format":"qcow2",
//    "md5":"<32 hex>","time":<unix seconds>,
//    "publisher":"did:key:z6Mk...",    the signer (checked against the signature)
//    "app_template64":"...","vm_template64":"..."}  OpenNebula's APPTEMPLATE64 /
//                                      VMTEMPLATE64 (base64 text, may be "")
// The publisher signs the exact bytes of the payload (no canonical JSON):
// a record whose payload changed by one byte, or that another key signed,
// does not open. The image is named by its CID, so a record also fixes the
// content: whoever serves the blocks (the publisher, a mirror, any cloud
// that imported it), a subscriber gets exactly what was signed.
//
// OpenAppRecord is for records read from the network: it accepts only a
// record that verifies and whose every field has the type and shape above
// (a CID that parses, 32 hex digits, a format name, an id "<n>-<n>", names
// and texts of bounded length without control characters, base64 fields of
// the base64 alphabet); anything else is Invalid with the reason.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/trust/signing.h"

namespace oneipfs {

struct AppRecord {
  std::string id;
  std::string name, version, description;
  std::string cid;
  std::uint64_t bytes = 0, size_mb = 0;
  std::string format, md5;
  std::int64_t time = 0;
  std::string publisher;
  std::string app_template64, vm_template64;
};

// The payload text of `r` (publisher included as given).
Result<std::string> AppRecordPayload(const AppRecord& r);
// Sets r.publisher to key's id, then seals the payload.
Result<std::string> SealAppRecord(const SigningKey& key, AppRecord& r);
// Verifies and checks a sealed record (above).
Result<AppRecord> OpenAppRecord(std::string_view sealed);

// "<id>" of an app at its publisher: "<oned app id>-<regtime>" (decimal).
bool IsAppId(std::string_view id);
// A short, stable tag of a publisher id: the 16 characters after
// "did:key:z6Mk" (the fixed prefix of every ed25519 did:key).
std::string PublisherTag(std::string_view publisher);
// The directory of an app in a marketplace tree: "<publisher tag>-<id>".
std::string AppDirName(const AppRecord& r);

}  // namespace oneipfs
