#include "audits/memorization/corpus_sampler.h"

#include <algorithm>
#include <cmath>
#include <queue>
#include <random>
#include <unordered_set>

#include "audits/memorization/corpus_tokens.h"
#include "harness/core/hash.h"

namespace mnemo {
namespace memorization {
namespace {

struct Candidate {
  double key = 0;
  int64_t order = 0;  // document number, then offset: the output order
  size_t offset = 0;
  Probe probe;
};
// Key, then corpus order: equal keys (only documents with the same id draw them) go to the
// earlier unit.
struct KeyLess {
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (a.key != b.key) return a.key < b.key;
    return a.order != b.order ? a.order < b.order : a.offset < b.offset;
  }
};
using Heap = std::priority_queue<Candidate, std::vector<Candidate>, KeyLess>;  // max on top

// The seed of a document's own generator: its keys depend on the sampling seed and the
// document's id only, not on where in the corpus (or in which shard's piece) it lies.
uint64_t DocumentSeed(uint64_t seed, const std::string& doc_id) {
  Hasher h;
  h.Field("memorization-sample");
  h.Field(seed);
  h.Field(doc_id);
  return std::stoull(h.HexDigest().substr(0, 16), nullptr, 16);
}

}  // namespace

Result<SampleResult> SampleCorpus(const CorpusOptions& corpus, const TokenizeFn& tokenize,
                                  const WindowSpec& spec, const SamplingOptions& options,
                                  const TokenCacheRef& cache, const PassProgress& progress) {
  if (options.unit != "documents" && options.unit != "positions")
    return Status::InvalidArgument("sampling unit must be 'documents' or 'positions', not '" +
                                   options.unit + "'");
  if (options.samples == 0) return Status::InvalidArgument("the number of samples must be > 0");
  const bool positions = options.unit == "positions";
  const size_t need = spec.prefix_len + spec.suffix_len;
  SampleResult out;
  std::map<std::string, Heap> heaps;
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  int64_t doc_no = 0;

  auto offer = [&](Heap& heap, double key, const CorpusDocument& doc,
                   const std::vector<int32_t>& toks, size_t offset) {
    Candidate c;
    c.key = key;
    c.order = doc_no;
    c.offset = offset;
    MakeWindow(toks, offset, spec, &c.probe);
    c.probe.id = doc.id + "@" + std::to_string(offset);
    c.probe.source = doc.source;
    c.probe.group = {{"source", doc.source}};
    c.probe.location = doc.file + ":" + std::to_string(doc.line) + "@" + std::to_string(offset);
    heap.push(std::move(c));
    if (heap.size() > options.samples) heap.pop();
  };
  auto threshold = [&](const Heap& heap) {
    return heap.size() < options.samples ? 2.0 : heap.top().key;
  };

  Status st = ForEachTokenizedDocument(
      corpus, tokenize,
      [&](const CorpusDocument& doc, const std::vector<int32_t>& toks) -> Status {
        ++doc_no;
        SourceCounts& sc = out.sources[doc.source];
        ++sc.documents;
        sc.tokens += static_cast<int64_t>(toks.size());
        if (toks.size() < need) {
          sc.too_short.Add(doc.file + ":" + std::to_string(doc.line));
          return Status::Ok();
        }
        ++sc.eligible;
        Heap& heap = heaps[options.per_source ? doc.source : std::string()];
        std::mt19937_64 rng(DocumentSeed(options.seed, doc.id));
        if (!positions) {
          const double key = uni(rng);
          if (key < threshold(heap)) offer(heap, key, doc, toks, 0);
          return Status::Ok();
        }
        // Increasing order statistics of w uniforms, while they can still enter the heap. The
        // j-th key and its offset are the j-th draws of the document's generator, whatever the
        // threshold: a window's key depends on (seed, doc id, its rank) only.
        const size_t w = toks.size() - need + 1;
        std::unordered_set<size_t> used;
        double prev = 0.0;
        for (size_t j = 0; j < w && j < options.samples; ++j) {
          const double u = uni(rng);
          const double next =
              prev + (1.0 - prev) * (1.0 - std::pow(1.0 - u, 1.0 / static_cast<double>(w - j)));
          if (next >= threshold(heap)) break;
          prev = next;
          std::uniform_int_distribution<size_t> pick(0, w - 1);
          size_t off = pick(rng);
          while (!used.insert(off).second) off = pick(rng);
          offer(heap, next, doc, toks, off);
        }
        return Status::Ok();
      },
      &out.corpus, cache, progress);
  if (!st.ok()) return st;
  std::vector<Candidate> all;
  for (auto& [src, heap] : heaps) {
    (void)src;
    while (!heap.empty()) {
      all.push_back(std::move(const_cast<Candidate&>(heap.top())));
      heap.pop();
    }
  }
  std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
    return a.order != b.order ? a.order < b.order : a.offset < b.offset;
  });
  for (auto& c : all) {
    c.probe.index = static_cast<int64_t>(out.probes.size());
    ++out.sources[c.probe.source].probes;
    out.probes.push_back(std::move(c.probe));
  }
  return out;
}

}  // namespace memorization
}  // namespace mnemo
