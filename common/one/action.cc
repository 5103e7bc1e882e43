#include "common/one/action.h"

#include <tinyxml2.h>

#include <array>

#include <fmt/format.h>

#include "common/one/xml_text.h"

namespace oneipfs {

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
    i.id = XmlText(img, "ID");
    i.name = XmlText(img, "NAME");
    i.source = XmlText(img, "SOURCE");
    i.path = XmlText(img, "PATH");
    i.format = XmlText(img, "FORMAT");
    i.fs = XmlText(img, "FS");
    i.size_mb = XmlText(img, "SIZE");
    i.type = XmlText(img, "TYPE");
    i.persistent = XmlText(img, "PERSISTENT");
    i.regtime = XmlText(img, "REGTIME");
    i.cloning_id = XmlText(img, "CLONING_ID");
    i.target_snapshot = XmlText(img, "TARGET_SNAPSHOT");
    i.datastore_id = XmlText(img, "DATASTORE_ID");
    i.uid = XmlText(img, "UID");
    i.uname = XmlText(img, "UNAME");
    i.tmpl = XmlChildren(img->FirstChildElement("TEMPLATE"));
    if (const auto* snaps = img->FirstChildElement("SNAPSHOTS"))
      for (auto* s = snaps->FirstChildElement("SNAPSHOT"); s; s = s->NextSiblingElement("SNAPSHOT"))
        i.snapshot_ids.push_back(XmlText(s, "ID"));
  }
  const auto* ds = root->FirstChildElement("DATASTORE");
  if (!ds) return Status::Invalid("the action document has no DATASTORE element");
  DatastoreDoc& d = a.datastore;
  d.id = XmlText(ds, "ID");
  d.name = XmlText(ds, "NAME");
  d.ds_mad = XmlText(ds, "DS_MAD");
  d.tm_mad = XmlText(ds, "TM_MAD");
  d.base_path = XmlText(ds, "BASE_PATH");
  d.type = XmlText(ds, "TYPE");
  d.free_mb = XmlText(ds, "FREE_MB");
  d.tmpl = XmlChildren(ds->FirstChildElement("TEMPLATE"));
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
