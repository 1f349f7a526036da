// The body of a Python str literal, decoded as CPython's tokenizer (and Jinja's
// "unicode-escape") does: the inverse of repr() for strings. The Jinja lexer reads template
// string literals with it, and ParsePythonLiteral (tasks/eval/task.h) the rendered choice
// lists lm-eval passes to ast.literal_eval.
#ifndef MNEMO_TASKS_JINJA_PY_STRING_LITERAL_H_
#define MNEMO_TASKS_JINJA_PY_STRING_LITERAL_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "harness/core/status.h"

namespace mnemo::jinja::py {

// Reads from src[*pos] (*pos >= 1), the first character after an opening `quote`, to the closing
// quote, appending the value as UTF-8 to *out. On success *pos is the index of the closing quote.
// Escapes: \\ \' \" \a \b \f \n \r \t \v, \<newline> (nothing), octal \o..\ooo, \xhh, \uhhhh,
// \Uhhhhhhhh; any other backslash pair is kept as written, as Python does. Code points
// U+DC80..U+DCFF come out as the single byte they stand for (surrogateescape, as
// AppendUtf8 in tasks/jinja/pyvalue.h), so a repr() of undecodable bytes reads back to the same
// bytes. When raw, a backslash only keeps the next character from closing the literal (r'...').
// Errors: InvalidArgument for an unterminated literal or a bad \x/\u/\U escape, Unsupported for
// \N{...}; *error_at is then the offset of the escape (of the opening quote when unterminated).
Status ReadStringLiteralBody(std::string_view src, char quote, bool raw, size_t* pos,
                             std::string* out, size_t* error_at);

}  // namespace mnemo::jinja::py

#endif  // MNEMO_TASKS_JINJA_PY_STRING_LITERAL_H_
