#include "harness/jobs/interrupt.h"

#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <thread>

#include "harness/scheduler/scheduler.h"

namespace mnemo {
namespace {

std::mutex g_mu;
std::string g_activity;  // guarded by g_mu
sem_t g_notice;          // posted by the handler on the first signal

void OnInterrupt(int) {
  if (StopRequested()) {
    const char msg[] = "\nmnemo: aborting (second Ctrl-C); the store keeps what was committed\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(130);
  }
  RequestStop();
  sem_post(&g_notice);
}

void PrintNotices() {
  for (;;) {
    if (sem_wait(&g_notice) != 0) continue;  // EINTR
    std::string line = InterruptNotice();
    std::fprintf(stderr, "%s%s\n", isatty(2) ? "\n" : "", line.c_str());
    std::fflush(stderr);
  }
}

}  // namespace

void SetRunActivity(const std::string& what) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_activity = what;
}

std::string InterruptNotice() {
  std::string activity;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    activity = g_activity;
  }
  SchedulerActivity sched = CurrentSchedulerActivity();
  std::string what;
  if (!sched.label.empty() && sched.in_flight > 0) {
    what = "the " + std::to_string(sched.in_flight) + " request" +
           (sched.in_flight == 1 ? "" : "s") + " in flight of '" + sched.label + "'";
    if (!activity.empty()) what += " (" + activity + ")";
  } else {
    what = activity.empty() ? "the current step" : activity;
  }
  return "mnemo: interrupt: finishing " + what +
         ", then stopping; completed results are kept (press Ctrl-C again to abort)";
}

void InstallInterruptNotice() {
  static std::once_flag once;
  std::call_once(once, [] {
    sem_init(&g_notice, 0, 0);
    std::thread(PrintNotices).detach();
  });
  struct sigaction sa {};
  sa.sa_handler = &OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace mnemo
