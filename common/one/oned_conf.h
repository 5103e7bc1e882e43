// oned_conf.h: reading and editing the ipfs registration in oned.conf.
//
// oned.conf is OpenNebula's own file: the registration command must never
// damage it. Registration means four things:
//   1. "ipfs" in the -d list of DATASTORE_MAD's ARGUMENTS,
//   2. "ipfs" in the -d list of TM_MAD's ARGUMENTS,
//   3. a DS_MAD_CONF = [ NAME = "ipfs", ... ] block,
//   4. a TM_MAD_CONF = [ NAME = "ipfs", ... ] block.
// The blocks appended are install/oned.conf.d/ipfs.conf (embedded at build
// time as kIpfsConfBlocks) from its first line starting with DS_MAD_CONF on:
// its instruction comments are not copied.
//
// Parsing: oned.conf is "KEY = VALUE" and "KEY = [ K = V, ... ]" with '#'
// comments (anywhere outside strings, also inside [ ]) and double-quoted
// strings (which may span lines). Keys are case-insensitive; driver names are
// compared exactly ("ipfsx" and "IPFS" are not ipfs). The parser understands
// exactly that; anything else it cannot place (an unterminated '[' or '"',
// two DATASTORE_MAD or TM_MAD sections, one without ARGUMENTS, without a -d
// list or with two) makes Inspect/Register/Unregister return Status::Invalid
// "line N: why" (one line of text; a missing section has no line), and the
// file is not touched.
//
// Editing keeps every other byte of the file: the -d list gets ",ipfs"
// appended inside its quotes; the missing blocks are appended at the end as
// "\n" + a marker comment line ("# one-ipfs: ... (added by
// one-ipfs-register)") + the blocks, separated by a blank line. Register on
// an already registered text returns it unchanged (idempotent); a partly
// registered text gets only what is missing. Unregister removes what Register
// adds: every "ipfs" in the two -d lists (it refuses to leave a list empty),
// the marker line with the blocks Register appended after it, and any other
// NAME = "ipfs" DS_MAD_CONF / TM_MAD_CONF section (its lines). So
// Unregister(Register(x)) == x byte for byte when x registers nothing.
#pragma once

#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/base/unified_diff.h"  // UnifiedDiff, for callers showing an edit

namespace oneipfs {

extern const char* const kIpfsConfBlocks;

// oned.conf of this front end: $ONE_LOCATION/etc/oned.conf when ONE_LOCATION
// is set (self-contained install), else /etc/one/oned.conf.
std::string DefaultOnedConfPath();

struct OnedConfRegistration {
  bool datastore_mad_listed = false;  // ipfs in DATASTORE_MAD ARGUMENTS -d
  bool tm_mad_listed = false;         // ipfs in TM_MAD ARGUMENTS -d
  bool ds_mad_conf = false;           // DS_MAD_CONF with NAME = "ipfs"
  bool tm_mad_conf = false;           // TM_MAD_CONF with NAME = "ipfs"
  bool complete() const { return datastore_mad_listed && tm_mad_listed && ds_mad_conf && tm_mad_conf; }
};

Result<OnedConfRegistration> InspectOnedConf(std::string_view text);
Result<std::string> RegisterIpfs(std::string_view text);
Result<std::string> UnregisterIpfs(std::string_view text);


}  // namespace oneipfs
