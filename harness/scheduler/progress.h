// Progress display for long runs: "label  done/total  rate/s  ETA" redrawn in place on a
// TTY, plain lines at most every few seconds otherwise (CI logs stay readable).
// Thread-safety: Advance may be called from any thread.
#ifndef MNEMO_HARNESS_SCHEDULER_PROGRESS_H_
#define MNEMO_HARNESS_SCHEDULER_PROGRESS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace mnemo {

class Progress {
 public:
  // enabled=false prints nothing (tests, --quiet).
  Progress(std::string label, uint64_t total, bool enabled);
  ~Progress();
  void Advance(uint64_t n = 1);
  void Finish();

 private:
  void Draw(bool final_line);
  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool tty_;
  std::atomic<uint64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex mu_;
  bool finished_ = false;
};

}  // namespace mnemo

#endif  // MNEMO_HARNESS_SCHEDULER_PROGRESS_H_
