#include "common/catalog/fsck.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <cerrno>
#include <limits>
#include <map>

#include <fmt/format.h>
#include <tinyxml2.h>

#include "common/ipfs/content_hold.h"
#include "common/base/number.h"
#include "common/catalog/retention.h"
#include "common/catalog/source.h"

namespace oneipfs {
namespace {

using Kind = FsckFinding::Kind;

bool DefaultPidAlive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// Whose a catalog entry is, by a listing of oned (fsck.h, kOrphan).
enum class Owner { kImage, kMaybeNewer, kUnknownAge, kNone };
Owner Judge(const std::string& dir, const OnedImages& oned) {
  if (oned.entries.count(dir)) return Owner::kImage;
  std::string_view name = std::string_view(dir).substr(dir.rfind('/') + 1);
  std::size_t dash = name.find('-');
  if (dash == std::string_view::npos) return Owner::kUnknownAge;
  auto id = ParseCount(name.substr(0, dash));
  auto regtime = ParseCount(name.substr(dash + 1), std::numeric_limits<std::int64_t>::max());
  if (!id || !regtime) return Owner::kUnknownAge;
  if (oned.images.count(std::string(name))) return Owner::kImage;
  if (static_cast<std::int64_t>(*regtime) > oned.listed_at - kOrphanSlack) return Owner::kMaybeNewer;
  return Owner::kNone;
}

class Checker {
 public:
  Checker(IpfsClient& ipfs, const FsckOptions& o, const Log& log, FsckReport& r)
      : ipfs_(ipfs), o_(o), log_(log), r_(r) {}

  // Ok when every block is local; the reason otherwise. Cached per CID.
  Status Local(const std::string& cid) {
    auto it = local_.find(cid);
    if (it != local_.end()) return it->second;
    Status st = ipfs_.RefsLocal(cid, o_.local_timeout);
    local_.emplace(cid, st);
    return st;
  }

  FsckFinding& Add(Kind k, std::string subject, std::string detail) {
    FsckFinding f;
    f.kind = k;
    f.subject = std::move(subject);
    f.detail = std::move(detail);
    r_.findings.push_back(std::move(f));
    return r_.findings.back();
  }

  void Apply(FsckFinding& f, const Status& st) {
    if (st.ok() || st.code() == Status::Code::kNotFound) f.repaired = true;
    else f.repair_error = st.message();
  }

  void Entry(const std::string& dir) {
    ++r_.entries;
    if (o_.oned) {
      switch (Judge(dir, *o_.oned)) {
        case Owner::kImage: break;
        case Owner::kMaybeNewer:
          r_.notes.push_back(fmt::format("{}: registered around or after oned's images were listed; judged next run",
                                         dir));
          break;
        case Owner::kUnknownAge: {
          auto& f = Add(Kind::kOrphan, dir,
                        "no image in oned has this entry as its SOURCE, and its name is not <image id>-<regtime>");
          if (o_.repair) f.repair_error = "left for the operator (its name tells no registration time)";
          return;
        }
        case Owner::kNone:
          Add(Kind::kOrphan, dir, "no image in oned has this entry as its SOURCE, nor its id and registration time");
          if (o_.repair) orphans_.push_back(r_.findings.size() - 1);
          return;
      }
    }
    auto listed = ipfs_.FilesLs(dir);
    if (!listed.ok()) {
      if (listed.status().code() != Status::Code::kNotFound)
        r_.notes.push_back(fmt::format("{}: not listed: {}", dir, listed.status().message()));
      return;
    }
    struct Item {
      std::string name, cid;
      std::uint64_t number;
      bool snapshot;
    };
    std::vector<Item> versions, snapshots;
    for (const auto& d : *listed) {
      std::string path = dir + "/" + d.name;
      auto n = ParseCount(d.name);
      auto s = d.name.starts_with("snap-") ? ParseCount(std::string_view(d.name).substr(5)) : std::nullopt;
      if (!d.is_dir && n) {
        versions.push_back({d.name, d.cid, *n, false});
      } else if (!d.is_dir && s) {
        snapshots.push_back({d.name, d.cid, *s, true});
      } else {
        auto& f = Add(Kind::kStale, path, "neither a version nor a saved snapshot (left by an interrupted writer?)");
        if (o_.repair) Apply(f, ipfs_.FilesRm(path, true));
      }
    }
    std::sort(versions.begin(), versions.end(), [](auto& a, auto& b) { return a.number < b.number; });
    r_.versions += versions.size();
    std::size_t prune = 0;
    if (o_.prune_history && versions.size() > *o_.prune_history)
      prune = versions.size() - static_cast<std::size_t>(*o_.prune_history);
    for (std::size_t i = 0; i < versions.size(); ++i) {
      const auto& v = versions[i];
      std::string path = dir + "/" + v.name;
      if (i < prune) {
        auto& f = Add(Kind::kPrune, path, fmt::format("history beyond the last {} versions", *o_.prune_history));
        if (o_.repair) Apply(f, ipfs_.FilesRm(path, false));
        continue;
      }
      CheckLocal(path, v.cid, /*droppable=*/i + 1 < versions.size());
    }
    for (const auto& s : snapshots) CheckLocal(dir + "/" + s.name, s.cid, /*droppable=*/false);
  }

