// The "memorization" job kind: the memorisation audit on every model of a run config.
//   {"kind": "memorization", "name": "canaries", "probes": "canaries.jsonl",
//    "corpus": ["train.jsonl"], "samples": 0, "group_by": ["repeats"], "prefix": 50,
//    "suffix": 50, ...}
// Keys and meanings are those of `mnemo audit memorization` (audits/memorization/audit.h,
// ParseAuditConfig); paths are relative to the config's folder.
#include <cmath>
#include <cstdio>
#include <fstream>

#include "audits/memorization/audit.h"
#include "harness/app/run_job.h"

namespace mnemo {
namespace {

class MemorizationJob : public RunJob {
 public:
  explicit MemorizationJob(memorization::AuditConfig c) : config(std::move(c)) {}
  bool needs_model() const override { return true; }
  Status RunForModel(const RunContext& ctx, OpenedModel* om, const ModelRecord& record,
                     const std::string& model_name, JobOutcome* out) override {
    memorization::AuditConfig c = config;
    c.show_progress = !ctx.quiet;
    memorization::AuditResult r;
    Status st =
        memorization::RunMemorizationAudit(c, om->model.get(), om->instance.get(), ctx.store,
                                           ctx.run_id, record.id, &r, ctx.token_cache);
    out->reused += r.stats.cached;
    out->computed += r.stats.computed;
    if (!r.groups.empty())
      std::fprintf(
          stderr, "mnemo: %s/%s: %zu probes: %zu reused from the run store, %zu computed (%.2fs)\n",
          model_name.c_str(), c.name.c_str(), r.probes.size(), r.stats.cached, r.stats.computed,
          r.stats.seconds);
    for (const auto& g : r.groups) {
      auto se = [&](double p) -> std::optional<double> {
        if (g.n == 0) return std::nullopt;
        return std::sqrt(p * (1 - p) / g.n);
      };
      out->lines.push_back({model_name, "memorization:" + c.name, "exact_rate", g.group,
                            g.exact_rate(), se(g.exact_rate()), g.n});
      out->lines.push_back({model_name, "memorization:" + c.name, "approx_rate", g.group,
                            g.approx_rate(), se(g.approx_rate()), g.n});
    }
    return st;
  }
  memorization::AuditConfig config;
};

}  // namespace

Result<std::unique_ptr<RunJob>> ParseMemorizationJob(const nlohmann::json& job,
                                                     const JobParseContext& ctx) {
  auto c = memorization::ParseAuditConfig(job, ctx.resolve);
  if (!c.ok()) {
    // "<key>: <problem>" -> the config's field path.
    const std::string& m = c.status().message();
    const size_t colon = m.find(": ");
    if (colon == std::string::npos) return ctx.Error("", m);
    return ctx.Error(m.substr(0, colon), m.substr(colon + 2));
  }
  const auto& cfg = c.value();
  if (!cfg.probes_path.empty()) {
    std::ifstream f(cfg.probes_path);
    if (!f) return ctx.Error("probes", "names '" + cfg.probes_path + "', which cannot be read");
    // An empty file would otherwise fail the job only when it starts, after earlier jobs ran.
    // (A compressed file is never empty here; the audit checks its records.)
    std::string line;
    bool any = false;
    while (!any && std::getline(f, line))
      any = line.find_first_not_of(" \t\r") != std::string::npos;
    if (!any)
      return ctx.Error("probes", "names '" + cfg.probes_path + "', which holds no probe records");
  }
  if (!cfg.corpus.paths.empty()) {
    auto files = ExpandCorpusPaths(cfg.corpus.paths);
    if (!files.ok()) return ctx.Error("corpus", files.status().message());
  }
  return std::unique_ptr<RunJob>(std::make_unique<MemorizationJob>(std::move(c).value()));
}

}  // namespace mnemo
