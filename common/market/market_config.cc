#include "common/market/market_config.h"

#include <fmt/format.h>

#include "common/base/log.h"
#include "common/base/number.h"
#include "common/base/text.h"
#include "common/ipfs/cid.h"
#include "common/trust/signing.h"

namespace oneipfs {
namespace {

bool IsKeyName(std::string_view k) {
  if (k.empty() || k.size() > 64 || k == "self") return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return k.front() != '.' && k.front() != '-';
}

Result<std::string> CheckGateway(std::string_view g) {
  std::string s(Trim(g));
  while (!s.empty() && s.back() == '/') s.pop_back();
  if (s.empty()) return s;
  std::string scheme = Lower(s.substr(0, s.find("://") == std::string::npos ? 0 : s.find("://") + 3));
  if (scheme != "http://" && scheme != "https://")
    return Status::Invalid(fmt::format("IPFS_MARKET_GATEWAY {} is not an http(s):// URL", QuoteForMessage(g, 120)));
  std::string_view host = std::string_view(s).substr(scheme.size());
  if (host.empty() || host.find('/') != std::string_view::npos)
    return Status::Invalid(fmt::format("IPFS_MARKET_GATEWAY {} is not http(s)://host[:port] (a gateway's root)",
                                       QuoteForMessage(g, 120)));
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '\'' || c == '\\' || c == '<' || c == '>' || c == '&' ||
        c == '`' || c == '?' || c == '#')
      return Status::Invalid(fmt::format("IPFS_MARKET_GATEWAY {} has a character a SOURCE cannot carry",
                                         QuoteForMessage(g, 120)));
  }
  return s;
}

}  // namespace

Result<MarketSettings> MarketSettingsFrom(const Config& config, const char* one_location) {
  MarketSettings s;
  s.key = std::string(Trim(config.Get("IPFS_MARKET_KEY")));
  if (!s.key.empty() && !IsKeyName(s.key))
    return Status::Invalid(fmt::format(
        "IPFS_MARKET_KEY {} is not a key name (1-64 letters, digits, '.', '_', '-'; not 'self')",
        QuoteForMessage(s.key, 80)));
  for (const auto& written : SplitWords(config.Get("IPFS_MARKET_FOLLOW"))) {
    // "/ipns/<name>" as `ipfs name publish` prints it, or the bare name.
    std::string name = written.starts_with("/ipns/") ? written.substr(6) : written;
    if (Status st = ValidateIpnsName(name); !st.ok())
      return Status::Invalid(fmt::format("IPFS_MARKET_FOLLOW: {} is not an IPNS name: {}", QuoteForMessage(written, 80),
                                         st.message()));
    s.follow.push_back(name);
  }
  for (const auto& id : SplitWords(config.Get("IPFS_MARKET_TRUST"))) {
    if (!ParsePublisherId(id).ok())
      return Status::Invalid(fmt::format(
          "IPFS_MARKET_TRUST: {} is not a publisher id (did:key:z6Mk..., as `one-ipfs-market id` prints)",
          QuoteForMessage(id, 80)));
    s.trust.push_back(id);
  }
  ASSIGN_OR_RETURN(s.gateway, CheckGateway(config.Get("IPFS_MARKET_GATEWAY")));
  const std::string& t = config.Get("IPFS_MARKET_RESOLVE_TIMEOUT");
  auto secs = ParseCount(Trim(t), 3600);
  if (!secs || *secs == 0)
    return Status::Invalid(
        fmt::format("IPFS_MARKET_RESOLVE_TIMEOUT {} is not a number of seconds (1-3600)", QuoteForMessage(t, 40)));
  s.resolve_timeout = std::chrono::seconds(*secs);
  s.signing_key_path = config.Get("IPFS_SIGNING_KEY");
  if (s.signing_key_path.empty()) s.signing_key_path = DefaultSigningKeyPath(one_location);
  return s;
}

std::string AppSource(const MarketSettings& settings, std::string_view cid) {
  if (settings.gateway.empty()) return fmt::format("/ipfs/{}", cid);
  return fmt::format("{}/ipfs/{}", settings.gateway, cid);
}

}  // namespace oneipfs
