// Tokenizer for the Jinja2 subset (internal to tasks/jinja).
//
// Splits a template into text and tag tokens the way Jinja2's lexer does (default delimiters,
// keep_trailing_newline; trim_blocks/lstrip_blocks off for lm-eval, on for chat templates):
// comments are dropped, `{% raw %}` bodies become text, whitespace control (`{{-`, `-}}`,
// `{%-`, `-%}`, `{#-`, `-#}`) is applied here, and "\r\n"/"\r" in text and string literals
// become "\n". Inside a tag a closing delimiter only counts while brackets are balanced, so
// `{{ {'a': 1}}}` works as it does in Jinja2.
#ifndef MNEMO_TASKS_JINJA_LEXER_H_
#define MNEMO_TASKS_JINJA_LEXER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/status.h"

namespace mnemo::jinja {

enum class TokenKind {
  kText,        // literal template text (text holds it)
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,        // identifier (text)
  kString,      // string literal, escapes already applied (text)
  kInt,         // integer literal (int_value)
  kFloat,       // float literal (float_value)
  kOp,          // operator or bracket (text)
  kEnd,         // end of input
};

struct Token {
  TokenKind kind;
  size_t offset;  // byte offset in the template source
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
};

// Jinja2 Environment whitespace settings. trim_blocks drops the first newline after a block or
// comment tag; lstrip_blocks drops spaces and tabs from the line start up to a block or comment
// tag. `{%+` and `+%}` opt a tag out, as in Jinja2.
struct LexOptions {
  bool trim_blocks = false;
  bool lstrip_blocks = false;
};

// Tokenizes `source`; errors name the problem and its byte offset.
Result<std::vector<Token>> Lex(std::string_view source, const LexOptions& options = {});

// A short description of a token for error messages: "'foo'", "'}}'", "end of template".
std::string Describe(const Token& token);

}  // namespace mnemo::jinja

#endif  // MNEMO_TASKS_JINJA_LEXER_H_
