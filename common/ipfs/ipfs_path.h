// ipfs_path.h: what an image PATH or SOURCE names.
//
// ClassifyPath decides, for a string oned hands us (IMAGE/PATH, a SOURCE, a
// TM argument), whether it names IPFS content and parses it:
//   /ipfs/<cid>[/sub/path]        /ipns/<name>[/sub/path]
//   ipfs://<cid>[/sub/path]       ipns://<name>[/sub/path]
//   fs:/ipfs/<cid>[...]           fs:/ipns/<name>[...]
//   http(s)://<gateway>/ipfs/<cid>[...] and /ipns/<name>[...]  (path style)
//   http(s)://<cid>.ipfs.<gateway>[/sub]  <name>.ipns.<gateway>[/sub] (subdomain;
//     in subdomain IPNS names dots of a DNSLink name are written as '-' and '--'
//     is a literal '-', as gateways do)
//   <dir>/ipfs://<cid>[...]       <dir>/ipns://<name>[...]: what OpenNebula's CLI
//     makes of `oneimage create --path ipfs://...` (it prepends its working
//     directory, a canonical absolute path, to anything not starting with '/'
//     or a scheme it knows); `original` is then the URL the user typed
// It returns:
//   - a PathRef with kind kIpfs/kIpns when the string is an IPFS reference
//     whose CID / IPNS name is valid;
//   - PathRef kind kLocal for anything starting with '/' that is not
//     /ipfs/ or /ipns/ (a local file), kind kUrl for other http(s):// URLs;
//   - Status::Invalid when the string looks like an IPFS reference but its
//     CID or name is malformed ("/ipfs/xyz: not a valid CID: ..."), when a
//     scheme is not supported (e.g. "s3://"), or when it is empty.
// Sub-paths are normalised: no empty segments, no "." or ".." (".." is an
// error), no trailing slash; percent-escapes in URLs are decoded.
#pragma once

#include <string>
#include <string_view>

#include "common/base/status.h"

namespace oneipfs {

struct PathRef {
  enum class Kind { kIpfs, kIpns, kLocal, kUrl };
  Kind kind = Kind::kLocal;
  std::string root;     // CID text (kIpfs) or IPNS name (kIpns); as written
  std::string subpath;  // "" or "/a/b"
  std::string original; // the input, for messages; also the path/URL for kLocal/kUrl

  bool is_ipfs() const { return kind == Kind::kIpfs || kind == Kind::kIpns; }
  // "/ipfs/<root><subpath>" or "/ipns/<root><subpath>"; for kLocal/kUrl the original.
  std::string ToString() const;
};

Result<PathRef> ClassifyPath(std::string_view text);

}  // namespace oneipfs
