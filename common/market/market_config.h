// market_config.h: a marketplace's settings, checked.
//
// The marketplace actions load Config (one/config.h) with MARKETPLACE/
// TEMPLATE as the template layer ("marketplace template"): like a datastore
// template it is written by users (MANAGE on the marketplace), so
// operator-only keys (IPFS_SIGNING_KEY, IPFS_API_AUTH, ...) are ignored there
// and its IPFS_API is used only when it is the operator's or in
// IPFS_API_ALLOW (config.h). The marketplace keys (docs/configuration.md):
//   IPFS_MARKET_KEY      IPNS key name in the front-end daemon; "" = read only.
//                        1-64 of [A-Za-z0-9._-], not "self" (the daemon's own
//                        identity, whose name is its peer id).
//   IPFS_MARKET_FOLLOW   IPNS names (cid.h ValidateIpnsName: k51..., 12D3Koo...,
//                        a DNSLink domain; "/ipns/<name>" is taken as <name>),
//                        in order: the first that resolves is listed, the
//                        next are mirrors of it.
//   IPFS_MARKET_TRUST    publisher ids (did:key:z6Mk..., signing.h).
//   IPFS_MARKET_GATEWAY  http(s)://host[:port] (a gateway's root): app SOURCEs
//                        become <gateway>/ipfs/<cid>, a path-style gateway URL
//                        that cp takes as the CID (ipfs_path.h).
//   IPFS_MARKET_RESOLVE_TIMEOUT  seconds for each followed name (>= 1).
//   IPFS_SIGNING_KEY     (operator) the signing key file; "" = the default
//                        (signing.h DefaultSigningKeyPath with ONE_LOCATION).
// MarketSettingsFrom fails with Status::Invalid naming the key and the bad
// value: a marketplace whose settings cannot be what its owner meant does
// nothing rather than something else.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/one/config.h"

namespace oneipfs {

struct MarketSettings {
  std::string key;                  // "" = read only
  std::vector<std::string> follow;  // names, without "/ipns/"
  std::vector<std::string> trust;   // did:key ids
  std::string gateway;              // without a trailing '/'; "" = none
  std::chrono::seconds resolve_timeout{15};
  std::string signing_key_path;
  bool writable() const { return !key.empty(); }
};

Result<MarketSettings> MarketSettingsFrom(const Config& config, const char* one_location);

// The SOURCE an app gets: "<gateway>/ipfs/<cid>", or "/ipfs/<cid>".
std::string AppSource(const MarketSettings& settings, std::string_view cid);

}  // namespace oneipfs
