// process_run.h: how the runners of remote.h run a process (internal to
// remote.cc and ssh_runner.cc).
//
// RunProcess runs `argv` (no shell) in a process group of its own, streams
// cmd.stdin_source into it while collecting stdout (or streaming it to
// cmd.stdout_sink) and the last 64 KiB of stderr, enforces cmd.timeout (the
// whole group is killed, then given 2 s to close its pipes), and returns the
// exit code (128 + signal for a killed process). It never throws: a failure
// to start or a thrown library error is Status::Io naming `what`.
#pragma once

#include <string>
#include <vector>

#include "common/base/remote.h"
#include "common/base/status.h"

namespace oneipfs {

Result<RemoteResult> RunProcess(const std::vector<std::string>& argv, const RemoteCommand& cmd,
                                const std::string& what);

// The text of an errno value.
std::string ErrnoText(int err);

}  // namespace oneipfs
