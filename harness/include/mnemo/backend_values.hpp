// Owning C++17 values of the two ABI structs that carry data out of a plugin (backend.h):
// mn_model_desc and mn_result. Both sides use them. A plugin keeps what it reports in one and
// hands the host a view() that borrows its storage. The host copies what a plugin reported with
// assign() and keeps it after the plugin's storage is gone.
//
// Header-only; needs only backend.h and the standard library. Nothing here throws except
// std::bad_alloc from copying a string or an array, so a plugin calls it inside the try blocks
// its entry points already have (backend_sdk.hpp's trampolines do this).
#ifndef MNEMO_BACKEND_VALUES_HPP_
#define MNEMO_BACKEND_VALUES_HPP_

#include <cstdint>
#include <string>
#include <vector>

#include "mnemo/backend.h"

namespace mnemo {

// mn_model_desc with its strings owned. An empty string means "not stated" (NULL in the struct).
struct OwnedModelDesc {
  uint64_t caps = 0;  // 0: the backend's caps apply unchanged
  std::string name;
  std::string fingerprint;
  uint32_t n_ctx = 0;
  uint32_t n_ctx_train = 0;
  int32_t n_vocab = 0;
  int32_t bos_token = -1;
  int32_t eos_token = -1;
  bool add_bos = false;
  std::string tokenizer_fingerprint;  // ABI 1.1
  std::string runtime_json;           // ABI 1.2
  std::string chat_template;          // ABI 1.3
  std::string chat_templates_json;    // ABI 1.3
  int32_t eot_token = -1;             // ABI 1.3

  // A full-size mn_model_desc whose strings point into this object; valid while it lives
  // unchanged. An empty string is reported as NULL.
  mn_model_desc view() const {
    // In backend.h's order. Fields are only ever appended there, and -Wextra's
    // missing-field-initializers warning names one this list has not caught up with.
    return mn_model_desc{sizeof(mn_model_desc),
                         caps,
                         Stated(name),
                         Stated(fingerprint),
                         n_ctx,
                         n_ctx_train,
                         n_vocab,
                         bos_token,
                         eos_token,
                         add_bos,
                         Stated(tokenizer_fingerprint),
                         Stated(runtime_json),
                         Stated(chat_template),
                         Stated(chat_templates_json),
                         eot_token};
  }

  // Copies a description the other side wrote: only the fields its struct_size covers
  // (MN_HAS_FIELD); a field it does not cover keeps its default, a NULL string becomes "".
  void assign(const mn_model_desc& d) {
    *this = OwnedModelDesc{};
    if (MN_HAS_FIELD(&d, mn_model_desc, caps)) caps = d.caps;
    if (MN_HAS_FIELD(&d, mn_model_desc, name)) name = Copy(d.name);
    if (MN_HAS_FIELD(&d, mn_model_desc, fingerprint)) fingerprint = Copy(d.fingerprint);
    if (MN_HAS_FIELD(&d, mn_model_desc, n_ctx)) n_ctx = d.n_ctx;
    if (MN_HAS_FIELD(&d, mn_model_desc, n_ctx_train)) n_ctx_train = d.n_ctx_train;
    if (MN_HAS_FIELD(&d, mn_model_desc, n_vocab)) n_vocab = d.n_vocab;
    if (MN_HAS_FIELD(&d, mn_model_desc, bos_token)) bos_token = d.bos_token;
    if (MN_HAS_FIELD(&d, mn_model_desc, eos_token)) eos_token = d.eos_token;
    if (MN_HAS_FIELD(&d, mn_model_desc, add_bos)) add_bos = d.add_bos;
    if (MN_HAS_FIELD(&d, mn_model_desc, tokenizer_fingerprint))
      tokenizer_fingerprint = Copy(d.tokenizer_fingerprint);
    if (MN_HAS_FIELD(&d, mn_model_desc, runtime_json)) runtime_json = Copy(d.runtime_json);
    if (MN_HAS_FIELD(&d, mn_model_desc, chat_template)) chat_template = Copy(d.chat_template);
    if (MN_HAS_FIELD(&d, mn_model_desc, chat_templates_json))
      chat_templates_json = Copy(d.chat_templates_json);
    if (MN_HAS_FIELD(&d, mn_model_desc, eot_token)) eot_token = d.eot_token;
  }

 private:
  static const char* Stated(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }
  static std::string Copy(const char* s) { return s != nullptr ? s : ""; }
};

// mn_result with its arrays owned.
struct OwnedResult {
  double logprob = 0.0;
  bool is_greedy = false;
  std::vector<int32_t> tokens;
  std::vector<float> token_logprobs;  // one per token, or empty
  std::string text;
  uint32_t finish_reason = MN_FINISH_NONE;
  uint32_t n_prompt_tokens = 0;
  uint64_t compute_ns = 0;

  // A full-size mn_result whose arrays point into this object; valid while it lives unchanged.
  // Empty token_logprobs are reported as NULL.
  mn_result view() const {
    // In backend.h's order (see OwnedModelDesc::view).
    return mn_result{sizeof(mn_result),
                     logprob,
                     is_greedy,
                     tokens.data(),
                     static_cast<uint32_t>(tokens.size()),
                     token_logprobs.empty() ? nullptr : token_logprobs.data(),
                     text.c_str(),
                     text.size(),
                     finish_reason,
                     n_prompt_tokens,
                     compute_ns};
  }

  // Copies a result the other side completed a request with; NULL arrays become empty.
  void assign(const mn_result& r) {
    logprob = r.logprob;
    is_greedy = r.is_greedy;
    if (r.tokens != nullptr) {
      tokens.assign(r.tokens, r.tokens + r.n_tokens);
    } else {
      tokens.clear();
    }
    if (r.token_logprobs != nullptr) {
      token_logprobs.assign(r.token_logprobs, r.token_logprobs + r.n_tokens);
    } else {
      token_logprobs.clear();
    }
    if (r.text != nullptr) {
      text.assign(r.text, r.text_len);
    } else {
      text.clear();
    }
    finish_reason = r.finish_reason;
    n_prompt_tokens = r.n_prompt_tokens;
    compute_ns = r.compute_ns;
  }
};

}  // namespace mnemo

#endif  // MNEMO_BACKEND_VALUES_HPP_
