// event_chain.h: an append-only, hash-linked, signed event log kept in IPFS.
//
// What the catalog history and a marketplace's log are made of. Each event
// is a signed record (signed_record.h) whose payload is a JSON object with
// the caller's fields plus
//   "seq":  n (1, 2, ...)
//   "prev": the CID of event n-1 ("" for event 1)
// stored as one raw block (dag/put) and linked into MFS as `<dir>/<n>`. The
// links make every event a GC root and let anyone holding the newest CID
// walk back to the first; the numbered names make an append a
// compare-and-swap: files/cp onto a name that exists fails, so of two
// appenders racing for n one wins and the other re-reads and appends as n+1
// with the winner as its "prev". The chain never forks. `<dir>/head` is a
// hint (the highest n written), never trusted: appends probe past it.
//
// Append writes under the MFS write lock (content_hold.h MfsWriteLock), so a
// flock'd GC never runs between the block's put and its link. It gives up
// with an error when `budget` runs out (callers decide whether that fails
// their action; the catalog history spools and retries instead).
//
// AppendAfter is the fast path for a writer that remembers the head it
// appended last (the catalog history keeps it beside its spool): no read of
// the chain, only the block's put and its link (two daemon calls; `head` is
// written as a hint every kHeadHintEvery events, as files/write is slow on
// js-ipfs). The link is the same compare-and-swap, so a head the caller
// remembers wrongly never forks the chain: when `<dir>/<seq+1>` exists
// already it returns nullopt and the caller reads the chain (Append).
//
// Read returns every event, oldest first, and every break found: a record
// whose signature does not verify, a publisher the caller does not accept,
// a payload that is not JSON, a "seq" that is not its name, a "prev" that is
// not the CID of the event before, a gap in the numbers. Nothing throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/ipfs/ipfs.h"
#include "common/trust/signing.h"
#include "common/base/status.h"

namespace oneipfs {

struct ChainEvent {
  std::uint64_t seq = 0;
  std::string cid;        // of the sealed record
  std::string publisher;  // did:key of the signer
  nlohmann::json fields;  // the payload object (with seq and prev)
};

struct ChainBreak {
  std::uint64_t seq = 0;
  std::string cid;
  std::string why;
};

struct ChainReport {
  std::vector<ChainEvent> events;  // the events that verified, oldest first
  std::vector<ChainBreak> breaks;
  bool ok() const { return breaks.empty(); }
};

class EventChain {
 public:
  EventChain(IpfsClient& ipfs, std::string dir) : ipfs_(ipfs), dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  // Appends `fields` (a JSON object; "seq" and "prev" are set here) signed
  // by `key`; returns the new event.
  Result<ChainEvent> Append(const SigningKey& key, nlohmann::json fields,
                            std::chrono::milliseconds budget = std::chrono::milliseconds(10000));

  // Appends `fields` as event `head_seq` + 1 whose "prev" is `head_cid`
  // (0 and "" for the first event). nullopt: that number is taken.
  static constexpr std::uint64_t kHeadHintEvery = 32;
  Result<std::optional<ChainEvent>> AppendAfter(const SigningKey& key, nlohmann::json fields, std::uint64_t head_seq,
                                                std::string_view head_cid);

  // Every event. `accept` (may be null: any publisher) says whether a
  // publisher id is trusted; an event of another publisher is a break.
  Result<ChainReport> Read(const std::function<bool(std::string_view)>& accept = nullptr);

  // The highest event number, 0 for an empty or missing chain.
  Result<std::uint64_t> Head();

 private:
  Result<std::string> EntryCid(std::uint64_t seq);  // "" when absent
  // `ev` numbered `seq` after `prev` with `fields` (seq and prev set in
  // them) and its publisher; returns the sealed record to put.
  static Result<std::string> Seal(const SigningKey& key, nlohmann::json fields, std::uint64_t seq,
                                  std::string_view prev, ChainEvent& ev);
  IpfsClient& ipfs_;
  std::string dir_;
};

}  // namespace oneipfs
