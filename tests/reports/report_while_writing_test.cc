// Concurrent readers (issue 9): `mnemo report` on a store while `mnemo run` writes to it must
// never fail with "database is locked" (the store runs in WAL mode with a busy timeout), and
// the writer must not fail because of the readers either.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/sqlite_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::StoredCount;
using testing_util::TempDir;
using testing_util::WriteFile;

TEST(ReportWhileWritingTest, ReportsOfARunningStoreNeverSeeALockedDatabase) {
  TempDir d;
  // 120 documents x 4 choices, 15 ms per request in the faulty test backend: the run commits
  // batches of results for about 7 s while the reports read.
  nlohmann::json cfg = {
      {"name", "writer"},
      {"models", {{{"name", "m"}, {"model", "faulty:m"}, {"options", {{"delay_ms", 15}}}}}},
      {"jobs", {{{"kind", "tasks"}, {"tasks", {"tiny_geo"}}, {"limit", 120}}}}};
  WriteFile(d.File("run.json"), cfg.dump());
  const std::string db = d.File("run.db");
  pid_t writer = testing_util::Spawn({MNEMO_EXE, "run", d.File("run.json"), "--db", db, "-q"},
                                     d.File("run.log"));
  // Wait for the store to exist with its first run, then report in a loop until the run ends.
  int reports = 0, status = 0;
  bool done = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while (StoredCount(db, "runs") < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  while (!done && std::chrono::steady_clock::now() < deadline) {
    const std::string html = d.File("report.html");
    auto r = RunCommand(Quote(MNEMO_EXE) + " report --db " + Quote(db) + " --out " + Quote(html));
    done = waitpid(writer, &status, WNOHANG) == writer;
    ASSERT_EQ(r.exit_code, 0) << "report " << reports << ":\n" << r.output;
    EXPECT_EQ(r.output.find("locked"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("busy"), std::string::npos) << r.output;
    EXPECT_NE(ReadFile(html).find("</html>"), std::string::npos);
    ++reports;
  }
  if (!done) {
    kill(writer, SIGKILL);
    waitpid(writer, &status, 0);
    FAIL() << "the run did not finish in time";
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(d.File("run.log"));
  std::printf("%d reports while the run wrote\n", reports);
  // Most reports ran while results were still being written.
  EXPECT_GE(reports, 5);
  EXPECT_NE(ReadFile(d.File("run.log")).find("480 computed"), std::string::npos)
      << ReadFile(d.File("run.log"));
}

}  // namespace
}  // namespace mnemo
