#include "harness/app/slurm/scontrol_job.h"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace mnemo {
namespace slurm {
namespace {

bool ParseSize(const std::string& s, size_t* out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

Result<std::vector<size_t>> ExpandArrayTaskIds(const std::string& text) {
  auto bad = [&]() {
    return Status::InvalidArgument("ArrayTaskId '" + text + "' is not a task id set");
  };
  std::string set = text.substr(0, text.find('%'));  // "%2": the throttle, not a task
  std::vector<size_t> out;
  std::stringstream ss(set);
  std::string part;
  while (std::getline(ss, part, ',')) {
    size_t step = 1;
    if (size_t colon = part.find(':'); colon != std::string::npos) {
      if (!ParseSize(part.substr(colon + 1), &step) || step == 0) return bad();
      part = part.substr(0, colon);
    }
    size_t dash = part.find('-');
    size_t lo = 0, hi = 0;
    if (dash == std::string::npos) {
      if (!ParseSize(part, &lo)) return bad();
      hi = lo;
    } else if (!ParseSize(part.substr(0, dash), &lo) || !ParseSize(part.substr(dash + 1), &hi) ||
               hi < lo) {
      return bad();
    }
    for (size_t i = lo; i <= hi; i += step) out.push_back(i);
  }
  if (out.empty()) return bad();
  std::sort(out.begin(), out.end());
  return out;
}

Result<ScontrolJob> ParseScontrolJobLine(const std::string& line) {
  ScontrolJob job;
  bool have_id = false, have_state = false;
  std::stringstream ss(line);
  std::string field;
  while (ss >> field) {
    size_t eq = field.find('=');
    if (eq == std::string::npos) continue;  // a value with spaces (Command=...): not ours
    std::string key = field.substr(0, eq), value = field.substr(eq + 1);
    if (key == "JobId") {
      job.job_id = value;
      have_id = true;
    } else if (key == "ArrayJobId") {
      job.array_job_id = value;
    } else if (key == "ArrayTaskId") {
      auto ids = ExpandArrayTaskIds(value);
      if (!ids.ok()) return ids.status();
      job.array_tasks = std::move(ids).value();
    } else if (key == "JobState") {
      job.state = value;
      have_state = true;
    } else if (key == "Reason") {
      job.reason = value;
    } else if (key == "ExitCode") {
      job.exit_code = value;
    }
  }
  if (!have_id || !have_state)
    return Status::InvalidArgument("scontrol show job: a line without JobId or JobState: '" +
                                   line.substr(0, 120) + "'");
  return job;
}

Result<std::vector<ScontrolJob>> ParseScontrolShowJob(const std::string& text) {
  std::vector<ScontrolJob> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = ParseScontrolJobLine(line);
    if (!j.ok()) return j.status();
    out.push_back(std::move(j).value());
  }
  return out;
}

bool IsActiveState(const std::string& state) {
  static const char* const kTerminal[] = {"COMPLETED", "FAILED",    "CANCELLED",   "TIMEOUT",
                                          "NODE_FAIL", "PREEMPTED", "BOOT_FAIL",   "OUT_OF_MEMORY",
                                          "DEADLINE",  "REVOKED",   "SPECIAL_EXIT"};
  if (state.empty()) return false;
  for (const char* t : kTerminal)
    if (state == t) return false;
  return true;
}

}  // namespace slurm
}  // namespace mnemo
