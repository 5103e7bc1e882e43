// action_fuzz.cc: the document oned hands a datastore action (action.h),
// and the VM / datastore documents transfer actions read (one_cli.h).
//
// Feeds: the input as the stdin text of a datastore action (base64 of a
// DS_DRIVER_ACTION_DATA document, whitespace tolerated) to DecodeDsInput;
// the same text in the argv form of OpenNebula <= 6.6; its base64 decoding
// to ParseDsDocument, ParseVmXml and ParseDatastoreTemplateXml.
// Asserts (beyond no crash, no sanitizer report, no escaping exception):
//  - the stdin and the argv form give the same action, or both fail;
//  - DecodeDsInput succeeds exactly when the text is base64 of a non-empty
//    document that ParseDsDocument accepts, with the same fields;
//  - no field of a decoded action holds a NUL byte (each becomes a C string:
//    an argv element, a path, a line for oned);
//  - Base64Decode(Base64Encode(x)) == x for the input bytes, and text that
//    decodes re-encodes to base64 that decodes to the same bytes.
// Under libFuzzer a custom mutator decodes the base64, mutates the XML and
// encodes it again, so mutations reach the XML parser and the field mapping
// rather than mostly breaking the base64.
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "common/one/action.h"
#include "common/one/one_cli.h"
#include "fuzz/fuzz.h"

using namespace oneipfs;
using fuzz::Q;

namespace {

// Every field of an action as (name, value) pairs, in a fixed order.
std::vector<std::pair<std::string, std::string>> Fields(const DsAction& a) {
  const ImageDoc& i = a.image;
  const DatastoreDoc& d = a.datastore;
  std::vector<std::pair<std::string, std::string>> f = {
      {"request_id", a.request_id}, {"IMAGE", i.present ? "present" : "absent"},
      {"ID", i.id}, {"NAME", i.name}, {"SOURCE", i.source}, {"PATH", i.path}, {"FORMAT", i.format},
      {"FS", i.fs}, {"SIZE", i.size_mb}, {"TYPE", i.type}, {"PERSISTENT", i.persistent},
      {"REGTIME", i.regtime}, {"CLONING_ID", i.cloning_id}, {"TARGET_SNAPSHOT", i.target_snapshot},
      {"DATASTORE_ID", i.datastore_id}, {"DS ID", d.id}, {"DS NAME", d.name}, {"DS_MAD", d.ds_mad},
      {"TM_MAD", d.tm_mad}, {"BASE_PATH", d.base_path}, {"DS TYPE", d.type}};
  for (const auto& [k, v] : i.tmpl) f.emplace_back("IMAGE/TEMPLATE/" + k, v);
  for (const auto& s : i.snapshot_ids) f.emplace_back("SNAPSHOT/ID", s);
  for (const auto& [k, v] : d.tmpl) f.emplace_back("DATASTORE/TEMPLATE/" + k, v);
  return f;
}

void CheckNoNul(const DsAction& a) {
  for (const auto& [name, value] : Fields(a)) {
    FUZZ_CHECK(name.find('\0') == std::string::npos, "a field name holds NUL: {}", Q(name));
    FUZZ_CHECK(value.find('\0') == std::string::npos, "field {} holds NUL: {}", name, Q(value));
  }
}

void CheckSame(const Result<DsAction>& x, const Result<DsAction>& y, const char* what) {
  FUZZ_CHECK(x.ok() == y.ok(), "{}: one decodes ({}), the other not ({})", what,
             x.ok() ? "first" : x.status().message(), y.ok() ? "second" : y.status().message());
  if (x.ok()) FUZZ_CHECK(Fields(*x) == Fields(*y), "{}: the two decodings differ", what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::AsText(data, size);

  // Any bytes survive an encode/decode round trip.
  std::string encoded = Base64Encode(text);
  auto back = Base64Decode(encoded);
  FUZZ_CHECK(back.ok() && *back == text, "Base64Decode(Base64Encode(x)) != x for {}", Q(text));

  auto decoded = Base64Decode(text);
  if (decoded.ok()) {
    auto again = Base64Decode(Base64Encode(*decoded));
    FUZZ_CHECK(again.ok() && *again == *decoded, "decoded text does not re-encode to itself: {}", Q(text));
  }

  auto from_stdin = DecodeDsInput({"cp", "17"}, text);
  if (from_stdin.ok()) CheckNoNul(*from_stdin);

  // The same document through the pieces DecodeDsInput is made of.
  bool has_text = text.find_first_not_of(" \t\r\n") != std::string_view::npos;
  if (has_text) {
    Result<DsAction> direct = Status::Invalid("not base64");
    if (decoded.ok()) direct = decoded->empty() ? Result<DsAction>(Status::Invalid("empty")) : ParseDsDocument(*decoded);
    if (direct.ok()) direct->request_id = "17";
    CheckSame(from_stdin, direct, "DecodeDsInput vs Base64Decode + ParseDsDocument");
  }

  // OpenNebula <= 6.6: the document as argv[1] (an argv element has no NUL).
  if (has_text && text.find('\0') == std::string_view::npos) {
    auto from_argv = DecodeDsInput({"cp", std::string(text), "17"}, "");
    CheckSame(from_stdin, from_argv, "stdin form vs argv form");
  }

  if (decoded.ok()) {
    if (auto vm = ParseVmXml(*decoded); vm.ok()) {
      for (const auto& d : vm->disks) {
        FUZZ_CHECK(vm->Disk(d.id) != nullptr, "disk {} is listed but Disk() does not find it", Q(d.id));
        FUZZ_CHECK(d.source.find('\0') == std::string::npos, "a disk SOURCE holds NUL");
      }
    }
    (void)ParseDatastoreTemplateXml(*decoded);
  }
  return 0;
}

#ifdef ONEIPFS_LIBFUZZER
extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

// Mutates the XML inside the base64 (7 times in 8), or the raw bytes.
extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  auto xml = Base64Decode(fuzz::AsText(data, size));
  const std::size_t cap = max_size / 4 * 3;  // decoded bytes whose base64 fits max_size
  if (seed % 8 == 0 || !xml.ok() || xml->empty() || xml->size() > cap) return LLVMFuzzerMutate(data, size, max_size);
  std::string buf = *xml;
  buf.resize(cap);
  std::size_t n = LLVMFuzzerMutate(reinterpret_cast<std::uint8_t*>(buf.data()), xml->size(), cap);
  buf.resize(n);
  std::string out = Base64Encode(buf);
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
#endif
