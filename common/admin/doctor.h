// doctor.h: the checks of one-ipfs-doctor and the table it prints.
//
// Each check adds one row to a Report: who (the front end or a host name),
// what was checked, PASS / WARN / FAIL, a detail (what was found) and, for
// WARN and FAIL, the fix an operator should apply. Checks never throw and
// never stop the run: a failed prerequisite (no ssh to a host) makes the
// checks that depend on it add nothing further for that subject.
//
// Nothing here writes on a host: the round trip reads a small random block
// the front end added (unpinned, so the front end's GC reclaims it) into the
// host helper's memory (one-ipfs-host probe). The helper's replies are
// parsed without exceptions (ParseHelperProbe): a malformed one is a FAIL row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/one/config.h"
#include "common/catalog/fsck.h"
#include "common/ipfs/ipfs.h"
#include "common/ipfs/p2p_settings.h"
#include "common/base/remote.h"
#include "common/one/tm.h"

namespace oneipfs {

// The subject of the front end's rows.
inline constexpr const char* kFrontEnd = "front end";

enum class Outcome { kPass, kWarn, kFail };

struct CheckRow {
  std::string subject;  // "front end" or a host name
  std::string check;    // "IPFS daemon", "ssh", ...
  Outcome outcome = Outcome::kPass;
  std::string detail;
  std::string fix;  // WARN and FAIL rows
};

class Report {
 public:
  void Pass(std::string subject, std::string check, std::string detail);
  void Warn(std::string subject, std::string check, std::string detail, std::string fix);
  void Fail(std::string subject, std::string check, std::string detail, std::string fix);
  const std::vector<CheckRow>& rows() const { return rows_; }
  bool failed() const;
  // The aligned table, a "fix:" line under each WARN/FAIL row, and a summary
  // line "N passed, W warnings, F failed".
  std::string Table() const;

