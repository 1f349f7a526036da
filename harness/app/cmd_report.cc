// `mnemo report`: one self-contained HTML file from a run store. When the selected runs hold
// exactly two models (the nightly's early and final checkpoints), or --compare names two,
// the report also shows their comparison (the same as `mnemo compare`).
//
// `mnemo bench report`: report generation time for a synthetic store of N samples.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "reports/bench/synthetic_store.h"
#include "reports/compare/comparison.h"
#include "reports/html/html_report.h"
#include "reports/model/report_model.h"

namespace mnemo {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

struct ReportArgs {
  std::string runs;
  std::string compare;  // "BASE,CANDIDATE" model labels; "none" = no comparison
  reports::ReportOptions options;
  reports::CompareSpec spec;
};

// Builds the model, the comparison (when asked for or implied) and writes the page.
Status MakeReport(RunStore* store, ReportArgs args, const std::string& out,
                  reports::ReportModel* model_out, std::optional<reports::Comparison>* cmp_out) {
  auto ids = reports::ResolveRunIds(store, args.runs);
  if (!ids.ok()) return ids.status();
  args.options.run_ids = *ids;
  auto model = reports::BuildReportModel(store, args.options);
  if (!model.ok()) return model.status();
  const reports::ModelSide* base = nullptr;
  const reports::ModelSide* cand = nullptr;
  if (args.compare != "none") {
    if (!args.compare.empty()) {
      auto comma = args.compare.find(',');
      if (comma == std::string::npos)
        return Status::InvalidArgument("--compare: expected BASE,CANDIDATE, got '" + args.compare +
                                       "'");
      std::string b = args.compare.substr(0, comma), c = args.compare.substr(comma + 1);
      std::string known;
      for (const auto& s : model->sides) {
        known += (known.empty() ? "" : ", ") + s.label;
        if (s.label == b) base = &s;
        if (s.label == c) cand = &s;
      }
      if (base == nullptr || cand == nullptr)
        return Status::NotFound("--compare: no model '" + (base == nullptr ? b : c) +
                                "' in the selected runs (models: " + known + ")");
    } else if (model->sides.size() == 2) {
      base = &model->sides[0];
      cand = &model->sides[1];
    }
  }
  if (base != nullptr && cand != nullptr) {
    args.spec.base_run = base->run_id;
    args.spec.candidate_run = cand->run_id;
    args.spec.base_model = base->model;
    args.spec.candidate_model = cand->model;
    auto cmp = reports::CompareRuns(store, args.spec);
    if (!cmp.ok()) return cmp.status();
    *cmp_out = std::move(cmp).value();
  }
  MNEMO_RETURN_IF_ERROR(
      reports::WriteHtmlReport(out, *model, cmp_out->has_value() ? &**cmp_out : nullptr));
  *model_out = std::move(model).value();
  return Status::Ok();
}

void AddCompareOptions(po::options_description* desc, ReportArgs* a) {
  desc->add_options()("threshold", DoubleValue(&a->spec.threshold, 0.0),
                      "comparison: a regression must be worse by more than this")(
      "alpha", DoubleValue(&a->spec.alpha, 0.05), "comparison: significance level")(
      "bootstrap-iters", po::value<int>(&a->spec.bootstrap.iterations)->default_value(1000),
      "comparison: paired bootstrap iterations (seed 1234)")(
      "max-sample-rows", po::value<size_t>(&a->options.max_sample_rows)->default_value(200),
      "per-sample table: rows per task job (0 = all)");
}

}  // namespace

