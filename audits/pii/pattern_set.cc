#include "audits/pii/pattern_set.h"

#include <algorithm>
#include <cstddef>
#include <string>

#include <re2/re2.h>
#include <re2/set.h>

namespace mnemo::pii {

struct PatternSet::Holder {
  explicit Holder(const RE2::Options& o) : set(o, RE2::UNANCHORED) {}
  RE2::Set set;
};

PatternSet::PatternSet() = default;
PatternSet::~PatternSet() = default;

Status PatternSet::Build(const std::vector<std::unique_ptr<CompiledPattern>>& patterns,
                         const std::vector<PatternSource>& sources, const PrefilterPlan& plan,
                         const ScanOptions& options) {
  RE2::Options set_opt;
  set_opt.set_encoding(RE2::Options::EncodingLatin1);
  set_opt.set_max_mem(options.set_max_mem);
  set_opt.set_log_errors(false);
  set_opt.set_dot_nl(true);
  for (size_t i = 0; i < patterns.size(); ++i) {
    if (plan.run_of[i] >= 0) continue;
    if (!set_) set_ = std::make_unique<Holder>(set_opt);
    std::string err;
    int idx = set_->set.Add((sources[i].case_sensitive ? "" : "(?i)") + sources[i].regex, &err);
    if (idx < 0) return Status::InvalidArgument(patterns[i]->where + ": " + err);
    if (idx != static_cast<int>(patterns_.size()))
      return Status::Internal("RE2::Set numbered a pattern out of order");
    patterns_.push_back(static_cast<int>(i));
  }
  if (set_ && !set_->set.Compile())
    return Status::InvalidArgument(
        "the PII pattern set does not compile within its memory budget (" +
        std::to_string(options.set_max_mem) + " bytes); select fewer entities");
  return Status::Ok();
}

Status PatternSet::Match(std::string_view text, bool simulate_out_of_memory, std::vector<int>* hits,
                         ScanStats* stats) const {
  if (set_) {
    RE2::Set::ErrorInfo info{RE2::Set::kNoError};
    bool match = set_->set.Match(re2::StringPiece(text.data(), text.size()), hits, &info);
    if (simulate_out_of_memory) {
      match = false;
      hits->clear();
      info.kind = RE2::Set::kOutOfMemory;
    }
    if (!match && info.kind == RE2::Set::kNotCompiled)
      return Status::Internal("PII pattern set not compiled");
    if (!match && info.kind != RE2::Set::kNoError) {
      // Out of memory or inconsistent: never "no match"; run every Set pattern.
      ++stats->set_fallbacks;
      hits->clear();
      for (size_t j = 0; j < patterns_.size(); ++j) hits->push_back(static_cast<int>(j));
    }
    for (int& h : *hits) h = patterns_[static_cast<size_t>(h)];
  }
  std::sort(hits->begin(), hits->end());
  return Status::Ok();
}

}  // namespace mnemo::pii
