// A real llama-server (the provisioned MNEMO_LLAMA_SERVER) on 127.0.0.1, for tests.
//
// Start() picks a free port and waits until GET /health answers 200. The server runs in its own
// process group and is killed with the whole group in Stop() and in the destructor, so it is
// stopped also when a test fails; PR_SET_PDEATHSIG kills it if the test process itself dies.
// Kill() (SIGKILL, mid-run) and Start(same port) model a crash and a restart.
//
// Thread-safety: none; drive one LlamaServer from one thread (the one that started it: the
// death signal is tied to the forking thread).
#ifndef MNEMO_TESTS_BACKENDS_OPENAI_LLAMA_SERVER_H_
#define MNEMO_TESTS_BACKENDS_OPENAI_LLAMA_SERVER_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace mnemo::testing_util {

// A port nothing listens on right now (bind to 0, read it back, close).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Blocking HTTP/1.0 GET on 127.0.0.1:port; returns the status code, 0 on any failure.
inline int HttpGetStatus(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return 0;
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return 0;
  }
  char buf[64] = {0};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 12 || std::strncmp(buf, "HTTP/1.", 7) != 0) return 0;
  return std::atoi(buf + 9);
}

class LlamaServer {
 public:
  LlamaServer(std::string model, std::vector<std::string> extra_args = {})
      : model_(std::move(model)), extra_(std::move(extra_args)) {}
  ~LlamaServer() { Stop(); }
  LlamaServer(const LlamaServer&) = delete;
  LlamaServer& operator=(const LlamaServer&) = delete;

  // Starts the server (on `port`, or a free one when 0) and waits up to 60 s for /health.
  bool Start(int port = 0) {
    Stop();
    port_ = port != 0 ? port : FreePort();
    if (port_ <= 0) return false;
    const std::string log = "/tmp/mnemo-llama-server-" + std::to_string(port_) + ".log";
    std::vector<std::string> args = {
        MNEMO_LLAMA_SERVER, "-m", model_, "--host", "127.0.0.1", "--port", std::to_string(port_)};
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;  // built before fork: the child only calls async-signal-safe code
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      // Inherit nothing else: a server restarted mid-test would otherwise hold copies of the
      // test's open sockets (a proxy's accepted connection, curl's), so their peers never see
      // them close and wait for the HTTP timeout.
      close_range(3, ~0U, 0);
      execv(argv[0], argv.data());
      _exit(127);
    }
    if (pid_ < 0) return false;
    setpgid(pid_, pid_);  // also from the parent, so Stop works whichever runs first
    for (int i = 0; i < 600; ++i) {
      if (HttpGetStatus(port_, "/health") == 200) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // SIGKILL to the whole process group, then reap. Idempotent.
  void Stop() {
    if (pid_ <= 0) return;
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  void Kill() { Stop(); }

  int port() const { return port_; }
  bool running() const { return pid_ > 0; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  std::string model_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace mnemo::testing_util

#endif  // MNEMO_TESTS_BACKENDS_OPENAI_LLAMA_SERVER_H_