  void CheckLocal(const std::string& path, const std::string& cid, bool droppable) {
    Status st = Local(cid);
    if (st.ok()) return;
    auto& f = Add(Kind::kNotLocal, path, fmt::format("/ipfs/{} is not fully in the repository: {}", cid, st.message()));
    if (!o_.repair) return;
    auto hold = ContentHold::Acquire(ipfs_, cid, log_);
    if (hold.ok()) {
      local_[cid] = Status::Ok();
      Apply(f, hold->Release());
      return;
    }
    // Only the daemon's definite "not found" drops a history version: a
    // timeout may be a peer that holds it and is away for now.
    if (droppable && hold.status().code() == Status::Code::kNotFound) {
      Apply(f, ipfs_.FilesRm(path, false));
      if (f.repaired) f.detail += " (the daemon cannot find it; this history version was dropped)";
      return;
    }
    f.repair_error = "could not be fetched: " + hold.status().message() +
                     (droppable ? " (kept: only the daemon's \"not found\" drops a history version; run fsck again "
                                  "when the peers that hold it are back)"
                                : " (the image's current content: restore it, or delete the image)");
  }

  // Orphans found in the walk, removed only if a listing of oned asked for
  // now still finds no image for them.
  void RemoveOrphans() {
    if (orphans_.empty()) return;
    Result<OnedImages> again = o_.relist_oned ? o_.relist_oned()
                                              : Result<OnedImages>(Status::Failed("no way to ask oned again"));
    std::vector<std::size_t> taken;
    for (std::size_t i : orphans_) {
      FsckFinding& f = r_.findings[i];
      if (!again.ok()) {
        f.repair_error = "not removed: oned's images could not be listed again just before: " + again.status().message();
        continue;
      }
      if (Judge(f.subject, *again) != Owner::kNone) {
        r_.notes.push_back(fmt::format("{}: an image has it now (oned listed again before the removal); kept",
                                       f.subject));
        taken.push_back(i);
        continue;
      }
      Apply(f, ipfs_.FilesRm(f.subject, true));
    }
    for (auto it = taken.rbegin(); it != taken.rend(); ++it)
      r_.findings.erase(r_.findings.begin() + static_cast<std::ptrdiff_t>(*it));
    orphans_.clear();
  }

