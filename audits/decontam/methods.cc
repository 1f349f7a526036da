#include "audits/decontam/methods.h"

namespace mnemo {
namespace decontam {

Result<Method> ParseMethod(const std::string& name) {
  if (name == "gpt3") return Method::kGpt3;
  if (name == "palm") return Method::kPalm;
  if (name == "llama2") return Method::kLlama2;
  return Status::InvalidArgument("unknown method '" + name + "' (gpt3, palm, llama2)");
}

const char* MethodName(Method m) {
  switch (m) {
    case Method::kGpt3:
      return "gpt3";
    case Method::kPalm:
      return "palm";
    case Method::kLlama2:
      return "llama2";
  }
  return "?";
}

size_t DefaultN(Method m) {
  switch (m) {
    case Method::kGpt3:
      return 13;
    case Method::kPalm:
      return 8;
    case Method::kLlama2:
      return 10;
  }
  return 13;
}

std::vector<std::string> MethodStatuses(Method m) {
  if (m == Method::kLlama2) return {"clean", "not_clean", "dirty"};
  return {"clean", "dirty"};
}

namespace {

// The verdict counting every kept n-gram, or (own_only) only those specific to the item's
// text, as if the n-grams it shares with other items had been dropped.
ItemVerdict Assess(const EvalIndex& index, size_t item, const std::vector<uint64_t>& matched,
                   const MethodOptions& options, bool own_only) {
  ItemVerdict v;
  const auto& grams = index.grams(item);
  size_t units = index.units(item);
  size_t n = index.is_short(item) ? units : index.n();
  std::vector<uint8_t> covered(units, 0);
  for (size_t p = 0; p < grams.size(); ++p) {
    int32_t g = grams[p];
    if (g < 0 || (own_only && index.shared(static_cast<uint32_t>(g)))) continue;
    ++v.ngrams;
    if ((matched[static_cast<size_t>(g) >> 6] >> (g & 63)) & 1) {
      ++v.matched;
      for (size_t k = p; k < p + n && k < units; ++k) covered[k] = 1;
    }
  }
  size_t c = 0;
  for (uint8_t x : covered) c += x;
  v.coverage = units == 0 ? 0.0 : static_cast<double>(c) / static_cast<double>(units);
  double frac =
      v.ngrams == 0 ? 0.0 : static_cast<double>(v.matched) / static_cast<double>(v.ngrams);
  switch (options.method) {
    case Method::kGpt3:
      v.overlap = frac;
      v.status = v.matched > 0 ? "dirty" : "clean";
      break;
    case Method::kPalm:
      v.overlap = frac;
      v.status = v.ngrams > 0 && frac >= options.palm_threshold ? "dirty" : "clean";
      break;
    case Method::kLlama2:
      v.overlap = v.coverage;
      v.status = v.coverage < options.llama2_clean    ? "clean"
                 : v.coverage >= options.llama2_dirty ? "dirty"
                                                      : "not_clean";
      break;
  }
  return v;
}

}  // namespace

ItemVerdict Judge(const EvalIndex& index, size_t item, const std::vector<uint64_t>& matched,
                  const MethodOptions& options) {
  ItemVerdict v = Assess(index, item, matched, options, /*own_only=*/false);
  if (v.status != "clean" && index.stats().shared_kept > 0)
    v.shared_only = Assess(index, item, matched, options, /*own_only=*/true).status == "clean";
  return v;
}

}  // namespace decontam
}  // namespace mnemo
