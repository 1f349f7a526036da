// A small, safe Jinja2-subset template engine for lm-eval task YAMLs (`doc_to_text`,
// `doc_to_target`, `doc_to_choice`, `description`), rendering over a JSON document the way
// lm-eval's Jinja2 environment does (StrictUndefined, keep_trailing_newline=True, no
// autoescape, no trim_blocks/lstrip_blocks), and chat templates the way transformers'
// apply_chat_template does (Options::HuggingFaceChat(); tasks/chat/chat_template.h).
//
// Supported:
//   - text, {{ expr }}, {# comments #}, {% raw %}, whitespace control {{- -}} {%- -%} {#- -#};
//   - {% if %}/{% elif %}/{% else %}/{% endif %}; {% for x in xs [if cond] %} ... {% else %}
//     ... {% endfor %} with `k, v` unpacking and loop.index/index0/revindex/revindex0/first/
//     last/length (each iteration has its own scope, as in Jinja2); {% set x = expr %},
//     {% set a, b = expr %}, {% set x %}...{% endset %};
//   - expressions: names, a.b, a.0, a[i], a[-1], a['k'], slices a[1:], a[:-1], a[::2];
//     literals (strings with Python escapes, ints, floats, True/False/None in either case,
//     lists, dicts, tuples); + - * / // % ** ~, == != < <= > >= (chained), in, not in, and,
//     or, not, parentheses, `a if c else b`;
//   - filters: abs, capitalize, count, d/default, first, float, int, join, last, length, list,
//     lower, replace, round, string, title, trim, upper, items, select/reject(test, ...),
//     selectattr/rejectattr(attr, test, ...), map(filter, ...)/map(attribute=, default=) (these
//     give lists where Jinja2 gives generators), and with chat_globals transformers' tojson;
//   - tests (`is [not] ...`): defined, undefined, none, boolean, true, false, string, number,
//     integer, float, mapping, sequence, iterable, even, odd, divisibleby, equalto/eq/==,
//     ne/!=;
//   - with Options (chat templates): trim_blocks, lstrip_blocks, {% break %}/{% continue %},
//     namespace() with {% set ns.attr = expr %}, raise_exception(), strftime_now(), lenient
//     Undefined, dropping the template's trailing newline;
//   - methods: str strip/lstrip/rstrip/lower/upper/casefold/title/capitalize/swapcase/split/
//     isspace/isalnum/isalpha/isdecimal/isdigit/isnumeric/isprintable/islower/isupper/istitle/
//     replace/startswith/endswith/format (positional, keyword, !r/!s; no format specs)/join/
//     find/count (tasks/python/py_text.h implements the str semantics); list index/count; dict
//     keys/values/items/get; function range().
// Refused at parse time with kUnsupported naming the construct and offset: macro, call,
// filter blocks, include, import, from, extends, block, with, autoescape, do, break and
// continue (without loop_controls), recursive loops, *args, and Jinja builtin filters/tests not
// listed above (unique, indent, regex_replace, ...); at render time: str methods outside the
// list, format specs, `str % x`, dict(), cycler().
// Identifiers are ASCII.
//
// Values print as Python's str() does (see tasks/jinja/pyvalue.h for the few documented
// differences: 64-bit ints); dict keys keep their insertion order, as in Python.
// Tuples, dict views and range() are lists here, so they print as "[...]" where Jinja2 prints
// "(...)", "dict_items([...])" or "range(0, n)". A method named without a call (`d.items`)
// is an error where Jinja2 would print "<built-in method ...>". Every render error names what
// failed and the byte offset of the expression: undefined variables and attributes, index
// out of range, unknown methods, type errors ("cannot add list and str").
//
// A Template is immutable after Parse and cheap to copy (shared parsed form); Render and
// Evaluate may run concurrently from many threads.
#ifndef MNEMO_TASKS_JINJA_TEMPLATE_H_
#define MNEMO_TASKS_JINJA_TEMPLATE_H_

#include <memory>
#include <string>
#include <string_view>

#include "harness/core/status.h"
#include "tasks/doc.h"

namespace mnemo::jinja {

struct Program;

// The Jinja2 environment a template is written for. The defaults are lm-eval's; chat templates
// are written for transformers' (HuggingFaceChat()).
struct Options {
  bool trim_blocks = false;           // drop the first newline after a block or comment tag
  bool lstrip_blocks = false;         // drop spaces/tabs before a block or comment tag on its line
  bool loop_controls = false;         // {% break %} and {% continue %} (jinja2.ext.loopcontrols)
  bool keep_trailing_newline = true;  // false: one newline ending the template is dropped
  // Jinja2's default Undefined instead of StrictUndefined: an undefined name or missing key
  // prints as "", is false and iterates as empty; any other use is still an error.
  bool lenient_undefined = false;
  // transformers' globals: raise_exception(msg) (a render error carrying msg) and
  // strftime_now(fmt) (local time); tojson as transformers defines it is always available.
  bool chat_globals = false;

  // transformers' apply_chat_template environment: ImmutableSandboxedEnvironment(
  // trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols]) with its globals.
  static Options HuggingFaceChat() {
    Options o;
    o.trim_blocks = o.lstrip_blocks = o.loop_controls = true;
    o.keep_trailing_newline = false;
    o.lenient_undefined = o.chat_globals = true;
    return o;
  }
};

class Template {
 public:
  // Parses `source`. Syntax errors are kInvalidArgument, constructs outside the subset
  // kUnsupported ("unsupported Jinja construct '{% macro' at offset 12").
  static Result<Template> Parse(std::string_view source, const Options& options = {});

  // Renders with the keys of `context` (a JSON object) as variables. Mappings iterate, print
  // and join in the context's key order, as Python dicts do (tasks/doc.h).
  Result<std::string> Render(const Doc& context) const;

  // When the template is a single {{ expr }} (whitespace around it allowed), the value of the
  // expression as JSON ("{{choices}}" gives the list, "{{label}}" the int); otherwise the
  // rendered string. lm-eval itself renders and then ast.literal_eval()s doc_to_choice, and
  // turns an all-digit doc_to_target string into an int; callers keep those rules.
  Result<Doc> Evaluate(const Doc& context) const;

  bool is_single_expression() const;
  const std::string& source() const;

 private:
  explicit Template(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;
};

}  // namespace mnemo::jinja

#endif  // MNEMO_TASKS_JINJA_TEMPLATE_H_