  // Recursive and direct pins: a hold is direct until its content is
  // fetched (content_hold.h), so a process killed before that leaves a
  // direct pin.
  void Holds() {
    std::string host = o_.this_host.empty() ? HoldHostName() : o_.this_host;
    auto alive = o_.pid_alive ? o_.pid_alive : DefaultPidAlive;
    auto now = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    for (bool direct : {false, true}) {
      const char* type = direct ? "direct" : "recursive";
      auto pins = direct ? ipfs_.PinLsDirect() : ipfs_.PinLsRecursive();
      if (!pins.ok()) {
        r_.notes.push_back(fmt::format("{} pins not checked: {}", type, pins.status().message()));
        continue;
      }
      for (const auto& pin : *pins) {
        auto owner = IdentifyPin(ipfs_, pin, direct);
        if (!owner.ok() || owner->kind == PinOwner::Kind::kNotOurs) continue;
        if (owner->kind == PinOwner::Kind::kUnrecognised) {
          // Never removed: fsck cannot tell whose it is or whether it runs.
          auto& f = Add(Kind::kUnknownPin, "/ipfs/" + pin,
                        fmt::format("{} pin named '{}', not a temporary pin fsck recognises", type, owner->name));
          if (o_.repair) f.repair_error = "left for the operator (ipfs pin rm it if nothing needs it)";
          continue;
        }
        const HoldName& h = owner->hold;
        std::uint64_t age = now > h.started ? now - h.started : 0;
        bool gone = h.host == host ? !alive(h.pid) : false;
        bool old = age > static_cast<std::uint64_t>(o_.hold_max_age.count());
        if (!gone && !old) {
          ++r_.holds_running;
          continue;
        }
        auto& f = Add(Kind::kStaleHold, "/ipfs/" + pin,
                      fmt::format("temporary {} pin of process {} on {}, {} s old ({})", type, h.pid, h.host, age,
                                  gone ? "the process is gone" : "older than the limit"));
        if (o_.repair) {
          // pin/rm with recursive=true removes a direct pin too (kubo's
          // pinner Unpin; js-ipfs 0.66 pin/rm-all).
          auto rm = ipfs_.PinRm(pin);
          Apply(f, rm.ok() ? Status::Ok() : rm.status());
        }
      }
    }
  }

  // The deleted area: entries past their grace (fsck.h, kExpired).
  void Deleted(std::string_view root) {
    if (!o_.delete_grace) return;
    std::int64_t now = o_.now ? o_.now : static_cast<std::int64_t>(std::time(nullptr));
    auto listed = ListDeleted(ipfs_, root);
    if (!listed.ok()) {
      r_.notes.push_back(fmt::format("the deleted area was not checked: {}", listed.status().message()));
      return;
    }
    for (const auto& odd : listed->odd)
      r_.notes.push_back(fmt::format("{}: not a deleted entry's name (<image>-<regtime>-<deleted at>); left alone", odd));
    for (const auto& e : listed->entries) {
      if (e.deleted_at + *o_.delete_grace > now) {
        ++r_.deleted_kept;
        continue;
      }
      auto& f = Add(Kind::kExpired, e.dir,
                    fmt::format("image {} deleted {} s ago; IPFS_DELETE_GRACE is {} s", e.image, now - e.deleted_at,
                                *o_.delete_grace));
      if (o_.repair) Apply(f, ipfs_.FilesRm(e.dir, true));
    }
  }

 private:
  IpfsClient& ipfs_;
  const FsckOptions& o_;
  const Log& log_;
  FsckReport& r_;
  std::map<std::string, Status> local_;
  std::vector<std::size_t> orphans_;  // indexes into r_.findings, removal deferred
};

}  // namespace

std::string_view FsckKindName(FsckFinding::Kind k) {
  switch (k) {
    case Kind::kNotLocal: return "not-local";
    case Kind::kOrphan: return "orphan";
    case Kind::kStale: return "stale";
    case Kind::kStaleHold: return "stale-pin";
    case Kind::kPrune: return "history";
    case Kind::kUnknownPin: return "odd-pin";
    case Kind::kExpired: return "deleted";
  }
  return "?";
}

std::size_t FsckReport::open() const {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(), [](auto& f) { return !f.repaired; }));
}