int RunReportCommand(int argc, char** argv) {
  std::string db, out;
  ReportArgs args;
  bool no_redact = false;
  po::options_description desc("mnemo report");
  desc.add_options()("help,h", "show this help")("db", po::value<std::string>(&db)->required(),
                                                 "run store")(
      "runs", po::value<std::string>(&args.runs),
      "run ids, comma separated, or 'all' (default: the newest run)")(
      "out,o", po::value<std::string>(&out)->required(), "the HTML file to write")(
      "compare", po::value<std::string>(&args.compare),
      "BASE,CANDIDATE model labels to compare (default: the two models when there are "
      "exactly two; 'none' = no comparison)")("no-redact", po::bool_switch(&no_redact),
                                              "show memorised continuations unredacted");
  AddCompareOptions(&desc, &args);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo report --db PATH [--runs ID,...|all] --out report.html "
                        "[--compare BASE,CANDIDATE|none]",
                        desc, nullptr, &vm, &code))
    return code;
  args.options.redact_pii = !no_redact;
  auto store = RunStore::OpenReadOnly(db);
  if (!store.ok()) return ReportError(store.status());
  reports::ReportModel model;
  std::optional<reports::Comparison> cmp;
  if (Status s = MakeReport(store->get(), args, out, &model, &cmp); !s.ok()) return ReportError(s);
  std::string runs;
  for (const auto& r : model.runs) runs += (runs.empty() ? "" : ",") + std::to_string(r.run.id);
  std::printf("report: %s (runs %s, %zu models, %zu benchmark rows", fs::absolute(out).c_str(),
              runs.c_str(), model.sides.size(), model.benchmark.size());
  if (cmp)
    std::printf("; %s vs %s: %d regression(s), %d improvement(s)",
                cmp->rows.empty() ? "" : cmp->rows[0].base_model.c_str(),
                cmp->rows.empty() ? "" : cmp->rows[0].candidate_model.c_str(), cmp->regressions,
                cmp->improvements);
  std::printf(")\n");
  return kExitOk;
}

int RunBenchReportCommand(int argc, char** argv) {
  int64_t n = 100000;
  std::string keep;
  ReportArgs args;
  po::options_description desc("mnemo bench report");
  desc.add_options()("help,h", "show this help")(
      "samples", po::value<int64_t>(&n)->default_value(100000), "samples in the synthetic store")(
      "dir", po::value<std::string>(&keep),
      "write the store and the report here and keep them (default: a temporary folder)");
  AddCompareOptions(&desc, &args);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv, "usage: mnemo bench report [--samples N] [--dir DIR]", desc,
                        nullptr, &vm, &code))
    return code;
  fs::path dir =
      keep.empty() ? fs::temp_directory_path() / ("mnemo-bench-report-" + std::to_string(getpid()))
                   : fs::path(keep);
  std::error_code ec;
  fs::create_directories(dir, ec);
  fs::path db = dir / "bench.db", html = dir / "report.html";
  fs::remove(db, ec);
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  {
    auto store = RunStore::Open(db.string());
    if (!store.ok()) return ReportError(store.status());
    auto run = reports::WriteSyntheticRun(store->get(), n);
    if (!run.ok()) return ReportError(run.status());
  }
  auto t1 = Clock::now();
  auto store = RunStore::OpenReadOnly(db.string());
  if (!store.ok()) return ReportError(store.status());
  reports::ReportModel model;
  std::optional<reports::Comparison> cmp;
  Status s = MakeReport(store->get(), args, html.string(), &model, &cmp);
  auto t2 = Clock::now();
  if (!s.ok()) return ReportError(s);
  double build_s = std::chrono::duration<double>(t1 - t0).count();
  double report_s = std::chrono::duration<double>(t2 - t1).count();
  std::printf("bench report: %zu samples in %zu task jobs, %zu shown in the table\n",
              model.samples_total, model.benchmark.empty() ? 0 : model.sides.size() * 5,
              model.samples.size());
  std::printf("  writing the synthetic store  %8.2f s\n", build_s);
  std::printf("  report (read, compare, HTML) %8.2f s  (%.0f samples/s, %.1f MB of HTML)\n",
              report_s, static_cast<double>(model.samples_total) / report_s,
              static_cast<double>(fs::file_size(html, ec)) / 1e6);
  if (cmp)
    std::printf("  comparison: %zu rows, %d regression(s)\n", cmp->rows.size(), cmp->regressions);
  if (keep.empty())
    fs::remove_all(dir, ec);
  else
    std::printf("  kept: %s\n", fs::absolute(html).c_str());
  return kExitOk;
}

}  // namespace mnemo
