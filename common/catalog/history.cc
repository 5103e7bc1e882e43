#include "common/catalog/history.h"

#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <map>
#include <random>

#include <fmt/format.h>

#include "common/base/number.h"
#include "common/base/text.h"
#include "common/catalog/history_background.h"
#include "common/catalog/history_spool.h"
#include "common/ipfs/cid.h"
#include "common/trust/signed_record.h"
#include "common/trust/signing.h"

namespace oneipfs {
namespace {

using Clock = std::chrono::steady_clock;

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return "";
}
std::uint64_t Num(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer() && it->get<std::int64_t>() > 0) return static_cast<std::uint64_t>(it->get<std::int64_t>());
  if (it->is_string()) return ParseCount(it->get<std::string>()).value_or(0);
  return 0;
}

// Fields as the chain will store them: strings that are not UTF-8 (a user's
// image name) are repaired here, or the chain would refuse the whole event.
nlohmann::json Sanitized(const nlohmann::json& j) {
  try {
    return nlohmann::json::parse(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } catch (const std::exception&) {
    return nlohmann::json::object();
  }
}

std::string NewEid() {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  return fmt::format("{:x}-{:x}-{:x}-{:08x}", ns.count(), ::getpid(), counter++, rd());
}

}  // namespace

std::string DescribeEvent(const nlohmann::json& f) {
  std::string image = Str(f, "image");
  return fmt::format("the {} event of {}", Str(f, "action"),
                     image.empty() ? "datastore " + Str(f, "ds") : "image " + image);
}

nlohmann::json PrepareEventFields(CatalogEvent& ev) {
  if (ev.time == 0) ev.time = static_cast<std::int64_t>(std::time(nullptr));
  if (ev.eid.empty()) ev.eid = NewEid();
  return Sanitized(EventToJson(ev));
}

CatalogEvent NewEvent(std::string action, std::uint64_t version, std::string cid, std::string old_cid,
                      std::uint64_t size, std::string detail) {
  CatalogEvent ev;
  ev.action = std::move(action);
  ev.version = version;
  ev.cid = std::move(cid);
  ev.old_cid = std::move(old_cid);
  ev.size = size;
  ev.detail = std::move(detail);
  return ev;
}

nlohmann::json EventToJson(const CatalogEvent& ev) {
  nlohmann::json j = {{"action", ev.action}, {"ds", ev.datastore}, {"image", ev.image},   {"entry", ev.entry},
                      {"version", ev.version}, {"cid", ev.cid},    {"old_cid", ev.old_cid}, {"size", ev.size},
                      {"time", ev.time},     {"uid", ev.uid},      {"user", ev.user},     {"vm", ev.vm},
                      {"detail", ev.detail}, {"eid", ev.eid}};
  if (!ev.image_info.is_null()) j["image_info"] = ev.image_info;
  return j;
}

CatalogEvent EventFromJson(const nlohmann::json& j) {
  CatalogEvent ev;
  if (!j.is_object()) return ev;
  ev.action = Str(j, "action");
  ev.datastore = Str(j, "ds");
  ev.image = Str(j, "image");
  ev.entry = Str(j, "entry");
  ev.version = Num(j, "version");
  ev.cid = Str(j, "cid");
  ev.old_cid = Str(j, "old_cid");
  ev.size = Num(j, "size");
  ev.time = static_cast<std::int64_t>(Num(j, "time"));
  ev.uid = Str(j, "uid");
  ev.user = Str(j, "user");
  ev.vm = Str(j, "vm");
  ev.detail = Str(j, "detail");
  ev.eid = Str(j, "eid");
  if (auto it = j.find("image_info"); it != j.end() && it->is_object()) ev.image_info = *it;
  return ev;
}

std::string HistoryRoot(std::string_view catalog_root) {
  return fmt::format("{}/.history", catalog_root == "/" ? "" : catalog_root);
}
std::string HistoryDir(std::string_view catalog_root, std::string_view ds_id) {
  return fmt::format("{}/{}", HistoryRoot(catalog_root), ds_id);
}

HistorySettings HistorySettingsFrom(const Config& config) {
  HistorySettings s;
  s.key_path = config.Get("IPFS_SIGNING_KEY");
  if (s.key_path.empty()) s.key_path = DefaultSigningKeyPath(std::getenv("ONE_LOCATION"));
  auto slash = s.key_path.rfind('/');
  s.spool_root = (slash == std::string::npos ? std::string(".") : s.key_path.substr(0, slash)) + "/one-ipfs-history";
  s.api = NormalizeApiAddress(config.Get("IPFS_API"));
  s.background = config.Get("IPFS_HISTORY_APPEND") != "inline";
  return s;
}