Result<FsckReport> RunFsck(IpfsClient& ipfs, std::string_view catalog_root, const FsckOptions& options,
                           const Log& log) {
  FsckReport report;
  // Repairs write the MFS: like every catalog write, under IPFS_MFS_LOCK.
  MfsWriteLock lock;
  if (options.repair) {
    ASSIGN_OR_RETURN(lock, MfsWriteLock::Take(ipfs.mfs_lock(), ipfs.timeout()));
  }
  Checker c(ipfs, options, log, report);
  std::string root(catalog_root);
  auto datastores = ipfs.FilesLs(root);
  if (!datastores.ok() && datastores.status().code() != Status::Code::kNotFound) return datastores.status();
  if (!options.oned) report.notes.push_back("orphaned entries not checked: the list of oned's images is unknown");
  if (datastores.ok()) {
    for (const auto& ds : *datastores) {
      // Dot names are bookkeeping beside the datastores (.providers: who
      // holds what, providers.h), not image entries.
      if (!ds.name.empty() && ds.name[0] == '.') continue;
      std::string ds_dir = root + "/" + ds.name;
      if (!ds.is_dir) {
        auto& f = c.Add(Kind::kStale, ds_dir, "not a datastore directory");
        if (options.repair) c.Apply(f, ipfs.FilesRm(ds_dir, false));
        continue;
      }
      auto entries = ipfs.FilesLs(ds_dir);
      if (!entries.ok()) {
        if (entries.status().code() != Status::Code::kNotFound) return entries.status();
        continue;
      }
      for (const auto& e : *entries) {
        std::string dir = ds_dir + "/" + e.name;
        if (!e.is_dir) {
          auto& f = c.Add(Kind::kStale, dir, "not an image entry directory");
          if (options.repair) c.Apply(f, ipfs.FilesRm(dir, false));
          continue;
        }
        c.Entry(dir);
      }
    }
  }
  c.RemoveOrphans();
  c.Deleted(root);
  c.Holds();
  return report;
}

Result<OnedImages> ParseImagePool(std::string_view xml, std::int64_t listed_at) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS)
    return Status::Invalid(fmt::format("`oneimage list -x` printed XML that does not parse: {}", doc.ErrorStr()));
  auto* pool = doc.FirstChildElement("IMAGE_POOL");
  if (!pool) return Status::Invalid("`oneimage list -x` printed no IMAGE_POOL");
  OnedImages out;
  out.listed_at = listed_at;
  auto text = [](const tinyxml2::XMLElement* parent, const char* name) {
    auto* e = parent->FirstChildElement(name);
    return std::string(e && e->GetText() ? e->GetText() : "");
  };
  for (auto* i = pool->FirstChildElement("IMAGE"); i; i = i->NextSiblingElement("IMAGE")) {
    std::string source = text(i, "SOURCE");
    if (auto e = ParseCatalogSource(StripHostPrefix(source))) out.entries.insert(e->dir);
    std::string id = text(i, "ID"), regtime = text(i, "REGTIME");
    if (!id.empty()) out.images.insert(fmt::format("{}-{}", id, regtime.empty() ? "0" : regtime));
  }
  return out;
}

std::string FormatFsckReport(const FsckReport& r, bool repair) {
  std::string out;
  for (const auto& f : r.findings) {
    std::string state;
    if (repair) state = f.repaired ? " [repaired]" : fmt::format(" [NOT repaired: {}]", f.repair_error);
    out += fmt::format("{:<10} {}: {}{}\n", FsckKindName(f.kind), f.subject, f.detail, state);
  }
  for (const auto& n : r.notes) out += "note: " + n + "\n";
  out += fmt::format("{} entries, {} versions checked; {} problem(s){}{}{}\n", r.entries, r.versions,
                     r.findings.size(), repair ? fmt::format(", {} left", r.open()) : std::string(),
                     r.holds_running ? fmt::format("; {} temporary pin(s) of running actions", r.holds_running)
                                     : std::string(),
                     r.deleted_kept ? fmt::format("; {} deleted image(s) within their grace", r.deleted_kept)
                                    : std::string());
  return out;
}

}  // namespace oneipfs
