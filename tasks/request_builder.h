// lm-evaluation-harness request building (TemplateLM._encode_pair and friends).
//
// The rules, from shared/reference/eval-harnesses.md:
//  * trailing whitespace of the context moves to the start of the continuation;
//  * context + continuation are tokenized together and split at the token length of the
//    context tokenized alone, so a merge across the boundary lands in the continuation;
//  * an empty context becomes [prefix_token] (BOS), unless the continuation already starts
//    with it;
//  * the whole is truncated from the left to the model's context (+1, as HFLM keeps one
//    token more than the window and drops the last as input).
#ifndef MNEMO_TASKS_REQUEST_BUILDER_H_
#define MNEMO_TASKS_REQUEST_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "harness/plugins/backend_client.h"

namespace mnemo {

// How prompt text becomes tokens. A plain prompt follows the model's own rule (BOS when it adds
// one) and reads special-token text literally. A rendered chat prompt has its special tokens
// parsed ("<start_of_turn>" is one token) and gets no second BOS when it already starts with the
// BOS text (lm-eval's tok_encode checks has_bos_prefix; llama.cpp strips it).
struct TokenizeRule {
  bool chat = false;
  std::string bos_text;  // with chat: the model's BOS as text

  Result<std::vector<int32_t>> Tokenize(const Model& model, const std::string& text) const;
};

struct EncodedPair {
  std::vector<int32_t> context;
  std::vector<int32_t> continuation;
};

// Splits trailing whitespace off `context` onto the front of `continuation`.
void MoveTrailingWhitespace(std::string* context, std::string* continuation);

// Encodes (context, continuation) with lm-eval's rule using the model's tokenizer and `rule`.
Result<EncodedPair> EncodePair(const Model& model, std::string context, std::string continuation,
                               const TokenizeRule& rule = {});

// Left-truncates context so that context + continuation fits `max_len` + 1 tokens (the last
// continuation token is never an input). Keeps at least one context token.
void TruncateLeft(EncodedPair* pair, size_t max_len);

}  // namespace mnemo

#endif  // MNEMO_TASKS_REQUEST_BUILDER_H_
