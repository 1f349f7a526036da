// Parsed form of a Jinja2-subset template (internal to tasks/jinja). Built once by the parser
// and read-only afterwards, so one Program can render many documents concurrently.
#ifndef MNEMO_TASKS_JINJA_AST_H_
#define MNEMO_TASKS_JINJA_AST_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/jinja/template.h"

namespace mnemo::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
  kLiteral,  // literal
  kName,     // name
  kList,     // children: items
  kTuple,    // children: items (evaluated as a list)
  kDict,     // children: key0, value0, key1, value1, ...
  kAttr,     // children[0].name
  kItem,     // children[0][children[1]]
  kSlice,    // children[0][children[1]:children[2]:children[3]] (missing parts are null)
  kCall,     // children[0](args)
  kFilter,   // children[0] | name(args); builtin = filter id
  kTest,     // children[0] is [not] name(args); builtin = test id
  kUnary,    // name ("-" or "+") children[0]
  kNot,      // not children[0]
  kBinary,   // children[0] name children[1]; name is the operator token
  kConcat,   // children joined with ~
  kCompare,  // children[0] ops[0] children[1] ops[1] children[2] ... (Python chaining)
  kAnd,      // children[0] and children[1]
  kOr,       // children[0] or children[1]
  kCond,     // children[0] if children[1] else children[2] (children[2] may be null)
};

struct Arg {
  std::string name;  // empty for a positional argument
  ExprPtr value;
};

struct Expr {
  ExprKind kind;
  size_t offset = 0;  // byte offset in the template source
  Doc literal;
  std::string name;
  std::vector<ExprPtr> children;
  std::vector<std::string> ops;
  std::vector<Arg> args;
  int builtin = -1;
  bool negated = false;
};

enum class NodeKind {
  kText,      // text
  kOutput,    // {{ expr }}
  kIf,        // branches, else_body
  kFor,       // {% for targets in expr [if filter] %} body {% else %} else_body
  kSet,       // {% set targets = expr %}
  kSetBlock,  // {% set targets[0] %} body {% endset %}
  kSetAttr,   // {% set targets[0].text = expr %} (a namespace() attribute)
  kBreak,     // {% break %} (loop controls)
  kContinue,  // {% continue %}
};

struct Node;

struct Branch {
  ExprPtr condition;
  std::vector<Node> body;
};

struct Node {
  NodeKind kind;
  size_t offset = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr filter;
  std::vector<std::string> targets;
  std::vector<Branch> branches;
  std::vector<Node> body;
  std::vector<Node> else_body;
};

struct Program {
  std::string source;
  Options options;
  std::vector<Node> nodes;
  // Set when the template is one {{ expr }} with only whitespace around it.
  const Expr* single_expression = nullptr;
};

}  // namespace mnemo::jinja

#endif  // MNEMO_TASKS_JINJA_AST_H_
