#include "common/market/market_log.h"

#include <unistd.h>

#include <ctime>
#include <random>

#include <fmt/format.h>

#include "common/base/log.h"
#include "common/ipfs/content_hold.h"
#include "common/market/market_tree.h"

namespace oneipfs {
namespace {

std::string Field(const nlohmann::json& j, const char* k) {
  auto it = j.find(k);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return "";
}

std::string UtcTime(const std::string& unix_seconds) {
  char* end = nullptr;
  long long t = std::strtoll(unix_seconds.c_str(), &end, 10);
  if (unix_seconds.empty() || *end) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (!::gmtime_r(&tt, &tm)) return "-";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Result<LogVerification> VerifyPublishedLog(IpfsClient& ipfs, std::string_view root_cid, std::string_view publisher) {
  std::random_device rd;
  std::string scratch = fmt::format("{}/.verify/{}-{:08x}", kMarketRoot, ::getpid(), static_cast<unsigned>(rd()));
  LogVerification v;
  v.publisher = std::string(publisher);
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs.mfs_lock(), ipfs.timeout()));
  RETURN_IF_ERROR(ipfs.FilesMkdir(fmt::format("{}/.verify", kMarketRoot)));
  Status copied = ipfs.FilesCp(fmt::format("/ipfs/{}/log", root_cid), scratch);
  if (!copied.ok()) {
    if (copied.code() == Status::Code::kNotFound)
      return Status::NotFound(fmt::format("/ipfs/{} has no event log (is it a marketplace?)", root_cid));
    return copied;
  }
  std::string owner(publisher);
  auto accept = [&](std::string_view p) {
    if (owner.empty()) owner = std::string(p);  // the first event's signer
    return p == owner;
  };
  auto report = EventChain(ipfs, scratch).Read(accept);
  (void)ipfs.FilesRm(scratch, true);
  if (!report.ok()) return report.status();
  v.report = std::move(*report);
  v.publisher = owner;
  return v;
}

std::string FormatLog(const LogVerification& v) {
  std::string out;
  for (const auto& e : v.report.events)
    out += fmt::format("{} {} {} {} {} cid={} [{}]\n", e.seq, UtcTime(Field(e.fields, "time")),
                       Field(e.fields, "event"), QuoteForMessage(Field(e.fields, "name"), 80),
                       Field(e.fields, "app"), Field(e.fields, "cid").empty() ? "-" : Field(e.fields, "cid"), e.cid);
  for (const auto& b : v.report.breaks)
    out += fmt::format("BREAK at event {} {}: {}\n", b.seq, b.cid.empty() ? "-" : b.cid, b.why);
  if (v.report.ok())
    out += fmt::format("{} events, every signature and link verified, signed by {}\n", v.report.events.size(),
                       v.publisher.empty() ? "nobody (empty log)" : v.publisher);
  else
    out += fmt::format("{} events verified, {} breaks: the log was changed after it was written\n",
                       v.report.events.size(), v.report.breaks.size());
  return out;
}

}  // namespace oneipfs
