#include "common/catalog/providers.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/ipfs/content_hold.h"

namespace oneipfs {

std::string ProviderRecordJson(const ProviderRecord& r) {
  nlohmann::json j = {{"host", r.host},
                      {"peer", r.peer},
                      {"addresses", r.addresses},
                      {"time", r.time},
                      {"state", r.fetching ? "fetching" : "held"}};
  return j.dump();
}

Result<ProviderRecord> ParseProviderRecord(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("a provider record is not a JSON object");
  ProviderRecord r;
  auto str = [&](const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  r.host = str("host");
  r.peer = str("peer");
  if (r.host.empty() || r.peer.empty()) return Status::Invalid("a provider record needs a host and a peer id");
  auto t = j.find("time");
  // Negative or beyond int64 (read as negative): `now - time` would overflow.
  if (t == j.end() || !t->is_number_integer() ||
      (t->is_number_unsigned() ? t->get<std::uint64_t>() > std::uint64_t{INT64_MAX} : t->get<std::int64_t>() < 0))
    return Status::Invalid("a provider record needs an integer time from 0 to 2^63 - 1");
  r.time = t->get<std::int64_t>();
  auto a = j.find("addresses");
  if (a == j.end() || !a->is_array()) return Status::Invalid("a provider record needs a list of addresses");
  for (const auto& e : *a) {
    if (!e.is_string()) return Status::Invalid("a provider record's addresses must be strings");
    r.addresses.push_back(e.get<std::string>());
  }
  r.fetching = str("state") == "fetching";
  return r;
}

std::vector<std::string> ChooseProviderAddresses(std::vector<ProviderRecord> records, std::string_view self_host,
                                                 std::int64_t now, std::int64_t ttl_s, std::size_t max_peers,
                                                 std::string_view lead_host) {
  std::erase_if(records, [&](const ProviderRecord& r) {
    return r.host == self_host || now - r.time > ttl_s || r.peer.empty() || r.addresses.empty();
  });
  // 0 holders, 1 the lead, 2 other fetchers.
  auto rank = [&](const ProviderRecord& r) { return !r.fetching ? 0 : (!lead_host.empty() && r.host == lead_host) ? 1 : 2; };
  std::stable_sort(records.begin(), records.end(), [&](const ProviderRecord& a, const ProviderRecord& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (a.time != b.time) return a.fetching ? a.time < b.time : a.time > b.time;
    return a.fetching && a.host < b.host;  // fetchers of one second: by name, as IsDeputy
  });
  std::vector<std::string> out;
  std::vector<std::string> peers_seen;
  for (const auto& r : records) {
    if (peers_seen.size() >= max_peers) break;
    if (std::find(peers_seen.begin(), peers_seen.end(), r.peer) != peers_seen.end()) continue;
    peers_seen.push_back(r.peer);
    for (const auto& a : r.addresses)
      out.push_back(a.find("/p2p/") == std::string::npos ? a + "/p2p/" + r.peer : a);
  }
  return out;
}

bool IsDeputy(const std::vector<ProviderRecord>& records, std::string_view self_host, std::string_view lead_host,
              std::int64_t now, std::int64_t ttl_s) {
  if (lead_host.empty()) return false;
  const ProviderRecord* first = nullptr;
  for (const auto& r : records) {
    if (!r.fetching || r.host == lead_host || now - r.time > ttl_s) continue;
    if (!first || r.time < first->time || (r.time == first->time && r.host < first->host)) first = &r;
  }
  return first && first->host == self_host;
}

std::vector<std::string> OtherProviderPeers(const std::vector<ProviderRecord>& records, std::string_view self_host,
                                            std::int64_t now, std::int64_t ttl_s) {
  std::vector<std::string> out;
  for (const auto& r : records) {
    if (r.host == self_host || now - r.time > ttl_s || r.peer.empty()) continue;
    if (std::find(out.begin(), out.end(), r.peer) == out.end()) out.push_back(r.peer);
  }
  return out;
}

std::optional<std::string> WantlistFingerprint(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto keys = j.find("Keys");
  if (keys == j.end()) return std::nullopt;
  std::vector<std::string> cids;
  if (keys->is_array()) {
    for (const auto& k : *keys) {
      if (k.is_object() && k.contains("/") && k["/"].is_string()) cids.push_back(k["/"].get<std::string>());
      else if (k.is_string()) cids.push_back(k.get<std::string>());
      else return std::nullopt;
    }
  } else if (!keys->is_null()) {
    return std::nullopt;
  }
  std::sort(cids.begin(), cids.end());
  std::string out;
  for (const auto& c : cids) out += c + "\n";
  return out;
}

bool ProgressClock::Observe(std::int64_t now_ms, std::uint64_t written,
                            const std::vector<std::optional<std::string>>& wantlists) {
  bool own = written != written_, peer = false;
  written_ = written;
  if (seen_.size() < wantlists.size()) seen_.resize(wantlists.size());
  for (size_t i = 0; i < wantlists.size(); ++i) {
    if (!wantlists[i]) continue;  // unread: no evidence either way
    if (seen_[i] && *seen_[i] != *wantlists[i]) (i == 0 ? own : peer) = true;
    seen_[i] = wantlists[i];
  }
  // Not one list could be read: our daemon is too busy to answer (it is
  // moving blocks, or stuck): no evidence of a stall, bounded like a peer's.
  bool unreadable = !wantlists.empty() &&
                    std::none_of(wantlists.begin(), wantlists.end(), [](const auto& w) { return w.has_value(); });
  if (own) last_own_ms_ = now_ms;
  if (own || peer || unreadable) last_progress_ms_ = now_ms;
  if (now_ms - last_progress_ms_ > stall_ms_ || now_ms - last_own_ms_ > kPeerOnlyStalls * stall_ms_) {
    last_progress_ms_ = last_own_ms_ = now_ms;
    return true;
  }
  return false;
}

bool SafeProviderName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

Result<MfsWriteLock> ProviderStore::WriteLock() { return MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()); }

Result<std::vector<ProviderRecord>> ProviderStore::List(std::string_view cid, std::int64_t now) {
  std::vector<ProviderRecord> out;
  if (!SafeProviderName(cid)) return out;
  std::string dir = fmt::format("{}/{}", root_, cid);
  auto entries = ipfs_.FilesLs(dir);
  if (!entries.ok()) {
    if (entries.status().code() == Status::Code::kNotFound) return out;
    return entries.status();
  }
  for (const auto& e : *entries) {
    if (e.is_dir) continue;
    std::string path = fmt::format("{}/{}", dir, e.name);
    auto text = ipfs_.FilesRead(path);
    if (!text.ok()) {
      if (text.status().code() == Status::Code::kNotFound) continue;  // removed meanwhile
      return text.status();
    }
    auto r = ParseProviderRecord(*text);
    if (!r.ok() || r->host != e.name || now - r->time > ttl_s_) {
      // Stale or damaged: a hint only, drop it (left when the lock is busy).
      if (auto lock = WriteLock(); lock.ok()) (void)ipfs_.FilesRm(path, false);
      continue;
    }
    out.push_back(std::move(*r));
  }
  return out;
}

Status ProviderStore::Put(std::string_view cid, const ProviderRecord& r) {
  if (!SafeProviderName(cid) || !SafeProviderName(r.host))
    return Status::Invalid(fmt::format("cannot record {} as a provider of {}: not a safe name", r.host, cid));
  ASSIGN_OR_RETURN(auto lock, WriteLock());
  return ipfs_.FilesWrite(fmt::format("{}/{}/{}", root_, cid, r.host), ProviderRecordJson(r));
}

Status ProviderStore::Remove(std::string_view cid, std::string_view host) {
  if (!SafeProviderName(cid) || !SafeProviderName(host)) return Status::Ok();
  ASSIGN_OR_RETURN(auto lock, WriteLock());
  Status st = ipfs_.FilesRm(fmt::format("{}/{}/{}", root_, cid, host), false);
  if (st.code() == Status::Code::kNotFound) return Status::Ok();
  return st;
}

Result<std::vector<std::string>> ProviderStore::CidsOf(std::string_view host) {
  std::vector<std::string> out;
  auto cids = ipfs_.FilesLs(root_);
  if (!cids.ok()) {
    if (cids.status().code() == Status::Code::kNotFound) return out;
    return cids.status();
  }
  for (const auto& c : *cids) {
    if (!c.is_dir || !SafeProviderName(c.name)) continue;
    auto hosts = ipfs_.FilesLs(fmt::format("{}/{}", root_, c.name));
    if (!hosts.ok()) continue;
    for (const auto& h : *hosts)
      if (h.name == host) out.push_back(c.name);
  }
  return out;
}

bool ProviderStore::TakeLead(std::string_view cid, std::string_view host) {
  if (!SafeProviderName(cid)) return true;
  std::string dir = fmt::format("{}/{}", root_, cid);
  auto lock = WriteLock();
  if (!lock.ok()) return true;  // trouble: lead (below)
  (void)ipfs_.FilesMkdir(dir);  // parents; exists already after a "fetching" record
  auto made = ipfs_.Call("files/mkdir", {{"arg", dir + "/.lead"}, {"parents", "false"}});
  if (made.ok()) {
    if (SafeProviderName(host)) (void)ipfs_.FilesWrite(fmt::format("{}/.lead/{}", dir, host), host);
    return true;
  }
  // Only "it exists" makes this deploy a follower; any other trouble: lead.
  return ipfs_.Stat(dir + "/.lead").status().code() != Status::Code::kOk;
}

std::string ProviderStore::LeadHost(std::string_view cid) {
  if (!SafeProviderName(cid)) return "";
  auto entries = ipfs_.FilesLs(fmt::format("{}/{}/.lead", root_, cid));
  if (!entries.ok()) return "";
  for (const auto& e : *entries)
    if (!e.is_dir && SafeProviderName(e.name)) return e.name;
  return "";
}

void ProviderStore::ReleaseLead(std::string_view cid) {
  if (!SafeProviderName(cid)) return;
  auto lock = WriteLock();
  if (!lock.ok()) return;  // left: later fetchers wait IPFS_P2P_STALL (providers.h)
  (void)ipfs_.FilesRm(fmt::format("{}/{}/.lead", root_, cid), true);
}

Result<std::optional<ProviderRecord>> ProviderStore::Identity(std::string_view host) {
  if (!SafeProviderName(host)) return std::optional<ProviderRecord>();
  auto text = ipfs_.FilesRead(fmt::format("{}/.hosts/{}", root_, host));
  if (!text.ok()) {
    if (text.status().code() == Status::Code::kNotFound) return std::optional<ProviderRecord>();
    return text.status();
  }
  auto r = ParseProviderRecord(*text);
  if (!r.ok() || r->host != host) return std::optional<ProviderRecord>();
  return std::optional<ProviderRecord>(std::move(*r));
}

Status ProviderStore::PutIdentity(const ProviderRecord& r) {
  if (!SafeProviderName(r.host)) return Status::Ok();
  ASSIGN_OR_RETURN(auto lock, WriteLock());
  return ipfs_.FilesWrite(fmt::format("{}/.hosts/{}", root_, r.host), ProviderRecordJson(r));
}

}  // namespace oneipfs
