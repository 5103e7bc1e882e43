// ipfs.h: the IPFS daemon client the drivers need (not a mirror of the RPC API).
//
// Works with kubo (>= 0.28) and js-ipfs 0.66 over the /api/v0 RPC API through
// an HttpTransport. Every call:
//  - sends the daemon-side `timeout=<N>s` and sets a slightly longer client-
//    side limit (a CID the daemon cannot find otherwise hangs forever);
//  - treats any non-200 reply as an error, taking the JSON "Message" (or the
//    plain-text body) as the reason, and an `X-Stream-Error` trailer after a
//    200 as an error too (never as an empty or short result);
//  - returns Status::Unavailable when the daemon cannot be reached,
//    Status::Timeout when it does not answer in time, Status::NotFound when
//    the daemon says the path or MFS entry does not exist, and
//    Status::Failed with the daemon's message otherwise;
//  - retries transient failures, up to IpfsOptions::attempts in all with an
//    exponential backoff, never past the call's timeout: connection refused
//    (any call: the daemon never saw the request), and for calls that may
//    safely run twice a reset connection or an HTTP 5xx that is not a command
//    error (502/503/504, or 500 without the daemon's JSON error body). The
//    daemon's own errors (kubo and js-ipfs answer "file does not exist", a bad
//    argument, ... with 500 and {"Message": ...}) are never retried, nor is a
//    call once a byte of its upload was read or of its reply was delivered.
//    MFS cp/mv/rm, add and Call() count as not safe to repeat.
// Messages name the daemon address and the object, so they can go straight to
// oned: "IPFS daemon at http://127.0.0.1:5001: files/stat /ipfs/bafy...: <why>".
//
// CIDs come back as the daemon prints them (js-ipfs: base58btc for v1).
// Compare them with cid.h, never as strings. Numbers are accepted as JSON
// numbers or strings.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ipfs/http.h"
#include "common/base/status.h"

namespace oneipfs {

// The top-level directory name under which a held `add` is sent.
inline constexpr std::string_view kHoldDir = "one-ipfs-hold";

struct IpfsOptions {
  std::chrono::seconds timeout{300};  // per call (daemon side and client side)
  int cid_version = 1;                // add: cid-version
  bool raw_leaves = true;             // add: raw-leaves
  std::string chunker = "size-1048576";
  std::string hash = "sha2-256";
  // Transient failures (see IpfsClient): attempts in all, and the pause
  // before the second one (doubled before each further one).
  int attempts = 3;
  std::chrono::milliseconds retry_backoff{250};
  std::string mfs_lock;  // IPFS_MFS_LOCK: the flock catalog writes hold (content_hold.h)
  // When set, no call runs past it: each call's timeout (and a transfer's
  // whole duration, not only its stalls) is cut to the time left, and a call
  // made after it fails at once with Status::Timeout. For actions that must
  // answer within a caller's limit whatever the daemon does (stat).
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

struct FileStat {
  std::string cid;               // "Hash"
  std::string type;              // "file" or "directory"
  std::uint64_t size = 0;        // "Size": bytes of a file
  std::uint64_t cumulative_size = 0;
  bool is_file() const { return type == "file"; }
};

struct DirEntry {
  std::string name;
  std::string cid;
  std::uint64_t size = 0;
  bool is_dir = false;  // Type 1 = directory
};

struct RepoStat {
  std::uint64_t repo_size = 0;
  std::uint64_t storage_max = 0;  // see storage_max_limited()
  std::uint64_t num_objects = 0;  // 0 from kubo with size_only
  std::string repo_path;          // "" from kubo with size_only
  // False when the daemon has no StorageMax: kubo reports math.MaxUint64
  // (corerepo.NoLimit) and js-ipfs Number.MAX_SAFE_INTEGER (2^53 - 1).
  bool storage_max_limited() const { return storage_max > 0 && storage_max < (std::uint64_t{1} << 53) - 1; }
};

class IpfsClient;

// Caps the client's per-call timeout at `cap` (never raises it) until the
// guard goes out of scope, then gives the client its own timeout back.
class TimeoutCap {
 public:
  TimeoutCap(IpfsClient& client, std::chrono::seconds cap);
  ~TimeoutCap();
  TimeoutCap(const TimeoutCap&) = delete;
  TimeoutCap& operator=(const TimeoutCap&) = delete;

 private:
  IpfsClient& client_;
  std::chrono::seconds saved_;
};

struct PeerInfo {
  std::string id;
  std::vector<std::string> addresses;
  std::string agent_version;
};

using ByteSink = std::function<Status(std::string_view chunk)>;
using ByteSource = std::function<Result<std::size_t>(char* buf, std::size_t cap)>;
using Progress = std::function<void(std::uint64_t bytes_done)>;

class IpfsClient {
 public:
  IpfsClient(std::unique_ptr<HttpTransport> transport, IpfsOptions options);

