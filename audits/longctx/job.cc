#include "audits/longctx/job.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "harness/core/sha256.h"
#include "tasks/longctx/sources.h"
#ifdef MNEMO_HAVE_KV_AUDIT
#include "audits/kv/kv_budget.h"
#include "audits/kv/kv_report.h"
#endif

namespace mnemo::longctx {
namespace {

// "50", "12.5": a depth as a filter and doc id show it.
std::string DepthText(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

std::string LengthFilter(size_t length) {
  return "length=" + std::to_string(length);
}

// The llamacpp backend's cache (backends/llamacpp/decoder.cc): f16 unless extra_json says
// "kv_type": "f32"; kv_size cells (default 8192) but at least the context; one unified stream;
// swa_full; flash attention on unless extra_json says "off" (deterministic forces it on, and
// adds a pad cell).
struct BackendKv {
  std::string type = "f16";
  uint32_t pool_cells = 8192;
  uint32_t n_seq = 32;
  bool flash_attn = true;
};

BackendKv LlamacppKv(const ModelOptions& mo, uint32_t n_ctx) {
  BackendKv kv;
  bool deterministic = mo.deterministic;
  uint32_t kv_size = 0;
  nlohmann::json extra = nlohmann::json::parse(mo.extra_json.empty() ? "{}" : mo.extra_json,
                                               nullptr, /*allow_exceptions=*/false);
  if (extra.is_object()) {
    if (extra.value("kv_type", std::string()) == "f32") kv.type = "f32";
    if (extra.contains("kv_size") && extra["kv_size"].is_number_unsigned())
      kv_size = extra["kv_size"].get<uint32_t>();
    if (extra.value("flash_attn", std::string()) == "off") kv.flash_attn = false;
    if (extra.contains("deterministic") && extra["deterministic"].is_boolean())
      deterministic = deterministic || extra["deterministic"].get<bool>();
  }
  if (deterministic) kv.flash_attn = true;
  kv.pool_cells = std::max(kv_size != 0 ? kv_size : 8192u, n_ctx) + (deterministic ? 1 : 0);
  kv.n_seq = (mo.n_seq != 0 ? mo.n_seq : 32) + (deterministic ? 2 : 0);
  return kv;
}

// KV bytes at `n_ctx` for the cache `kv` describes; nullopt without the KV audit.
Result<std::optional<uint64_t>> KvBytesAt(const std::string& gguf, const BackendKv& kv,
                                          uint32_t n_ctx) {
#ifdef MNEMO_HAVE_KV_AUDIT
  static std::map<std::string, kv::ModelSpec> specs;  // one read per file per process
  auto it = specs.find(gguf);
  if (it == specs.end()) {
    auto spec = kv::ReadModelSpec(gguf);
    if (!spec.ok()) return spec.status();
    it = specs.emplace(gguf, std::move(spec).value()).first;
  }
  auto type = kv::ParseKvType(kv.type);
  if (!type.ok()) return type.status();
  kv::KvOptions o;
  o.n_seq_max = kv.n_seq;
  o.kv_unified = true;
  o.swa_full = true;
  o.flash_attn = kv.flash_attn;
  auto budget = kv::ComputeKv(it->second, n_ctx, *type, *type, o);
  if (!budget.ok()) return budget.status();
  return std::optional<uint64_t>(budget->total_bytes);
#else
  (void)gguf;
  (void)kv;
  (void)n_ctx;
  return std::optional<uint64_t>();
#endif
}

// `mnemo kv`'s report of the model at the job's lengths (llama-server's cache defaults; f16,
// q8_0, q4_0; what-if windows: the model's own and 1024), stored in the job config so the HTML
// report shows the memory table without reading the GGUF. Null without the KV audit.
Result<nlohmann::json> KvReportAt(const std::string& gguf, const std::vector<size_t>& lengths) {
#ifdef MNEMO_HAVE_KV_AUDIT
  auto spec = kv::ReadModelSpec(gguf);
  if (!spec.ok()) return spec.status();
  kv::KvReportOptions o;
  o.contexts.clear();
  for (size_t l : lengths) o.contexts.push_back(static_cast<uint32_t>(l));
  o.windows = {1024};
  if (spec->n_swa > 0 && spec->n_swa != 1024) o.windows.insert(o.windows.begin(), spec->n_swa);
  auto report = kv::BuildKvReport(*spec, o);
  if (!report.ok()) return report.status();
  return nlohmann::json(kv::KvReportJson(*report));
#else
  (void)gguf;
  (void)lengths;
  return nlohmann::json();
#endif
}

// Mean and standard error of the mean of scores in [0, 1], as percent.
std::pair<double, std::optional<double>> PercentMean(const std::vector<double>& xs) {
  if (xs.empty()) return {0.0, std::nullopt};
  double sum = 0;
  for (double x : xs) sum += x;
  const double mean = sum / static_cast<double>(xs.size());
  if (xs.size() < 2) return {mean * 100.0, std::nullopt};
  double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(xs.size() - 1));
  return {mean * 100.0, sd / std::sqrt(static_cast<double>(xs.size())) * 100.0};
}

}  // namespace

std::vector<std::string> DefaultLongContextTasks() {
  return {"niah_single_1", "niah_multikey_1", "vt", "cwe", "fwe"};
}

Status LongContextConfig::Validate() const {
  if (tasks.empty()) return Status::InvalidArgument("tasks: must name at least one RULER task");
  for (const auto& t : tasks) {
    auto task = RulerTaskByName(t);
    if (!task.ok()) return Status::InvalidArgument("tasks: " + task.status().message());
    if (task->family == RulerFamily::kQa && qa.empty())
      return Status::InvalidArgument("qa: task '" + t + "' needs a QA file (--qa FILE.jsonl)");
  }
  if (lengths.empty()) return Status::InvalidArgument("lengths: must list at least one length");
  for (size_t l : lengths)
    if (l == 0) return Status::InvalidArgument("lengths: must be positive token counts");
  if (depths.empty()) return Status::InvalidArgument("depths: must list at least one depth");
  for (double d : depths)
    if (!(d >= 0 && d <= 100))
      return Status::InvalidArgument("depths: " + DepthText(d) + " is not a percent in 0..100");
  if (samples == 0) return Status::InvalidArgument("samples: must be at least 1");
  if (haystack.empty()) return Status::InvalidArgument("haystack: a JSONL corpus is required");
  if (!(threshold >= 0 && threshold <= 100))
    return Status::InvalidArgument("threshold: must be a percent in 0..100");
  if (max_batch == 0) return Status::InvalidArgument("max_batch: must be at least 1");
  return Status::Ok();
}

nlohmann::json LongContextConfig::ToJson() const {
  nlohmann::json j = {{"name", name},           {"tasks", tasks},
                      {"lengths", lengths},     {"depths", depths},
                      {"samples", samples},     {"seed", seed},
                      {"haystack", haystack},   {"haystack_field", haystack_field},
                      {"threshold", threshold}, {"max_batch", max_batch}};
  if (!qa.empty()) j["qa"] = qa;
  return j;
}

Result<LongContextConfig> ParseLongContextConfig(
    const nlohmann::json& j, const std::function<std::string(const std::string&)>& resolve) {
  LongContextConfig c;
  if (!j.is_object()) return Status::InvalidArgument(": must be an object");
  auto str = [&](const char* key, std::string* out, bool path) -> Status {
    if (!j.contains(key)) return Status::Ok();
    if (!j[key].is_string() || j[key].get<std::string>().empty())
      return Status::InvalidArgument(std::string(key) + ": must be a non-empty string");
    *out = path && resolve ? resolve(j[key].get<std::string>()) : j[key].get<std::string>();
    return Status::Ok();
  };
  auto uint = [&](const char* key, uint64_t* out) -> Status {
    if (!j.contains(key)) return Status::Ok();
    // Built in C++ a positive literal is a signed integer; parsed from a file, an unsigned one.
    if (!j[key].is_number_integer() || j[key].get<int64_t>() < 0)
      return Status::InvalidArgument(std::string(key) + ": must be a non-negative integer");
    *out = j[key].get<uint64_t>();
    return Status::Ok();
  };
  MNEMO_RETURN_IF_ERROR(str("name", &c.name, false));
  MNEMO_RETURN_IF_ERROR(str("haystack", &c.haystack, true));
  MNEMO_RETURN_IF_ERROR(str("haystack_field", &c.haystack_field, false));
  MNEMO_RETURN_IF_ERROR(str("qa", &c.qa, true));
  if (j.contains("tasks")) {
    const auto& t = j["tasks"];
    if (!t.is_array() || t.empty())
      return Status::InvalidArgument("tasks: must be a non-empty list of RULER task names");
    c.tasks.clear();
    for (const auto& n : t) {
      if (!n.is_string()) return Status::InvalidArgument("tasks: must contain only names");
      c.tasks.push_back(n.get<std::string>());
    }
  }
  if (j.contains("lengths")) {
    if (!j["lengths"].is_array())
      return Status::InvalidArgument("lengths: must be a list of token counts");
    for (const auto& l : j["lengths"]) {
      if (!l.is_number_integer() || l.get<int64_t>() <= 0)
        return Status::InvalidArgument("lengths: must be positive integers");
      c.lengths.push_back(l.get<size_t>());
    }
  }
  if (j.contains("depths")) {
    if (!j["depths"].is_array()) return Status::InvalidArgument("depths: must be a list");
    c.depths.clear();
    for (const auto& d : j["depths"]) {
      if (!d.is_number()) return Status::InvalidArgument("depths: must be numbers (percent)");
      c.depths.push_back(d.get<double>());
    }
  }
  uint64_t samples = c.samples, max_batch = c.max_batch;
  MNEMO_RETURN_IF_ERROR(uint("samples", &samples));
  MNEMO_RETURN_IF_ERROR(uint("seed", &c.seed));
  MNEMO_RETURN_IF_ERROR(uint("max_batch", &max_batch));
  c.samples = static_cast<size_t>(samples);
  c.max_batch = static_cast<size_t>(max_batch);
  if (j.contains("threshold")) {
    if (!j["threshold"].is_number()) return Status::InvalidArgument("threshold: must be a percent");
    c.threshold = j["threshold"].get<double>();
  }
  std::sort(c.lengths.begin(), c.lengths.end());
  c.lengths.erase(std::unique(c.lengths.begin(), c.lengths.end()), c.lengths.end());
  MNEMO_RETURN_IF_ERROR(c.Validate());
  return c;
}

std::string LongContextSample::DocId() const {
  std::string id = "task=" + task + ",length=" + std::to_string(length);
  if (depth) id += ",depth=" + DepthText(*depth);
  return id + ",index=" + std::to_string(index);
}

nlohmann::json LongContextSample::ToJson() const {
  auto opt = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  nlohmann::json j = {{"task", task},
                      {"metric", RulerMetricName(metric)},
                      {"length", length},
                      {"depth", opt(depth)},
                      {"depth_actual", opt(depth_actual)},
                      {"index", index},
                      {"prompt_tokens", prompt_tokens},
                      {"tokens_to_generate", tokens_to_generate},
                      {"prompt_sha256", prompt_sha256},
                      {"outputs", outputs},
                      {"prediction", prediction},
                      {"finish_reason", finish_reason},
                      {"score", score},
                      // compare reads a sample's metric values by name and its filter.
                      {"filter", "task=" + task + "," + LengthFilter(length)},
                      {"accuracy", score * 100.0}};
  if (failed) j["error"] = error;
  return j;
}

nlohmann::json LengthMeasure::ToJson() const {
  return {{"length", length},
          {"requests", requests},
          {"computed", computed},
          {"cached", cached},
          {"computed_tokens", computed_tokens},
          {"seconds", seconds},
          {"tokens_per_second",
           tokens_per_second ? nlohmann::json(*tokens_per_second) : nlohmann::json(nullptr)},
          {"peak_rss_bytes", peak_rss_bytes},
          {"rss_source", rss_source},
          {"kv_bytes", kv_bytes ? nlohmann::json(*kv_bytes) : nlohmann::json(nullptr)}};
}

bool ResetPeakRss() {
  std::ofstream f("/proc/self/clear_refs");
  if (!f) return false;
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

PeakRss ReadPeakRss(bool was_reset) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (f && std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    const unsigned long long kb = std::strtoull(line.c_str() + 6, nullptr, 10);
    return {kb * 1024, was_reset ? "VmHWM since this length began (/proc/self/clear_refs reset)"
                                 : "VmHWM: the process's peak (reset refused)"};
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return {static_cast<uint64_t>(ru.ru_maxrss) * 1024, "getrusage ru_maxrss: the process's peak"};
}

std::vector<MetricRecord> RulerMetrics(const LongContextResult& result, double threshold) {
  std::vector<MetricRecord> out;
  std::map<std::pair<std::string, size_t>, std::vector<double>> by_task;
  std::map<std::pair<size_t, double>, std::vector<double>> by_depth;
  for (const auto& s : result.samples) {
    if (s.failed) continue;
    by_task[{s.task, s.length}].push_back(s.score);
    if (s.depth) by_depth[{s.length, *s.depth}].push_back(s.score);
  }
  for (const auto& [key, xs] : by_task) {
    auto [m, se] = PercentMean(xs);
    out.push_back({"accuracy", "task=" + key.first + "," + LengthFilter(key.second), m, se,
                   static_cast<int64_t>(xs.size()), true});
  }
  for (const auto& [key, xs] : by_depth) {
    auto [m, se] = PercentMean(xs);
    out.push_back({"accuracy", LengthFilter(key.first) + ",depth=" + DepthText(key.second), m, se,
                   static_cast<int64_t>(xs.size()), true});
  }
  for (const auto& [length, avg] : result.summary.by_length) {
    int64_t n = 0;
    for (const auto& [key, xs] : by_task)
      if (key.second == length) n += static_cast<int64_t>(xs.size());
    out.push_back({"ruler_average", LengthFilter(length), avg, std::nullopt, n, true});
  }
  out.push_back({"effective_length", "threshold=" + DepthText(threshold),
                 static_cast<double>(result.summary.effective_length), std::nullopt,
                 static_cast<int64_t>(result.summary.by_length.size()), true});
  for (const auto& m : result.measures) {
    out.push_back({"peak_rss_bytes", LengthFilter(m.length), static_cast<double>(m.peak_rss_bytes),
                   std::nullopt, static_cast<int64_t>(m.requests), false});
    if (m.tokens_per_second)
      out.push_back({"tokens_per_second", LengthFilter(m.length), *m.tokens_per_second,
                     std::nullopt, static_cast<int64_t>(m.computed), true});
    if (m.kv_bytes)
      out.push_back({"kv_bytes", LengthFilter(m.length), static_cast<double>(*m.kv_bytes),
                     std::nullopt, static_cast<int64_t>(m.requests), false});
  }
  return out;
}

nlohmann::json LongContextJson(const LongContextConfig& config, const LongContextResult& result,
                               const std::string& model_name) {
  nlohmann::json summary = result.summary.ToJson();
  std::set<size_t> lengths;
  std::set<double> depths;
  for (const auto& s : result.samples) {
    lengths.insert(s.length);
    if (s.depth) depths.insert(*s.depth);
  }
  summary["lengths"] = lengths;
  summary["depths"] = depths;
  nlohmann::json measured = nlohmann::json::array();
  for (const auto& m : result.measures) measured.push_back(m.ToJson());
  return {{"job", config.name},
          {"job_id", result.job_id},
          {"model", model_name},
          {"config", config.ToJson()},
          {"summary", summary},
          {"measured", measured},
          {"kv", result.kv},
          {"requests",
           {{"total", result.stats.total},
            {"cached", result.stats.cached},
            {"computed", result.stats.computed},
            {"seconds", result.stats.seconds}}},
          {"failed", result.failed}};
}

Status LongContextJob::Validate(const ValidateContext&) const {
  MNEMO_RETURN_IF_ERROR(config_.Validate());
  for (const std::string* path : {&config_.haystack, &config_.qa}) {
    if (path->empty()) continue;
    std::ifstream f(*path);
    if (!f)
      return Status::NotFound("long_context job '" + config_.name + "': '" + *path +
                              "' cannot be read");
  }
  return Status::Ok();
}

Status LongContextJob::CheckModel(const JobModel& model) const {
  const ModelInfo& info = model.opened->model->info();
  const uint32_t n_ctx = info.n_ctx;
  if (n_ctx == 0) return Status::Ok();
  std::string over;
  for (size_t l : config_.lengths)
    if (l > n_ctx) over += (over.empty() ? "" : ", ") + std::to_string(l);
  if (over.empty()) return Status::Ok();
  // The llamacpp backend opens at most the training context, whatever --ctx asks.
  const bool at_train = info.n_ctx_train != 0 && n_ctx >= info.n_ctx_train;
  return Status::InvalidArgument(
      "long_context job '" + config_.name + "': length " + over +
      " exceeds the model's context of " + std::to_string(n_ctx) + " tokens" +
      (at_train ? " (its training context, the most the backend opens)" : "") +
      "; prompt + tokens_to_generate must fit and prompts are never truncated, so nothing was "
      "run: drop the length" +
      (at_train ? std::string() : std::string(" or open the model with a larger --ctx")));
}

Status LongContextJob::RunForModel(const RunContext& ctx, const JobModel& model, JobOutcome* out) {
  result_ = LongContextResult();
  MNEMO_RETURN_IF_ERROR(Validate(ValidateContext{}));
  MNEMO_RETURN_IF_ERROR(CheckModel(model));
  Model* m = model.opened->model.get();
  const ModelInfo& info = m->info();
  auto corpus = HaystackCorpus::FromJsonl(config_.haystack, config_.haystack_field);
  if (!corpus.ok()) return corpus.status();
  if (corpus->words.empty())
    return Status::InvalidArgument("haystack '" + config_.haystack + "' has no text in field '" +
                                   config_.haystack_field + "'");
  std::optional<QaSet> qa;
  if (!config_.qa.empty()) {
    auto q = QaSet::FromJsonl(config_.qa);
    if (!q.ok()) return q.status();
    qa = std::move(q).value();
  }
  const RulerSources sources{&*corpus, qa ? &*qa : nullptr};
  // The generator counts with the tokens the request will carry: the model's BOS rule included.
  Status count_error = Status::Ok();
  const TokenCounter count = [&](const std::string& s) -> size_t {
    auto t = m->Tokenize(s, /*add_special=*/true);
    if (t.ok()) return t->size();
    if (count_error.ok()) count_error = t.status();
    return SIZE_MAX / 4;  // never fits: the search stops, the error is returned below
  };
  const bool llamacpp = model.record.backend == "llamacpp";
  BackendKv bkv;
  if (llamacpp) {
    bkv = LlamacppKv(ctx.model_options, info.n_ctx);
    // The KV numbers describe the run; a GGUF the KV audit cannot read does not stop it.
    auto pool = KvBytesAt(model.record.path, bkv, bkv.pool_cells);
    if (!pool.ok()) {
      result_.kv = {{"error", pool.status().message()}};
    } else if (*pool) {
      result_.kv = {{"type", bkv.type},
                    {"pool_cells", bkv.pool_cells},
                    {"pool_bytes", **pool},
                    {"unified", true},
                    {"swa_full", true},
                    {"flash_attn", bkv.flash_attn},
                    {"source", "audits/kv (kv_budget) for the llamacpp backend's cache"}};
    }
  }
  const bool with_kv = result_.kv.contains("pool_bytes");

  JobRecord job;
  RunStore* store = ctx.store;
  auto fail_job = [&](const Status& s) {
    if (store != nullptr && job.id != 0) (void)store->FinishJob(job.id, "failed", 0, 0);
    return s;
  };
  std::vector<RulerTask> tasks;
  for (const auto& name : config_.tasks) {
    auto t = RulerTaskByName(name);
    if (!t.ok()) return fail_job(t.status());
    tasks.push_back(std::move(t).value());
  }
  const std::string cache_identity = info.CacheIdentity();
  std::vector<RulerScored> scored;
  bool interrupted = false;
  // Every prompt of every length first: a length the generator or the context refuses fails
  // the job before any request, and each length's timing covers its requests only.
  struct Pending {
    size_t length = 0;
    std::vector<LongContextSample> cell;
    std::vector<Request> requests;
  };
  std::vector<Pending> pending;
  for (size_t length : config_.lengths) {
    if (StopRequested()) return fail_job(Status::Cancelled("stopped while generating prompts"));
    pending.push_back(Pending{length, {}, {}});
    std::vector<LongContextSample>& cell = pending.back().cell;
    std::vector<Request>& requests = pending.back().requests;
    for (const RulerTask& task : tasks) {
      std::vector<std::optional<double>> depths;
      if (task.has_depth()) {
        for (double d : config_.depths) depths.push_back(d);
      } else {
        depths.push_back(std::nullopt);
      }
      for (const auto& depth : depths) {
        for (size_t i = 0; i < config_.samples; ++i) {
          RulerRequest rr;
          rr.length_target = length;
          rr.depth = depth;
          rr.seed = config_.seed;
          rr.index = i;
          rr.context_length = info.n_ctx;
          auto smp = GenerateRulerSample(task, sources, rr, count);
          if (!count_error.ok()) return fail_job(count_error);
          if (!smp.ok())
            return fail_job(Status(smp.status().code(), task.name + " at length " +
                                                            std::to_string(length) + ": " +
                                                            smp.status().message()));
          const std::string prompt = smp->input + smp->answer_prefix;
          auto tokens = m->Tokenize(prompt, /*add_special=*/true);
          if (!tokens.ok()) return fail_job(tokens.status());
          Status fits = CheckPromptFits(tokens->size(), smp->tokens_to_generate, info.n_ctx);
          if (!fits.ok())
            return fail_job(Status(fits.code(), task.name + " at length " + std::to_string(length) +
                                                    ": " + fits.message()));
          LongContextSample s;
          s.task = task.name;
          s.metric = smp->metric;
          s.length = length;
          s.depth = depth;
          s.depth_actual = smp->depth_actual;
          s.index = i;
          s.prompt_tokens = tokens->size();
          s.tokens_to_generate = smp->tokens_to_generate;
          s.prompt_sha256 = Sha256Hex(prompt);
          s.outputs = smp->outputs;
          cell.push_back(std::move(s));
          Request r;
          r.kind = MN_REQ_GENERATE;
          r.context = std::move(tokens).value();
          r.gen.max_tokens = static_cast<uint32_t>(smp->tokens_to_generate);
          r.gen.greedy = true;
          r.gen.stop_at_eos = true;
          requests.push_back(std::move(r));
        }
      }
    }
  }
  job.run_id = ctx.run_id;
  job.model_id = model.record.id;
  job.kind = "long_context";
  job.name = config_.name;
  job.config = config_.ToJson();
  job.config["model_name"] = model.name;
  job.config["n_ctx"] = info.n_ctx;
  if (!result_.kv.is_null()) job.config["kv"] = result_.kv;
  if (llamacpp) {
    // Like the KV numbers, a GGUF the KV audit cannot read leaves the report without its table.
    auto report = KvReportAt(model.record.path, config_.lengths);
    if (report.ok() && !report->is_null()) job.config["kv_report"] = std::move(report).value();
  }
  if (store != nullptr) {
    MNEMO_RETURN_IF_ERROR(store->BeginJob(&job));
    result_.job_id = job.id;
  }
  for (Pending& p : pending) {
    if (StopRequested()) {
      interrupted = true;
      break;
    }
    const size_t length = p.length;
    std::vector<LongContextSample>& cell = p.cell;
    const std::vector<Request>& requests = p.requests;
    // Which requests the store already answers: tokens/s counts only the computed ones.
    std::vector<bool> was_cached(requests.size(), false);
    if (store != nullptr) {
      std::vector<std::string> keys;
      for (const auto& r : requests) keys.push_back(r.CacheKey(cache_identity));
      std::vector<std::optional<Response>> hits;
      if (store->LookupResponses(keys, &hits).ok())
        for (size_t i = 0; i < hits.size() && i < was_cached.size(); ++i)
          was_cached[i] = hits[i].has_value();
    }
    SchedulerOptions so;
    so.max_batch = config_.max_batch;
    so.max_batch_tokens = std::max<size_t>(16384, length);
    so.show_progress = config_.show_progress && !ctx.quiet;
    so.label = config_.name + ": length " + std::to_string(length);
    Scheduler scheduler({model.opened->instance.get()}, store, cache_identity, so);
    std::vector<Response> responses;
    RunStats stats;
    const bool reset = ResetPeakRss();
    const auto t0 = std::chrono::steady_clock::now();
    Status st = scheduler.Run(requests, &responses, &stats);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const PeakRss rss = ReadPeakRss(reset);
    if (!st.ok()) return fail_job(st);
    result_.stats.total += stats.total;
    result_.stats.cached += stats.cached;
    result_.stats.computed += stats.computed;
    result_.stats.failed += stats.failed;
    result_.stats.cancelled += stats.cancelled;
    result_.stats.seconds += stats.seconds;
    LengthMeasure lm;
    lm.length = length;
    lm.requests = requests.size();
    lm.cached = stats.cached;
    lm.computed = stats.computed;
    lm.seconds = seconds;
    lm.peak_rss_bytes = rss.bytes;
    lm.rss_source = rss.source;
    for (size_t i = 0; i < cell.size(); ++i) {
      LongContextSample& s = cell[i];
      const Response& r = responses[i];
      if (r.status == MN_ERR_CANCELLED) continue;
      if (!r.ok()) {
        s.failed = true;
        s.error = r.error;
        ++result_.failed;
        continue;
      }
      if (!was_cached[i]) lm.computed_tokens += requests[i].context.size() + r.tokens.size();
      s.prediction = r.text;
      s.finish_reason = r.finish_reason;
      s.score = ScoreRulerPrediction(s.metric, r.text, s.outputs);
      scored.push_back({s.task, s.length, s.depth, s.score});
    }
    if (stats.computed > 0 && seconds > 0)
      lm.tokens_per_second = static_cast<double>(lm.computed_tokens) / seconds;
    if (with_kv) {
      auto kvb = KvBytesAt(model.record.path, bkv, static_cast<uint32_t>(length));
      if (kvb.ok()) lm.kv_bytes = *kvb;
    }
    if (config_.show_progress && !ctx.quiet)
      std::fprintf(stderr,
                   "mnemo: %s/%s: length %zu: %zu requests (%zu reused, %zu computed), %.2fs\n",
                   model.name.c_str(), config_.name.c_str(), length, lm.requests, lm.cached,
                   lm.computed, seconds);
    result_.measures.push_back(std::move(lm));
    for (size_t i = 0; i < cell.size(); ++i)  // a request a stop left unsent is no result
      if (responses[i].status != MN_ERR_CANCELLED) result_.samples.push_back(std::move(cell[i]));
    if (stats.interrupted) {
      interrupted = true;
      break;
    }
  }
  result_.summary = SummarizeRuler(scored, config_.threshold);
  out->reused += result_.stats.cached;
  out->computed += result_.stats.computed;
  if (store != nullptr) {
    std::vector<SampleRecord> rows;
    for (size_t i = 0; i < result_.samples.size(); ++i) {
      const auto& s = result_.samples[i];
      rows.push_back({s.DocId(), static_cast<int64_t>(i), s.ToJson()});
    }
    const std::string status = interrupted          ? "interrupted"
                               : result_.failed > 0 ? "incomplete"
                                                    : "finished";
    MNEMO_RETURN_IF_ERROR(store->Begin());
    Status w = store->PutSamples(job.id, rows);
    if (w.ok()) w = store->PutMetrics(job.id, RulerMetrics(result_, config_.threshold));
    if (w.ok()) {
      nlohmann::json cfg = job.config;
      nlohmann::json measured = nlohmann::json::array();
      for (const auto& lm : result_.measures) measured.push_back(lm.ToJson());
      cfg["measured"] = measured;
      w = store->SetJobConfig(job.id, cfg);
    }
    if (w.ok())
      w = store->FinishJob(job.id, status, static_cast<int64_t>(result_.stats.total),
                           static_cast<int64_t>(result_.stats.cached));
    if (w.ok()) w = store->Commit();
    if (!w.ok()) {
      (void)store->Rollback();
      return w;
    }
  }
  Summarise(model.name, out);
  if (interrupted)
    return Status::Cancelled("interrupted during long_context job '" + config_.name + "'");
  if (result_.failed > 0) {
    std::string first;
    for (const auto& s : result_.samples)
      if (s.failed) {
        first = s.error;
        break;
      }
    return Status::Internal(std::to_string(result_.failed) + " of " +
                            std::to_string(result_.samples.size()) + " prompts of job '" +
                            config_.name + "' failed (first: " + first + ")");
  }
  return Status::Ok();
}

void LongContextJob::Summarise(const std::string& model_name, JobOutcome* out) const {
  const std::string job = "long_context:" + config_.name;
  for (const auto& [length, avg] : result_.summary.by_length) {
    int64_t n = 0;
    for (const auto& s : result_.samples)
      if (s.length == length && !s.failed) ++n;
    out->lines.push_back(
        {model_name, job, "ruler_average", LengthFilter(length), avg, std::nullopt, n});
  }
  if (!result_.summary.by_length.empty())
    out->lines.push_back({model_name, job, "effective_length",
                          "threshold=" + DepthText(config_.threshold),
                          static_cast<double>(result_.summary.effective_length), std::nullopt,
                          static_cast<int64_t>(result_.summary.by_length.size())});
}

Result<std::unique_ptr<JobDriver>> ParseLongContextJob(const nlohmann::json& job,
                                                       const JobParseContext& ctx) {
  MNEMO_RETURN_IF_ERROR(
      ctx.CheckKeys(job,
                    {"kind", "name", "tasks", "lengths", "depths", "samples", "seed", "haystack",
                     "haystack_field", "qa", "threshold", "max_batch"},
                    "long_context"));
  if (!job.contains("lengths"))
    return ctx.Error("lengths", "is required: the token lengths to run, e.g. [1024, 2048]");
  auto c = ParseLongContextConfig(job, ctx.resolve);
  if (!c.ok()) {
    const std::string& msg = c.status().message();
    const size_t colon = msg.find(": ");
    if (colon == std::string::npos) return ctx.Error("", msg);
    return ctx.Error(msg.substr(0, colon), msg.substr(colon + 2));
  }
  for (const std::string* path : {&c->haystack, &c->qa}) {
    if (path->empty()) continue;
    std::ifstream f(*path);
    if (!f)
      return ctx.Error(path == &c->haystack ? "haystack" : "qa",
                       "names '" + *path + "', which cannot be read");
  }
  return std::unique_ptr<JobDriver>(new LongContextJob(std::move(c).value()));
}

}  // namespace mnemo::longctx
