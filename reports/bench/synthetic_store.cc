#include "reports/bench/synthetic_store.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mnemo::reports {
namespace {

class Rng {
 public:
  explicit Rng(uint64_t s) : s_(s) {}
  double Uniform() {
    s_ = s_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s_ >> 11) / 9007199254740992.0;
  }

 private:
  uint64_t s_;
};

struct TaskShape {
  const char* name;
  const char* kind;  // mc | gen | rolling
  double p_base;
  double p_candidate;
};

}  // namespace

Result<int64_t> WriteSyntheticRun(RunStore* store, int64_t n_samples, uint64_t seed) {
  const TaskShape tasks[] = {{"synthetic_mc_a", "mc", 0.70, 0.62},
                             {"synthetic_mc_b", "mc", 0.55, 0.56},
                             {"synthetic_gen", "gen", 0.40, 0.41},
                             {"synthetic_mc_c", "mc", 0.30, 0.30},
                             {"synthetic_rolling", "rolling", 0, 0}};
  // 2 models x (3 multiple-choice + 2 generation filters + 1 rolling) samples per document.
  const int64_t per_job = std::max<int64_t>(1, n_samples / 12);
  RunRecord run;
  run.name = "synthetic";
  run.config = {{"command", "bench report"}, {"samples", n_samples}};
  run.mnemo_version = MNEMO_VERSION;
  run.host = "synthetic";
  run.seed = seed;
  MNEMO_RETURN_IF_ERROR(store->BeginRun(&run));
  Rng rng(seed);
  const char* models[] = {"base", "candidate"};
  for (int mi = 0; mi < 2; ++mi) {
    ModelRecord model;
    model.backend = "synthetic";
    model.backend_version = "0";
    model.path = std::string("/synthetic/") + models[mi] + ".gguf";
    model.fingerprint = std::string("fp-") + models[mi];
    model.info = {{"name", models[mi]}, {"n_ctx", 2048}, {"n_vocab", 32000}};
    MNEMO_RETURN_IF_ERROR(store->UpsertModel(&model));
    for (const auto& t : tasks) {
      JobRecord job;
      job.run_id = run.id;
      job.model_id = model.id;
      job.kind = "task";
      job.name = t.name;
      job.config = {{"task", t.name},
                    {"model_name", models[mi]},
                    {"version", 1.0},
                    {"num_fewshot", 0},
                    {"limit", 0}};
      std::string kind = t.kind;
      if (kind == "rolling")
        job.config["metric_list"] = {{{"metric", "word_perplexity"},
                                      {"aggregation", "weighted_perplexity"},
                                      {"higher_is_better", false}}};
      MNEMO_RETURN_IF_ERROR(store->BeginJob(&job));
      std::vector<SampleRecord> samples;
      samples.reserve(static_cast<size_t>(per_job));
      double p = mi == 0 ? t.p_base : t.p_candidate;
      std::vector<double> acc, acc_norm, em_strict, em_flex;
      double sum_ll = 0, sum_words = 0;
      for (int64_t d = 0; d < per_job; ++d) {
        std::string question = "Question " + std::to_string(d) +
                               ": which of these statements about the synthetic document "
                               "holds? Consider the passage carefully before answering.";
        if (kind == "mc") {
          int gold = static_cast<int>(d % 4);
          bool right = rng.Uniform() < p;
          int pred = right ? gold : (gold + 1) % 4;
          bool right_norm = rng.Uniform() < p;
          nlohmann::json args = nlohmann::json::array();
          nlohmann::json resps = nlohmann::json::array();
          for (int k = 0; k < 4; ++k) {
            args.push_back({question + "\nAnswer:", " option " + std::to_string(k)});
            double ll = k == pred ? -1.0 : -2.0 - k * 0.1;
            resps.push_back({{ll, k == pred}});
          }
          nlohmann::json s = {{"doc_id", d},
                              {"doc", {{"q", question}}},
                              {"target", gold},
                              {"arguments", args},
                              {"resps", resps},
                              {"filter", "none"},
                              {"acc", right ? 1.0 : 0.0},
                              {"acc_norm", right_norm ? 1.0 : 0.0},
                              {"metrics", {"acc", "acc_norm"}}};
          nlohmann::json fr = nlohmann::json::array();
          for (const auto& r : resps) fr.push_back(r[0]);
          s["filtered_resps"] = fr;
          acc.push_back(right);
          acc_norm.push_back(right_norm);
          samples.push_back({std::to_string(d) + ":none", d, std::move(s)});
        } else if (kind == "gen") {
          for (const char* filter : {"strict-match", "flexible-extract"}) {
            bool right = rng.Uniform() < p;
            std::string target = std::to_string(d * 7 % 100);
            std::string answer = right ? target : std::to_string(d * 7 % 100 + 1);
            nlohmann::json s = {{"doc_id", d},
                                {"doc", {{"question", question}}},
                                {"target", "#### " + target},
                                {"arguments", {{question + "\nA:", {{"until", {"\n\n"}}}}}},
                                {"resps", {{"The answer is " + answer + "."}}},
                                {"filtered_resps", {answer}},
                                {"filter", filter},
                                {"exact_match", right ? 1.0 : 0.0},
                                {"metrics", {"exact_match"}}};
            (std::string(filter) == "strict-match" ? em_strict : em_flex).push_back(right);
            samples.push_back({std::to_string(d) + ":" + filter, d, std::move(s)});
          }
        } else {
          double words = 100 + std::floor(rng.Uniform() * 50);
          double ll = -words * (2.0 + 0.2 * mi + 0.1 * rng.Uniform());
          sum_ll += ll;
          sum_words += words;
          nlohmann::json s = {{"doc_id", d},
                              {"doc", {{"page", question}}},
                              {"target", ""},
                              {"arguments", {{question}}},
                              {"resps", {{ll}}},
                              {"filtered_resps", {ll}},
                              {"filter", "none"},
                              {"word_perplexity", {ll, words}},
                              {"metrics", {"word_perplexity"}}};
          samples.push_back({std::to_string(d) + ":none", d, std::move(s)});
        }
      }
      MNEMO_RETURN_IF_ERROR(store->PutSamples(job.id, samples));
      auto mean_metric = [](const std::string& name, const std::string& filter,
                            const std::vector<double>& v) {
        double s = 0, ss = 0, n = static_cast<double>(v.size());
        for (double x : v) s += x;
        double mean = s / n;
        for (double x : v) ss += (x - mean) * (x - mean);
        MetricRecord m;
        m.name = name;
        m.filter = filter;
        m.value = mean;
        if (n > 1) m.stderr_value = std::sqrt(ss / (n - 1) / n);
        m.n = static_cast<int64_t>(n);
        return m;
      };
      std::vector<MetricRecord> metrics;
      if (kind == "mc") {
        metrics.push_back(mean_metric("acc", "none", acc));
        metrics.push_back(mean_metric("acc_norm", "none", acc_norm));
      } else if (kind == "gen") {
        metrics.push_back(mean_metric("exact_match", "strict-match", em_strict));
        metrics.push_back(mean_metric("exact_match", "flexible-extract", em_flex));
      } else {
        MetricRecord m;
        m.name = "word_perplexity";
        m.value = std::exp(-sum_ll / sum_words);
        m.n = per_job;
        m.higher_is_better = false;
        metrics.push_back(m);
      }
      MNEMO_RETURN_IF_ERROR(store->PutMetrics(job.id, metrics));
      MNEMO_RETURN_IF_ERROR(store->FinishJob(job.id, "finished", per_job, 0));
    }
  }
  MNEMO_RETURN_IF_ERROR(store->FinishRun(run.id, "finished"));
  return run.id;
}

}  // namespace mnemo::reports