  std::string Address() const;  // transport->Describe()
  // Changes the per-call timeout for the calls that follow (stat uses a
  // shorter one: it runs inside oned's 90 s synchronous API call).
  void set_timeout(std::chrono::seconds t) { options_.timeout = t; }
  // Bounds everything that follows to `budget` from now (IpfsOptions::deadline).
  void set_deadline_in(std::chrono::seconds budget) {
    options_.deadline = std::chrono::steady_clock::now() + budget;
  }
  std::chrono::seconds timeout() const { return options_.timeout; }
  const std::string& mfs_lock() const { return options_.mfs_lock; }
  void set_mfs_lock(std::string path) { options_.mfs_lock = std::move(path); }

  Result<std::string> Version();  // "0.66.1" / "0.29.0"
  Result<PeerInfo> Id();

  // /ipns/<name>[/sub] -> "/ipfs/<cid>[/sub]" (name/resolve, recursive).
  Result<std::string> ResolveName(std::string_view ipns_path);
  // /ipfs/<cid>/sub/path -> "/ipfs/<cid-of-leaf>" (the `resolve` command).
  Result<std::string> ResolvePath(std::string_view ipfs_path);

  // files/stat on an /ipfs/ path or an MFS path. Reads the root block only.
  Result<FileStat> Stat(std::string_view path);
  Result<std::vector<DirEntry>> FilesLs(std::string_view mfs_path);
  Status FilesMkdir(std::string_view mfs_path);                 // parents=true
  Status FilesCp(std::string_view from, std::string_view to);   // parents=true
  Status FilesMv(std::string_view from, std::string_view to);
  Status FilesRm(std::string_view mfs_path, bool recursive);    // NotFound if missing
  // files/write of a small text (create, parents, truncate: the file then
  // holds exactly `data`) and files/read of a whole small file. The same
  // parameters in kubo (core/commands/files.go) and js-ipfs 0.66.
  Status FilesWrite(std::string_view mfs_path, std::string_view data);
  Result<std::string> FilesRead(std::string_view mfs_path);

  // cat: bytes [offset, offset+length) (length nullopt = to the end) go to
  // `sink`. Reading to the end verifies the byte count against
  // X-Content-Length when the daemon sends it. Progress is reported in bytes.
  Status Cat(std::string_view path, std::uint64_t offset, std::optional<std::uint64_t> length,
             const ByteSink& sink, const Progress& progress = nullptr);
  // Convenience: up to `length` bytes from `offset` into a string.
  Result<std::string> CatRange(std::string_view path, std::uint64_t offset, std::uint64_t length);

  // add: streams `source` as one file with the configured CID parameters;
  // returns the file's CID and the byte count the daemon reported through
  // progress.
  // With an empty `hold_name`: pin=false (the doctor's probe; nothing is kept).
  // With a `hold_name` (unique per operation, see content_hold.h): pin=true,
  // which makes kubo hold its GC lock for the whole add, and the file is sent
  // as "one-ipfs-hold/<hold_name>", so what the daemon pins is the directory
  // {<hold_name>: file}, a root no one else can have pinned; `held_root` is
  // its CID. The file's own CID is never pinned by this (kubo and js-ipfs
  // both pin only top-level entries).
  struct Added {
    std::string cid;
    std::uint64_t bytes = 0;
    std::string held_root;  // the pinned wrapper directory (hold_name set)
  };
  Result<Added> Add(std::string_view name, const ByteSource& source, const Progress& progress = nullptr,
                    std::string_view hold_name = {});

  // dag/put of a dag-json document stored as dag-cbor; returns its CID.
  Result<std::string> DagPutJson(std::string_view json);
  // dag/get of a path that names a string (e.g. <cid>/one-ipfs-hold).
  Result<std::string> DagGetString(std::string_view path);
  // ls of a directory root, links only (no child is fetched): names and CIDs.
  Result<std::vector<DirEntry>> LsLinks(std::string_view cid);

  // pin/add. Recursive: the daemon fetches every missing block while it holds
  // its pin (GC) lock, so a concurrent `repo gc` waits. `limit` bounds the
  // call (daemon-side timeout), zero = the client's timeout.
  Status PinAdd(std::string_view cid, bool recursive, std::chrono::seconds limit = std::chrono::seconds(0));
  // pin/add recursive with offline=true, for content that is probably
  // local already: kubo (cmdenv.GetApi honours the global `offline` option
  // for pin/add) then pins only when every block is in the repository and
  // fails at the first missing one ("block was not found locally
  // (offline)") without asking the network; js-ipfs 0.66 ignores `offline`
  // and fetches what is missing, so `limit` bounds the call.
  Status PinAddOffline(std::string_view cid, std::chrono::seconds limit);
  // pin/rm (recursive pins). false when it was not pinned (kubo: "not
  // pinned or pinned indirectly"; js-ipfs: "... is not pinned"): not an error.
  Result<bool> PinRm(std::string_view cid);
  // pin/ls?type=recursive: the roots of every recursive pin.
  Result<std::vector<std::string>> PinLsRecursive();
  // pin/ls?type=direct: every direct pin (a hold's first pin is direct until
  // its content is fetched, content_hold.h). Same reply as recursive in kubo
  // and js-ipfs 0.66: {"Keys":{"<cid>":{"Type":"direct"}}}.
  Result<std::vector<std::string>> PinLsDirect();
  // pin/ls?arg=<cid>&type=recursive: whether `cid` itself is pinned recursively.
  Result<bool> PinnedRecursively(std::string_view cid);
  // refs -r offline (kubo: `offline=true` never asks the network; js-ipfs
  // ignores it, so the call is also bounded by `limit`): Ok when every block
  // of `cid` is in the repository; Failed/Timeout/NotFound otherwise.
  Status RefsLocal(std::string_view cid, std::chrono::seconds limit);

