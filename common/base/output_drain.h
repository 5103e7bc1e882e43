// output_drain.h: make sure oned's driver front end has read what an action
// printed before the action exits.
//
// OpenNebula's CommandManager.rb (capture3_timeout, used by one_datastore,
// one_tm and one_market) reads an action's stdout and stderr in two Ruby
// threads; once the process has exited it gives each reader 0.1 s
// (reader.join(0.1)) and then kills it, dropping everything it collected.
// A busy front end (15 actions at once) misses that window now and then:
// oned then gets "SUCCESS -" (a stat without its size) or "FAILURE -" (a
// failure without its message). Our actions exit milliseconds after
// printing, so they were the most exposed.
//
// FinishOutput flushes stdout and stderr and, for each of them that is a
// pipe, waits until the reader has taken every byte (FIONREAD on the pipe is
// 0) and then closes it (/dev/null takes its place), so the reader sees
// end-of-file while the process is still alive and is done before the exit starts the 0.1 s clock. The wait
// is bounded by `max` (a reader that does not read until the process exits
// costs at most that); terminals and files are not waited for.
#pragma once

#include <chrono>

namespace oneipfs {

// Returns how long it waited (for benchmarks and DEBUG lines).
std::chrono::microseconds FinishOutput(std::chrono::milliseconds max = std::chrono::milliseconds(1000));

// The unread bytes in the pipe `fd` writes to; -1 when `fd` is not a pipe.
long PipeUnread(int fd);

}  // namespace oneipfs
