// Filters, tests, methods and global functions of the Jinja2 subset (internal to tasks/jinja).
// Each follows Jinja2 3.1 / Python 3 semantics; see tasks/jinja/template.h for the list.
// Errors are plain messages; the evaluator adds the template offset.
#ifndef MNEMO_TASKS_JINJA_BUILTINS_H_
#define MNEMO_TASKS_JINJA_BUILTINS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/core/status.h"
#include "tasks/jinja/value.h"

namespace mnemo::jinja {

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// Whether `name` is one of the space-separated words of `words` (the name lists of builtins.cc
// and the parser's tag lists).
bool InWordList(std::string_view words, std::string_view name);

// Name lookup done once at parse time. Find* return -1 for names outside the subset;
// IsJinja* say whether such a name is a real Jinja2 builtin (refused as unsupported) rather
// than a typo.
int FindFilter(std::string_view name);
bool IsJinjaFilter(std::string_view name);
int FindTest(std::string_view name);
bool IsJinjaTest(std::string_view name);

// `subject` may be undefined (only `default` and `length`/`list` of a lenient one accept it).
Result<Value> ApplyFilter(int filter, Value subject, const CallArgs& args);
Result<bool> ApplyTest(int test, const Value& subject, const CallArgs& args);
// subject.name(args) for str, list and dict methods; `subject` is defined.
Result<Value> CallMethod(const Value& subject, std::string_view name, const CallArgs& args);
// True when `name` names a method of the subject's type (so `x.name` without a call is a
// method reference, which this engine refuses rather than printing "<built-in method>").
bool IsMethod(const Doc& subject, std::string_view name);
// Global functions: range(). Returns NotFound for other names.
Result<Value> CallFunction(std::string_view name, const CallArgs& args);

}  // namespace mnemo::jinja

#endif  // MNEMO_TASKS_JINJA_BUILTINS_H_
