#include "common/market/market_driver.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "common/base/output_drain.h"
#include "common/ipfs/holder_first.h"
#include "common/market/market_reply.h"
#include "common/one/driver.h"
#include "common/one/reply.h"

namespace oneipfs {
namespace {

int RunOnce(std::string_view name, std::string_view summary, int argc, char** argv, MarketActionFn fn) {
  std::string usage = fmt::format(
      "Usage: {0} <base64 MARKET_DRIVER_ACTION_DATA> <id>   (as one_market.rb runs it)\n\n"
      "one-ipfs marketplace action '{0}': {1}\n"
      "Settings: ipfs.conf (ONE_IPFS_CONF), the marketplace template, the environment; see "
      "docs/configuration.md.\n",
      name, summary);
  if (HandleHelpVersion(name, usage, argc, argv)) return 0;
  std::signal(SIGPIPE, SIG_IGN);
  Log log{std::string(name)};
  std::vector<std::string> args(argv, argv + argc);
  // one_market.rb gives the document in argv; stdin only when it is not there.
  std::string input = args.size() >= 3 ? "" : ReadStdinIfPiped();

  auto decoded = DecodeMarketInput(args, input);
  ActionSetup setup = LoadActionSetup(name, log, decoded.ok() ? decoded->market.tmpl : std::map<std::string, std::string>{},
                                      "marketplace template");
  if (!setup.config.ok()) return setup.Fail(setup.config.status());
  if (!decoded.ok()) return setup.Fail(decoded.status());
  auto settings = MarketSettingsFrom(*setup.config, std::getenv("ONE_LOCATION"));
  if (!settings.ok()) return setup.Fail(settings.status().Prefixed(fmt::format("marketplace {}", decoded->market.id)));
  auto client = MakeIpfsClient(*setup.config);
  if (!client.ok()) return setup.Fail(client.status());
  ReconnectAvoided(**client, log);  // as every action of the front end (holder_first.h)

  MarketContext ctx{*decoded, *setup.config, *settings, **client, log};
  Result<std::string> out = fn(ctx);
  if (!out.ok()) return setup.Fail(out.status());
  if (Status ok = CheckMarketReply(name, *out); !ok.ok()) return setup.Fail(ok);
  return PrintReply(*out);
}

}  // namespace

int RunMarketAction(std::string_view name, std::string_view summary, int argc, char** argv, MarketActionFn fn) {
  int rc = RunOnce(name, summary, argc, argv, fn);
  FinishOutput(rc == 0 ? STDOUT_FILENO : STDERR_FILENO);  // one_market.rb reads stdout on success, stderr on failure
  return rc;
}

}  // namespace oneipfs
