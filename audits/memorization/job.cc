#include "audits/memorization/job.h"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "audits/memorization/corpus_token_cache.h"
#include "datasets/io/corpus_reader.h"

namespace mnemo::memorization {

Status MemorizationJob::Validate(const ValidateContext&) const {
  if (!config_.corpus.paths.empty()) {
    auto files = ExpandCorpusPaths(config_.corpus.paths);
    if (!files.ok()) return files.status();
  }
  return Status::Ok();
}

Status MemorizationJob::CheckModel(const JobModel& model) const {
  // A context that cannot hold P + S is refused before the model's first job.
  return CheckContext(config_, model.opened->model->info());
}

Status MemorizationJob::Shard(const ShardSpec& shard) {
  if (shard.count == 0 || shard.index >= shard.count)
    return Status::InvalidArgument("shard " + std::to_string(shard.index) + "/" +
                                   std::to_string(shard.count) + " is not i/N with 0 <= i < N");
  config_.shard = shard;
  return Status::Ok();
}

Status MemorizationJob::RunForModel(const RunContext& ctx, const JobModel& model, JobOutcome* out) {
  AuditConfig c = config_;
  c.show_progress = !ctx.quiet;
  c.quiet = ctx.quiet;
  c.subject = model.name;
  result_ = AuditResult();
  CorpusTokenCache* cache = ctx.resources ? ctx.resources->Find<CorpusTokenCache>() : nullptr;
  Status st = RunMemorizationAudit(c, model.opened->model.get(), model.opened->instance.get(),
                                   ctx.store, ctx.run_id, model.record.id, &result_, cache);
  out->reused += result_.stats.cached;
  out->computed += result_.stats.computed;
  if (!result_.groups.empty())
    std::fprintf(stderr,
                 "mnemo: %s/%s: %zu probes: %zu reused from the run store, %zu computed, %zu "
                 "failed (%.2fs)\n",
                 model.name.c_str(), c.name.c_str(), result_.probes.size(), result_.stats.cached,
                 result_.stats.computed, result_.failed, result_.stats.seconds);
  Summarise(model.name, out);
  return st;
}

void MemorizationJob::Summarise(const std::string& model_name, JobOutcome* out) const {
  for (const auto& g : result_.groups) {
    auto se = [&](double p) -> std::optional<double> {
      if (g.n == 0) return std::nullopt;
      return std::sqrt(p * (1 - p) / g.n);
    };
    out->lines.push_back({model_name, "memorization:" + config_.name, "exact_rate", g.group,
                          g.exact_rate(), se(g.exact_rate()), g.n});
    out->lines.push_back({model_name, "memorization:" + config_.name, "approx_rate", g.group,
                          g.approx_rate(), se(g.approx_rate()), g.n});
  }
}

Result<std::unique_ptr<JobDriver>> ParseMemorizationJob(const nlohmann::json& job,
                                                        const JobParseContext& ctx) {
  // "shard" says where the job runs, not what it computes: not an audit option.
  std::optional<ShardSpec> shard;
  nlohmann::json options = job;
  if (options.is_object() && options.contains("shard")) {
    auto spec = options["shard"].is_string() ? ParseShardSpec(options["shard"].get<std::string>())
                                             : Result<ShardSpec>(Status::InvalidArgument(""));
    if (!spec.ok()) return ctx.Error("shard", "must be \"i/N\" with 0 <= i < N, e.g. \"0/4\"");
    shard = *spec;
    options.erase("shard");
  }
  auto c = ParseAuditConfig(options, ctx.resolve);
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
  auto out = std::make_unique<MemorizationJob>(std::move(c).value());
  if (shard) MNEMO_RETURN_IF_ERROR(out->Shard(*shard));
  return std::unique_ptr<JobDriver>(std::move(out));
}

}  // namespace mnemo::memorization
