#include "audits/memorization/duplication.h"

#include "audits/memorization/corpus_tokens.h"
#include "audits/ngram/ngram_hash.h"

namespace mnemo {
namespace memorization {

DuplicationCounter::DuplicationCounter(const std::vector<Probe>& probes) {
  if (!probes.empty()) n_ = probes[0].suffix.size();
  std::vector<uint64_t> units;
  for (const Probe& p : probes) {
    units.clear();
    for (int32_t t : p.suffix) units.push_back(ngram::HashUnit(t));
    const uint64_t h = ngram::HashNgram(units.data(), units.size());
    probe_hash_.push_back(h);
    counts_.emplace(h, 0);
  }
}

void DuplicationCounter::ScanDocument(const std::vector<int32_t>& tokens) {
  if (n_ == 0 || tokens.size() < n_) return;
  ngram::RollingNgramHash roll(n_);
  for (int32_t t : tokens) {
    roll.Push(ngram::HashUnit(t));
    if (!roll.full()) continue;
    auto it = counts_.find(roll.value());
    if (it != counts_.end()) ++it->second;
  }
}

int64_t DuplicationCounter::Count(size_t i) const {
  return counts_.at(probe_hash_.at(i));
}

Result<std::vector<int64_t>> CountDuplicates(const CorpusOptions& corpus,
                                             const TokenizeFn& tokenize,
                                             const std::vector<Probe>& probes, CorpusStats* stats,
                                             const TokenCacheRef& cache,
                                             const PassProgress& progress) {
  for (const Probe& p : probes)
    if (p.suffix.size() != probes[0].suffix.size() || p.suffix.empty())
      return Status::InvalidArgument("duplication counts need suffixes of one length; probe '" +
                                     p.id + "' has " + std::to_string(p.suffix.size()) +
                                     " tokens, probe '" + probes[0].id + "' has " +
                                     std::to_string(probes[0].suffix.size()));
  DuplicationCounter counter(probes);
  Status st = ForEachTokenizedDocument(
      corpus, tokenize,
      [&](const CorpusDocument&, const std::vector<int32_t>& toks) {
        counter.ScanDocument(toks);
        return Status::Ok();
      },
      stats, cache, progress);
  if (!st.ok()) return st;
  std::vector<int64_t> out(probes.size());
  for (size_t i = 0; i < probes.size(); ++i) out[i] = counter.Count(i);
  return out;
}

}  // namespace memorization
}  // namespace mnemo
