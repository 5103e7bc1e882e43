#include "common/market/market_doc.h"

#include <tinyxml2.h>

#include "common/base/base64.h"

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
  a.market.id = Text(mp, "ID");
  a.market.name = Text(mp, "NAME");
  a.market.market_mad = Text(mp, "MARKET_MAD");
  a.market.tmpl = Children(mp->FirstChildElement("TEMPLATE"));
  if (const auto* ids = mp->FirstChildElement("MARKETPLACEAPPS"))
    for (auto* e = ids->FirstChildElement("ID"); e; e = e->NextSiblingElement("ID"))
      a.market.app_ids.push_back(e->GetText() ? e->GetText() : "");
  if (const auto* app = root->FirstChildElement("MARKETPLACEAPP")) {
    MarketAppDoc& p = a.app;
    p.present = true;
    p.id = Text(app, "ID");
    p.uid = Text(app, "UID");
    p.uname = Text(app, "UNAME");
    p.regtime = Text(app, "REGTIME");
    p.name = Text(app, "NAME");
    p.type = Text(app, "TYPE");
    p.origin_id = Text(app, "ORIGIN_ID");
    p.source = Text(app, "SOURCE");
    p.md5 = Text(app, "MD5");
    p.size_mb = Text(app, "SIZE");
    p.format = Text(app, "FORMAT");
    p.description = Text(app, "DESCRIPTION");
    p.version = Text(app, "VERSION");
    p.apptemplate64 = Text(app, "APPTEMPLATE64");
    p.state = Text(app, "STATE");
    p.tmpl = Children(app->FirstChildElement("TEMPLATE"));
  }
  a.import.import_source = Text(root, "IMPORT_SOURCE");
  a.import.md5 = Text(root, "MD5");
  a.import.size = Text(root, "SIZE");
  a.import.format = Text(root, "FORMAT");
  a.import.dispose = Text(root, "DISPOSE");
  a.import.dispose_cmd = Text(root, "DISPOSE_CMD");
  if (const auto* img = root->FirstChildElement("IMAGE")) {
    a.image.present = true;
    a.image.id = Text(img, "ID");
    a.image.name = Text(img, "NAME");
    a.image.source = Text(img, "SOURCE");
    a.image.format = Text(img, "FORMAT");
    a.image.size_mb = Text(img, "SIZE");
  }
  if (const auto* ds = root->FirstChildElement("DATASTORE")) {
    a.datastore.present = true;
    a.datastore.id = Text(ds, "ID");
    a.datastore.name = Text(ds, "NAME");
    a.datastore.ds_mad = Text(ds, "DS_MAD");
    a.datastore.base_path = Text(ds, "BASE_PATH");
    a.datastore.tmpl = Children(ds->FirstChildElement("TEMPLATE"));
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
