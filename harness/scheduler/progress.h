// Progress display for long runs: "label  done/total  rate/s  ETA" redrawn in place on a
// TTY, plain lines at most every few seconds otherwise (CI logs stay readable), and a final
// line with the phase's time when it finishes. A long job shows one Progress per phase, its
// label naming the phase ("canaries: tokenising corpus, sampling probes", "canaries:
// decoding"), so each phase has its own rate and ETA.
//
// Units: counts (requests, probes) or bytes (shown in MB). A total of kUnknownTotal (a stream
// whose size is not known in advance) shows what is done and the rate, with no bar or ETA.
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
  enum class Unit { kCount, kBytes };
  static constexpr uint64_t kUnknownTotal = ~uint64_t{0};

  // enabled=false prints nothing (tests, --quiet).
  Progress(std::string label, uint64_t total, bool enabled, Unit unit = Unit::kCount);
  ~Progress();
  void Advance(uint64_t n = 1);
  // Prints the final line (once; the destructor calls it too).
  void Finish();
  // Ends the display without a final line, when the phase failed (an error follows).
  void Stop();

 private:
  void Draw(bool final_line);
  std::string Amount(uint64_t v) const;
  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool tty_;
  Unit unit_;
  std::atomic<uint64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex mu_;
  bool finished_ = false;
  bool drawn_ = false;
};

}  // namespace mnemo

#endif  // MNEMO_HARNESS_SCHEDULER_PROGRESS_H_
