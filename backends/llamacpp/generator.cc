#include "generator.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <string_view>

#include "logprobs.h"

namespace mnemo::llamacpp {
namespace {

struct GenSeq {
  const mn_request* req = nullptr;
  std::vector<int32_t> prompt;
  size_t budget = 0;   // most tokens to generate
  size_t reserve = 0;  // KV cells this sequence may occupy
  std::vector<std::string> stops;
  std::unique_ptr<RowSampler> sampler;  // null for greedy
  int32_t seq = -1;
  size_t fed = 0;        // prompt tokens decoded so far
  int32_t out_row = -1;  // batch index of this sequence's logits in the current batch
  std::vector<int32_t> out;
  std::vector<double> lp;
  std::string text;
  uint32_t finish = MN_FINISH_NONE;
  double ns = 0.0;
};

void Complete(GenSeq& g, const LoadedModel& model, mnemo::Sink& sink) {
  if (g.finish != MN_FINISH_STOP) g.text = model.Detokenize(g.out.data(), g.out.size(), 0);
  std::vector<float> lpf(g.lp.size());
  double sum = 0.0;
  for (size_t i = 0; i < g.lp.size(); ++i) {
    sum += g.lp[i];
    lpf[i] = static_cast<float>(g.lp[i]);
  }
  mn_result r{};
  r.logprob = sum;
  r.is_greedy = g.req->greedy;
  r.tokens = g.out.data();
  r.n_tokens = static_cast<uint32_t>(g.out.size());
  r.token_logprobs = lpf.data();
  r.text = g.text.data();
  r.text_len = g.text.size();
  r.finish_reason = g.finish;
  r.n_prompt_tokens = static_cast<uint32_t>(g.prompt.size());
  r.compute_ns = static_cast<uint64_t>(g.ns);
  sink.complete(g.req->request_id, r);
  g = GenSeq{};  // release memory early
}

// Builds the sequence for one request, or returns a message saying why it is invalid.
std::string Prepare(const mn_request& r, const LoadedModel& model, size_t window, GenSeq* g) {
  g->req = &r;
  if (r.n_context > 0) {
    if (r.context == nullptr) return "GENERATE context is NULL";
    g->prompt.assign(r.context, r.context + r.n_context);
  } else if (r.prompt_text != nullptr && r.prompt_text_len > 0) {
    try {
      g->prompt = model.Tokenize(std::string_view(r.prompt_text, r.prompt_text_len),
                                 MN_TOKENIZE_ADD_SPECIAL);
    } catch (const Error& e) {  // this request's problem, not the batch's
      return std::string("prompt_text: ") + e.what();
    }
  }
  if (g->prompt.empty() && model.bos() >= 0) g->prompt.push_back(model.bos());
  if (g->prompt.empty()) return "GENERATE needs a context or a prompt_text (the model has no BOS)";
  for (size_t i = 0; i < g->prompt.size(); ++i) {
    if (!model.ValidToken(g->prompt[i])) {
      return "prompt token " + std::to_string(g->prompt[i]) + " at position " + std::to_string(i) +
             " is outside the vocabulary [0, " + std::to_string(model.n_vocab()) + ")";
    }
  }
  g->budget = r.max_tokens;
  if (g->prompt.size() + g->budget > window) {
    if (g->budget < window) {
      g->prompt.erase(g->prompt.begin(), g->prompt.end() - (window - g->budget));
    } else if (g->prompt.size() < window) {
      g->budget = window - g->prompt.size();
    } else {
      return "prompt of " + std::to_string(g->prompt.size()) +
             " tokens leaves no room in the context window of " + std::to_string(window);
    }
  }
  g->reserve = g->prompt.size() + g->budget;
  if (r.n_stop > 0 && r.stop == nullptr) return "stop is NULL";
  for (uint32_t i = 0; i < r.n_stop; ++i) {
    if (r.stop[i] != nullptr && r.stop[i][0] != '\0') g->stops.emplace_back(r.stop[i]);
  }
  if (!r.greedy) {
    g->sampler = std::make_unique<RowSampler>(r.seed, r.temperature, r.top_k, r.top_p);
  }
  return "";
}

}  // namespace

void RunGeneration(Decoder& dec, const std::vector<const mn_request*>& requests,
                   mnemo::Sink& sink) {
  const LoadedModel& model = dec.model();
  std::vector<GenSeq> seqs(requests.size());
  std::vector<size_t> queue;
  for (size_t i = 0; i < requests.size(); ++i) {
    const std::string bad = Prepare(*requests[i], model, dec.window(), &seqs[i]);
    if (!bad.empty()) {
      sink.fail(requests[i]->request_id, MN_ERR_INVALID_ARGUMENT, bad);
    } else if (seqs[i].budget == 0) {
      seqs[i].finish = MN_FINISH_LENGTH;
      Complete(seqs[i], model, sink);
    } else {
      queue.push_back(i);
    }
  }
  if (queue.empty()) return;

  const size_t cap = dec.batch_capacity();
  const size_t max_out = dec.max_outputs();
  const size_t kv = dec.kv_size();
  std::vector<int32_t> free_seqs;
  for (int32_t q = static_cast<int32_t>(dec.n_seq()) - 1; q >= 0; --q) free_seqs.push_back(q);
  std::vector<size_t> active;
  std::vector<std::pair<size_t, size_t>> fed_now;  // (sequence, tokens) in this batch
  size_t next = 0;
  size_t reserved = 0;
  std::vector<float> masked;  // a logit row with EOG tokens removed

  auto has_room = [&] {
    return static_cast<size_t>(dec.size()) < cap && dec.n_outputs() < max_out;
  };
  auto prefill = [&](size_t si) {
    GenSeq& g = seqs[si];
    size_t k = std::min(g.prompt.size() - g.fed, cap - static_cast<size_t>(dec.size()));
    for (size_t p = g.fed; p < g.fed + k; ++p) {
      const bool last = p + 1 == g.prompt.size();
      const int32_t idx = dec.Add(g.prompt[p], static_cast<int32_t>(p), g.seq, last);
      if (last) g.out_row = idx;
    }
    g.fed += k;
    if (k > 0) fed_now.emplace_back(si, k);
  };

  dec.ForgetAll();
  while (next < queue.size() || !active.empty()) {
    // Released cells come back only when the cache is emptied (decoder.h); do that once the
    // next sequence no longer fits and nothing is in flight.
    if (!dec.recycles_cells() && active.empty() && reserved + seqs[queue[next]].reserve > kv) {
      dec.ForgetAll();
      reserved = 0;
    }
    dec.Clear();
    fed_now.clear();
    // One token for every sequence past its prompt, then prompt chunks, then newcomers.
    for (size_t si : active) {
      GenSeq& g = seqs[si];
      g.out_row = -1;
      if (g.fed == g.prompt.size() && !g.out.empty() && has_room()) {
        const int32_t pos = static_cast<int32_t>(g.prompt.size() + g.out.size() - 1);
        g.out_row = dec.Add(g.out.back(), pos, g.seq, true);
        fed_now.emplace_back(si, 1);
      }
    }
    for (size_t si : active) {
      if (seqs[si].fed < seqs[si].prompt.size() && has_room()) prefill(si);
    }
    while (next < queue.size() && !free_seqs.empty() && has_room() &&
           reserved + seqs[queue[next]].reserve <= kv) {
      const size_t si = queue[next++];
      seqs[si].seq = free_seqs.back();
      free_seqs.pop_back();
      reserved += seqs[si].reserve;
      seqs[si].out_row = -1;
      active.push_back(si);
      prefill(si);
    }

    const double ns = static_cast<double>(dec.Decode());
    const double per_token = ns / std::max<int32_t>(dec.size(), 1);
    for (const auto& [si, k] : fed_now) seqs[si].ns += per_token * k;

    for (size_t si : active) {
      GenSeq& g = seqs[si];
      if (g.out_row < 0) continue;
      const float* logits = dec.Logits(g.out_row);
      const RowStats st = AnalyzeRow(logits, dec.n_vocab());
      const float* choose_from = logits;
      // EOG tokens are never chosen (llama-server's ignore_eos, HF's min_new_tokens); the
      // reported logprob still comes from the unmasked distribution. Greedy needs the masked
      // row only when the row's argmax is an EOG token: otherwise that argmax (the lowest id
      // among the maxima) is also the masked row's, so the per-step copy is skipped.
      if (!g.req->stop_at_eos && !model.eog_tokens().empty() &&
          (g.sampler || model.IsEog(st.argmax))) {
        masked.assign(logits, logits + dec.n_vocab());
        for (int32_t t : model.eog_tokens()) masked[t] = -INFINITY;
        choose_from = masked.data();
      }
      const int32_t tok = g.sampler               ? g.sampler->Sample(choose_from, dec.n_vocab())
                          : choose_from == logits ? st.argmax
                                                  : Argmax(choose_from, dec.n_vocab());
      if (g.req->stop_at_eos && model.IsEog(tok)) {
        g.finish = MN_FINISH_EOS;
        continue;
      }
      g.out.push_back(tok);
      g.lp.push_back(LogProb(logits, st, tok));
      if (!g.stops.empty()) {
        g.text = model.Detokenize(g.out.data(), g.out.size(), 0);
        size_t cut = std::string::npos;
        for (const std::string& s : g.stops) cut = std::min(cut, g.text.find(s));
        if (cut != std::string::npos) {
          g.text.resize(cut);
          g.finish = MN_FINISH_STOP;
          continue;
        }
      }
      if (g.out.size() >= g.budget) g.finish = MN_FINISH_LENGTH;
    }

    size_t kept = 0;
    for (size_t si : active) {
      GenSeq& g = seqs[si];
      if (g.finish == MN_FINISH_NONE) {
        active[kept++] = si;
        continue;
      }
      dec.Release(g.seq);
      free_seqs.push_back(g.seq);
      if (dec.recycles_cells()) reserved -= g.reserve;
      Complete(g, model, sink);
    }
    active.resize(kept);
  }
}

}  // namespace mnemo::llamacpp
