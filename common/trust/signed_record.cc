#include "common/trust/signed_record.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "common/base/base64.h"

namespace oneipfs {

Result<std::string> SealRecord(const SigningKey& key, std::string_view payload) {
  ASSIGN_OR_RETURN(std::string sig, key.Sign(payload));
  try {
    nlohmann::json j = {{"payload", std::string(payload)},
                        {"publisher", key.PublisherId()},
                        {"signature", Base64Encode(sig)}};
    return j.dump();
  } catch (const std::exception& e) {  // invalid UTF-8 in the payload
    return Status::Invalid(fmt::format("cannot seal a record: {}", e.what()));
  }
}

Result<OpenedRecord> OpenRecord(std::string_view sealed) {
  nlohmann::json j = nlohmann::json::parse(sealed, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("a signed record that is not a JSON object");
  if (j.size() != 3) return Status::Invalid("a signed record with fields other than payload, publisher, signature");
  auto payload = j.find("payload"), publisher = j.find("publisher"), signature = j.find("signature");
  if (payload == j.end() || !payload->is_string() || publisher == j.end() || !publisher->is_string() ||
      signature == j.end() || !signature->is_string())
    return Status::Invalid("a signed record without a string payload, publisher and signature");
  OpenedRecord out{payload->get<std::string>(), publisher->get<std::string>()};
  auto sig = Base64Decode(signature->get<std::string>());
  if (!sig.ok()) return Status::Invalid(fmt::format("the signature of a record of {} is not base64", out.publisher));
  RETURN_IF_ERROR(VerifySignature(out.publisher, out.payload, *sig));
  return out;
}

}  // namespace oneipfs
