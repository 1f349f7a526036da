// Headless Chromium for report tests: Debian's `chromium`, started in its own process group and
// killed with all its helpers when done, also when an assertion fails.
#ifndef MNEMO_TESTS_SUPPORT_CHROMIUM_H_
#define MNEMO_TESTS_SUPPORT_CHROMIUM_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_util.h"

namespace mnemo::testing_util {

// The Chromium binary, or "" when none is installed.
inline std::string Chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (access(p, X_OK) == 0) return p;
  return "";
}

// A child process in its own process group; the whole group is killed on destruction, so
// Chromium's helpers never outlive the test.
class ProcessGroup {
 public:
  ProcessGroup(const std::vector<std::string>& argv, const std::string& out, const std::string& err)
      : pid_(Spawn(argv, out, err, /*own_group=*/true)) {}
  ~ProcessGroup() {
    if (pid_ <= 0) return;
    kill(-pid_, SIGKILL);
    if (!reaped_) waitpid(pid_, nullptr, 0);
  }
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  // Exit code, or -1 after `seconds` (the group is then killed).
  int Wait(double seconds) {
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        kill(-pid_, SIGKILL);  // helpers left in the group
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    reaped_ = true;
    return -1;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Runs chromium headless on the page `html` with extra flags; returns its exit code (-1 when
// it ran past 60 s). Its stdout and stderr (console lines included) land in *out and *err.
inline int RunChromium(const std::string& chromium, const std::string& profile,
                       const std::vector<std::string>& flags, const std::string& html,
                       std::string* out, std::string* err) {
  std::vector<std::string> argv = {chromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--disable-extensions",
                                   "--user-data-dir=" + profile,
                                   "--enable-logging=stderr",
                                   "--v=0"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back("file://" + html);
  std::string o = profile + ".out", e = profile + ".err";
  int code;
  {
    ProcessGroup p(argv, o, e);
    code = p.Wait(60);
  }
  *out = ReadFile(o);
  *err = ReadFile(e);
  return code;
}

}  // namespace mnemo::testing_util

#endif  // MNEMO_TESTS_SUPPORT_CHROMIUM_H_
