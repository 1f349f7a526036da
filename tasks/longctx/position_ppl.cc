#include "tasks/longctx/position_ppl.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace mnemo::longctx {

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// NaN (no tokens, one token's stderr) is written as null: JSON has no NaN.
nlohmann::ordered_json Number(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

double NllStats::MeanNll() const {
  return tokens == 0 ? kNaN : sum_nll / tokens;
}

double NllStats::Ppl() const {
  return std::exp(MeanNll());
}

double NllStats::Stderr() const {
  if (tokens < 2) return kNaN;
  const double n = static_cast<double>(tokens);
  const double mean = sum_nll / n;
  // Sample variance (n - 1); clamped at 0 against rounding when every NLL is equal.
  const double var = std::max(0.0, (sum_nll2 - n * mean * mean) / (n - 1));
  return std::sqrt(var / n);
}

nlohmann::ordered_json NllStats::ToJson() const {
  return {{"tokens", tokens},
          {"sum_nll", sum_nll},
          {"mean_nll", Number(MeanNll())},
          {"ppl", Number(Ppl())},
          {"stderr", Number(Stderr())}};
}

std::vector<std::pair<uint32_t, uint32_t>> PositionPpl::Buckets(uint32_t n_ctx,
                                                                const PositionBucketSpec& spec) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  if (spec.width == 0) return out;
  uint64_t from = 0, width = spec.width;
  while (from < n_ctx) {
    const uint64_t to = std::min<uint64_t>(from + width, n_ctx);
    out.emplace_back(static_cast<uint32_t>(from), static_cast<uint32_t>(to));
    // Log-spaced: the buckets after the first end at w*2, w*4, ... (each as wide as all before).
    if (spec.log_spaced) width = to;
    from = to;
  }
  return out;
}

PositionPpl::PositionPpl(uint32_t n_ctx, const PositionBucketSpec& spec)
    : n_ctx_(n_ctx), spec_(spec), bucket_of_(n_ctx) {
  for (const auto& [from, to] : Buckets(n_ctx, spec)) {
    for (uint32_t p = from; p < to; ++p) bucket_of_[p] = static_cast<uint32_t>(buckets_.size());
    buckets_.push_back({from, to, {}});
  }
}

Result<PositionPpl> PositionPpl::Create(uint32_t n_ctx, const PositionBucketSpec& spec) {
  if (n_ctx < 2)
    return Status::InvalidArgument("the window (context) must hold at least 2 tokens, not " +
                                   std::to_string(n_ctx));
  if (spec.width == 0) return Status::InvalidArgument("the bucket width must be at least 1");
  return PositionPpl(n_ctx, spec);
}

Status PositionPpl::AddWindow(const float* logprobs, size_t n, bool full) {
  if (n + 1 > n_ctx_)
    return Status::InvalidArgument("a window of " + std::to_string(n + 1) +
                                   " tokens is longer than the context (" + std::to_string(n_ctx_) +
                                   ")");
  if (full && n + 1 != n_ctx_)
    return Status::InvalidArgument(
        "a full window scores n_ctx - 1 = " + std::to_string(n_ctx_ - 1) + " tokens, not " +
        std::to_string(n));
  // llama-perplexity scores the logits of positions first .. n_ctx-2, first = n_ctx/2, that is
  // the tokens at positions first+1 .. n_ctx-1.
  const size_t first_llama = n_ctx_ / 2 + 1;
  for (size_t i = 0; i < n; ++i) {
    const size_t pos = i + 1;
    const double nll = -static_cast<double>(logprobs[i]);
    buckets_[bucket_of_[pos]].stats.Add(nll);
    total_.Add(nll);
    if (full && pos >= first_llama) second_half_.Add(nll);
  }
  ++(full ? full_windows_ : partial_windows_);
  return Status::Ok();
}

nlohmann::ordered_json PositionPpl::ToJson() const {
  nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
  for (const auto& b : buckets_) {
    nlohmann::ordered_json j = {{"from", b.from}, {"to", b.to}};
    const nlohmann::ordered_json stats = b.stats.ToJson();  // items() refers to it
    for (const auto& [k, v] : stats.items()) j[k] = v;
    buckets.push_back(std::move(j));
  }
  nlohmann::ordered_json llama = second_half_.ToJson();
  const double se = second_half_.Stderr();
  llama["ppl_stderr"] = Number(se * second_half_.Ppl());  // llama-perplexity's "+/-"
  llama["positions"] = {n_ctx_ / 2 + 1, n_ctx_};
  return {{"ctx", n_ctx_},
          {"bucket_width", spec_.width},
          {"bucket_scale", spec_.log_spaced ? "log" : "linear"},
          {"windows", {{"full", full_windows_}, {"partial", partial_windows_}}},
          {"buckets", std::move(buckets)},
          {"total", total_.ToJson()},
          {"llama_perplexity_estimate", std::move(llama)}};
}

}  // namespace mnemo::longctx
