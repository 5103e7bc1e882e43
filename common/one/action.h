// action.h: the document oned hands a datastore action, decoded.
//
// OpenNebula >= 6.8 runs `<action> <id>` with the base64 document on stdin;
// <= 6.6 runs `<action> <base64> <id>` with an empty stdin.
// DecodeDsInput picks the form: a non-empty stdin is the document and
// argv[1] the id; otherwise argv[1] is the document and argv[2] the id.
// The document is base64 (whitespace tolerated) of <DS_DRIVER_ACTION_DATA>.
// Failures are Status::Invalid with one line naming what is wrong
// ("the action document is not valid base64", "... not well-formed XML: ...",
// "... has no DS_DRIVER_ACTION_DATA root").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/base64.h"
#include "common/base/status.h"

namespace oneipfs {

struct ImageDoc {
  bool present = false;   // MONITOR has no IMAGE element
  std::string id;         // "" when absent (STAT)
  std::string name;
  std::string source;
  std::string path;
  std::string format;
  std::string fs;
  std::string size_mb;    // as sent ("" for STAT)
  std::string type;       // 0 OS, 1 CDROM, 2 DATABLOCK, ...
  std::string persistent;
  std::string regtime;
  std::string cloning_id;
  std::string target_snapshot;
  std::string datastore_id;
  std::string uid;        // the owner: UID and UNAME
  std::string uname;
  std::map<std::string, std::string> tmpl;  // IMAGE/TEMPLATE children (MD5, SHA1, DRIVER, ...)
  std::vector<std::string> snapshot_ids;    // IMAGE/SNAPSHOTS/SNAPSHOT/ID
};

struct DatastoreDoc {
  std::string id;
  std::string name;
  std::string ds_mad;
  std::string tm_mad;
  std::string base_path;
  std::string type;  // 0 IMAGE_DS, 1 SYSTEM_DS, 2 FILE_DS, 3 BACKUP_DS
  std::string free_mb;  // FREE_MB as oned last saw it from monitor ("" when absent)
  std::map<std::string, std::string> tmpl;  // DATASTORE/TEMPLATE children
};

struct DsAction {
  std::string request_id;  // argv id: image id, datastore id or request id
  ImageDoc image;
  DatastoreDoc datastore;
};


// Parses the decoded XML text.
Result<DsAction> ParseDsDocument(std::string_view xml);
// argv/stdin handling described above, then base64 and XML.
Result<DsAction> DecodeDsInput(const std::vector<std::string>& argv, std::string_view stdin_text);

}  // namespace oneipfs
