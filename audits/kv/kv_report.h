// `mnemo kv`'s output: the model's KV footprint at several contexts and KV types, its weights,
// and the what-if layouts, as JSON (every number, for the report's memory table and chart) and
// as text tables.
#ifndef MNEMO_AUDITS_KV_KV_REPORT_H_
#define MNEMO_AUDITS_KV_KV_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/kv/kv_budget.h"

namespace mnemo {
namespace kv {

struct KvReportOptions {
  std::vector<uint32_t> contexts = {4096, 32768, 131072};
  std::vector<KvType> types;  // empty: f16, q8_0, q4_0
  KvOptions kv;
  // What-if layouts: local:global ratios (sliding layers per global one) and windows.
  std::vector<uint32_t> ratios = {1, 2, 3, 4, 5, 6, 7};
  std::vector<uint32_t> windows = {512, 1024, 2048, 4096};
};

struct WhatIf {
  uint32_t local_per_global = 0;  // 0: all layers global
  uint32_t window = 0;
  uint32_t n_ctx = 0;  // as requested
  std::string kv_type;
  uint64_t total_bytes = 0;
};

struct KvReport {
  ModelSpec spec;
  KvReportOptions options;
  std::vector<KvBudget> budgets;  // the model as it is: contexts x types (types outer)
  std::vector<WhatIf> what_if;    // all-global first, then ratio x window, for each type and ctx
};

// InvalidArgument when a context or window is 0 or over 2^30, sequences are not 1 to 256, or a
// type cannot hold the model's head dimensions.
Result<KvReport> BuildKvReport(const ModelSpec& spec, KvReportOptions options);

nlohmann::ordered_json KvReportJson(const KvReport& report);
std::string KvReportText(const KvReport& report);

// "1.50 GiB", "12.25 MiB", "768 B".
std::string FormatBytes(uint64_t bytes);

}  // namespace kv
}  // namespace mnemo

#endif  // MNEMO_AUDITS_KV_KV_REPORT_H_
