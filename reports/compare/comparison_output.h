// A comparison as markdown (for CI logs and pull requests) and as JSON (for tools).
#ifndef MNEMO_REPORTS_COMPARE_COMPARISON_OUTPUT_H_
#define MNEMO_REPORTS_COMPARE_COMPARISON_OUTPUT_H_

#include <string>

#include <nlohmann/json.hpp>

#include "reports/compare/comparison.h"

namespace mnemo::reports {

std::string ComparisonMarkdown(const Comparison& c);
nlohmann::json ComparisonJson(const Comparison& c);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_COMPARE_COMPARISON_OUTPUT_H_
