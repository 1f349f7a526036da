#include "reports/compare/comparison_output.h"

#include <cmath>

#include <fmt/format.h>

#include "harness/core/metric_format.h"

namespace mnemo::reports {
namespace {

// The CLI's one number format for metrics (harness/core/metric_format.h).
std::string Num(double v) {
  return FormatMetric(v);
}

std::string Signed(double v) {
  return FormatSignedMetric(v);
}

std::string PValue(const PairedTestResult& t) {
  if (t.method == "none") return "–";
  if (t.p_value < 1e-4) return fmt::format("{:.1e}", t.p_value);
  return fmt::format("{:.4f}", t.p_value);
}

// Markdown table cells: no pipes or newlines from model or task names.
std::string Cell(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|')
      out += "\\|";
    else if (ch == '\n' || ch == '\r')
      out += ' ';
    else
      out += ch;
  }
  return out;
}

nlohmann::json OptNum(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return *v;
}

nlohmann::json Finite(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

}  // namespace

std::string ComparisonMarkdown(const Comparison& c) {
  std::string out;
  out +=
      fmt::format("## mnemo compare: run {} vs run {}\n\n", c.spec.base_run, c.spec.candidate_run);
  out += fmt::format(
      "Delta = candidate − base. Regression: worse beyond threshold {} and p < {} (paired test "
      "on shared documents).\n\n",
      c.spec.threshold, c.spec.alpha);
  for (const auto& w : c.warnings) out += "> **warning**: " + Cell(w) + "\n\n";
  out +=
      "| base | candidate | task | metric | filter | base | candidate | delta | 95% CI (paired) | "
      "test | p | n | verdict |\n";
  out += "|---|---|---|---|---|---:|---:|---:|---|---|---:|---:|---|\n";
  for (const auto& r : c.rows) {
    std::string arrow = r.higher_is_better ? "↑" : "↓";
    std::string verdict = r.regression    ? "**REGRESSION**"
                          : r.improvement ? "improved"
                          : r.significant ? "significant, within threshold"
                          : r.measured    ? "measured, not gated"
                                          : "";
    std::string ci = r.test.method == "none" || !std::isfinite(r.test.ci_low)
                         ? "–"
                         : fmt::format("[{}, {}]", Signed(r.test.ci_low), Signed(r.test.ci_high));
    out += fmt::format("| {} | {} | {} | {} {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                       Cell(r.base_model), Cell(r.candidate_model), Cell(r.task), Cell(r.metric),
                       arrow, Cell(r.filter), Num(r.base_value), Num(r.candidate_value),
                       Signed(r.delta), ci, r.test.method, PValue(r.test), r.test.n, verdict);
  }
  out += fmt::format("\n{} regression(s), {} improvement(s) over {} metric(s).\n", c.regressions,
                     c.improvements, c.rows.size());
  for (const auto& n : c.notes) out += "- note: " + Cell(n) + "\n";
  return out;
}

nlohmann::json ComparisonJson(const Comparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : c.rows) {
    nlohmann::json test = {
        {"method", r.test.method},
        {"p_value", r.test.method == "none" ? nlohmann::json(nullptr) : Finite(r.test.p_value)},
        {"delta", Finite(r.test.delta)},
        {"ci_low", Finite(r.test.ci_low)},
        {"ci_high", Finite(r.test.ci_high)},
        {"n", r.test.n}};
    if (r.test.method.rfind("mcnemar", 0) == 0) {
      test["base_only"] = r.test.base_only;
      test["candidate_only"] = r.test.candidate_only;
    }
    rows.push_back({{"base_model", r.base_model},
                    {"candidate_model", r.candidate_model},
                    {"task", r.task},
                    {"metric", r.metric},
                    {"filter", r.filter},
                    {"base", Finite(r.base_value)},
                    {"candidate", Finite(r.candidate_value)},
                    {"delta", Finite(r.delta)},
                    {"base_stderr", OptNum(r.base_stderr)},
                    {"candidate_stderr", OptNum(r.candidate_stderr)},
                    {"higher_is_better", r.higher_is_better},
                    {"test", test},
                    {"significant", r.significant},
                    {"measured", r.measured},
                    {"regression", r.regression},
                    {"improvement", r.improvement}});
  }
  return {{"base_run", c.spec.base_run},
          {"candidate_run", c.spec.candidate_run},
          {"base_model", c.spec.base_model},
          {"candidate_model", c.spec.candidate_model},
          {"threshold", c.spec.threshold},
          {"alpha", c.spec.alpha},
          {"bootstrap_iterations", c.spec.bootstrap.iterations},
          {"bootstrap_seed", c.spec.bootstrap.seed},
          {"rows", rows},
          {"regressions", c.regressions},
          {"improvements", c.improvements},
          {"notes", c.notes},
          {"warnings", c.warnings}};
}

}  // namespace mnemo::reports