 private:
  std::vector<CheckRow> rows_;
};

// True for 127.0.0.0/8, ::1, "localhost" (any case) and "" (a unix socket).
bool IsLoopbackHost(std::string_view host);
// Host part of an API address (multiaddr or URL, see http.h); "" for a unix
// socket; Status::Invalid for an address ParseApiAddress refuses.
Result<std::string> ApiAddressHost(std::string_view address);

// What the front-end checks need.
struct FrontEndFacts {
  std::string conf_path;        // ipfs.conf used ("" = none)
  std::string remotes;          // OpenNebula remotes directory
  std::string oned_conf;        // oned.conf path ("" = skip the check)
  std::vector<std::string> ds_actions, tm_actions;  // what must be installed
};

// Configuration, daemon reachable and its version, API on loopback only,
// the daemon's kind and version and its GC (kubo #10842), StorageMax against
// the registered content, actions installed and executable, oned.conf
// registration, the catalog's own checks (CheckCatalogFsck). Returns true when the front-end daemon answered (host round
// trips need it).
bool CheckFrontEnd(const FrontEndFacts& facts, const Config& config, IpfsClient& ipfs, Report& report);

// The daemon's implementation and version, from `version` (Version) and
// `id` (AgentVersion: "kubo/0.29.0/<commit>", older "go-ipfs/0.12.0/",
// "js-ipfs/0.18.1"). kind: "kubo", "js-ipfs" or "unknown"; major/minor are
// set when `version` parses as N.N[.N][-suffix].
struct DaemonKind {
  std::string kind = "unknown";
  std::string version;
  bool parsed = false;
  int major = 0, minor = 0;
  bool KuboBefore(int maj, int min) const {
    return kind == "kubo" && parsed && (major < maj || (major == maj && minor < min));
  }
};
DaemonKind ClassifyDaemon(std::string_view version, std::string_view agent_version);

// Whether the kubo daemon on this machine collects garbage by itself: kOn
// when a process `ipfs daemon ... --enable-gc[=true]` (argv[0] named ipfs or
// kubo) runs, kOff when only kubo daemons without it run, kUnknown when none
// is visible (the daemon runs elsewhere, in a container, or /proc hides it).
enum class AutoGc { kOn, kOff, kUnknown };
AutoGc DetectAutoGc(const std::vector<std::vector<std::string>>& cmdlines);
// The argv of every process this user can see (/proc/<pid>/cmdline); a
// process that exits while it is read is left out.
std::vector<std::vector<std::string>> ProcessCommandLines();
// One /proc/<pid>/cmdline read from fd (NUL-separated argv); nullopt when the
// read fails (ESRCH: the process exited after the open). Never throws.
std::optional<std::vector<std::string>> ReadCmdline(int fd);

// Rows "daemon kind" (kubo / js-ipfs and version) and "GC vs MFS": FAIL for
// kubo < 0.43 with automatic GC on (kubo issue #10842: repo gc concurrent
// with MFS writes can delete MFS directory nodes, i.e. catalog entries), WARN
// when GC cannot be seen, with the fix (upgrade, or no --enable-gc and no
// `ipfs repo gc` while the drivers run).
void CheckDaemonKind(const DaemonKind& daemon, AutoGc gc, Report& r);

// Row "StorageMax": WARN when the daemon's StorageMax is below the bytes the
// catalog references (kubo's GC then runs over and over to no avail, and the
// repository grows past it anyway); PASS when there is no StorageMax or it
// is above.
void CheckStorageMax(const RepoStat& repo, std::uint64_t catalog_bytes, Report& r);

// Row "catalog (fsck)": one-ipfs-fsck's checks, read only (fsck.h), without
// the orphan check (that needs oned's image list: one-ipfs-fsck does it).
// FAIL when content of the catalog is not fully in the front-end daemon;
// WARN for any other finding (stale names, stale holds, unknown pins) or
// when the checks could not run; PASS with the counts otherwise. The fix
// names one-ipfs-fsck and --repair.
void CheckCatalogFsck(const Result<FsckReport>& fsck, Report& r);

// Row "deleted images" (doctor_history.cc): how many deleted images the
// deleted area (retention.h) holds, their bytes, and how many are past
// IPFS_DELETE_GRACE `grace` at `now`. PASS with the figures; WARN when some
// are past their grace (the fix: one-ipfs-fsck --repair, daily from cron)
// or when the area cannot be listed.
struct DeletedArea {
  std::size_t images = 0, past_grace = 0;
  std::uint64_t bytes = 0;
};
Result<DeletedArea> MeasureDeletedArea(IpfsClient& ipfs, std::string_view catalog_root, std::int64_t grace,
                                       std::int64_t now);
void CheckDeletedArea(const Result<DeletedArea>& area, std::int64_t grace, Report& r);

// Row "history spool" (doctor_history.cc): catalog history events the
// actions spooled that no flush has appended yet (history_background.h),
// over every chain of this front end (<spool root>/<chain>/). PASS when none
// wait, or no chain is stuck (FlushIsStuck: the rule of the actions' WARN
// line; a flush is under way); WARN naming a stuck chain (else the chain of
// the oldest event), how many wait, its oldest's age and the flush's reason
// (last-error), the fix being to mend the reason and run `one-ipfs-image
// verify` (it flushes first); WARN when the spool cannot be listed.
struct HistorySpoolState {
  std::size_t events = 0;     // waiting, over every chain
  bool stuck = false;         // some chain is (FlushIsStuck)
  std::int64_t oldest_s = 0;  // age of the named chain's oldest event, seconds
  std::string chain;          // the named chain
  std::string why;            // its spool's last-error ("" when none)
};
Result<HistorySpoolState> MeasureHistorySpool(const std::string& spool_root, std::int64_t now_ns);
void CheckHistorySpool(const Result<HistorySpoolState>& spool, const std::string& spool_root, Report& r);

// A small random block added to the front-end daemon for host round trips.
struct ProbeBlock {
  std::string cid;
  std::uint64_t bytes = 0;
  std::string sha1;
};
Result<ProbeBlock> AddProbeBlock(IpfsClient& ipfs);

// A reply of the host helper's `probe` (one-ipfs-host probe), checked field
// by field; never throws. kStatus (`probe - ...`): `daemon` and `peer` must
// be strings; kRead (`probe <cid>`): `bytes` a non-negative integer and
// `sha1` a string. In both, `addresses`, `connected` and `connect_errors`,
// when present, must be arrays of strings. Anything else (not JSON, not an
// object, a field of another type) is Invalid "unreadable probe reply: ...".
struct HelperProbe {
  std::string daemon, peer;
  std::vector<std::string> addresses, connected, connect_errors;
  std::uint64_t bytes = 0;
  std::string sha1;
  // kStatus, optional: the host daemon's peer-to-peer settings ("p2p":
  // {js, routing, routing_set, low_water: integer or null}) or why they
  // could not be read ("p2p_error").
  std::optional<P2pSettings> p2p;
  std::string p2p_error;
};
enum class ProbeReply { kStatus, kRead };
Result<HelperProbe> ParseHelperProbe(std::string_view reply, ProbeReply kind);

// ssh reachable (a WARN when one command takes longer than kSlowSshSeconds),
// helper present with our version, host daemon running, its peer-to-peer
// settings (CheckP2pSettings), peering to the front end, and (with a probe
// block) the round trip.
inline constexpr double kSlowSshSeconds = 2.0;
void CheckHost(TmContext& ctx, const std::string& host, const ProbeBlock* probe, Report& report);

// Row "p2p settings" of `subject` (the front end or a host): FAIL with the
// exact `ipfs config` commands when the daemon's settings defeat the
// one-source policy of deploys (p2p_settings.h), WARN when they could not
// be read, PASS with what was read.
void CheckP2pSettings(const std::string& subject, const Result<P2pSettings>& settings, Report& r);

// Row "host peering" (peer-to-peer distribution, README): each host's
// daemon connects to the next host's daemon (the last to the first) at the
// addresses that host's daemon announces, as clone/ln do when one host
// fetches from another. Hosts whose helper or daemon does not answer are
// skipped (CheckHost reports them); fewer than two: no row.
void CheckHostPeering(TmContext& ctx, const std::vector<std::string>& hosts, Report& report);

// Host names of `onehost list -x` output (HOST_POOL/HOST/NAME).
Result<std::vector<std::string>> ParseHostPool(std::string_view xml);

}  // namespace oneipfs
