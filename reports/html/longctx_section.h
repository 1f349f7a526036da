// The report's long-context sections (issue 20): RULER-style accuracy (a heat map of length x
// depth per model, accuracy per task and length, the effective length, the measured cost per
// length), perplexity by position, and the memory table and memory-vs-context chart from the
// KV report a job stored. Each renders nothing when the model has no such job. Every number
// shown carries its exact value in data-value.
#ifndef MNEMO_REPORTS_HTML_LONGCTX_SECTION_H_
#define MNEMO_REPORTS_HTML_LONGCTX_SECTION_H_

#include <string>

#include "reports/model/report_model.h"

namespace mnemo::reports {

void LongContextSection(const ReportModel& m, std::string* out);
void PerplexitySection(const ReportModel& m, std::string* out);
void MemorySection(const ReportModel& m, std::string* out);

// The heat map's background for an accuracy in percent: red (0) to green (100), light enough
// for black text.
std::string HeatColour(double percent);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_HTML_LONGCTX_SECTION_H_
