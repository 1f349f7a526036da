// Opens a generated report in headless Chromium (Debian's `chromium`, started and stopped
// here, in its own process group), then checks the DOM after the page's script ran: every
// benchmark number equals the store's, model output renders as text, the script finished
// (data-report-ready) and the console stayed silent. Saves a screenshot in the build folder.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness/store/run_store.h"
#include "reports/bench/synthetic_store.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

namespace fs = std::filesystem;
using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;

const char kScript[] = "<script>alert(1)</script>";
const char kImg[] = "\"><img src=x onerror=alert(1)>";

std::string Chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (access(p, X_OK) == 0) return p;
  return "";
}

// A child process in its own process group; the whole group is killed on destruction, so
// Chromium's helpers never outlive the test, also when an assertion fails.
class ProcessGroup {
 public:
  ProcessGroup(const std::vector<std::string>& argv, const std::string& out, const std::string& err)
      : pid_(testing_util::Spawn(argv, out, err, /*own_group=*/true)) {}
  ~ProcessGroup() {
    if (pid_ <= 0) return;
    kill(-pid_, SIGKILL);
    if (!reaped_) waitpid(pid_, nullptr, 0);
  }
  // Exit code, or -1 after `seconds` (the group is then killed).
  int Wait(double seconds) {
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
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

std::string Exact(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

class ReportBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = Chromium();
    if (chromium_.empty()) GTEST_SKIP() << "chromium not installed (scripts/setup.sh --tests)";
    db_ = dir_.File("b.db");
    auto s = RunStore::Open(db_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    auto run = reports::WriteSyntheticRun(store_.get(), 12000);
    ASSERT_TRUE(run.ok());
    run_ = *run;
    // A generation whose output tries to run script and break out of an attribute.
    auto jobs = store_->ListJobs(run_);
    ASSERT_TRUE(jobs.ok());
    for (const auto& j : *jobs) {
      if (j.name != "synthetic_gen") continue;
      SampleRecord smp;
      smp.doc_id = "0:strict-match";
      smp.doc_index = 0;
      smp.data = {{"doc_id", 0},
                  {"target", kImg},
                  {"filter", "strict-match"},
                  {"arguments", {{std::string("Q: ") + kScript, {{"until", {"\n"}}}}}},
                  {"filtered_resps", {std::string(kScript) + " " + kImg}},
                  {"exact_match", 0.0},
                  {"metrics", {"exact_match"}}};
      ASSERT_TRUE(store_->PutSamples(j.id, {smp}).ok());
    }
    out_dir_ = std::string(MNEMO_BINARY_DIR) + "/report-browser";
    fs::create_directories(out_dir_);
    html_ = out_dir_ + "/report.html";
    auto r = RunCommand(Quote(MNEMO_EXE) + " report --db " + Quote(db_) + " --out " + Quote(html_));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  // Runs chromium headless on the report with extra flags; returns its exit code.
  int Chrome(const std::vector<std::string>& flags, std::string* out, std::string* err) {
    std::vector<std::string> argv = {chromium_,
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--no-first-run",
                                     "--disable-extensions",
                                     "--user-data-dir=" + dir_.File("profile"),
                                     "--enable-logging=stderr",
                                     "--v=0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back("file://" + html_);
    std::string o = dir_.File("chrome.out"), e = dir_.File("chrome.err");
    int code;
    {
      ProcessGroup p(argv, o, e);
      code = p.Wait(40);
    }
    *out = ReadFile(o);
    *err = ReadFile(e);
    return code;
  }

  TempDir dir_;
  std::string chromium_, db_, out_dir_, html_;
  std::unique_ptr<RunStore> store_;
  int64_t run_ = 0;
};

TEST_F(ReportBrowserTest, DomNumbersEqualTheStoreAndConsoleIsSilent) {
  std::string dom, err;
  ASSERT_EQ(Chrome({"--dump-dom"}, &dom, &err), 0) << err;
  ASSERT_FALSE(dom.empty()) << err;
  // The page's script ran to its end.
  EXPECT_NE(dom.find("data-report-ready=\"1\""), std::string::npos);
  // The console: Chromium logs every console message (and uncaught errors, CSP violations)
  // as "INFO:CONSOLE" lines with --enable-logging=stderr; the page logs nothing.
  std::regex console_line("CONSOLE[^\\n]*");
  std::smatch cm;
  EXPECT_FALSE(std::regex_search(err, cm, console_line)) << cm.str();

  // Every stored metric appears with its exact value in the benchmark table.
  int checked = 0;
  auto jobs = store_->ListJobs(run_);
  ASSERT_TRUE(jobs.ok());
  for (const auto& j : *jobs) {
    auto metrics = store_->GetMetrics(j.id);
    ASSERT_TRUE(metrics.ok());
    for (const auto& m : *metrics) {
      std::string row = "<tr class=\"bench-row\" data-model=\"" +
                        j.config["model_name"].get<std::string>() + "\" data-task=\"" + j.name +
                        "\" data-metric=\"" + m.name + "\" data-filter=\"" + m.filter + "\">";
      size_t at = dom.find(row);
      ASSERT_NE(at, std::string::npos) << row;
      size_t end = dom.find("</tr>", at);
      std::string tr = dom.substr(at, end - at);
      std::smatch vm;
      ASSERT_TRUE(std::regex_search(tr, vm, std::regex("data-value=\"([^\"]+)\""))) << tr;
      EXPECT_EQ(std::strtod(vm[1].str().c_str(), nullptr), m.value) << row;
      EXPECT_EQ(vm[1].str(), Exact(m.value));
      if (m.stderr_value) {
        std::string rest = vm.suffix().str();
        std::smatch sm;
        ASSERT_TRUE(std::regex_search(rest, sm, std::regex("data-value=\"([^\"]+)\"")));
        EXPECT_EQ(std::strtod(sm[1].str().c_str(), nullptr), *m.stderr_value) << row;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 18);
  // The comparison (exactly two models) is there, with the planted regression.
  EXPECT_NE(dom.find("id=\"comparison\""), std::string::npos);
  EXPECT_NE(dom.find("<tr class=\"cmp-row regression\" data-task=\"synthetic_mc_a\""),
            std::string::npos);

  // Model output is text: no element made from it, and the text is there, escaped.
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_EQ(dom.find("onerror=alert(1)>"), std::string::npos);
  EXPECT_NE(dom.find("&lt;script&gt;alert(1)&lt;/script&gt; \"&gt;&lt;img src=x "
                     "onerror=alert(1)&gt;"),
            std::string::npos);
  size_t scripts = 0;
  for (size_t p = dom.find("<script"); p != std::string::npos; p = dom.find("<script", p + 1))
    ++scripts;
  EXPECT_EQ(scripts, 1u);
  // The sample filter ran over every row.
  std::smatch shown;
  ASSERT_TRUE(
      std::regex_search(dom, shown, std::regex("id=\"samples-table\"[^>]*data-shown=\"(\\d+)\"")));
  EXPECT_GT(std::stoi(shown[1].str()), 0);
}

TEST_F(ReportBrowserTest, SavesAScreenshot) {
  std::string shot = out_dir_ + "/report-screenshot.png";
  fs::remove(shot);
  std::string out, err;
  ASSERT_EQ(
      Chrome({"--screenshot=" + shot, "--window-size=1280,2400", "--hide-scrollbars"}, &out, &err),
      0)
      << err;
  ASSERT_TRUE(fs::exists(shot)) << err;
  EXPECT_GT(fs::file_size(shot), 10000u);
  std::string png = ReadFile(shot);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  std::regex console_line("CONSOLE[^\\n]*");
  std::smatch cm;
  EXPECT_FALSE(std::regex_search(err, cm, console_line)) << cm.str();
  std::printf("screenshot: %s\n", shot.c_str());
}

}  // namespace
}  // namespace mnemo
