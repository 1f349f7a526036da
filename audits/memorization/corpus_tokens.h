// Streaming a training corpus as token sequences: documents are read with CorpusReader in
// batches of about 256 KB, tokenized in parallel on oneTBB (the tokenizer must be thread-safe,
// as Model::Tokenize is), and handed to the callback one at a time, in corpus order, on the
// calling thread. Batches flow through a pipeline, so one very long document occupies one
// thread while the others tokenise the batches after it. Memory holds a bounded number of
// batches in flight, never the corpus (unless a CorpusTokenCache keeps it, see there).
//
// Lines without the text field are counted by the reader (see CorpusStats), never fatal; a
// read error or a tokenizer error stops the stream with a status naming the file and line.
#ifndef MNEMO_AUDITS_MEMORIZATION_CORPUS_TOKENS_H_
#define MNEMO_AUDITS_MEMORIZATION_CORPUS_TOKENS_H_

#include <functional>
#include <string>
#include <vector>

#include "audits/memorization/corpus_token_cache.h"
#include "audits/memorization/probe.h"
#include "datasets/io/corpus_reader.h"

namespace mnemo {
namespace memorization {

// The document a callback gets may lack its text and record (a pass replayed from the cache);
// callbacks use its tokens and metadata (id, source, file, line).
using TokenizedDocFn =
    std::function<Status(const CorpusDocument& doc, const std::vector<int32_t>& tokens)>;

// Where a pass may find or leave its tokens: `tokenizer_id` must identify what `tokenize`
// computes (the memorisation audit uses the model fingerprint). No cache: every pass streams.
struct TokenCacheRef {
  CorpusTokenCache* cache = nullptr;
  std::string tokenizer_id;
};

// The progress display of one pass (harness/scheduler/progress.h), labelled
// "<job>: tokenising corpus, <what>" when the pass reads and tokenises the corpus (MB of text
// against the files' size; no ETA when a file is compressed) or "<job>: <what> (tokens from
// an earlier pass)" when it replays the token cache (documents). Disabled: nothing printed.
struct PassProgress {
  bool enabled = false;
  std::string job;   // "canaries"
  std::string what;  // "sampling probes", "counting duplicates"
};

Status ForEachTokenizedDocument(const CorpusOptions& corpus, const TokenizeFn& tokenize,
                                const TokenizedDocFn& fn, CorpusStats* stats,
                                const TokenCacheRef& cache = {}, const PassProgress& progress = {});

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_CORPUS_TOKENS_H_
