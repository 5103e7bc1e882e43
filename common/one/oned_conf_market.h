// oned_conf_market.h: the marketplace part of the ipfs registration in
// oned.conf (one-ipfs-register), kept apart from oned_conf.h's four parts:
//   5. "ipfs" in the -m list of MARKET_MAD's ARGUMENTS,
//   6. a MARKET_MAD_CONF = [ NAME = "ipfs", ... APP_ACTIONS = "create,
//      delete, monitor" ] block (install/oned.conf.d/ipfs-market.conf,
//      embedded as kIpfsMarketConfBlock, from its MARKET_MAD_CONF line on),
//   7. "export" in MARKETPLACE_ACTIONS of the DS_MAD_CONF block of ipfs
//      (`onemarketapp create` from an ipfs image runs the datastore's
//      export only when it is listed; registrations made before the
//      marketplace have MARKETPLACE_ACTIONS = "").
// Same rules as oned_conf.h: the text is parsed (oned_conf_parse.h) and
// edited by splices, everything else keeps its bytes; a file the parser
// refuses, no MARKET_MAD section, or one without ARGUMENTS or with no or two
// -m lists is Status::Invalid "line N: why" and nothing changes. Register is
// idempotent; 7 is done only when the DS_MAD_CONF block of ipfs exists (run
// RegisterIpfs first): an empty value becomes "export", another gets
// ", export" appended, a block without the attribute gets it before its ']'.
// Unregister removes 5 and 6 (the marker line and the block after it, and
// any other MARKET_MAD_CONF of ipfs); 7 goes with the DS_MAD_CONF block
// (UnregisterIpfs). UnregisterIpfsMarket(RegisterIpfsMarket(x)) == x for a
// text x without any ipfs registration.
#pragma once

#include <string>
#include <string_view>

#include "common/base/status.h"

namespace oneipfs {

extern const char* const kIpfsMarketConfBlock;

struct OnedConfMarketRegistration {
  bool market_mad_listed = false;   // ipfs in MARKET_MAD ARGUMENTS -m
  bool market_mad_conf = false;     // MARKET_MAD_CONF with NAME = "ipfs"
  bool ds_exports = false;          // "export" in the ipfs DS_MAD_CONF's MARKETPLACE_ACTIONS
  bool complete() const { return market_mad_listed && market_mad_conf && ds_exports; }
};

Result<OnedConfMarketRegistration> InspectOnedConfMarket(std::string_view text);
Result<std::string> RegisterIpfsMarket(std::string_view text);
Result<std::string> UnregisterIpfsMarket(std::string_view text);

}  // namespace oneipfs
