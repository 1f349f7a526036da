// Seeded sampling of probe windows from a training corpus, in one streaming pass.
//
// Units:
// - "documents": every document with at least P + S tokens is equally likely; its probe is
//   the window at the document's start (Gemma 1: "the first 50 tokens as the prompt").
// - "positions": every window start o with o + P + S <= document length is equally likely
//   (a uniform sample of training token positions, so long documents weigh more); distinct
//   positions, possibly overlapping windows of one document.
// Sampling is without replacement: each unit gets a uniform key, and the `samples` smallest
// keys win (per source when `per_source`, else overall). A unit's key depends only on `seed`
// and the document's identity: each document draws from its own std::mt19937_64 seeded with a
// hash of (seed, document id: the id field or its "<file stem>:<line>" fallback), so which
// units are sampled does not depend on where a document lies, on the other documents, or (with
// an id field) on how the corpus is split into files or shards (issue 18: the same sample
// whatever N; the probes are listed in corpus order). Keys are still
// independent uniforms over units (distinct ids give independent streams), so the sample stays
// uniform. Two documents with the same id draw the same keys; ties go to the earlier one in
// corpus order. For positions the keys of a document's w windows are drawn as the increasing
// order statistics of w uniforms, each paired with a distinct uniformly drawn window, stopping
// once they exceed the current threshold, so a document costs O(1 + windows kept) and a
// window's key depends only on (seed, doc id, document length). One streaming pass; same
// corpus content, options and tokenizer: same probes, in corpus order.
//
// Documents shorter than P + S are counted per source with their first locations and
// reported, never silently dropped. Probe ids are "<doc id>@<token offset>".
#ifndef MNEMO_AUDITS_MEMORIZATION_CORPUS_SAMPLER_H_
#define MNEMO_AUDITS_MEMORIZATION_CORPUS_SAMPLER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "audits/memorization/corpus_tokens.h"
#include "audits/memorization/probe.h"
#include "audits/memorization/probe_builder.h"
#include "datasets/io/corpus_reader.h"

namespace mnemo {
namespace memorization {

struct SamplingOptions {
  size_t samples = 1000;
  std::string unit = "documents";  // documents | positions
  bool per_source = false;
  uint64_t seed = 1234;
};

struct SourceCounts {
  int64_t documents = 0;
  int64_t eligible = 0;  // documents with at least P + S tokens
  int64_t tokens = 0;
  int64_t probes = 0;
  ShortCount too_short;
};

struct SampleResult {
  std::vector<Probe> probes;
  CorpusStats corpus;
  std::map<std::string, SourceCounts> sources;
};

Result<SampleResult> SampleCorpus(const CorpusOptions& corpus, const TokenizeFn& tokenize,
                                  const WindowSpec& spec, const SamplingOptions& options,
                                  const TokenCacheRef& cache = {},
                                  const PassProgress& progress = {});

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_CORPUS_SAMPLER_H_
