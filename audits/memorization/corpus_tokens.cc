#include "audits/memorization/corpus_tokens.h"

#include <tbb/parallel_for.h>

namespace mnemo {
namespace memorization {

Status ForEachTokenizedDocument(const CorpusOptions& corpus, const TokenizeFn& tokenize,
                                const TokenizedDocFn& fn, CorpusStats* stats, size_t batch_docs) {
  auto reader = CorpusReader::Open(corpus);
  if (!reader.ok()) return reader.status();
  std::vector<CorpusDocument> docs(batch_docs);
  std::vector<Result<std::vector<int32_t>>> toks;
  bool more = true;
  while (more) {
    size_t n = 0;
    while (n < batch_docs && (more = (*reader)->Next(&docs[n]))) ++n;
    if (!(*reader)->status().ok()) break;
    toks.assign(n, Result<std::vector<int32_t>>(std::vector<int32_t>{}));
    tbb::parallel_for(size_t{0}, n, [&](size_t i) { toks[i] = tokenize(docs[i].text); });
    for (size_t i = 0; i < n; ++i) {
      if (!toks[i].ok())
        return Status(toks[i].status().code(), docs[i].file + ":" + std::to_string(docs[i].line) +
                                                   ": " + toks[i].status().message());
      MNEMO_RETURN_IF_ERROR(fn(docs[i], *toks[i]));
    }
  }
  if (stats != nullptr) *stats = (*reader)->stats();
  return (*reader)->status();
}

}  // namespace memorization
}  // namespace mnemo
