// output_drain.h: make sure oned's driver front end has kept what an action
// printed before the action exits.
//
// OpenNebula's CommandManager.rb (capture3_timeout, used by one_datastore,
// one_tm and one_market, every release) reads an action's stdout and stderr
// in two Ruby threads (`o.read`, `e.read`: they return at end-of-file); once
// the process has exited it joins each reader still running for 0.1 s and
// then kills it, dropping everything it read. oned then gets "SUCCESS -" (a
// stat without its size, a cp without its SOURCE) or "FAILURE -" (a failure
// without its message). A reader needs Ruby's global lock to return, and a
// busy front end (15 actions at once, each parsing its request) hands the
// lock around in 100 ms slices: a reader that has already read every byte
// (the pipe is empty) may still be waiting for the lock 0.1 s after the exit.
//
// FinishOutput(needed) therefore:
//   1. flushes stdout and stderr and waits until the reader has taken every
//      byte of each that is a pipe (FIONREAD 0);
//   2. closes `needed`, the pipe whose content oned needs (a datastore
//      action's stdout on success: the payload; stderr on failure, and
//      always for a transfer action, whose stdout no front end uses;
//      /dev/null takes its place), so that reader sees end-of-file and
//      queues for the lock while we still run;
//   3. writes a blank line to the other pipe, kDrainRounds (5) times, each time waiting
//      until its reader has taken it: each time the front end has run a
//      reader woken after the end-of-file of step 2, so the reader that
//      matters has had its turns too. Measured through 7.0.0's
//      one_datastore.rb with 1200 requests at once (a CommandManager.rb
//      that logs instead of killing): stdout readers still running when
//      the action had exited, of 1200: ~200 with fcde4ba's drain, 12 with
//      two rounds, 5-8 with three, 2 with five; none of them past the
//      0.1 s with three on that run, but a CI run with both stress
//      tests and more beside them lost 1 of 1000 with three
//      (2026-12-06), hence five. The other pipe's content is not used on that
//      outcome (a failure's stdout; a success's stderr apart from
//      INFO:/WARN: lines, which a blank line is not), so the blank lines
//      change nothing oned sees;
//   4. closes the other pipe.
// Everything is bounded by `max` in all (a reader that does not read until
// the process exits costs at most that); terminals and files are not waited
// for, and they and a pipe that is both stdout and stderr (2>&1) get no
// blank lines. The cost: 0.14 ms (median) with a front end
// running one action at a time, 20-95 ms (median; up to ~0.4 s) with 15 at
// once and a thousand queued, while the front end's thread for the action
// waits for it anyway.
#pragma once

#include <chrono>

namespace oneipfs {

// Round trips through the other pipe after the needed one is closed (step 3).
inline constexpr int kDrainRounds = 5;

// Returns how long it waited (for benchmarks and DEBUG lines).
std::chrono::microseconds FinishOutput(int needed,
                                       std::chrono::milliseconds max = std::chrono::milliseconds(1000));

// The unread bytes in the pipe `fd` writes to; -1 when `fd` is not a pipe.
long PipeUnread(int fd);

}  // namespace oneipfs
