// Streaming a training corpus as token sequences: documents are read with CorpusReader in
// batches, tokenized in parallel on oneTBB (the tokenizer must be thread-safe, as
// Model::Tokenize is), and handed to the callback one at a time, in corpus order, on the
// calling thread. Memory holds one batch, never the corpus.
//
// Lines without the text field are counted by the reader (see CorpusStats), never fatal; a
// read error or a tokenizer error stops the stream with a status naming the file and line.
#ifndef MNEMO_AUDITS_MEMORIZATION_CORPUS_TOKENS_H_
#define MNEMO_AUDITS_MEMORIZATION_CORPUS_TOKENS_H_

#include <functional>
#include <vector>

#include "audits/memorization/probe.h"
#include "datasets/io/corpus_reader.h"

namespace mnemo {
namespace memorization {

using TokenizedDocFn =
    std::function<Status(const CorpusDocument& doc, const std::vector<int32_t>& tokens)>;

Status ForEachTokenizedDocument(const CorpusOptions& corpus, const TokenizeFn& tokenize,
                                const TokenizedDocFn& fn, CorpusStats* stats,
                                size_t batch_docs = 256);

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_CORPUS_TOKENS_H_
