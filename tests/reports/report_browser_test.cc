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
#include <cstring>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/store/run_store.h"
#include "reports/bench/synthetic_store.h"
#include "tasks/stats/intervals.h"
#include "tests/support/chromium.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

namespace fs = std::filesystem;
using testing_util::Chromium;
using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunChromium;
using testing_util::RunCommand;
using testing_util::TempDir;

const char kScript[] = "<script>alert(1)</script>";
const char kImg[] = "\"><img src=x onerror=alert(1)>";

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

  int Chrome(const std::vector<std::string>& flags, std::string* out, std::string* err) {
    return RunChromium(chromium_, dir_.File("profile"), flags, html_, out, err);
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

// The nightly example's jobs on fewer documents (fixtures/nightly-small.json: the two
// checkpoints of tiny-gemma3, benchmarks, memorisation of canaries and of training windows,
// decontamination, PII) run with the real binary and model, then reported; the page is measured in
// Chromium at 1400 × 900 and printed. One test (ctest runs each test in its own process; the run
// takes a while), several checks.
class NightlyReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    out_dir_ = std::string(MNEMO_BINARY_DIR) + "/report-browser";
    fs::create_directories(out_dir_);
    db_ = dir_->File("nightly.db");
    html_ = out_dir_ + "/nightly-report.html";
    auto run = RunCommand(
        Quote(MNEMO_EXE) + " run " +
        Quote(std::string(MNEMO_SOURCE_DIR) + "/tests/reports/fixtures/nightly-small.json") +
        " --db " + Quote(db_) + " -q 2>&1");
    run_output_ = run.output;
    run_ok_ = run.exit_code == 0;
    if (!run_ok_) return;
    auto rep = RunCommand(Quote(MNEMO_EXE) + " report --db " + Quote(db_) + " --out " +
                          Quote(html_) + " 2>&1");
    run_output_ += rep.output;
    run_ok_ = rep.exit_code == 0;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    chromium_ = Chromium();
    ASSERT_TRUE(run_ok_) << run_output_;
    html_text_ = ReadFile(html_);
  }
  // A copy of the report with `script` run after the page's own; returns its path.
  std::string WithScript(const std::string& name, const std::string& script) {
    std::string page = html_text_;
    size_t at = page.rfind("</body>");
    page.insert(at, "<script>" + script + "</script>");
    std::string path = dir_->File(name);
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(page.data(), 1, page.size(), f);
    std::fclose(f);
    return path;
  }

  void FirstScreenAnswersAt1400px();
  void FirstScreenNamesTheAnswers();
  void DuplicationChartIsLogScaleWithWilsonIntervals();
  void PrintsToASanePageCount();

  static TempDir* dir_;
  static std::string out_dir_, db_, html_, run_output_;
  static bool run_ok_;
  std::string chromium_, html_text_;
};
TempDir* NightlyReportTest::dir_ = nullptr;
std::string NightlyReportTest::out_dir_, NightlyReportTest::db_, NightlyReportTest::html_,
    NightlyReportTest::run_output_;
bool NightlyReportTest::run_ok_ = false;

// Layout facts measured in the page, as JSON in body[data-layout].
const char kLayoutScript[] = R"js(
(function () {
  var v = document.getElementById('verdict').getBoundingClientRect();
  var s = document.getElementById('summary').getBoundingClientRect();
  var minFont = 1e9, cut = [];
  Array.prototype.forEach.call(document.querySelectorAll('svg.chart'), function (svg) {
    var sr = svg.getBoundingClientRect();
    if (sr.width === 0) return;
    var scale = sr.width / svg.viewBox.baseVal.width;
    Array.prototype.forEach.call(svg.querySelectorAll('text'), function (t) {
      var r = t.getBoundingClientRect();
      if (r.width === 0) return;
      minFont = Math.min(minFont, parseFloat(getComputedStyle(t).fontSize) * scale);
      if (r.right > sr.right + 0.5 || r.left < sr.left - 0.5 || r.bottom > sr.bottom + 0.5)
        cut.push(t.textContent);
    });
  });
  var wide = [];
  Array.prototype.forEach.call(document.querySelectorAll('table'), function (t) {
    var box = t.closest('.table-wrap, .card');
    if (!box) wide.push(t.id || t.className);
  });
  document.body.setAttribute('data-layout', JSON.stringify({
    verdictBottom: v.bottom, summaryBottom: s.bottom, innerHeight: window.innerHeight,
    innerWidth: window.innerWidth, pageWidth: document.documentElement.scrollWidth,
    minFont: minFont, cut: cut, unboxed: wide
  }));
})();
)js";

