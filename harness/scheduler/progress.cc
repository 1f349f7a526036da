#include "harness/scheduler/progress.h"

#include <unistd.h>

#include <cstdio>

namespace mnemo {

Progress::Progress(std::string label, uint64_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  Finish();
}

void Progress::Advance(uint64_t n) {
  done_.fetch_add(n);
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  auto interval = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || now - last_draw_ < interval) return;
  last_draw_ = now;
  Draw(false);
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (enabled_) Draw(true);
}

void Progress::Draw(bool final_line) {
  uint64_t done = done_.load();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  char eta[32] = "--";
  if (rate > 0 && total_ >= done) {
    double left = static_cast<double>(total_ - done) / rate;
    std::snprintf(eta, sizeof eta, "%dm%02ds", static_cast<int>(left) / 60,
                  static_cast<int>(left) % 60);
  }
  int width = 24;
  int filled = total_ > 0 ? static_cast<int>(width * static_cast<double>(done) / total_) : width;
  if (filled > width) filled = width;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(width - filled), '.');
  if (tty_) {
    std::fprintf(stderr, "\r%s [%s] %llu/%llu  %.1f/s  ETA %s\x1b[K%s", label_.c_str(), bar.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                 rate, final_line ? "0m00s" : eta, final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s: %llu/%llu  %.1f/s  %s %s\n", label_.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                 rate, final_line ? "done in" : "ETA",
                 final_line ? (std::to_string(static_cast<int>(secs)) + "s").c_str() : eta);
  }
  std::fflush(stderr);
}

}  // namespace mnemo
