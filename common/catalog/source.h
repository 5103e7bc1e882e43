// source.h: turn what oned hands us (an image PATH, a SOURCE, a transfer
// argument) into immutable IPFS content.
//
// ResolveIpfsRef: /ipfs/<cid>[/sub] and /ipns/<name>[/sub] (any form
// ClassifyPath accepts) -> the CID of the file it names. IPNS names are
// resolved through the daemon (the key may be given as k51... or 12D3Koo...).
// A path that names a directory is an Invalid error that says so. This
// reads the root block only: it never downloads the content.
//
// ResolveSource: a SOURCE the datastore driver printed ("mfs:/..." catalog
// entries: their current version) or one a user wrote (/ipfs/..., /ipns/...,
// ipfs://..., ipns://...), each with or without oned's "<frontend>:" prefix.
#pragma once

#include <string>
#include <string_view>

#include "common/catalog/catalog.h"
#include "common/ipfs/ipfs.h"
#include "common/ipfs/ipfs_path.h"
#include "common/base/log.h"
#include "common/base/status.h"

namespace oneipfs {

struct ResolvedContent {
  std::string cid;        // of the file, as the daemon printed it
  std::uint64_t size = 0; // bytes
  std::string ipfs_path;  // "/ipfs/<cid>[/sub]" that was statted
  std::string described;  // for messages: what the user gave
};

Result<ResolvedContent> ResolveIpfsRef(IpfsClient& ipfs, const PathRef& ref, const Log& log);
Result<ResolvedContent> ResolveSource(IpfsClient& ipfs, std::string_view source, const Log& log);

// Strips "<host>:" from "<host>:/ipfs/..", "<host>:/ipns/..", "<host>:mfs:..".
std::string StripHostPrefix(std::string_view source);

}  // namespace oneipfs