std::string Unescape(std::string s) {
  for (auto [from, to] : {std::pair<const char*, const char*>{"&quot;", "\""},
                          {"&lt;", "<"},
                          {"&gt;", ">"},
                          {"&amp;", "&"}}) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + 1))
      s.replace(p, std::strlen(from), to);
  }
  return s;
}

void NightlyReportTest::FirstScreenAnswersAt1400px() {
  std::string page = WithScript("layout.html", kLayoutScript);
  std::string dom, err;
  ASSERT_EQ(
      RunChromium(chromium_, dir_->File("profile-layout"),
                  {"--dump-dom", "--window-size=1400,900", "--hide-scrollbars"}, page, &dom, &err),
      0)
      << err;
  std::smatch lm;
  ASSERT_TRUE(std::regex_search(dom, lm, std::regex("data-layout=\"([^\"]*)\""))) << err;
  auto layout = nlohmann::json::parse(Unescape(lm[1].str()));
  std::printf("layout at 1400 px: %s\n", layout.dump().c_str());
  double h = layout["innerHeight"].get<double>();
  ASSERT_GT(h, 500);
  // The verdict, and the four answers, without scrolling.
  EXPECT_LE(layout["verdictBottom"].get<double>(), h);
  EXPECT_LE(layout["summaryBottom"].get<double>(), h);
  // No horizontal scrolling of the page: wide tables scroll inside their box.
  EXPECT_LE(layout["pageWidth"].get<double>(), layout["innerWidth"].get<double>());
  EXPECT_TRUE(layout["unboxed"].empty()) << layout["unboxed"].dump();
  // Chart text at 11 px or more, none outside its chart (the legend wraps instead).
  EXPECT_GE(layout["minFont"].get<double>(), 11.0 - 0.01);  // layout rounding
  EXPECT_TRUE(layout["cut"].empty()) << layout["cut"].dump();

  std::string shot = out_dir_ + "/nightly-first-screen.png";
  fs::remove(shot);
  std::string out;
  ASSERT_EQ(RunChromium(chromium_, dir_->File("profile-shot"),
                        {"--screenshot=" + shot, "--window-size=1400,900", "--hide-scrollbars"},
                        html_, &out, &err),
            0)
      << err;
  ASSERT_TRUE(fs::exists(shot)) << err;
  std::printf("first screen: %s\n", shot.c_str());
}

void NightlyReportTest::FirstScreenNamesTheAnswers() {
  // The comparison's regressions, each memorisation source apart, contamination, PII.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(html_text_, m,
                                std::regex("id=\"verdict-badge\" data-regressions=\"(\\d+)\"")));
  std::string cmp_json = dir_->File("compare.json");
  auto cmp = RunCommand(Quote(MNEMO_EXE) + " compare --db " + Quote(db_) +
                        " --base 1 --format json -o " + Quote(cmp_json));
  ASSERT_EQ(cmp.exit_code, 0) << cmp.output;
  auto j = nlohmann::json::parse(ReadFile(cmp_json));
  EXPECT_EQ(std::stoi(m[1].str()), j["regressions"].get<int>());
  std::set<std::string> sources;
  std::regex row(
      "<tr class=\"mem-sum-row[^\"]*\" data-source=\"([^\"]+)\" data-group=\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(html_text_.begin(), html_text_.end(), row);
       it != std::sregex_iterator(); ++it)
    sources.insert((*it)[1].str());
  EXPECT_EQ(sources, (std::set<std::string>{"canaries", "train"}));
  EXPECT_NE(html_text_.find("id=\"contamination-summary-table\""), std::string::npos);
  EXPECT_NE(html_text_.find("id=\"pii-summary-table\""), std::string::npos);
  // The audit dump is gone: no metric named *_ci_low / *_ci_high heads a column or row.
  EXPECT_EQ(html_text_.find(">exact_ci_low<"), std::string::npos);
  EXPECT_NE(html_text_.find(">exact_rate 95%<"), std::string::npos);
}

