// The self-contained HTML report: run metadata, benchmarks (table with stderr and 95%
// intervals, grouped bars), the comparison of two models or checkpoints, memorisation,
// PII, decontamination, other audit metrics and a sortable, filterable per-sample table.
// One file: inline CSS, SVG and script, no network (a Content-Security-Policy forbids it).
//
// Every string from the store is HTML-escaped. Numeric cells carry the exact value in
// data-value (17 significant digits) beside the rounded text.
#ifndef MNEMO_REPORTS_HTML_HTML_REPORT_H_
#define MNEMO_REPORTS_HTML_HTML_REPORT_H_

#include <string>

#include "harness/core/status.h"
#include "reports/compare/comparison.h"
#include "reports/model/report_model.h"

namespace mnemo::reports {

// `comparison` may be null (no comparison section).
std::string RenderHtmlReport(const ReportModel& model, const Comparison* comparison);

// Writes the page to `path` (atomically: a temporary file renamed into place).
Status WriteHtmlReport(const std::string& path, const ReportModel& model,
                       const Comparison* comparison);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_HTML_HTML_REPORT_H_
