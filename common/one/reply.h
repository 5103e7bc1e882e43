// reply.h: what a datastore action may print to oned, checked before it is
// printed.
//
// oned takes an action's stdout as the rest of ONE reply line; a second line
// becomes a reply of its own (for another image id, if it says so), and a
// token with a space or a newline in SOURCE or FORMAT is stored as it is. So
// every payload is checked against the grammar oned expects for that action,
// and RunDsAction prints nothing but a payload that passed (driver.h); a
// payload that does not pass fails the action with one error line.
//
//   cp                SOURCE FORMAT
//   clone             SOURCE [FORMAT]
//   mkfs              SOURCE
//   stat              SIZE
//   monitor           KEY=VALUE lines (the front end base64-encodes them)
//   export            <IMPORT_INFO>...</IMPORT_INFO> on one line
//   rm, snap_*        nothing
//
//   SOURCE  1 to 1024 printable ASCII characters, no whitespace, no quotes,
//           backslash, '<', '>' or '&' (oned stores it in XML and passes it
//           to shells of other drivers)
//   FORMAT  1 to 32 of [a-z0-9_] (a QEMU/libvirt disk format name)
//   SIZE    a decimal integer of MB, at most 18 digits
//   KEY     [A-Z][A-Z0-9_]*; VALUE a decimal integer or "text" whose text has
//           no '"', '\' or control characters
// Any other action's payload must be empty.
#pragma once

#include <string_view>

#include "common/base/status.h"

namespace oneipfs {

bool IsSourceToken(std::string_view s);
bool IsFormatToken(std::string_view s);
bool IsSizeToken(std::string_view s);

// Ok when `payload` is what `action` may print; Invalid naming the action
// and what is wrong otherwise.
Status CheckDsReply(std::string_view action, std::string_view payload);

// Writes a checked payload to stdout, followed by a newline (nothing for an
// empty payload), and flushes; the exit code for main: 0, or 1 when stdout
// could not take it.
int PrintReply(std::string_view payload);

}  // namespace oneipfs