  // Make the daemon hold every block of `cid` locally (refs -r, which fetches
  // what is missing from peers). Does not pin.
  Status FetchAll(std::string_view cid, const Progress& progress_blocks = nullptr);

  // dag/put of one block given in `codec` (input-codec = store-codec =
  // "raw" or "dag-pb", hash sha2-256, pin=false; the same parameters in kubo
  // and js-ipfs 0.66, whose reply is {"Cid":{"/":"<cid>"}}). Returns the CID
  // the daemon computed; dag-pb input is decoded and re-encoded by the daemon,
  // so only canonical bytes keep their CID (zero_dag.h checks it).
  Result<std::string> DagPut(std::string_view codec, std::string_view bytes);
  // block/get: the raw bytes of one block (fetched from peers if needed).
  Result<std::string> BlockGet(std::string_view cid);

  // repo/stat. `size_only` sends size-only=true: kubo then reports only
  // RepoSize and StorageMax (RepoPath "", NumObjects 0) without walking every
  // block of the repository; js-ipfs ignores the flag and reports everything.
  Result<RepoStat> GetRepoStat(bool size_only = false);
  Status SwarmConnect(std::string_view multiaddr);
  // swarm/disconnect of "/p2p/<peer id>": closes every connection to that
  // peer (kubo core/commands/swarm.go and js-ipfs 0.66 both take it).
  Status SwarmDisconnect(std::string_view multiaddr);
  // swarm/peers: {"Peers":[{"Addr":..,"Peer":..},..]} (kubo
  // core/commands/swarm.go; js-ipfs 0.66 the same; "Peers":null when none).
  struct SwarmPeer {
    std::string peer;
    std::string addr;
  };
  Result<std::vector<SwarmPeer>> SwarmPeers();
  Status RepoGc();  // drains the NDJSON stream; errors in it are failures

  // For tests and the doctor: a raw call returning the body.
  Result<std::string> Call(std::string_view command,
                           std::vector<std::pair<std::string, std::string>> args);

  // --- IPNS keys and names (ipfs_names.cc) ---------------------------------
  // Keys live in the daemon's keystore. Ids come back as the daemon prints
  // them: kubo "k51..." (base36 CIDv1 libp2p-key), js-ipfs "12D3KooW..."
  // (base58btc peer id); cid.h compares both forms.
  struct IpnsKey {
    std::string name;
    std::string id;
  };
  // key/list (js-ipfs 0.66 lists each key twice: returned once).
  Result<std::vector<IpnsKey>> KeyList();
  // key/gen of an ed25519 key (type=ed25519: js-ipfs 0.66 defaults to RSA,
  // kubo to ed25519). Failed when the name exists (kubo: "key with name
  // '<n>' already exists", js-ipfs: "Key name already exists").
  Result<IpnsKey> KeyGen(std::string_view name);
  // The key `name`, made by KeyGen when key/list does not have it; a key
  // another process made meanwhile is found by listing again.
  Result<IpnsKey> EnsureKey(std::string_view name);
  // name/publish of `ipfs_path` under the key named `key`: resolve=false
  // (the daemon does not fetch the path first), allow-offline=true (kubo
  // publishes without peers; js-ipfs 0.66 accepts it but cannot publish
  // offline), lifetime (validity of the record) and ttl (how long resolvers
  // may cache it; "" = the daemon's default). Returns the published name.
  struct PublishOptions {
    std::string lifetime = "48h";
    std::string ttl = "1m";
  };
  Result<std::string> NamePublish(std::string_view ipfs_path, std::string_view key, const PublishOptions& how);
  // name/resolve of "/ipns/<name>[/sub]" within `limit` (the daemon-side
  // timeout= and dht-timeout=, the client-side bound a little above),
  // recursive; `fresh` sends nocache=true (the daemon asks the network
  // instead of answering from its cache; js-ipfs with pubsub then answers
  // from the records it received). A key is sent in the base58btc form
  // js-ipfs requires. Returns "/ipfs/<cid>[/sub]"; NotFound when the
  // network has no record (js-ipfs: "record requested for <k51...> was not
  // found in the network"; kubo: "could not resolve name"), Timeout when
  // `limit` passes.
  Result<std::string> ResolveNameWithin(std::string_view ipns_path, std::chrono::seconds limit, bool fresh);

 private:
  std::unique_ptr<HttpTransport> transport_;
  IpfsOptions options_;
};

}  // namespace oneipfs
