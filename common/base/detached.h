// detached.h: start a program that outlives its caller and holds none of
// its caller's pipes.
//
// StartDetached runs `argv` (argv[0] an absolute path, no shell, no PATH
// search) in a session of its own (setsid: a signal to the caller's process
// group, e.g. oned's driver timeout, does not reach it), with stdin, stdout
// and stderr on /dev/null and every other descriptor closed, so whoever
// reads the caller's output (oned's driver) sees EOF when the caller exits,
// not when the program does. The caller does not wait for it: the child is
// reaped by init once the caller has exited. The environment is the
// caller's. Returns Io when the program cannot be started (missing, not
// executable); what it does later is its own business.
#pragma once

#include <string>
#include <vector>

#include "common/base/status.h"

namespace oneipfs {

Status StartDetached(const std::vector<std::string>& argv);

}  // namespace oneipfs