struct HistoryRecorder::Impl {
  IpfsClient& ipfs;
  std::string root;
  HistorySettings s;
  const Log& log;
  std::optional<SigningKey> key;
  Status key_error = Status::Ok();
  bool key_tried = false;

  const SigningKey* Key() {
    if (!key_tried) {
      key_tried = true;
      auto k = SigningKey::LoadOrCreate(s.key_path);
      if (k.ok()) key.emplace(std::move(*k));
      else key_error = k.status();
    }
    return key ? &*key : nullptr;
  }

  // The head event's eid and where it is (a read of the chain; for the
  // slow path only).
  Result<SpooledHead> ChainHead(EventChain& chain) {
    ASSIGN_OR_RETURN(std::uint64_t n, chain.Head());
    SpooledHead h;
    h.seq = n;
    if (n == 0) return h;
    ASSIGN_OR_RETURN(auto st, ipfs.Stat(fmt::format("{}/{}", chain.dir(), n)));
    h.cid = st.cid;
    auto bytes = ipfs.BlockGet(h.cid);
    if (bytes.ok()) {
      auto opened = OpenRecord(*bytes);
      if (opened.ok()) {
        auto f = nlohmann::json::parse(opened->payload, nullptr, false);
        if (f.is_object()) h.eid = Str(f, "eid");
      }
    }
    return h;
  }

