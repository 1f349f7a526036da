#include "tasks/request_builder.h"

#include "tasks/python/py_text.h"

namespace mnemo {

void MoveTrailingWhitespace(std::string* context, std::string* continuation) {
  // Python's str.rstrip(): every Unicode whitespace character, not only ASCII.
  std::u32string chars = pystr::Decode(*context);
  size_t end = chars.size();
  while (end > 0 && pystr::IsSpace(chars[end - 1])) --end;
  if (end == chars.size()) return;
  std::string head = pystr::Encode(std::u32string_view(chars).substr(0, end));
  *continuation = context->substr(head.size()) + *continuation;
  *context = std::move(head);
}

Result<std::vector<int32_t>> TokenizeRule::Tokenize(const Model& model,
                                                    const std::string& text) const {
  if (!chat) return model.Tokenize(text, /*add_special=*/true);
  const bool has_bos = !bos_text.empty() && text.compare(0, bos_text.size(), bos_text) == 0;
  return model.Tokenize(text, /*add_special=*/!has_bos, /*parse_special=*/true);
}

Result<EncodedPair> EncodePair(const Model& model, std::string context, std::string continuation,
                               const TokenizeRule& rule) {
  MoveTrailingWhitespace(&context, &continuation);
  EncodedPair out;
  const int32_t prefix = model.info().bos_token;
  if (context.empty()) {
    auto cont = model.Tokenize(continuation, /*add_special=*/false, /*parse_special=*/rule.chat);
    if (!cont.ok()) return cont.status();
    out.continuation = std::move(cont).value();
    if (out.continuation.empty() || out.continuation.front() != prefix) out.context = {prefix};
    return out;
  }
  auto whole = rule.Tokenize(model, context + continuation);
  if (!whole.ok()) return whole.status();
  auto ctx = rule.Tokenize(model, context);
  if (!ctx.ok()) return ctx.status();
  size_t n_ctx = ctx->size();
  if (n_ctx > whole->size()) n_ctx = whole->size();
  out.context.assign(whole->begin(), whole->begin() + static_cast<std::ptrdiff_t>(n_ctx));
  out.continuation.assign(whole->begin() + static_cast<std::ptrdiff_t>(n_ctx), whole->end());
  return out;
}

void TruncateLeft(EncodedPair* pair, size_t max_len) {
  size_t total = pair->context.size() + pair->continuation.size();
  if (total <= max_len + 1 || pair->context.empty()) return;  // no context token to drop
  size_t drop = total - (max_len + 1);
  if (drop >= pair->context.size()) drop = pair->context.size() - 1;
  pair->context.erase(pair->context.begin(),
                      pair->context.begin() + static_cast<std::ptrdiff_t>(drop));
}

}  // namespace mnemo
