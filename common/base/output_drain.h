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
//      matters has had its turns too. The other pipe's content is not used on
//      that outcome (a failure's stdout; a success's stderr apart from
//      INFO:/WARN: lines, which a blank line is not), so the blank lines
//      change nothing oned sees. Then, when the front end runs other actions
//      beside this one (SiblingProcesses) and took its time to answer, the
//      action stays until LingerFor(the slowest round) has passed since
//      step 2 (kLingerFactor times that round, at most kMaxLinger). Why:
//      Ruby's lock is not handed out in turn. A reader that returns from a
//      system call while the lock is free takes it at once; one that finds
//      it taken waits in a queue that such readers overtake, up to a 100 ms
//      time slice. So the rounds can come back in a millisecond while the
//      reader that matters still waits in the queue; alone, nothing
//      overtakes it;
//   4. closes the other pipe.
// Everything is bounded by `max` in all (a reader that does not read until
// the process exits costs at most that); terminals and files are not waited
// for, and they and a pipe that is both stdout and stderr (2>&1) get no
// blank lines.
//
// Measured (2026-12-06, 2-core machine) through 6.6.3's and 7.0.0's
// one_datastore.rb, 1000 requests each at once (-t 15), beside each other
// and the unit tests, with a CommandManager.rb that logs every reader still
// running at the exit: with the rounds alone 9 stdout readers of 2000 were
// still running and one was killed (a lost reply: its rounds took 1 ms
// each, the median for one round under that load; five took 157-189 ms,
// median); with the linger 0 of 2000 in two runs (it reached the cap for
// ~80% of actions; wall time 78-81 s against 77.9 s). Earlier, 1200
// requests through 7.0.0: ~200 stdout readers still running with fcde4ba's
// drain, 12 with two rounds, 5-8 with three, 2 with five. The cost: alone
// (-t 1) 0.3 ms (median), no linger; at -t 15 on an idle machine 150
// requests took 6.0 s against 4.9 s; the front end's thread for the action
// waits for it anyway.
#pragma once

#include <chrono>

namespace oneipfs {

// Round trips through the other pipe after the needed one is closed (step 3).
inline constexpr int kDrainRounds = 5;
// The time the front end gets after the end-of-file of step 2 (step 3):
// kLingerFactor times its slowest round, at most kMaxLinger, when it runs
// `siblings` other actions beside this one; none when it runs this one alone.
inline constexpr int kLingerFactor = 250;
inline constexpr std::chrono::milliseconds kMaxLinger{500};
std::chrono::microseconds LingerFor(std::chrono::microseconds slowest_round, int siblings);

// The other children of this process's parent (the front end's other
// actions), from /proc/<parent>/task/*/children; -1 when the parent cannot
// be read, 0 when the kernel does not list children (then no linger: the
// rounds alone, as before it). An action started through a shell counts the
// shell's other children: none, so it does not linger either.
int SiblingProcesses();

// Returns how long it waited (for benchmarks and DEBUG lines).
std::chrono::microseconds FinishOutput(int needed,
                                       std::chrono::milliseconds max = std::chrono::milliseconds(1000));

// The unread bytes in the pipe `fd` writes to; -1 when `fd` is not a pipe.
long PipeUnread(int fd);

}  // namespace oneipfs
