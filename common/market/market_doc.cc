// market_doc.cc: see market_doc.h.
#include "common/market/market_doc.h"

#include <tinyxml2.h>

#include "common/base/base64.h"
#include "common/one/xml_text.h"

namespace oneipfs {

Result<MarketAction> ParseMarketDocument(std::string_view xml) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS) {
    std::string why = doc.ErrorStr() ? doc.ErrorStr() : "parse error";
    return Status::Invalid("the marketplace document is not well-formed XML: " + why);
  }
  const tinyxml2::XMLElement* root = doc.RootElement();
  if (!root || std::string_view(root->Name()) != "MARKET_DRIVER_ACTION_DATA")
    return Status::Invalid("the marketplace document has no MARKET_DRIVER_ACTION_DATA root element");
  MarketAction a;
  const auto* mp = root->FirstChildElement("MARKETPLACE");
  if (!mp) return Status::Invalid("the marketplace document has no MARKETPLACE element");
  a.market.id = XmlText(mp, "ID");
  a.market.name = XmlText(mp, "NAME");
  a.market.market_mad = XmlText(mp, "MARKET_MAD");
  a.market.tmpl = XmlChildren(mp->FirstChildElement("TEMPLATE"));
  if (const auto* ids = mp->FirstChildElement("MARKETPLACEAPPS"))
    for (auto* e = ids->FirstChildElement("ID"); e; e = e->NextSiblingElement("ID"))
      a.market.app_ids.push_back(e->GetText() ? e->GetText() : "");
  if (const auto* app = root->FirstChildElement("MARKETPLACEAPP")) {
    MarketAppDoc& p = a.app;
    p.present = true;
    p.id = XmlText(app, "ID");
    p.uid = XmlText(app, "UID");
    p.uname = XmlText(app, "UNAME");
    p.regtime = XmlText(app, "REGTIME");
    p.name = XmlText(app, "NAME");
    p.type = XmlText(app, "TYPE");
    p.origin_id = XmlText(app, "ORIGIN_ID");
    p.source = XmlText(app, "SOURCE");
    p.md5 = XmlText(app, "MD5");
    p.size_mb = XmlText(app, "SIZE");
    p.format = XmlText(app, "FORMAT");
    p.description = XmlText(app, "DESCRIPTION");
    p.version = XmlText(app, "VERSION");
    p.apptemplate64 = XmlText(app, "APPTEMPLATE64");
    p.state = XmlText(app, "STATE");
    p.tmpl = XmlChildren(app->FirstChildElement("TEMPLATE"));
  }
  a.import.import_source = XmlText(root, "IMPORT_SOURCE");
  a.import.md5 = XmlText(root, "MD5");
  a.import.size = XmlText(root, "SIZE");
  a.import.format = XmlText(root, "FORMAT");
  a.import.dispose = XmlText(root, "DISPOSE");
  a.import.dispose_cmd = XmlText(root, "DISPOSE_CMD");
  if (const auto* img = root->FirstChildElement("IMAGE")) {
    a.image.present = true;
    a.image.id = XmlText(img, "ID");
    a.image.name = XmlText(img, "NAME");
    a.image.source = XmlText(img, "SOURCE");
    a.image.format = XmlText(img, "FORMAT");
    a.image.size_mb = XmlText(img, "SIZE");
  }
  if (const auto* ds = root->FirstChildElement("DATASTORE")) {
    a.datastore.present = true;
    a.datastore.id = XmlText(ds, "ID");
    a.datastore.name = XmlText(ds, "NAME");
    a.datastore.ds_mad = XmlText(ds, "DS_MAD");
    a.datastore.base_path = XmlText(ds, "BASE_PATH");
    a.datastore.tmpl = XmlChildren(ds->FirstChildElement("TEMPLATE"));
  }
  return a;
}

Result<MarketAction> DecodeMarketInput(const std::vector<std::string>& argv, std::string_view stdin_text) {
  std::string_view doc;
  std::string id;
  bool has_stdin = stdin_text.find_first_not_of(" \t\r\n") != std::string_view::npos;
  if (argv.size() >= 3 || !has_stdin) {
    if (argv.size() < 2)
      return Status::Invalid("no marketplace document: expected `<action> <base64 document> <id>`");
    doc = argv[1];
    if (argv.size() > 2) id = argv[2];
  } else {
    doc = stdin_text;
    if (argv.size() > 1) id = argv[1];
  }
  auto xml = Base64Decode(doc);
  if (!xml.ok()) return Status::Invalid("the marketplace document is not valid base64");
  if (xml->empty()) return Status::Invalid("the marketplace document is empty");
  ASSIGN_OR_RETURN(MarketAction a, ParseMarketDocument(*xml));
  a.request_id = id;
  return a;
}

}  // namespace oneipfs
