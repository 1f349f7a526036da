// `mnemo compare`: a candidate against a base, metric by metric, with paired tests on the
// shared documents; markdown or JSON on stdout. With --fail-on-regression the exit code is 1
// when a significant regression beyond the threshold exists (the CI gate), else 0. When the
// two sides' backends computed differently (recorded runtimes differ), a warning goes to
// stderr; it does not change the exit code.
#include <cstdio>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "reports/compare/comparison.h"
#include "reports/compare/comparison_output.h"

namespace mnemo {
namespace po = boost::program_options;

int RunCompareCommand(int argc, char** argv) {
  std::string db, format = "markdown";
  reports::CompareSpec spec;
  bool fail_on_regression = false;
  po::options_description desc("mnemo compare");
  desc.add_options()("help,h", "show this help")("db", po::value<std::string>(&db)->required(),
                                                 "run store")(
      "base", po::value<int64_t>(&spec.base_run)->required(), "base run id")(
      "candidate", po::value<int64_t>(&spec.candidate_run),
      "candidate run id (default: the base run, to compare two models of one run)")(
      "base-model", po::value<std::string>(&spec.base_model),
      "model name in the base run (default: pair models by name)")(
      "candidate-model", po::value<std::string>(&spec.candidate_model),
      "model name in the candidate run (default: the base model's name)")(
      "threshold", DoubleValue(&spec.threshold, 0.0),
      "a regression must be worse by more than this (absolute, in the metric's units)")(
      "alpha", DoubleValue(&spec.alpha, 0.05), "significance level of the paired test")(
      "bootstrap-iters", po::value<int>(&spec.bootstrap.iterations)->default_value(1000),
      "paired bootstrap iterations (seed 1234)")(
      "format", po::value<std::string>(&format)->default_value("markdown"), "markdown | json")(
      "fail-on-regression", po::bool_switch(&fail_on_regression),
      "exit 1 when a significant regression beyond the threshold exists");
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo compare --db PATH --base RUN [--candidate RUN] "
                        "[--base-model NAME] [--candidate-model NAME] [--threshold X] "
                        "[--fail-on-regression] [--format markdown|json]",
                        desc, nullptr, &vm, &code))
    return code;
  if (!vm.count("candidate")) spec.candidate_run = spec.base_run;
  if (format != "markdown" && format != "json")
    return ReportError(
        Status::InvalidArgument("--format: '" + format + "' is not markdown or json"));
  if (spec.threshold < 0 || !(spec.alpha > 0 && spec.alpha < 1))
    return ReportError(Status::InvalidArgument("--threshold must be >= 0, --alpha in (0, 1)"));
  if (spec.base_run == spec.candidate_run && spec.base_model.empty() &&
      spec.candidate_model.empty())
    std::fprintf(stderr,
                 "mnemo: compare: base and candidate are the same run; comparing each model "
                 "with itself\n");
  auto store = RunStore::OpenReadOnly(db);
  if (!store.ok()) return ReportError(store.status());
  auto cmp = reports::CompareRuns(store->get(), spec);
  if (!cmp.ok()) return ReportError(cmp.status());
  // Before the table, so a CI log shows them even when stdout is redirected.
  for (const auto& w : cmp->warnings) std::fprintf(stderr, "mnemo: warning: %s\n", w.c_str());
  if (format == "json")
    std::printf("%s\n", reports::ComparisonJson(*cmp).dump(2).c_str());
  else
    std::printf("%s", reports::ComparisonMarkdown(*cmp).c_str());
  std::fflush(stdout);
  if (cmp->regressions > 0) {
    std::fprintf(stderr, "mnemo: compare: %d significant regression(s) beyond threshold %g\n",
                 cmp->regressions, spec.threshold);
    if (fail_on_regression) return kExitFailure;
  }
  return kExitOk;
}

}  // namespace mnemo
