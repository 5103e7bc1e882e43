// market_doc.h: the document oned hands a marketplace action, decoded.
//
// one_market.rb runs `<action> <base64 MARKET_DRIVER_ACTION_DATA> <id>`
// (every release: import, delete and monitor get the document in argv).
// DecodeMarketInput also takes it on stdin with the id in argv[1], as the
// datastore actions do (action.h), should a later release switch.
// The document (MarketPlaceManager::format_message) holds:
//   MARKETPLACEAPP   import, delete: the app (MarketPlaceApp::to_xml)
//   MARKETPLACE      always: the marketplace with its TEMPLATE
//   IMAGE, DATASTORE import: the image and its datastore
//   IMPORT_SOURCE, MD5, SIZE, FORMAT, DISPOSE, DISPOSE_CMD
//                    import: what the datastore's `export` printed, added
//                    by one_market.rb
// Failures are Status::Invalid with one line ("the marketplace document is
// not valid base64", "... has no MARKET_DRIVER_ACTION_DATA root", "... has
// no MARKETPLACE element"). Every value is text a user may have written.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace oneipfs {

struct MarketAppDoc {
  bool present = false;
  std::string id, uid, uname, regtime, name, type, origin_id, source, md5, size_mb, format, description, version,
      apptemplate64, state;
  std::map<std::string, std::string> tmpl;  // MARKETPLACEAPP/TEMPLATE children (VMTEMPLATE64, ...)
};

struct MarketDoc {
  std::string id, name, market_mad;
  std::map<std::string, std::string> tmpl;  // MARKETPLACE/TEMPLATE children: the settings' template layer
  std::vector<std::string> app_ids;         // MARKETPLACEAPPS/ID
};

struct ImportInfo {
  std::string import_source, md5, size, format, dispose, dispose_cmd;
};

struct MarketImageDoc {
  bool present = false;
  std::string id, name, source, format, size_mb;
};

struct MarketDatastoreDoc {
  bool present = false;
  std::string id, name, ds_mad, base_path;
  std::map<std::string, std::string> tmpl;
};

struct MarketAction {
  std::string request_id;
  MarketAppDoc app;
  MarketDoc market;
  ImportInfo import;
  MarketImageDoc image;
  MarketDatastoreDoc datastore;
};

Result<MarketAction> ParseMarketDocument(std::string_view xml);
Result<MarketAction> DecodeMarketInput(const std::vector<std::string>& argv, std::string_view stdin_text);

}  // namespace oneipfs
