// history.h: the catalog's history: one signed, hash-linked event for every
// change to an image's catalog entry.
//
// Where: one chain per datastore (event_chain.h), in the catalog itself:
//   <IPFS_CATALOG>/.history/<datastore id>/<n>
// beside the datastores (dot names are no datastore for fsck, monitor and
// the doctor), so the events are GC roots and are copied with the catalog.
// Each event is signed with the front end's ed25519 key (IPFS_SIGNING_KEY,
// signing.h; created 0600 at first use) and names the CID of the one before.
//
// What (CatalogEvent, the JSON fields of an event): the action that changed
// the entry, the datastore, the image id and entry name, the version made
// (or removed), the image's content CID after and before the change, its
// size, the time, and who: the image's owner (IMAGE/UID, IMAGE/UNAME) for a
// datastore action, the VM and its owner (`onevm show -x`) for a transfer
// action, the login of the operator for a tool. Actions:
//   cp clone mkfs            a new entry (mkfs of a save-as: an empty one)
//   mvds cpds                a saved disk became the current version
//   snapshots                mvds replaced the saved disk snapshots
//   snap_delete snap_revert snap_flatten   the image snapshot actions
//   rm                       the entry went to the deleted area (or, with
//                            IPFS_DELETE_GRACE=0, away); carries what restore
//                            needs to register it again ("image_info")
//   purge                    a deleted entry past its grace was removed
//   restore                  a deleted entry was registered again as a new image
//   revert                   an earlier version became current (one-ipfs-image)
//   prune                    a version beyond IPFS_HISTORY_KEEP was dropped
//   fsck                     one-ipfs-fsck --repair changed an entry
//
// The rule for appending (Record): the action that caused an event never
// fails because of it and waits at most kHistoryBudget for it:
//  - the chain's local lock (history_spool.h) is taken, then the events
//    spooled earlier for that chain (oldest first) and this one are appended,
//    each in two daemon calls on top of the head this front end appended last
//    (EventChain::AppendAfter), or after reading the chain when another
//    writer appended meanwhile. Local appends are so in the order they were
//    recorded; the compare-and-swap of the numbered names keeps the chain
//    from forking whoever else appends.
//  - whatever is not appended when the budget is spent (daemon down or slow,
//    the lock held by a stuck appender, no key) is written to the spool
//    (fsync'd) with ONE WARN line, and appended, before its own, by the next
//    event of that chain or by `one-ipfs-image` (history and verify flush
//    first). A spooled event carries a unique "eid", so one appended just
//    before a crash is never appended twice.
//  - no spool (its directory is not private to the action's user, or cannot
//    be made): the event is appended directly; one WARN line when that fails
//    too, and the event is lost (the WARN says so).
// The spool lives beside the key (<dir of IPFS_SIGNING_KEY>/one-ipfs-history):
// spooled events are signed when appended, so it needs the key's protection.
//
// Reading (ReadHistory): every event of a datastore's chain, each with its
// fields and whether its signature and link verified, and the breaks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/log.h"
#include "common/base/status.h"
#include "common/ipfs/ipfs.h"
#include "common/one/config.h"
#include "common/one/driver.h"
#include "common/trust/event_chain.h"

