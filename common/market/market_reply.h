// market_reply.h: what a marketplace action may print, checked before it is
// printed (as reply.h does for the datastore actions).
//
// one_market.rb base64-encodes an import's or a monitor's stdout and oned
// parses it as a template (MarketPlaceManager::_import, _monitor), so:
//   import   exactly the lines SOURCE="<source>", MD5="<32 hex>",
//            SIZE="<MB>", FORMAT="<format>" (each once, any order); SOURCE
//            and FORMAT as reply.h IsSourceToken / IsFormatToken
//   monitor  KEY=VALUE lines (reply.h's monitor grammar); APP values are
//            "<base64>"
//   delete   nothing
// Anything else is Invalid naming the action and what is wrong.
#pragma once

#include <string_view>

#include "common/base/status.h"

namespace oneipfs {

Status CheckMarketReply(std::string_view action, std::string_view payload);

}  // namespace oneipfs