  // Appends one event; `head` is what this front end appended last (updated).
  Status AppendOne(EventChain& chain, const SigningKey& k, const nlohmann::json& fields,
                   std::optional<SpooledHead>& head, const EventSpool* spool, Clock::time_point deadline) {
    std::string eid = Str(fields, "eid");
    if (head) {
      auto r = chain.AppendAfter(k, fields, head->seq, head->cid);
      if (!r.ok()) return r.status();
      if (*r) {
        head = SpooledHead{(*r)->seq, (*r)->cid, eid};
        if (spool) (void)spool->SaveHead(*head);
        return Status::Ok();
      }
    }
    // No head remembered, or another writer appended: read the chain. Its
    // head may be this very event (appended just before a crash).
    ASSIGN_OR_RETURN(SpooledHead now, ChainHead(chain));
    if (!eid.empty() && now.eid == eid) {
      head = now;
      if (spool) (void)spool->SaveHead(now);
      return Status::Ok();
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Status::Timeout("the history budget is spent");
    auto r = chain.AppendAfter(k, fields, now.seq, now.cid);
    if (r.ok() && *r) {
      head = SpooledHead{(*r)->seq, (*r)->cid, eid};
    } else {
      if (!r.ok()) return r.status();
      auto ev = chain.Append(k, fields, left);  // raced again: the general path
      if (!ev.ok()) return ev.status();
      head = SpooledHead{ev->seq, ev->cid, eid};
    }
    if (spool) (void)spool->SaveHead(*head);
    return Status::Ok();
  }

  // Under the lock: the spooled events, oldest first, then `ours` (when
  // given). Returns the first failure; `ours_done` says whether ours is in.
  Status Drain(EventChain& chain, const SigningKey& k, const EventSpool& spool, const nlohmann::json* ours,
               bool& ours_done, std::size_t& appended, Clock::time_point deadline) {
    auto head = spool.LoadHead();
    for (int round = 0; round < 2; ++round) {
      ASSIGN_OR_RETURN(auto pending, spool.Pending());
      for (const auto& name : pending) {
        if (Clock::now() >= deadline) return Status::Timeout("the history budget is spent");
        auto text = spool.Read(name);
        if (!text.ok()) {
          if (text.status().code() == Status::Code::kNotFound) continue;  // taken by another flusher
          return text.status();
        }
        auto fields = nlohmann::json::parse(*text, nullptr, false);
        if (fields.is_discarded() || !fields.is_object()) {
          log.Warn(fmt::format("catalog history: {}/{} is not an event; left aside as bad-{}", spool.dir(), name,
                               name));
          (void)::rename((spool.dir() + "/" + name).c_str(), (spool.dir() + "/bad-" + name).c_str());
          continue;
        }
        if (head && !head->eid.empty() && head->eid == Str(fields, "eid")) {  // appended before a crash
          RETURN_IF_ERROR(spool.Remove(name));
          continue;
        }
        RETURN_IF_ERROR(AppendOne(chain, k, fields, head, &spool, deadline));
        ++appended;
        RETURN_IF_ERROR(spool.Remove(name));
      }
      if (ours && !ours_done) {
        RETURN_IF_ERROR(AppendOne(chain, k, *ours, head, &spool, deadline));
        ours_done = true;
      }
      // Events spooled meanwhile by appenders that gave up on the lock.
    }
    return Status::Ok();
  }

  void Record(CatalogEvent ev) {
    auto deadline = Clock::now() + s.budget;
    nlohmann::json fields = PrepareEventFields(ev);
    std::string what = DescribeEvent(fields);
    std::string dir = HistoryDir(root, ev.datastore);
    EventChain chain(ipfs, dir);

    auto spool = EventSpool::Open(s.spool_root, s.api, dir);
    const SigningKey* k = Key();
    if (!spool.ok()) {
      // No spool: append directly, or lose the event (and say so).
      Status st = k ? Status::Ok() : key_error;
      if (st.ok()) {
        std::optional<SpooledHead> none;
        st = AppendOne(chain, *k, fields, none, nullptr, deadline);
      }
      if (!st.ok())
        log.Warn(fmt::format("catalog history: {} is lost: not appended to {} ({}) and no spool ({})", what, dir,
                             st.message(), spool.status().message()));
      return;
    }
    Status st = k ? Status::Ok() : key_error;
    bool ours_done = false;
    std::size_t appended = 0;
    if (st.ok()) {
      auto lock = spool->Lock(deadline);
      if (!lock.ok()) st = lock.status();
      else st = Drain(chain, *k, *spool, &fields, ours_done, appended, deadline);
    }
    if (appended > 0) log.Info(fmt::format("catalog history: appended {} event(s) spooled earlier to {}", appended, dir));
    if (ours_done) {
      spool->ClearLastError();
      return;
    }
    std::string waiting;
    auto put = spool->Put(fields.dump());
    if (!put.ok()) {
      log.Warn(fmt::format("catalog history: {} is lost: not appended to {} ({}) and not spooled ({})", what, dir,
                           st.message(), put.status().message()));
      return;
    }
    (void)spool->SaveLastError(st.message());
    auto pending = spool->Pending();
    std::size_t n = pending.ok() ? pending->size() : 1;
    log.Warn(fmt::format("catalog history: {} is not in {} yet ({}); spooled in {} ({} waiting), appended with the "
                         "next event",
                         what, dir, st.message(), spool->dir(), n));
  }

  Result<std::size_t> Flush(std::string_view ds_id) {
    auto deadline = Clock::now() + s.budget;
    std::string dir = HistoryDir(root, ds_id);
    ASSIGN_OR_RETURN(EventSpool spool, EventSpool::Open(s.spool_root, s.api, dir));
    ASSIGN_OR_RETURN(auto pending, spool.Pending());
    if (pending.empty()) return std::size_t{0};
    // Why events are left is kept in the spool (last-error), for the next
    // event's WARN line and for the doctor.
    auto kept = [&](Status st) -> Result<std::size_t> {
      (void)spool.SaveLastError(st.message());
      return st;
    };
    const SigningKey* k = Key();
    if (!k) return kept(key_error);
    EventChain chain(ipfs, dir);
    auto lock = spool.Lock(deadline);
    if (!lock.ok()) return kept(lock.status());
    bool unused = false;
    std::size_t appended = 0;
    Status st = Drain(chain, *k, spool, nullptr, unused, appended, deadline);
    if (appended > 0) log.Info(fmt::format("catalog history: appended {} spooled event(s) to {}", appended, dir));
    ASSIGN_OR_RETURN(auto left, spool.Pending());
    if (left.empty()) {
      spool.ClearLastError();
    } else if (!st.ok()) {
      return kept(Status::Failed(fmt::format("{} event(s) still spooled for {}: {}", left.size(), dir, st.message())));
    }
    return left.size();
  }
};

HistoryRecorder::HistoryRecorder(IpfsClient& ipfs, std::string catalog_root, HistorySettings settings, const Log& log)
    : impl_(new Impl{ipfs, std::move(catalog_root), std::move(settings), log, std::nullopt}) {}
HistoryRecorder::~HistoryRecorder() = default;

void HistoryRecorder::Record(CatalogEvent ev) {
  try {
    impl_->Record(std::move(ev));
  } catch (const std::exception& e) {
    impl_->log.Warn(fmt::format("catalog history: an event was not recorded: {}", e.what()));
  }
}

Result<std::size_t> HistoryRecorder::Flush(std::string_view ds_id) {
  try {
    return impl_->Flush(ds_id);
  } catch (const std::exception& e) {
    return Status::Failed(fmt::format("cannot flush the history spool: {}", e.what()));
  }
}

Result<std::unique_ptr<IpfsClient>> MakeHistoryClient(const Config& config, std::chrono::seconds budget) {
  ASSIGN_OR_RETURN(auto client, MakeIpfsClient(config));
  client->set_timeout(budget);
  client->set_deadline_in(budget);
  return client;
}

void RecordCatalogEvent(const Config& config, const Log& log, CatalogEvent ev) {
  auto started = Clock::now();
  std::string action = ev.action;
  struct Timed {  // ONE_IPFS_DEBUG: what the event cost the action (bench/history-cost)
    const Log& log;
    const std::string& action;
    Clock::time_point started;
    ~Timed() {
      log.Debug(fmt::format("catalog history: the {} event took {:.1f} ms", action,
                            std::chrono::duration<double, std::milli>(Clock::now() - started).count()));
    }
  } timed{log, action, started};
  HistorySettings settings = HistorySettingsFrom(config);
  std::string root = config.Get("IPFS_CATALOG");
  std::string ds = ev.datastore;
  if (settings.background) {
    // history_background.h; inline when the event cannot be spooled (then
    // Record says what happened) or the flusher cannot start (then the
    // spooled event is flushed here, within the budget).
    Status spooled = SpoolCatalogEvent(settings, root, ev, log);
    if (spooled.ok()) {
      Status started = StartHistoryFlush(HistoryFlusherPath(RemotesDirOfSelf()), settings, root, ds);
      if (started.ok()) return;
      log.Debug(fmt::format("catalog history: appending here: {}", started.message()));
      auto client = MakeHistoryClient(config, std::chrono::duration_cast<std::chrono::seconds>(kHistoryBudget));
      std::string why = client.ok() ? "" : client.status().message();
      if (client.ok()) {
        auto left = HistoryRecorder(**client, root, settings, log).Flush(ds);
        if (left.ok()) return;
        why = left.status().message();
      }
      log.Warn(fmt::format("catalog history: the {} event of image {} is spooled, not appended yet ({}); the next "
                           "event appends it",
                           ev.action, ev.image, why));
      return;
    }
    log.Debug(fmt::format("catalog history: not spooled ({}), appending inline", spooled.message()));
  }
  auto client = MakeHistoryClient(config, std::chrono::duration_cast<std::chrono::seconds>(kHistoryBudget));
  if (!client.ok()) {
    log.Warn(fmt::format("catalog history: the {} event of image {} is lost: {}", ev.action, ev.image,
                         client.status().message()));
    return;
  }
  HistoryRecorder(**client, root, settings, log).Record(std::move(ev));
}

std::string OperatorLogin() {
  uid_t uid = ::geteuid();
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found && found->pw_name) return found->pw_name;
  return fmt::format("uid {}", uid);
}

