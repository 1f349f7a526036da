// One number format for metrics in every text output of the CLI (the eval summary, `run`'s
// table, `compare`'s markdown, the audits' tables): lm-eval's make_table writes values and
// standard errors with "%.4f", and so does mnemo. JSON outputs keep full precision.
#ifndef MNEMO_HARNESS_CORE_METRIC_FORMAT_H_
#define MNEMO_HARNESS_CORE_METRIC_FORMAT_H_

#include <optional>
#include <string>

namespace mnemo {

// Decimals of every metric value printed as text.
inline constexpr int kMetricDecimals = 4;

// "0.1235" for 0.12345; "NaN", "inf", "-inf" for non-finite values.
std::string FormatMetric(double v);
// As FormatMetric with a sign: "+0.0100", "-0.0100".
std::string FormatSignedMetric(double v);
// A standard error: FormatMetric, or "N/A" when absent (lm-eval's word).
std::string FormatStderr(const std::optional<double>& v);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_CORE_METRIC_FORMAT_H_
