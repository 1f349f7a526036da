// Small helpers shared by tests: temporary folders, running the mnemo binary, files.
#ifndef MNEMO_TESTS_SUPPORT_TEST_UTIL_H_
#define MNEMO_TESTS_SUPPORT_TEST_UTIL_H_

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mnemo::testing_util {

// A fresh folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mnemo-test-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    path_ = p != nullptr ? p : tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every non-empty line of a JSON Lines file, parsed (the first `n` when n > 0).
inline std::vector<nlohmann::json> ReadJsonLines(const std::string& path, size_t n = 0) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; (n == 0 || out.size() < n) && std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line, capturing both streams.
inline CommandResult RunCommand(const std::string& cmd) {
  CommandResult r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// Starts argv[0] with argv (no shell) in a child process, its stdout going to `log` and its
// stderr to `err_log` (empty: to `log` too); with own_group, the child leads a new process
// group (kill(-pid) then reaches its helpers). Returns the child's pid for waitpid/kill.
inline pid_t Spawn(const std::vector<std::string>& argv, const std::string& log = "/dev/null",
                   const std::string& err_log = "", bool own_group = false) {
  pid_t pid = fork();
  if (pid == 0) {
    if (own_group) setpgid(0, 0);
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = err_log.empty() ? out : open(err_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    close_range(3, ~0U, 0);  // the child inherits none of the test's other descriptors
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  if (own_group && pid > 0) setpgid(pid, pid);  // also from here: no race with kill(-pid)
  return pid;
}

inline std::string Quote(const std::string& s) {
  return "'" + s + "'";
}

}  // namespace mnemo::testing_util

#endif  // MNEMO_TESTS_SUPPORT_TEST_UTIL_H_
