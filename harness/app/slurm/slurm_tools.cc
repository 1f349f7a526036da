#include "harness/app/slurm/slurm_tools.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace mnemo {
namespace slurm {

Result<ToolOutput> RunTool(const std::vector<std::string>& argv) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0)
    return Status::IoError("pipe: " + std::string(strerror(errno)));
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return Status::IoError("pipe: " + std::string(strerror(errno)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return Status::Unavailable("cannot run " + argv[0] + ": " + strerror(rc) +
                               " (are Slurm's client tools installed and on PATH?)");
  }
  ToolOutput r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || fds[k].revents == 0) continue;
      ssize_t n = read(fds[k].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[k]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

Result<std::string> Sbatch(const std::vector<std::string>& flags, const std::string& script) {
  std::vector<std::string> argv = {"sbatch", "--parsable"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(script);
  auto r = RunTool(argv);
  if (!r.ok()) return r.status();
  // --parsable: "jobid" or "jobid;cluster".
  std::string id = r->out.substr(0, r->out.find_first_of(";\n"));
  if (r->exit_code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    return Status::Unavailable("sbatch " + script + " failed (exit " +
                               std::to_string(r->exit_code) + "): " + r->err + r->out);
  return id;
}

Result<std::vector<ScontrolJob>> ShowJob(const std::string& job_id) {
  auto r = RunTool({"scontrol", "show", "job", "-o", job_id});
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    if (r->err.find("Invalid job id") != std::string::npos) return std::vector<ScontrolJob>{};
    return Status::Unavailable("scontrol show job " + job_id + " failed (exit " +
                               std::to_string(r->exit_code) + "): " + r->err);
  }
  return ParseScontrolShowJob(r->out);
}

}  // namespace slurm
}  // namespace mnemo
