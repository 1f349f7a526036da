#include "harness/scheduler/progress.h"

#include <unistd.h>

#include <cstdio>

namespace mnemo {

Progress::Progress(std::string label, uint64_t total, bool enabled, Unit unit)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      tty_(isatty(STDERR_FILENO) == 1),
      unit_(unit),
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

void Progress::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (enabled_ && tty_ && drawn_) std::fputs("\n", stderr);  // the error starts a new line
}

std::string Progress::Amount(uint64_t v) const {
  char buf[32];
  if (unit_ == Unit::kBytes)
    std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(v) / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  return buf;
}

void Progress::Draw(bool final_line) {
  drawn_ = true;
  const uint64_t done = done_.load();
  const bool known = total_ != kUnknownTotal;
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  const char* per = unit_ == Unit::kBytes ? " MB/s" : "/s";
  const double shown_rate = unit_ == Unit::kBytes ? rate / 1e6 : rate;
  std::string amount = Amount(done);
  if (known) amount += "/" + Amount(total_);
  if (unit_ == Unit::kBytes) amount += " MB";
  char eta[32] = "--";
  if (known && rate > 0 && total_ >= done) {
    double left = static_cast<double>(total_ - done) / rate;
    std::snprintf(eta, sizeof eta, "%dm%02ds", static_cast<int>(left) / 60,
                  static_cast<int>(left) % 60);
  }
  if (tty_) {
    std::string bar;
    if (known) {
      const int width = 24;
      int filled =
          total_ > 0 ? static_cast<int>(width * static_cast<double>(done) / total_) : width;
      if (filled > width || final_line) filled = width;
      bar = " [" + std::string(static_cast<size_t>(filled), '#') +
            std::string(static_cast<size_t>(width - filled), '.') + "]";
    }
    std::string tail = final_line ? "done in " + std::to_string(static_cast<int>(secs)) + "s"
                       : known    ? std::string("ETA ") + eta
                                  : std::string();
    std::fprintf(stderr, "\r%s%s %s  %.1f%s  %s\x1b[K%s", label_.c_str(), bar.c_str(),
                 amount.c_str(), shown_rate, per, tail.c_str(), final_line ? "\n" : "");
  } else {
    std::string tail = final_line ? "done in " + std::to_string(static_cast<int>(secs)) + "s"
                       : known    ? std::string("ETA ") + eta
                                  : std::string();
    std::fprintf(stderr, "%s: %s  %.1f%s  %s\n", label_.c_str(), amount.c_str(), shown_rate, per,
                 tail.c_str());
  }
  std::fflush(stderr);
}

}  // namespace mnemo
