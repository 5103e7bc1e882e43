// app_listing.h: what monitor prints for the apps of a marketplace.
//
// oned (MarketPlaceManager::_monitor) takes each APP="<base64 template>"
// line, finds an app of that NAME owned by oneadmin in any marketplace of
// the zone (MarketPlaceAppPool::import) and creates it when there is none;
// an app of the marketplace that no APP line names for 3 monitors in a row
// is dropped (only when the reply has at least one APP line). So NAMEs must
// be unique across marketplaces and stable across monitors:
//  - this front end's own apps (publisher == self) keep the name they were
//    created with (oned then matches them with the app that exists; created
//    by a user other than oneadmin, oned's match misses them: see
//    docs/operations.md);
//  - other publishers' apps are "<name> (<publisher tag>)", the tag being
//    the first 8 characters of PublisherTag: another publisher's app never
//    takes a local name, and one publisher's app is one app in this cloud
//    whichever marketplace (or mirror) lists it;
//  - when two records still come to one NAME, the oldest (time, then id)
//    keeps it and the others get " #<id>" appended (id = "<app id>-<regtime>"
//    at their publisher: stable).
// Names are cut to what oned accepts: no character of &|:\";/'#{}$<> or
// control characters (each becomes '_'), at most 128 bytes (cut at a UTF-8
// character boundary).
//
// AppTemplate is the template text of one app (KEY="value" lines, values
// without '"', '\' or control characters: oned's template parser keeps
// them literally and a '"' would end the value); AppLine wraps it as
// APP="<base64>".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/market/app_record.h"

namespace oneipfs {

// The NAME of each app, in the order given.
std::vector<std::string> ListedNames(const std::vector<AppRecord>& apps, std::string_view self);

// A name made acceptable to oned (see above).
std::string SafeAppName(std::string_view name);

// KEY="value" lines: NAME, SOURCE, IMPORT_ID (the record's id), ORIGIN_ID=-1,
// TYPE=IMAGE, PUBLISHER (the did:key), FORMAT, DESCRIPTION, VERSION, REGTIME,
// SIZE (MB), MD5, APPTEMPLATE64 / VMTEMPLATE64 when set, IPFS_CID.
std::string AppTemplate(const AppRecord& r, std::string_view name, std::string_view source);
std::string AppLine(const AppRecord& r, std::string_view name, std::string_view source);

}  // namespace oneipfs
