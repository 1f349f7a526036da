// `mnemo report`: one self-contained HTML file from a run store, with a comparison (the same
// as `mnemo compare`, whose flags it shares: harness/app/compare_options.h) chosen by the
// first of these that applies:
//   - --base/--candidate/--base-model/--candidate-model: exactly what `compare` compares (the
//     runs shown default to those two);
//   - --compare BASE,CANDIDATE: two model labels of the selected runs;
//   - --runs A,B (two runs): the same model across the two runs (models paired by name);
//   - the selected runs hold exactly two models (the nightly's early and final checkpoints).
// --compare none turns the comparison off.
//
// `mnemo bench report`: report generation time for a synthetic store of N samples.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/compare_options.h"
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
  bool selection = false;  // --base/--candidate/--base-model/--candidate-model given
};

// Builds the model, the comparison (when asked for or implied) and writes the page.
Status MakeReport(RunStore* store, ReportArgs args, const std::string& out,
                  reports::ReportModel* model_out, std::optional<reports::Comparison>* cmp_out) {
  if (args.selection && args.runs.empty())
    args.runs = std::to_string(args.spec.base_run) + "," + std::to_string(args.spec.candidate_run);
  std::string note;  // which run the default chose, when not simply the newest
  auto ids = reports::ResolveRunIds(store, args.runs, &note);
  if (!ids.ok()) return ids.status();
  if (!note.empty()) std::fprintf(stderr, "mnemo: report: %s\n", note.c_str());
  args.options.run_ids = *ids;
  auto model = reports::BuildReportModel(store, args.options);
  if (!model.ok()) return model.status();
  const reports::ModelSide* base = nullptr;
  const reports::ModelSide* cand = nullptr;
  bool by_spec = false;  // compare args.spec as given
  if (args.compare != "none") {
    if (args.selection) {
      if (!args.compare.empty())
        return Status::InvalidArgument(
            "--compare names models by label; with --base/--candidate use --base-model and "
            "--candidate-model");
      by_spec = true;
    } else if (!args.compare.empty()) {
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
    } else if (ids->size() == 2) {
      // Two runs: the same model across them (CompareRuns pairs the models by name).
      reports::CompareSpec spec = args.spec;
      spec.base_run = (*ids)[0];
      spec.candidate_run = (*ids)[1];
      auto cmp = reports::CompareRuns(store, spec);
      if (cmp.ok()) {
        *cmp_out = std::move(cmp).value();
      } else if (model->sides.size() == 2) {
        base = &model->sides[0];
        cand = &model->sides[1];
      } else {
        std::fprintf(stderr, "mnemo: report: runs %lld and %lld not compared: %s\n",
                     static_cast<long long>(spec.base_run),
                     static_cast<long long>(spec.candidate_run), cmp.status().message().c_str());
      }
    } else if (model->sides.size() == 2) {
      base = &model->sides[0];
      cand = &model->sides[1];
    }
  }
  if (by_spec) {
    auto cmp = reports::CompareRuns(store, args.spec);
    if (!cmp.ok()) return cmp.status();
    *cmp_out = std::move(cmp).value();
  } else if (base != nullptr && cand != nullptr) {
    args.spec.base_run = base->run_id;
    args.spec.candidate_run = cand->run_id;
    args.spec.base_model = base->model;
    args.spec.candidate_model = cand->model;
    auto cmp = reports::CompareRuns(store, args.spec);
    if (!cmp.ok()) return cmp.status();
    *cmp_out = std::move(cmp).value();
  }
  const reports::Comparison* shown = cmp_out->has_value() ? &**cmp_out : nullptr;
  if (IsStdout(out)) {  // the page is written whole to a temporary file, then copied
    fs::path tmp =
        fs::temp_directory_path() / ("mnemo-report-" + std::to_string(getpid()) + ".html");
    Status s = reports::WriteHtmlReport(tmp.string(), *model, shown);
    if (s.ok()) {
      std::ifstream in(tmp, std::ios::binary);
      std::cout << in.rdbuf();
      std::cout.flush();
      if (!std::cout) s = Status::IoError("cannot write the report to stdout");
    }
    std::error_code ec;
    fs::remove(tmp, ec);
    MNEMO_RETURN_IF_ERROR(s);
  } else {
    MNEMO_RETURN_IF_ERROR(reports::WriteHtmlReport(out, *model, shown));
  }
  *model_out = std::move(model).value();
  return Status::Ok();
}

void AddCompareOptions(po::options_description* desc, ReportArgs* a) {
  AddCompareRuleOptions(desc, &a->spec);
  desc->add_options()("max-sample-rows",
                      po::value<size_t>(&a->options.max_sample_rows)->default_value(200),
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
      "run ids, comma separated, or 'all' (default: the newest finished run; two runs: each model "
      "compared across them)")("output,out,o", po::value<std::string>(&out)->required(),
                               "the HTML file to write ('-': stdout; --out is the old name)")(
      "compare", po::value<std::string>(&args.compare),
      "BASE,CANDIDATE model labels to compare (default: see --runs; else the two models when "
      "there are exactly two; 'none' = no comparison)")("no-redact", po::bool_switch(&no_redact),
                                                        "show memorised continuations unredacted");
  AddCompareSelectionOptions(&desc, &args.spec, /*base_required=*/false);
  AddCompareOptions(&desc, &args);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo report --db PATH [--runs ID,...|all] -o report.html "
                        "[--compare BASE,CANDIDATE|none] [--base RUN [--candidate RUN] "
                        "[--base-model NAME] [--candidate-model NAME]]",
                        desc, nullptr, &vm, &code))
    return code;
  args.options.redact_pii = !no_redact;
  args.selection = CompareSelectionGiven(vm);
  FinishCompareSelection(vm, &args.spec);
  if (args.selection && !vm.count("base"))
    return ReportError(Status::InvalidArgument("--candidate and the model names need --base RUN"));
  if (Status s = ValidateCompareRule(args.spec); !s.ok()) return ReportError(s);
  auto store = RunStore::OpenReadOnly(db);
  if (!store.ok()) return ReportError(store.status());
  reports::ReportModel model;
  std::optional<reports::Comparison> cmp;
  if (Status s = MakeReport(store->get(), args, out, &model, &cmp); !s.ok()) return ReportError(s);
  std::string runs;
  for (const auto& r : model.runs) runs += (runs.empty() ? "" : ",") + std::to_string(r.run.id);
  FILE* summary = SummaryStream(out);
  std::fprintf(summary, "report: %s (runs %s, %zu models, %zu benchmark rows",
               IsStdout(out) ? "stdout" : fs::absolute(out).c_str(), runs.c_str(),
               model.sides.size(), model.benchmark.size());
  if (cmp)
    std::fprintf(summary, "; %s vs %s: %d regression(s), %d improvement(s)",
                 cmp->rows.empty() ? "" : cmp->rows[0].base_model.c_str(),
                 cmp->rows.empty() ? "" : cmp->rows[0].candidate_model.c_str(), cmp->regressions,
                 cmp->improvements);
  std::fprintf(summary, ")\n");
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
