// Recursive-descent parser for the Jinja2 subset (internal to tasks/jinja). Operator
// precedence and statement grammar follow jinja2/parser.py; constructs outside the subset
// are refused with kUnsupported naming the construct and its offset, syntax errors with
// kInvalidArgument.
#ifndef MNEMO_TASKS_JINJA_PARSER_H_
#define MNEMO_TASKS_JINJA_PARSER_H_

#include <memory>
#include <string_view>

#include "harness/core/status.h"
#include "tasks/jinja/ast.h"

namespace mnemo::jinja {

Result<std::unique_ptr<Program>> ParseProgram(std::string_view source, const Options& options = {});

}  // namespace mnemo::jinja

#endif  // MNEMO_TASKS_JINJA_PARSER_H_