// The duplication chart: x on a true log scale, Wilson intervals, n at each point.
void NightlyReportTest::DuplicationChartIsLogScaleWithWilsonIntervals() {
  size_t at = html_text_.find("class=\"mem-dup-chart\"");
  ASSERT_NE(at, std::string::npos);
  std::string svg = html_text_.substr(at, html_text_.find("</svg>", at) - at);
  std::regex pt(
      "<g class=\"point[^\"]*\" data-series=\"([^\"]+)\" data-x=\"([^\"]+)\" "
      "data-value=\"([^\"]+)\" "
      "data-n=\"(\\d+)\" data-low=\"([^\"]+)\" data-high=\"([^\"]+)\"><title>[^<]*</title><path "
      "[^>]*/><circle cx=\"([^\"]+)\"");
  std::map<std::string, std::vector<std::pair<double, double>>> xs;  // series -> (x, cx)
  int points = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), pt); it != std::sregex_iterator();
       ++it, ++points) {
    const auto& g = *it;
    double x = std::stod(g[2].str()), rate = std::stod(g[3].str());
    int64_t n = std::stoll(g[4].str());
    int64_t k = std::llround(rate * static_cast<double>(n));
    Interval w = WilsonInterval(k, n);
    EXPECT_DOUBLE_EQ(std::stod(g[5].str()), w.low) << g.str();
    EXPECT_DOUBLE_EQ(std::stod(g[6].str()), w.high) << g.str();
    EXPECT_GE(w.low, 0.0);
    xs[g[1].str()].emplace_back(x, std::stod(g[7].str()));
  }
  ASSERT_GT(points, 0);
  for (const auto& [series, v] : xs) {
    ASSERT_GE(v.size(), 3u) << series;
    // Pixels per decade are the same between every pair of points: a log axis.
    double per_decade = (v[1].second - v[0].second) / std::log10(v[1].first / v[0].first);
    for (size_t i = 2; i < v.size(); ++i)
      EXPECT_NEAR((v[i].second - v[0].second) / std::log10(v[i].first / v[0].first), per_decade,
                  0.2)
          << series;
  }
  // n under each x.
  EXPECT_NE(svg.find("class=\"tick n"), std::string::npos);
}

void NightlyReportTest::PrintsToASanePageCount() {
  std::string pdf = out_dir_ + "/nightly-report.pdf";
  fs::remove(pdf);
  std::string out, err;
  ASSERT_EQ(RunChromium(chromium_, dir_->File("profile-pdf"),
                        {"--print-to-pdf=" + pdf, "--no-pdf-header-footer"}, html_, &out, &err),
            0)
      << err;
  std::string bytes = ReadFile(pdf);
  ASSERT_EQ(bytes.substr(0, 5), "%PDF-");
  // The page tree's /Count is the number of pages.
  int pages = 0;
  std::regex count("/Type\\s*/Pages[^>]*?/Count\\s+(\\d+)|/Count\\s+(\\d+)[^>]*?/Type\\s*/Pages");
  for (auto it = std::sregex_iterator(bytes.begin(), bytes.end(), count);
       it != std::sregex_iterator(); ++it)
    pages = std::max(pages, std::stoi((*it)[1].matched ? (*it)[1].str() : (*it)[2].str()));
  std::printf("nightly report printed to PDF: %d pages (%s)\n", pages, pdf.c_str());
  EXPECT_GT(pages, 1);
  EXPECT_LE(pages, 30);  // was 264 before the print stylesheet
}

TEST_F(NightlyReportTest, FirstScreenChartsAndPrint) {
  {
    SCOPED_TRACE("first screen names the answers");
    FirstScreenNamesTheAnswers();
  }
  {
    SCOPED_TRACE("duplication chart");
    DuplicationChartIsLogScaleWithWilsonIntervals();
  }
  if (chromium_.empty()) GTEST_SKIP() << "chromium not installed (scripts/setup.sh --tests)";
  {
    SCOPED_TRACE("layout at 1400 px");
    FirstScreenAnswersAt1400px();
  }
  {
    SCOPED_TRACE("print");
    PrintsToASanePageCount();
  }
}

}  // namespace
}  // namespace mnemo