void RecordDsEvent(const DsContext& ctx, CatalogEvent ev) {
  const ImageDoc& img = ctx.action.image;
  if (ev.datastore.empty()) ev.datastore = ctx.action.datastore.id;
  if (ev.image.empty()) ev.image = img.id;
  if (ev.entry.empty()) ev.entry = fmt::format("{}-{}", img.id, img.regtime.empty() ? "0" : img.regtime);
  if (ev.uid.empty()) ev.uid = img.uid;
  if (ev.user.empty()) ev.user = img.uname;
  RecordCatalogEvent(ctx.config, ctx.log, std::move(ev));
}

Result<HistoryRead> ReadHistory(IpfsClient& ipfs, std::string_view catalog_root, std::string_view ds_id,
                                const std::function<bool(std::string_view)>& accept) {
  HistoryRead out;
  out.dir = HistoryDir(catalog_root, ds_id);
  EventChain chain(ipfs, out.dir);
  ASSIGN_OR_RETURN(ChainReport report, chain.Read(accept));
  out.breaks = report.breaks;
  std::map<std::uint64_t, HistoryEntry> by_seq;
  for (auto& e : report.events) {
    HistoryEntry h;
    h.seq = e.seq;
    h.cid = e.cid;
    h.publisher = e.publisher;
    h.verified = true;
    h.event = EventFromJson(e.fields);
    by_seq[e.seq] = std::move(h);
  }
  // A broken event is still shown, with what it claims (untrusted).
  for (const auto& b : report.breaks) {
    if (b.seq == 0 || b.cid.empty() || by_seq.count(b.seq)) continue;
    HistoryEntry h;
    h.seq = b.seq;
    h.cid = b.cid;
    h.problem = b.why;
    auto bytes = ipfs.BlockGet(b.cid);
    if (bytes.ok()) {
      auto record = nlohmann::json::parse(*bytes, nullptr, false);
      if (record.is_object()) {
        h.publisher = Str(record, "publisher");
        auto payload = nlohmann::json::parse(Str(record, "payload"), nullptr, false);
        if (payload.is_object()) h.event = EventFromJson(payload);
      }
    }
    by_seq[b.seq] = std::move(h);
  }
  for (auto& [seq, h] : by_seq) out.entries.push_back(std::move(h));
  return out;
}

}  // namespace oneipfs
