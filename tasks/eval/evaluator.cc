#include "tasks/eval/evaluator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "harness/core/log.h"
#include "harness/core/sha256.h"
#include "tasks/eval/aggregate.h"
#include "tasks/eval/task_data.h"
#include "tasks/filters/filters.h"
#include "tasks/hooks/hook_registry.h"
#include "tasks/metrics/choice.h"
#include "tasks/metrics/corpus.h"
#include "tasks/metrics/generation.h"
#include "tasks/request_builder.h"

namespace mnemo {

namespace {

// lm-eval's DEFAULT_METRIC_REGISTRY.
std::vector<MetricSpec> DefaultMetrics(OutputType t) {
  switch (t) {
    case OutputType::kLoglikelihood:
      return {{"perplexity", "", false, {}}, {"acc", "", true, {}}};
    case OutputType::kLoglikelihoodRolling:
      return {{"word_perplexity", "", false, {}},
              {"byte_perplexity", "", false, {}},
              {"bits_per_byte", "", false, {}}};
    case OutputType::kMultipleChoice:
      return {{"acc", "", true, {}}, {"acc_norm", "", true, {}}};
    case OutputType::kGenerateUntil:
      return {{"exact_match", "", true, {}}};
  }
  return {};
}

// What a document's requests are, so results can be mapped back.
struct DocPlan {
  size_t first = 0;  // index of its first request
  size_t n = 0;      // requests: choices (+ unconditional), 1, or repeats
  std::string context;
  // A multiple-input document's contexts, one per choice (lm-eval's multiple_input); empty
  // otherwise.
  std::vector<std::string> contexts;
  std::vector<std::string> choices;
  nlohmann::json target;
  nlohmann::json gold;  // what the choices are scored against: target, or doc_to_text's index
  std::string target_text;
  std::string rolling_text;
  std::string messages_json;  // the conversation, when the backend renders chat
  nlohmann::json arguments = nlohmann::json::array();
  std::string error;  // request building failed for this document
};

bool Needs(const std::vector<MetricSpec>& ms, const char* name) {
  for (const auto& m : ms)
    if (m.metric == name) return true;
  return false;
}

}  // namespace

std::pair<size_t, size_t> ShardDocuments(size_t n_docs, const ShardSpec& shard) {
  auto bound = [&](uint64_t i) {
    return static_cast<size_t>(i * n_docs / std::max<uint32_t>(shard.count, 1));
  };
  return {bound(shard.index), bound(static_cast<uint64_t>(shard.index) + 1)};
}

Result<std::vector<EvalMetric>> AggregateTaskMetrics(const nlohmann::json& plan,
                                                     const TaskMetricValues& values,
                                                     const std::string& where) {
  std::vector<EvalMetric> out;
  const int iters = plan.value("bootstrap_iters", 0);
  for (const auto& m : plan.at("metrics")) {
    const std::string metric = m.at("metric").get<std::string>();
    const std::string aggregation = m.at("aggregation").get<std::string>();
    for (const auto& f : plan.at("filters")) {
      const std::string filter = f.get<std::string>();
      auto it = values.find({metric, filter});
      if (it == values.end()) continue;
      auto agg = Aggregate(aggregation, it->second, iters);
      if (!agg.ok())
        return Status::InvalidArgument(where + ": metric '" + metric +
                                       "': " + agg.status().message());
      EvalMetric em;
      em.name = metric;
      em.filter = filter;
      em.value = agg->value;
      em.stderr_value = agg->stderr_value;
      em.higher_is_better = m.at("higher_is_better").get<bool>();
      em.aggregation = aggregation;
      em.n = static_cast<int64_t>(it->second.size());
      out.push_back(std::move(em));
    }
  }
  return out;
}

Evaluator::Evaluator(Model* model, Instance* instance, RunStore* store, EvalOptions options)
    : model_(model), instance_(instance), store_(store), options_(std::move(options)) {}

Result<TaskResult> Evaluator::Run(const Task& task) {
  const TaskConfig& cfg = task.config();
  const std::string where = cfg.source_path + ": task '" + cfg.task + "'";
  // Capabilities first: refuse before any work.
  uint64_t need = MN_CAP_TOKENIZE;
  need |= cfg.output_type == OutputType::kGenerateUntil          ? MN_CAP_GENERATE
          : cfg.output_type == OutputType::kLoglikelihoodRolling ? MN_CAP_SCORE_ROLLING
                                                                 : MN_CAP_SCORE;
  if (!model_->Has(need)) {
    return Status::Unsupported(where + " needs " + OutputTypeName(cfg.output_type) +
                               " requests, which backend '" +
                               model_->backend()->plugin().manifest.name + "' cannot serve");
  }
  std::vector<MetricSpec> metrics =
      cfg.metrics.empty() ? DefaultMetrics(cfg.output_type) : cfg.metrics;
  // A process_results hook computes the document's metrics itself (lm-eval's task.process_results);
  // metric_list then only names them and says how they aggregate.
  const hooks::BuiltinHook* results_hook =
      cfg.process_results.empty() ? nullptr : hooks::FindBuiltin(cfg.process_results);
  if (results_hook != nullptr && !results_hook->results_fn) results_hook = nullptr;
  for (auto& m : metrics) {
    if (m.aggregation.empty()) m.aggregation = DefaultAggregation(m.metric);
    if (!m.higher_is_better_set) m.higher_is_better = DefaultHigherIsBetter(m.metric);
    if (results_hook != nullptr) {
      if (m.aggregation.empty())
        return Status::InvalidArgument(cfg.source_path + ": key 'metric_list': metric '" +
                                       m.metric + "' of process_results hook '" + results_hook->id +
                                       "' needs an 'aggregation'");
      continue;
    }
    if (m.aggregation.empty()) {
      return Status::InvalidArgument(cfg.source_path + ": key 'metric_list': unknown metric '" +
                                     m.metric + "' (known: " + KnownMetricNames() + ")");
    }
    MNEMO_RETURN_IF_ERROR(CheckMetricFits(m, cfg.output_type, cfg.source_path));
  }
  auto chains = task.FilterChains();
  if (!chains.ok()) return chains.status();

  TaskResult out;
  out.task = cfg.task;
  out.alias = cfg.alias.empty() ? cfg.task : cfg.alias;
  out.num_fewshot = options_.num_fewshot.value_or(cfg.num_fewshot);
  out.version = cfg.version;
  out.config = cfg.raw;
  out.config["num_fewshot"] = out.num_fewshot;

  // The chat format, resolved for this model before any document is read.
  std::optional<chat::ChatFormat> chat;
  TokenizeRule rule;
  const bool plain_text_only = cfg.output_type == OutputType::kLoglikelihoodRolling;
  if (options_.chat.apply && !plain_text_only) {
    auto f = chat::ChatFormat::Resolve(options_.chat, *model_);
    if (!f.ok()) return Status(f.status().code(), where + ": " + f.status().message());
    chat = std::move(f).value();
    if (chat->backend_renders() && cfg.output_type != OutputType::kGenerateUntil)
      return Status::Unsupported(
          where + " needs " + OutputTypeName(cfg.output_type) +
          " requests; a chat endpoint returns no log-probabilities of a prompt it renders "
          "itself (open the model without chat mode so mnemo renders the template)");
    rule.chat = !chat->backend_renders();
    rule.bos_text = chat->bos_text();
  }
  if (options_.chat.apply || !options_.chat.system_instruction.empty()) {
    out.chat = chat ? chat->ResultsJson() : nlohmann::json::object();
    if (!chat) out.chat["chat_template"] = nullptr;  // rolling loglikelihood: lm-eval too
    const std::string& si = options_.chat.system_instruction;
    out.chat["system_instruction"] = si.empty() ? nlohmann::json() : nlohmann::json(si);
    out.chat["system_instruction_sha"] =
        si.empty() ? nlohmann::json() : nlohmann::json(Sha256Hex(si));
    out.chat["fewshot_as_multiturn"] = options_.chat.multiturn();
  }
  // lm-eval's construct_requests: with a chat template the choices follow the assistant's
  // opening directly, unless a gen_prefix that does not end in whitespace comes before them.
  const std::string target_delimiter =
      !chat || (!cfg.gen_prefix.empty() && !EndsWithWhitespace(cfg.gen_prefix))
          ? cfg.target_delimiter
          : std::string();

  auto loaded = LoadSplit(cfg, cfg.EvalSplit());
  if (!loaded.ok()) return loaded.status();
  auto all_docs = task.ProcessDocs(std::move(loaded).value());  // lm-eval's process_docs
  if (!all_docs.ok()) return all_docs.status();
  out.n_docs_total = all_docs->size();
  std::vector<Doc> docs = std::move(all_docs).value();
  size_t limit = options_.limit;
  if (options_.limit_fraction > 0)  // lm-eval: int(math.ceil(len(eval_docs) * limit))
    limit =
        static_cast<size_t>(std::ceil(static_cast<double>(docs.size()) * options_.limit_fraction));
  if (limit > 0 && docs.size() > limit) docs.resize(limit);
  out.n_docs = docs.size();
  // A shard evaluates docs [first, end) but walks every document before `end` while building
  // requests, so the few-shot RNG is where the whole run has it.
  size_t first = 0, end = docs.size();
  if (options_.shard) {
    std::tie(first, end) = ShardDocuments(docs.size(), *options_.shard);
    out.n_docs = end - first;
  }
  std::vector<Doc> fewshot_docs;
  if (out.num_fewshot > 0 && cfg.FewshotFromSamples()) {
    // lm-eval's fewshot_docs: a named few-shot split first, else the YAML's samples as written.
    for (const auto& sample : cfg.fewshot_samples) fewshot_docs.emplace_back(sample);
  } else if (out.num_fewshot > 0) {
    auto fs_loaded = LoadSplit(cfg, cfg.FewshotSplit());
    if (!fs_loaded.ok()) return fs_loaded.status();
    auto fs = task.ProcessDocs(std::move(fs_loaded).value());
    if (!fs.ok()) return fs.status();
    fewshot_docs = std::move(fs).value();
  }

  // 1. Requests, document by document (the few-shot RNG advances in document order).
  PyRandom rnd(static_cast<int64_t>(options_.fewshot_seed));
  const ModelInfo& info = model_->info();
  std::vector<Request> requests;
  std::vector<DocPlan> plans(docs.size());
  bool mutual_info = Needs(metrics, "acc_mutual_info");
  // One SCORE request with lm-eval's context/continuation split, left-truncated to the model.
  auto add_score = [&](const std::string& ctx, const std::string& cont, DocPlan* p) -> Status {
    auto enc = EncodePair(*model_, ctx, cont, rule);
    if (!enc.ok()) return enc.status();
    TruncateLeft(&enc.value(), info.n_ctx);
    Request r;
    r.kind = MN_REQ_SCORE;
    r.context = std::move(enc->context);
    r.continuation = std::move(enc->continuation);
    requests.push_back(std::move(r));
    p->arguments.push_back({ctx, cont});
    return Status::Ok();
  };
  for (size_t d = 0; d < end; ++d) {
    DocPlan& p = plans[d];
    p.first = requests.size();
    const std::string doc_where = where + ", document " + std::to_string(d);
    auto fail = [&](const Status& s) { return Status(s.code(), doc_where + ": " + s.message()); };
    if (cfg.output_type != OutputType::kLoglikelihoodRolling) {
      auto prompts = task.PromptContexts(docs[d], out.num_fewshot, fewshot_docs, &rnd,
                                         options_.chat.system_instruction);
      if (!prompts.ok()) return fail(prompts.status());
      const bool multiple_input = task.MultipleInput(docs[d]);
      if (multiple_input && cfg.output_type != OutputType::kMultipleChoice)
        return fail(Status::InvalidArgument(
            "doc_to_text gives a choice index (a multiple-input document), which only "
            "output_type multiple_choice can score"));
      std::vector<std::string> texts;
      for (auto& msgs : *prompts) {
        if (!chat) {
          texts.push_back(MessagesToText(msgs));
        } else if (d >= first) {  // other shards' documents need only the RNG
          // lm-eval's fewshot_context (and multiple_input_context, per choice): the turns as
          // they are, or collapsed into one user turn.
          std::vector<PromptMessage> turns =
              options_.chat.multiturn() ? std::move(msgs) : MultiturnToSingleturn(msgs);
          const bool continue_final = !turns.empty() && turns.back().role == "assistant";
          nlohmann::json conversation = MessagesToChatJson(turns);
          if (chat->backend_renders()) {
            p.messages_json = conversation.dump();
            texts.push_back(p.messages_json);
          } else {
            auto rendered = chat->Render(conversation, !continue_final);
            if (!rendered.ok()) return fail(rendered.status());
            texts.push_back(std::move(rendered).value());
          }
        }
      }
      if (multiple_input)
        p.contexts = std::move(texts);
      else if (!texts.empty())
        p.context = std::move(texts.front());
    }
    if (d < first) continue;  // another shard's document: only the RNG advances
    auto target = task.DocToTarget(docs[d]);
    if (!target.ok()) return fail(target.status());
    p.target = *target;
    p.gold = *target;
    switch (cfg.output_type) {
      case OutputType::kMultipleChoice: {
        auto choices = task.DocToChoice(docs[d]);
        if (!choices.ok()) return fail(choices.status());
        p.choices = std::move(choices).value();
        std::vector<std::pair<std::string, std::string>> pairs;
        if (!p.contexts.empty()) {
          // lm-eval's multiple input: each choice is a context, the target the shared
          // continuation; the gold is doc_to_text's index.
          auto gold = task.DocToText(docs[d]);
          if (!gold.ok()) return fail(gold.status());
          p.gold = *gold;
          const std::string cont =
              target->is_string() ? target->get<std::string>() : target->dump();
          for (const auto& ctx : p.contexts) pairs.emplace_back(ctx, target_delimiter + cont);
        } else {
          for (const auto& c : p.choices) pairs.emplace_back(p.context, target_delimiter + c);
        }
        if (mutual_info)
          for (const auto& c : p.choices) pairs.emplace_back("", target_delimiter + c);
        for (const auto& [ctx, cont] : pairs) {
          Status s = add_score(ctx, cont, &p);
          if (!s.ok()) return fail(s);
        }
        break;
      }
      case OutputType::kLoglikelihood: {
        auto tt = task.TargetText(docs[d]);
        if (!tt.ok()) return fail(tt.status());
        p.target_text = *tt;
        Status s = add_score(p.context, p.target_text, &p);
        if (!s.ok()) return fail(s);
        break;
      }
      case OutputType::kLoglikelihoodRolling: {
        if (!target->is_string())
          return fail(Status::InvalidArgument("doc_to_target must give the text to score"));
        p.rolling_text = target->get<std::string>();
        auto toks = model_->Tokenize(p.rolling_text, /*add_special=*/false);
        if (!toks.ok()) return fail(toks.status());
        Request r;
        r.kind = MN_REQ_SCORE_ROLLING;
        r.context = std::move(toks).value();
        r.prefix_token = info.bos_token;
        r.window = info.n_ctx;
        if (r.context.empty()) {
          p.error = "the document's text is empty";
          break;
        }
        requests.push_back(std::move(r));
        p.arguments.push_back({p.rolling_text});
        break;
      }
      case OutputType::kGenerateUntil: {
        auto tt = task.TargetText(docs[d]);
        if (!tt.ok()) return fail(tt.status());
        p.target_text = *tt;
        std::vector<int32_t> prompt;
        if (p.messages_json.empty()) {
          auto toks = rule.Tokenize(*model_, p.context);
          if (!toks.ok()) return fail(toks.status());
          prompt = std::move(toks).value();
        }
        std::vector<std::string> until = cfg.until;
        if (chat)  // generation ends with the assistant's turn, as at the model's own EOT token
          for (const auto& s : chat->end_of_turn())
            if (std::find(until.begin(), until.end(), s) == until.end()) until.push_back(s);
        // HFLM's rule: keep the last (max_length - max_gen_toks) context tokens.
        size_t keep = info.n_ctx > cfg.max_gen_toks ? info.n_ctx - cfg.max_gen_toks : 1;
        if (prompt.size() > keep)
          prompt.erase(prompt.begin(), prompt.end() - static_cast<std::ptrdiff_t>(keep));
        for (int r = 0; r < cfg.repeats; ++r) {
          Request q;
          q.kind = MN_REQ_GENERATE;
          q.context = prompt;
          q.messages_json = p.messages_json;
          q.gen.max_tokens = cfg.max_gen_toks;
          q.gen.greedy = !cfg.do_sample || cfg.temperature == 0.0f;
          q.gen.temperature = cfg.temperature;
          q.gen.top_p = cfg.top_p;
          q.gen.top_k = cfg.top_k;
          q.gen.seed = options_.generation_seed + d * static_cast<uint64_t>(cfg.repeats) + r;
          q.gen.stop = until;
          q.gen.stop_at_eos = true;
          requests.push_back(std::move(q));
        }
        nlohmann::json shown = p.messages_json.empty() ? nlohmann::json(p.context)
                                                       : nlohmann::json::parse(p.messages_json);
        p.arguments.push_back({shown,
                               {{"until", until},
                                {"max_gen_toks", cfg.max_gen_toks},
                                {"do_sample", cfg.do_sample},
                                {"temperature", cfg.temperature}}});
        break;
      }
    }
    p.n = requests.size() - p.first;
  }

  // 2. Compute (cached in the store).
  SchedulerOptions so;
  so.show_progress = options_.show_progress;
  so.label = cfg.task;
  Scheduler scheduler({instance_}, store_, info.CacheIdentity(), so);
  std::vector<Response> responses;
  Status st = scheduler.Run(requests, &responses, &out.stats);
  if (!st.ok() && responses.size() != requests.size()) return st;

  // 3. Per-document results, per filter.
  TaskMetricValues values;
  std::map<std::string, ExactMatch> matchers;
  for (const auto& m : metrics) {
    if (m.metric == "exact_match" && cfg.output_type == OutputType::kGenerateUntil) {
      auto opts = ExactMatchOptions::FromJson(m.kwargs);
      if (!opts.ok())
        return Status::InvalidArgument(cfg.source_path +
                                       ": metric exact_match: " + opts.status().message());
      auto em = ExactMatch::Create(*opts);
      if (!em.ok())
        return Status::InvalidArgument(cfg.source_path +
                                       ": metric exact_match: " + em.status().message());
      matchers.emplace(m.metric, std::move(em).value());
    }
  }
  // Generation responses go through every filter chain at once.
  std::vector<std::vector<std::string>> gen_texts;
  std::vector<std::vector<FilterValue>> filtered(chains->size());
  if (cfg.output_type == OutputType::kGenerateUntil) {
    gen_texts.resize(end - first);  // this shard's documents; filters work per document
    for (size_t d = first; d < end; ++d)
      for (size_t k = 0; k < plans[d].n; ++k)
        gen_texts[d - first].push_back(responses[plans[d].first + k].text);
    const std::vector<Doc> shard_docs(docs.begin() + first, docs.begin() + end);
    for (size_t c = 0; c < chains->size(); ++c) {
      auto f = (*chains)[c].Apply(gen_texts, shard_docs);
      if (!f.ok())
        return Status::InvalidArgument(cfg.source_path + ": filter '" + (*chains)[c].name() +
                                       "': " + f.status().message());
      filtered[c] = std::move(f).value();
    }
  }

  for (size_t d = first; d < end; ++d) {
    const DocPlan& p = plans[d];
    std::string error = p.error;
    nlohmann::json resps = nlohmann::json::array();
    // lm-eval's layout: one list per request instance; a generation's repeats are the
    // responses of its single instance.
    nlohmann::json repeats = nlohmann::json::array();
    for (size_t k = 0; k < p.n && error.empty(); ++k) {
      const Response& r = responses[p.first + k];
      if (!r.ok()) {
        error =
            r.error.empty() ? "request failed (status " + std::to_string(r.status) + ")" : r.error;
        break;
      }
      if (cfg.output_type == OutputType::kGenerateUntil)
        repeats.push_back(r.text);
      else if (cfg.output_type == OutputType::kLoglikelihoodRolling)
        resps.push_back({r.logprob});
      else
        resps.push_back(nlohmann::json::array({nlohmann::json::array({r.logprob, r.is_greedy})}));
    }
    if (cfg.output_type == OutputType::kGenerateUntil) resps.push_back(repeats);
    nlohmann::json base = {{"doc_id", d},
                           {"doc", nlohmann::json(docs[d])},  // sorted keys, as stored before
                           {"target", p.target},
                           {"arguments", p.arguments},
                           {"resps", resps}};
    if (!error.empty()) {
      ++out.n_failed;
      nlohmann::json s = base;
      s["filter"] = "none";
      s["error"] = error;
      s["metrics"] = nlohmann::json::array();
      out.samples.push_back(std::move(s));
      continue;
    }
    size_t n_filters = cfg.output_type == OutputType::kGenerateUntil ? chains->size() : 1;
    for (size_t c = 0; c < n_filters; ++c) {
      std::string filter =
          cfg.output_type == OutputType::kGenerateUntil ? (*chains)[c].name() : "none";
      nlohmann::json s = base;
      s["filter"] = filter;
      nlohmann::json names = nlohmann::json::array();
      auto record = [&](const MetricSpec& m, const MetricSample& v) {
        values[{m.metric, filter}].Add(v);
        s[m.metric] = v.ToJson();
        names.push_back(m.metric);
      };
      if (results_hook != nullptr) {
        hooks::DocResults dr;
        if (cfg.output_type == OutputType::kGenerateUntil) {
          const FilterValue& fv = filtered[c][d - first];
          dr.texts = fv.items;
          s["filtered_resps"] =
              nlohmann::json::array({fv.scalar && !fv.items.empty() ? nlohmann::json(fv.items[0])
                                                                    : nlohmann::json(fv.items)});
        } else {
          for (size_t k = 0; k < p.n; ++k) {
            dr.lls.push_back(responses[p.first + k].logprob);
            dr.is_greedy.push_back(responses[p.first + k].is_greedy);
          }
        }
        auto got = results_hook->results_fn(docs[d], dr);
        if (!got.ok())
          return Status::InvalidArgument(where + ", document " + std::to_string(d) +
                                         ": process_results '" + results_hook->id +
                                         "': " + got.status().message());
        for (const auto& m : metrics) {
          auto it = got->find(m.metric);
          if (it == got->end())
            return Status::InvalidArgument(cfg.source_path + ": key 'metric_list': metric '" +
                                           m.metric + "' is not one process_results hook '" +
                                           results_hook->id + "' gives");
          record(m, MetricSample::Scalar(it->second));
        }
      } else {
        switch (cfg.output_type) {
          case OutputType::kMultipleChoice: {
            ChoiceResponses cr;
            cr.choices = p.choices;
            size_t nc = p.choices.size();
            for (size_t k = 0; k < nc; ++k) {
              cr.lls.push_back(responses[p.first + k].logprob);
              cr.is_greedy.push_back(responses[p.first + k].is_greedy);
            }
            if (mutual_info)
              for (size_t k = 0; k < nc; ++k)
                cr.lls_unconditional.push_back(responses[p.first + nc + k].logprob);
            // Continuation token counts: what llama.cpp's HellaSwag scorer normalises by.
            nlohmann::json n_tokens = nlohmann::json::array();
            for (size_t k = 0; k < nc; ++k)
              n_tokens.push_back(requests[p.first + k].continuation.size());
            s["continuation_tokens"] = n_tokens;
            auto gold = ChoiceGold::FromJson(p.gold, p.choices);
            if (!gold.ok())
              return Status::InvalidArgument(where + ", document " + std::to_string(d) + ": " +
                                             gold.status().message());
            if (!gold->warning.empty())
              Log(LogLevel::kWarn,
                  where + ", document " + std::to_string(d) + ": " + gold->warning);
            auto sc = ScoreChoices(cr, *gold);
            if (!sc.ok())
              return Status::InvalidArgument(where + ", document " + std::to_string(d) + ": " +
                                             sc.status().message());
            for (const auto& m : metrics) {
              auto v = ChoiceMetricSample(m.metric, *sc, *gold);
              if (!v.ok())
                return Status::InvalidArgument(cfg.source_path + ": " + v.status().message());
              record(m, *v);
            }
            break;
          }
          case OutputType::kLoglikelihood: {
            const Response& r = responses[p.first];
            for (const auto& m : metrics) {
              if (m.metric == "perplexity")
                record(m, MetricSample::Scalar(r.logprob));
              else if (m.metric == "acc")
                record(m, MetricSample::Scalar(r.is_greedy ? 1.0 : 0.0));
            }
            break;
          }
          case OutputType::kLoglikelihoodRolling: {
            double ll = p.n ? responses[p.first].logprob : 0.0;
            // lm-eval's wikitext process_results counts on the original page, not the scored text.
            std::string counted = p.rolling_text;
            if (cfg.process_results == "preprocess_wikitext.process_results" &&
                docs[d].contains("page"))
              counted = docs[d]["page"].get<std::string>();
            for (const auto& m : metrics) {
              if (m.metric == "word_perplexity")
                record(m, MetricSample::Weighted(ll, static_cast<int64_t>(CountWords(counted))));
              else if (m.metric == "byte_perplexity" || m.metric == "bits_per_byte")
                record(m, MetricSample::Weighted(ll, static_cast<int64_t>(CountBytes(counted))));
            }
            break;
          }
          case OutputType::kGenerateUntil: {
            const FilterValue& fv = filtered[c][d - first];
            std::string pred = fv.items.empty() ? std::string() : fv.items[0];
            s["filtered_resps"] = nlohmann::json::array(
                {fv.scalar ? nlohmann::json(pred) : nlohmann::json(fv.items)});
            for (const auto& m : metrics) {
              if (m.metric == "exact_match") {
                record(m,
                       MetricSample::Scalar(matchers.at("exact_match").Score(pred, p.target_text)));
              } else if (m.metric == "f1") {
                record(m, MetricSample::Scalar(SquadTokenF1(pred, p.target_text)));
              } else if (m.metric == "bleu" || m.metric == "chrf" || m.metric == "ter") {
                // lm-eval's passthrough item [gold, result]: every target of a list, else the
                // target's text (a doc_to_choice index resolved).
                record(m,
                       MetricSample::Translation(
                           p.target.is_array() ? p.target : nlohmann::json(p.target_text), pred));
              }
            }
            break;
          }
        }
      }
      if (!s.contains("filtered_resps")) {
        nlohmann::json f = nlohmann::json::array();
        for (const auto& r : resps) f.push_back(r[0]);
        s["filtered_resps"] = f;
      }
      s["metrics"] = names;
      out.samples.push_back(std::move(s));
    }
  }

  // 4. Aggregates with lm-eval's standard errors, from the plan a merge recomputes them by.
  size_t n_filters = cfg.output_type == OutputType::kGenerateUntil ? chains->size() : 1;
  nlohmann::json planned = nlohmann::json::array();
  for (const auto& m : metrics)
    planned.push_back({{"metric", m.metric},
                       {"aggregation", m.aggregation},
                       {"higher_is_better", m.higher_is_better}});
  nlohmann::json filter_names = nlohmann::json::array();
  for (size_t c = 0; c < n_filters; ++c)
    filter_names.push_back(cfg.output_type == OutputType::kGenerateUntil ? (*chains)[c].name()
                                                                         : "none");
  out.plan = {{"metrics", planned},
              {"filters", filter_names},
              {"bootstrap_iters", options_.bootstrap_iters},
              {"docs", docs.size()},
              {"shard_docs", {first, end}}};
  auto aggregated = AggregateTaskMetrics(out.plan, values, cfg.source_path);
  if (aggregated.ok()) {
    out.metrics = std::move(aggregated).value();
  } else if (options_.shard) {
    // A shard's own metrics are a preview; an aggregation its few documents cannot make (one
    // class only, say) must not lose the samples the merge recomputes from.
    Log(LogLevel::kWarn,
        where + ": no metrics for this shard's documents alone: " + aggregated.status().message());
  } else {
    return aggregated.status();
  }
  if (!st.ok()) return st;
  return out;
}

}  // namespace mnemo
