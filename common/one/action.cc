#include "common/one/action.h"

#include <tinyxml2.h>

#include <array>

#include <fmt/format.h>

namespace oneipfs {
namespace {

std::string Text(const tinyxml2::XMLElement* parent, const char* name) {
  if (!parent) return "";
  const tinyxml2::XMLElement* e = parent->FirstChildElement(name);
  if (!e || !e->GetText()) return "";
  return e->GetText();
}

std::map<std::string, std::string> Children(const tinyxml2::XMLElement* parent) {
  std::map<std::string, std::string> out;
  if (!parent) return out;
  for (auto* e = parent->FirstChildElement(); e; e = e->NextSiblingElement())
    out[e->Name()] = e->GetText() ? e->GetText() : "";
  return out;
}

}  // namespace


Result<DsAction> ParseDsDocument(std::string_view xml) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS) {
    std::string why = doc.ErrorStr() ? doc.ErrorStr() : "parse error";
    return Status::Invalid("the action document is not well-formed XML: " + why);
  }
  const tinyxml2::XMLElement* root = doc.RootElement();
  if (!root || std::string_view(root->Name()) != "DS_DRIVER_ACTION_DATA")
    return Status::Invalid("the action document has no DS_DRIVER_ACTION_DATA root element");

  DsAction a;
  if (const auto* img = root->FirstChildElement("IMAGE")) {
    ImageDoc& i = a.image;
    i.present = true;
    i.id = Text(img, "ID");
    i.name = Text(img, "NAME");
    i.source = Text(img, "SOURCE");
    i.path = Text(img, "PATH");
    i.format = Text(img, "FORMAT");
    i.fs = Text(img, "FS");
    i.size_mb = Text(img, "SIZE");
    i.type = Text(img, "TYPE");
    i.persistent = Text(img, "PERSISTENT");
    i.regtime = Text(img, "REGTIME");
    i.cloning_id = Text(img, "CLONING_ID");
    i.target_snapshot = Text(img, "TARGET_SNAPSHOT");
    i.datastore_id = Text(img, "DATASTORE_ID");
    i.uid = Text(img, "UID");
    i.uname = Text(img, "UNAME");
    i.tmpl = Children(img->FirstChildElement("TEMPLATE"));
    if (const auto* snaps = img->FirstChildElement("SNAPSHOTS"))
      for (auto* s = snaps->FirstChildElement("SNAPSHOT"); s; s = s->NextSiblingElement("SNAPSHOT"))
        i.snapshot_ids.push_back(Text(s, "ID"));
  }
  const auto* ds = root->FirstChildElement("DATASTORE");
  if (!ds) return Status::Invalid("the action document has no DATASTORE element");
  DatastoreDoc& d = a.datastore;
  d.id = Text(ds, "ID");
  d.name = Text(ds, "NAME");
  d.ds_mad = Text(ds, "DS_MAD");
  d.tm_mad = Text(ds, "TM_MAD");
  d.base_path = Text(ds, "BASE_PATH");
  d.type = Text(ds, "TYPE");
  d.free_mb = Text(ds, "FREE_MB");
  d.tmpl = Children(ds->FirstChildElement("TEMPLATE"));
  return a;
}

Result<DsAction> DecodeDsInput(const std::vector<std::string>& argv, std::string_view stdin_text) {
  std::string_view doc;
  std::string id;
  bool has_stdin = stdin_text.find_first_not_of(" \t\r\n") != std::string_view::npos;
  if (has_stdin) {
    doc = stdin_text;
    if (argv.size() > 1) id = argv[1];
  } else {
    if (argv.size() < 2)
      return Status::Invalid("no action document: expected it on stdin (OpenNebula >= 6.8) or as the first argument (<= 6.6)");
    doc = argv[1];
    if (argv.size() > 2) id = argv[2];
  }
  auto xml = Base64Decode(doc);
  if (!xml.ok()) return Status::Invalid("the action document is not valid base64");
  if (xml->empty()) return Status::Invalid("the action document is empty");
  ASSIGN_OR_RETURN(DsAction a, ParseDsDocument(*xml));
  a.request_id = id;
  return a;
}

}  // namespace oneipfs
