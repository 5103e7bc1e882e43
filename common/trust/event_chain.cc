#include "common/trust/event_chain.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "common/ipfs/cid.h"
#include "common/ipfs/content_hold.h"
#include "common/base/number.h"
#include "common/trust/signed_record.h"
#include "common/base/text.h"

namespace oneipfs {

Result<std::string> EventChain::EntryCid(std::uint64_t seq) {
  auto st = ipfs_.Stat(fmt::format("{}/{}", dir_, seq));
  if (st.ok()) return st->cid;
  if (st.status().code() == Status::Code::kNotFound) return std::string();
  return st.status();
}

Result<std::uint64_t> EventChain::Head() {
  std::uint64_t h = 0;
  auto hint = ipfs_.FilesRead(dir_ + "/head");
  if (hint.ok()) {
    h = ParseCount(Trim(*hint)).value_or(0);
  } else if (hint.status().code() != Status::Code::kNotFound) {
    return hint.status();
  }
  if (h > 0) {
    ASSIGN_OR_RETURN(std::string at, EntryCid(h));
    if (at.empty()) {
      // A hint past the end (never written so by us): list instead.
      ASSIGN_OR_RETURN(auto entries, ipfs_.FilesLs(dir_));
      h = 0;
      for (const auto& e : entries)
        if (auto n = ParseCount(e.name)) h = std::max(h, *n);
      return h;
    }
  }
  // The hint may lag behind appends that raced it: probe forward.
  for (;;) {
    ASSIGN_OR_RETURN(std::string next, EntryCid(h + 1));
    if (next.empty()) return h;
    ++h;
  }
}

Result<std::string> EventChain::Seal(const SigningKey& key, nlohmann::json fields, std::uint64_t seq,
                                     std::string_view prev, ChainEvent& ev) {
  ev.seq = seq;
  ev.fields = std::move(fields);
  ev.fields["seq"] = ev.seq;
  ev.fields["prev"] = std::string(prev);
  std::string payload;
  try {
    payload = ev.fields.dump();
  } catch (const std::exception& e) {
    return Status::Invalid(fmt::format("an event that is not valid JSON text: {}", e.what()));
  }
  ASSIGN_OR_RETURN(std::string sealed, SealRecord(key, payload));
  ev.publisher = key.PublisherId();
  return sealed;
}

Result<ChainEvent> EventChain::Append(const SigningKey& key, nlohmann::json fields,
                                      std::chrono::milliseconds budget) {
  if (!fields.is_object()) return Status::Invalid("an event must be a JSON object");
  auto deadline = std::chrono::steady_clock::now() + budget;
  Status last = Status::Ok();
  for (int attempt = 0; attempt == 0 || std::chrono::steady_clock::now() < deadline; ++attempt) {
    auto head = Head();
    if (!head.ok()) return head.status().Prefixed(fmt::format("cannot append to {}", dir_));
    std::string prev;
    if (*head > 0) {
      auto p = EntryCid(*head);
      if (!p.ok()) return p.status().Prefixed(fmt::format("cannot append to {}", dir_));
      prev = *p;
    }
    ChainEvent ev;
    ASSIGN_OR_RETURN(std::string sealed, Seal(key, fields, *head + 1, prev, ev));
    {
      // The block is linked before a flock'd GC can run (content_hold.h).
      ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
      auto cid = ipfs_.DagPut("raw", sealed);
      if (!cid.ok()) return cid.status().Prefixed(fmt::format("cannot append to {}", dir_));
      ev.cid = *cid;
      Status linked = ipfs_.FilesCp("/ipfs/" + ev.cid, fmt::format("{}/{}", dir_, ev.seq));
      if (linked.ok()) {
        (void)ipfs_.FilesWrite(dir_ + "/head", std::to_string(ev.seq));  // a hint only
        return ev;
      }
      last = linked;
    }
    // Lost the race for this number (someone else's event is there now):
    // go again on top of it. Anything else is a failure.
    auto there = EntryCid(ev.seq);
    if (!there.ok() || there->empty()) return last.Prefixed(fmt::format("cannot append to {}", dir_));
  }
  return Status::Unavailable(fmt::format("cannot append to {}: other appenders kept winning for {} ms ({})", dir_,
                                         budget.count(), last.message()));
}

Result<std::optional<ChainEvent>> EventChain::AppendAfter(const SigningKey& key, nlohmann::json fields,
                                                          std::uint64_t head_seq, std::string_view head_cid) {
  if (!fields.is_object()) return Status::Invalid("an event must be a JSON object");
  ChainEvent ev;
  ASSIGN_OR_RETURN(std::string sealed, Seal(key, std::move(fields), head_seq + 1, head_cid, ev));
  ASSIGN_OR_RETURN(auto lock, MfsWriteLock::Take(ipfs_.mfs_lock(), ipfs_.timeout()));
  auto cid = ipfs_.DagPut("raw", sealed);
  if (!cid.ok()) return cid.status().Prefixed(fmt::format("cannot append to {}", dir_));
  ev.cid = *cid;
  Status linked = ipfs_.FilesCp("/ipfs/" + ev.cid, fmt::format("{}/{}", dir_, ev.seq));
  if (!linked.ok()) {
    auto there = EntryCid(ev.seq);
    // Ours after all (the reply was lost), or someone else's: read the chain.
    if (there.ok() && !there->empty() && CidEqual(*there, ev.cid)) return std::optional<ChainEvent>(std::move(ev));
    if (there.ok() && !there->empty()) return std::optional<ChainEvent>();
    return linked.Prefixed(fmt::format("cannot append to {}", dir_));
  }
  if (ev.seq % kHeadHintEvery == 0) (void)ipfs_.FilesWrite(dir_ + "/head", std::to_string(ev.seq));  // a hint only
  return std::optional<ChainEvent>(std::move(ev));
}

Result<ChainReport> EventChain::Read(const std::function<bool(std::string_view)>& accept) {
  ChainReport report;
  auto listed = ipfs_.FilesLs(dir_);
  if (!listed.ok()) {
    if (listed.status().code() == Status::Code::kNotFound) return report;
    return listed.status();
  }
  std::map<std::uint64_t, std::string> by_seq;
  for (const auto& e : *listed) {
    if (e.name == "head") continue;
    auto n = ParseCount(e.name);
    if (!n || *n == 0 || e.is_dir) {
      report.breaks.push_back({0, e.cid, fmt::format("'{}' is not an event", e.name)});
      continue;
    }
    by_seq[*n] = e.cid;
  }
  std::uint64_t expect = 1;
  std::string prev_cid;
  for (const auto& [seq, cid] : by_seq) {
    if (seq != expect)
      report.breaks.push_back({expect, "", fmt::format("events {} to {} are missing", expect, seq - 1)});
    expect = seq + 1;
    std::string expected_prev = prev_cid;
    prev_cid = cid;
    auto bytes = ipfs_.BlockGet(cid);
    if (!bytes.ok()) {
      report.breaks.push_back({seq, cid, fmt::format("cannot be read: {}", bytes.status().message())});
      continue;
    }
    auto opened = OpenRecord(*bytes);
    if (!opened.ok()) {
      report.breaks.push_back({seq, cid, opened.status().message()});
      continue;
    }
    if (accept && !accept(opened->publisher)) {
      report.breaks.push_back({seq, cid, fmt::format("signed by {}, not a trusted publisher", opened->publisher)});
      continue;
    }
    nlohmann::json fields = nlohmann::json::parse(opened->payload, nullptr, false);
    if (fields.is_discarded() || !fields.is_object()) {
      report.breaks.push_back({seq, cid, "its payload is not a JSON object"});
      continue;
    }
    auto s = fields.find("seq");
    if (s == fields.end() || !s->is_number_unsigned() || s->get<std::uint64_t>() != seq) {
      report.breaks.push_back({seq, cid, fmt::format("it says it is not event {}", seq)});
      continue;
    }
    auto p = fields.find("prev");
    std::string prev = p != fields.end() && p->is_string() ? p->get<std::string>() : "?";
    bool linked = expected_prev.empty() ? prev.empty() : CidEqual(prev, expected_prev);
    if (!linked) {
      report.breaks.push_back({seq, cid,
                               fmt::format("its prev '{}' is not event {} ({})", prev.substr(0, 80), seq - 1,
                                           expected_prev.empty() ? "none" : expected_prev)});
      continue;
    }
    report.events.push_back({seq, cid, opened->publisher, std::move(fields)});
  }
  return report;
}

}  // namespace oneipfs
