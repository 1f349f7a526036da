// Ctrl-C for every command that runs requests (docs/README.md, exit codes): the first SIGINT
// (or SIGTERM) asks the scheduler to stop (RequestStop: the batches in flight finish and are
// committed, nothing new starts, the run ends "interrupted") and prints one line saying what
// the process waits for; a second prints "mnemo: aborting" and exits at once with 130, leaving
// the store as committed (the run row stays "running" and reads as killed).
//
// The signal handler only sets the stop flag, or writes and _exits, and posts a semaphore
// (all async-signal-safe); a helper thread started by InstallInterruptNotice prints the
// notice from the run loop's activity (SetRunActivity) and the scheduler's
// (CurrentSchedulerActivity).
//
// Thread-safety: every function may be called from any thread.
#ifndef MNEMO_HARNESS_JOBS_INTERRUPT_H_
#define MNEMO_HARNESS_JOBS_INTERRUPT_H_

#include <string>

namespace mnemo {

// Installs the SIGINT and SIGTERM handlers (and, once per process, the notice thread).
void InstallInterruptNotice();

// What the run does now, in words that follow "finishing" in the notice, e.g. "job tasks of
// model 'final'"; "" = nothing named (the notice then says "the current step").
void SetRunActivity(const std::string& what);

// The notice's line (no newline), e.g. "mnemo: interrupt: finishing the 12 requests in flight
// of 'tiny_geo' (job tasks of model 'final'), then stopping; completed results are kept (press
// Ctrl-C again to abort)".
std::string InterruptNotice();

}  // namespace mnemo

#endif  // MNEMO_HARNESS_JOBS_INTERRUPT_H_
