// `mnemo compare`: a candidate against a base, metric by metric, with paired tests on the
// shared documents; markdown or JSON on stdout (or -o FILE). Its flags are `report`'s
// (harness/app/compare_options.h). With --fail-on-regression the exit code is 1
// when a significant regression beyond the threshold exists (the CI gate), else 0. When the
// two sides' backends computed differently (recorded runtimes differ), a warning goes to
// stderr; it does not change the exit code. A partial run on either side (not finished, or a
// job unfinished: RunView::partial) is a warning; with --fail-on-regression it is refused
// (exit 2, before any output) unless --allow-partial.
#include <cstdio>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/compare_options.h"
#include "reports/compare/comparison.h"
#include "reports/compare/comparison_output.h"

namespace mnemo {
namespace po = boost::program_options;

int RunCompareCommand(int argc, char** argv) {
  std::string db, format = "markdown", output = "-";
  reports::CompareSpec spec;
  bool fail_on_regression = false, allow_partial = false;
  po::options_description desc("mnemo compare");
  desc.add_options()("help,h", "show this help")("db", po::value<std::string>(&db)->required(),
                                                 "run store")(
      "format", po::value<std::string>(&format)->default_value("markdown"), "markdown | json")(
      "fail-on-regression", po::bool_switch(&fail_on_regression),
      "exit 1 when a significant regression beyond the threshold exists")(
      "allow-partial", po::bool_switch(&allow_partial),
      "with --fail-on-regression, gate even when a run is partial (not finished, or a job "
      "unfinished); without it such a gate is refused with exit 2");
  AddCompareSelectionOptions(&desc, &spec, /*base_required=*/true);
  AddCompareRuleOptions(&desc, &spec);
  AddOutputOption(&desc, &output, "where to write the comparison ('-': stdout)", "-");
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo compare --db PATH --base RUN [--candidate RUN] "
                        "[--base-model NAME] [--candidate-model NAME] [--threshold X] "
                        "[--fail-on-regression] [--format markdown|json] [-o FILE]",
                        desc, nullptr, &vm, &code))
    return code;
  FinishCompareSelection(vm, &spec);
  if (format != "markdown" && format != "json")
    return ReportError(
        Status::InvalidArgument("--format: '" + format + "' is not markdown or json"));
  if (Status s = ValidateCompareRule(spec); !s.ok()) return ReportError(s);
  auto store = RunStore::OpenReadOnly(db);
  if (!store.ok()) return ReportError(store.status());
  auto cmp = reports::CompareRuns(store->get(), spec);
  if (!cmp.ok()) return ReportError(cmp.status());
  bool self_only = spec.base_run == spec.candidate_run && !cmp->rows.empty();
  for (const auto& r : cmp->rows) self_only = self_only && r.base_model == r.candidate_model;
  if (self_only)
    std::fprintf(stderr,
                 "mnemo: compare: base and candidate are the same run and model; each model is "
                 "compared with itself\n");
  if (fail_on_regression && !allow_partial && !cmp->partial.empty()) {
    std::string why;
    for (const auto& p : cmp->partial) why += "\n  " + p;
    return ReportError(Status::InvalidArgument(
        "compare: refusing to gate (--fail-on-regression) on a partial run:" + why +
        "\nfinish or resume the run, or pass --allow-partial to gate on what it holds"));
  }
  // Before the table, so a CI log shows them even when stdout is redirected.
  for (const auto& w : cmp->warnings) std::fprintf(stderr, "mnemo: warning: %s\n", w.c_str());
  Status written =
      WriteOutput(output, format == "json" ? reports::ComparisonJson(*cmp).dump(2) + "\n"
                                           : reports::ComparisonMarkdown(*cmp));
  if (!written.ok()) return ReportError(written);
  if (cmp->regressions > 0) {
    std::fprintf(stderr, "mnemo: compare: %d significant regression(s) beyond threshold %g\n",
                 cmp->regressions, spec.threshold);
    if (fail_on_regression) return kExitFailure;
  }
  return kExitOk;
}

}  // namespace mnemo