namespace oneipfs {

inline constexpr std::chrono::milliseconds kHistoryBudget{5000};

struct CatalogEvent {
  std::string action;
  std::string datastore;
  std::string image;          // image id ("" when not known)
  std::string entry;          // "<image>-<regtime>" (deleted area: "<image>-<regtime>-<deleted at>")
  std::uint64_t version = 0;  // the version made or removed (0: none)
  std::string cid;            // the image's content after the change ("" when it has none)
  std::string old_cid;        // before the change ("" for a new image)
  std::uint64_t size = 0;     // bytes of the content the event is about
  std::int64_t time = 0;      // unix seconds (Record sets it when 0)
  std::string uid, user;      // who: see above
  std::string vm;             // the VM of a transfer action
  std::string detail;         // free text ("snapshot 0", "as image 42", ...)
  nlohmann::json image_info;  // rm: {"name","type","persistent","format","driver"} (may be null)
  std::string eid;            // unique per event (Record sets it when empty)
};
// An event with its content fields (the rest filled by Record and the
// RecordDsEvent / transfer-action helpers).
CatalogEvent NewEvent(std::string action, std::uint64_t version = 0, std::string cid = "", std::string old_cid = "",
                      std::uint64_t size = 0, std::string detail = "");
nlohmann::json EventToJson(const CatalogEvent& ev);
// Missing or mistyped fields are left empty (events are read back leniently;
// what decides trust is the signature, not the fields' shape).
CatalogEvent EventFromJson(const nlohmann::json& j);
// Sets the event's time and eid when they are empty and returns its fields
// as the chain stores them (strings that are not UTF-8 repaired).
nlohmann::json PrepareEventFields(CatalogEvent& ev);
// "the <action> event of image <id>" (or "of datastore <id>"), for messages.
std::string DescribeEvent(const nlohmann::json& fields);

// <root>/.history and <root>/.history/<ds>.
std::string HistoryRoot(std::string_view catalog_root);
std::string HistoryDir(std::string_view catalog_root, std::string_view ds_id);

struct HistorySettings {
  std::string key_path;    // IPFS_SIGNING_KEY, or its default
  std::string spool_root;  // <dir of key_path>/one-ipfs-history
  std::string api;         // the daemon, as IPFS_API names it (names the spool)
  std::chrono::milliseconds budget = kHistoryBudget;
  bool background = true;  // IPFS_HISTORY_APPEND: background (history_background.h) or inline
};
HistorySettings HistorySettingsFrom(const Config& config);

class HistoryRecorder {
 public:
  // `ipfs` is used by the recorder alone; give it a deadline of `budget`
  // (RecordCatalogEvent does) so no daemon call outlives the budget.
  HistoryRecorder(IpfsClient& ipfs, std::string catalog_root, HistorySettings settings, const Log& log);
  ~HistoryRecorder();
  // See the rule above. Never fails, never throws.
  void Record(CatalogEvent ev);
  // Appends what is spooled for datastore `ds_id` (tools, before reading);
  // returns how many events are still spooled.
  Result<std::size_t> Flush(std::string_view ds_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A client of IPFS_API of its own whose every call, and all of them
// together, end within `budget` (the caller's client keeps its timeouts).
Result<std::unique_ptr<IpfsClient>> MakeHistoryClient(const Config& config, std::chrono::seconds budget);

// For actions and tools: how an event of catalog root IPFS_CATALOG reaches
// its chain, by IPFS_HISTORY_APPEND (ipfs.conf):
//   background (the default): spooled, and appended by a detached
//     one-ipfs-history-flush (history_background.h); the action waits for
//     neither the daemon nor the chain's lock. When the event cannot be
//     spooled, or the flusher cannot be started, it falls back to inline.
//   inline: Record on a client of its own (IPFS_API with kHistoryBudget as
//     its deadline and per-call timeout), so the caller's client keeps its
//     own timeouts: the rule above.
// With ONE_IPFS_DEBUG, a DEBUG line says how long it took.
void RecordCatalogEvent(const Config& config, const Log& log, CatalogEvent ev);
// Datastore actions: datastore, image, uid and user from the action document.
void RecordDsEvent(const DsContext& ctx, CatalogEvent ev);
// Tools: who runs them ("<login>", from the effective uid; "uid <n>" when
// the user has no name).
std::string OperatorLogin();

struct HistoryEntry {
  std::uint64_t seq = 0;
  std::string cid;         // of the signed record
  std::string publisher;   // did:key ("" when the record did not open)
  bool verified = false;   // signature, publisher, seq and link all good
  std::string problem;     // why not
  CatalogEvent event;      // the fields (read without trusting them when !verified)
};
struct HistoryRead {
  std::string dir;
  std::vector<HistoryEntry> entries;  // by seq, the broken ones included
  std::vector<ChainBreak> breaks;     // as EventChain::Read reports them
};
// Every event of datastore `ds_id`'s chain. `accept`: which publishers to
// trust (null: any).
Result<HistoryRead> ReadHistory(IpfsClient& ipfs, std::string_view catalog_root, std::string_view ds_id,
                                const std::function<bool(std::string_view)>& accept);

}  // namespace oneipfs
