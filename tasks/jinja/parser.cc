#include "tasks/jinja/parser.h"

#include <string>
#include <utility>
#include <vector>

#include "tasks/jinja/builtins.h"
#include "tasks/jinja/lexer.h"
#include "tasks/jinja/pyvalue.h"

namespace mnemo::jinja {
namespace {

std::string At(size_t offset) {
  return " at offset " + std::to_string(offset);
}

// Jinja2 tags outside the subset: refused as unsupported rather than unknown.
constexpr std::string_view kUnsupportedTags =
    "macro call filter include import from extends block with autoescape do break continue "
    "trans pluralize print endmacro endcall endfilter endblock endwith endautoescape endtrans";
constexpr std::string_view kEndTags = "elif else endif endfor endset endraw";

// Nesting bound so a pathological template cannot overflow the stack.
constexpr int kMaxDepth = 200;

class Parser {
 public:
  Parser(std::vector<Token> tokens, const Options& options)
      : toks_(std::move(tokens)), options_(options) {}

  Status ParseTemplate(std::vector<Node>* nodes) {
    std::string ended_by;
    size_t end_offset = 0;
    return ParseBody(nodes, {}, &ended_by, &end_offset);
  }

 private:
  using Ends = std::vector<std::string_view>;

  const Token& Cur() const { return toks_[pos_]; }
  const Token& Peek() const { return toks_[pos_ + 1 < toks_.size() ? pos_ + 1 : pos_]; }
  void Next() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool IsOp(std::string_view op) const { return Cur().kind == TokenKind::kOp && Cur().text == op; }
  bool IsName(std::string_view n) const {
    return Cur().kind == TokenKind::kName && Cur().text == n;
  }

  Status Unexpected(std::string_view expected = "") const {
    std::string msg = "unexpected " + Describe(Cur()) + At(Cur().offset);
    if (!expected.empty()) msg += " (expected " + std::string(expected) + ")";
    return Status::InvalidArgument(msg);
  }
  Status ExpectOp(std::string_view op) {
    if (!IsOp(op)) return Unexpected("'" + std::string(op) + "'");
    Next();
    return Status::Ok();
  }
  Status ExpectKind(TokenKind kind, std::string_view what) {
    if (Cur().kind != kind) return Unexpected(what);
    Next();
    return Status::Ok();
  }

  static ExprPtr Make(ExprKind kind, size_t offset) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->offset = offset;
    return e;
  }

  // Puts a new node of `kind` in *node's place, with *node as its first child; returns it.
  static Expr* Wrap(ExprKind kind, size_t offset, ExprPtr* node) {
    auto e = Make(kind, offset);
    e->children.push_back(std::move(*node));
    *node = std::move(e);
    return node->get();
  }

  // ---- statements ----

  // Parses nodes until one of `ends` opens a tag (consumed up to and including its name) or
  // the input ends (*ended_by empty).
  Status ParseBody(std::vector<Node>* out, const Ends& ends, std::string* ended_by,
                   size_t* end_offset) {
    ended_by->clear();
    while (Cur().kind != TokenKind::kEnd) {
      const Token& t = Cur();
      if (t.kind == TokenKind::kText) {
        Node n;
        n.kind = NodeKind::kText;
        n.offset = t.offset;
        n.text = t.text;
        out->push_back(std::move(n));
        Next();
        continue;
      }
      if (t.kind == TokenKind::kVarBegin) {
        Node n;
        n.kind = NodeKind::kOutput;
        n.offset = t.offset;
        Next();
        auto e = ParseTuple(true, false);
        if (!e.ok()) return e.status();
        n.expr = std::move(e).value();
        MNEMO_RETURN_IF_ERROR(ExpectKind(TokenKind::kVarEnd, "'}}'"));
        out->push_back(std::move(n));
        continue;
      }
      if (t.kind != TokenKind::kBlockBegin) return Unexpected();
      const size_t tag_offset = t.offset;
      Next();
      if (Cur().kind != TokenKind::kName) return Unexpected("a tag name after '{%'");
      const std::string name = Cur().text;
      for (auto e : ends) {
        if (e == name) {
          Next();
          *ended_by = name;
          *end_offset = tag_offset;
          return Status::Ok();
        }
      }
      if (name == "if") {
        MNEMO_RETURN_IF_ERROR(ParseIf(tag_offset, out));
      } else if (name == "for") {
        MNEMO_RETURN_IF_ERROR(ParseFor(tag_offset, out));
      } else if (name == "set") {
        MNEMO_RETURN_IF_ERROR(ParseSet(tag_offset, out));
      } else if ((name == "break" || name == "continue") && options_.loop_controls) {
        if (loop_depth_ == 0) {
          return Status::InvalidArgument("'{% " + name + " %}' outside a loop" + At(tag_offset));
        }
        Next();
        MNEMO_RETURN_IF_ERROR(ExpectKind(TokenKind::kBlockEnd, "'%}'"));
        Node n;
        n.kind = name == "break" ? NodeKind::kBreak : NodeKind::kContinue;
        n.offset = tag_offset;
        out->push_back(std::move(n));
      } else if (InWordList(kUnsupportedTags, name)) {
        return Status::Unsupported("unsupported Jinja construct '{% " + name + "'" +
                                   At(tag_offset));
      } else if (InWordList(kEndTags, name)) {
        return Status::InvalidArgument("unexpected '{% " + name + "'" + At(tag_offset));
      } else {
        return Status::InvalidArgument("unknown Jinja tag '{% " + name + "'" + At(tag_offset));
      }
    }
    return Status::Ok();
  }

  static Status Unclosed(std::string_view tag, size_t offset, std::string_view expected) {
    return Status::InvalidArgument("unclosed '{% " + std::string(tag) + "' opened" + At(offset) +
                                   ": expected " + std::string(expected) +
                                   " before the end of the template");
  }

  Status ParseIf(size_t offset, std::vector<Node>* out) {
    Next();  // if
    Node n;
    n.kind = NodeKind::kIf;
    n.offset = offset;
    std::string ended_by = "if";
    while (ended_by == "if" || ended_by == "elif") {
      auto cond = ParseTuple(false, false);
      if (!cond.ok()) return cond.status();
      MNEMO_RETURN_IF_ERROR(ExpectKind(TokenKind::kBlockEnd, "'%}'"));
      Branch b;
      b.condition = std::move(cond).value();
      size_t end_offset;
      MNEMO_RETURN_IF_ERROR(ParseBody(&b.body, {"elif", "else", "endif"}, &ended_by, &end_offset));
      n.branches.push_back(std::move(b));
    }
    if (ended_by == "else") {
      MNEMO_RETURN_IF_ERROR(ExpectKind(TokenKind::kBlockEnd, "'%}'"));
      size_t end_offset;
      MNEMO_RETURN_IF_ERROR(ParseBody(&n.else_body, {"endif"}, &ended_by, &end_offset));
    }
    if (ended_by != "endif") return Unclosed("if", offset, "'{% endif %}'");
    MNEMO_RETURN_IF_ERROR(ExpectKind(TokenKind::kBlockEnd, "'%}'"));
    out->push_back(std::move(n));
    return Status::Ok();
  }

  // Names, optionally parenthesized and comma-separated: `x`, `k, v`, `(k, v)`.
  Status ParseTargets(std::vector<std::string>* targets, bool for_set) {
    const bool parens = IsOp("(");
    if (parens) Next();
    while (true) {
      if (Cur().kind != TokenKind::kName) return Unexpected("a variable name");
      targets->push_back(Cur().text);
      const size_t name_offset = Cur().offset;
      Next();
      if (for_set && IsOp(".")) {
        if (targets->size() != 1 || parens) {
          return Status::Unsupported(
              "unsupported Jinja construct 'attribute assignment in a tuple' (set a, x.attr)" +
              At(name_offset));
        }
        return Status::Ok();  // ParseSet reads `.attr`
      }
      if (!IsOp(",")) break;
      Next();
    }
    if (parens) MNEMO_RETURN_IF_ERROR(ExpectOp(")"));
    return Status::Ok();
  }

  Status ParseFor(size_t offset, std::vector<Node>* out) {
    Next();  // for
    Node n;
    n.kind = NodeKind::kFor;
    n.offset = offset;
    MNEMO_RETURN_IF_ERROR(ParseTargets(&n.targets, false));
    if (!IsName("in")) return Unexpected("'in'");
    Next();
    auto iter = ParseTuple(false, false);
    if (!iter.ok()) return iter.status();
    n.expr = std::move(iter).value();
    if (IsName("if")) {
      Next();
      MNEMO_RETURN_IF_ERROR(ParseExpressionTo(&n.filter));
    }
    if (IsName("recursive")) {
      return Status::Unsupported("unsupported Jinja construct 'recursive' loop" + At(Cur().offset));
    }
    MNEMO_RETURN_IF_ERROR(ExpectKind(TokenKind::kBlockEnd, "'%}'"));
    std::string ended_by;
    size_t end_offset;
    ++loop_depth_;
    Status body = ParseBody(&n.body, {"else", "endfor"}, &ended_by, &end_offset);
    --loop_depth_;
    MNEMO_RETURN_IF_ERROR(body);
    if (ended_by == "else") {
      MNEMO_RETURN_IF_ERROR(ExpectKind(TokenKind::kBlockEnd, "'%}'"));
      MNEMO_RETURN_IF_ERROR(ParseBody(&n.else_body, {"endfor"}, &ended_by, &end_offset));
    }
    if (ended_by != "endfor") return Unclosed("for", offset, "'{% endfor %}'");
    MNEMO_RETURN_IF_ERROR(ExpectKind(TokenKind::kBlockEnd, "'%}'"));
    out->push_back(std::move(n));
    return Status::Ok();
  }

  Status ParseSet(size_t offset, std::vector<Node>* out) {
    Next();  // set
    Node n;
    n.offset = offset;
    MNEMO_RETURN_IF_ERROR(ParseTargets(&n.targets, true));
    // `= expr %}` has been read up to the value: parse it and close the block.
    auto finish = [&](NodeKind kind) -> Status {
      n.kind = kind;
      auto value = ParseTuple(true, false);
      if (!value.ok()) return value.status();
      n.expr = std::move(value).value();
      MNEMO_RETURN_IF_ERROR(ExpectKind(TokenKind::kBlockEnd, "'%}'"));
      out->push_back(std::move(n));
      return Status::Ok();
    };
    if (IsOp(".")) {
      // {% set ns.attr = expr %}: Jinja2 allows it on namespace() objects only.
      Next();
      if (Cur().kind != TokenKind::kName) return Unexpected("an attribute name after '.'");
      n.text = Cur().text;
      Next();
      if (!IsOp("=")) {
        return Status::Unsupported("unsupported Jinja construct '{% set x.attr %} block'" +
                                   At(offset));
      }
      Next();
      return finish(NodeKind::kSetAttr);
    }
    if (IsOp("=")) {
      Next();
      return finish(NodeKind::kSet);
    }
    if (IsOp("|")) {
      return Status::Unsupported("unsupported Jinja construct 'filtered {% set %} block'" +
                                 At(Cur().offset));
    }
    if (Cur().kind != TokenKind::kBlockEnd) return Unexpected("'=' or '%}'");
    if (n.targets.size() != 1) {
      return Status::InvalidArgument("a '{% set %}' block assigns one name" + At(offset));
    }
    Next();
    n.kind = NodeKind::kSetBlock;
    std::string ended_by;
    size_t end_offset;
    MNEMO_RETURN_IF_ERROR(ParseBody(&n.body, {"endset"}, &ended_by, &end_offset));
    if (ended_by != "endset") return Unclosed("set", offset, "'{% endset %}'");
    MNEMO_RETURN_IF_ERROR(ExpectKind(TokenKind::kBlockEnd, "'%}'"));
    out->push_back(std::move(n));
    return Status::Ok();
  }

  // ---- expressions (precedence as in jinja2/parser.py, loosest first) ----

  bool IsTupleEnd() const {
    return Cur().kind == TokenKind::kVarEnd || Cur().kind == TokenKind::kBlockEnd || IsOp(")");
  }

  // `a, b` makes a tuple (represented as a list); `explicit_parens` allows `()`.
  Result<ExprPtr> ParseTuple(bool condexpr, bool explicit_parens) {
    const size_t offset = Cur().offset;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) MNEMO_RETURN_IF_ERROR(ExpectOp(","));
      if (IsTupleEnd()) break;
      auto e = ParseExpression(condexpr);
      if (!e.ok()) return e.status();
      items.push_back(std::move(e).value());
      if (IsOp(",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parens) return Unexpected("an expression");
    }
    auto t = Make(ExprKind::kTuple, offset);
    t->children = std::move(items);
    return t;
  }

  Result<ExprPtr> ParseExpression(bool condexpr) { return condexpr ? ParseCondExpr() : ParseOr(); }
  // A full expression (conditional included) into *out.
  Status ParseExpressionTo(ExprPtr* out) {
    auto e = ParseCondExpr();
    if (!e.ok()) return e.status();
    *out = std::move(e).value();
    return Status::Ok();
  }

  Result<ExprPtr> ParseCondExpr() {
    auto e1 = ParseOr();
    if (!e1.ok()) return e1;
    ExprPtr node = std::move(e1).value();
    while (IsName("if")) {
      const size_t offset = Cur().offset;
      Next();
      auto cond = ParseOr();
      if (!cond.ok()) return cond;
      auto c = Make(ExprKind::kCond, offset);
      c->children.push_back(std::move(node));
      c->children.push_back(std::move(cond).value());
      if (IsName("else")) {
        Next();
        auto e3 = ParseCondExpr();
        if (!e3.ok()) return e3;
        c->children.push_back(std::move(e3).value());
      } else {
        c->children.push_back(nullptr);
      }
      node = std::move(c);
    }
    return node;
  }

  Result<ExprPtr> ParseOr() { return ParseLogical("or", ExprKind::kOr, &Parser::ParseAnd); }
  Result<ExprPtr> ParseAnd() { return ParseLogical("and", ExprKind::kAnd, &Parser::ParseNot); }

  Result<ExprPtr> ParseLogical(std::string_view word, ExprKind kind,
                               Result<ExprPtr> (Parser::*operand)()) {
    auto left = (this->*operand)();
    if (!left.ok()) return left;
    ExprPtr node = std::move(left).value();
    while (IsName(word)) {
      const size_t offset = Cur().offset;
      Next();
      auto right = (this->*operand)();
      if (!right.ok()) return right;
      auto e = Make(kind, offset);
      e->children.push_back(std::move(node));
      e->children.push_back(std::move(right).value());
      node = std::move(e);
    }
    return node;
  }

  Result<ExprPtr> ParseNot() {
    if (IsName("not")) {
      DepthGuard guard(this);
      if (depth_ > kMaxDepth) return TooDeep();
      const size_t offset = Cur().offset;
      Next();
      auto operand = ParseNot();
      if (!operand.ok()) return operand;
      auto e = Make(ExprKind::kNot, offset);
      e->children.push_back(std::move(operand).value());
      return e;
    }
    return ParseCompare();
  }

  Result<ExprPtr> ParseCompare() {
    const size_t offset = Cur().offset;
    auto first = ParseMath1();
    if (!first.ok()) return first;
    ExprPtr node = std::move(first).value();
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (Cur().kind == TokenKind::kOp &&
          (Cur().text == "==" || Cur().text == "!=" || Cur().text == "<" || Cur().text == "<=" ||
           Cur().text == ">" || Cur().text == ">=")) {
        op = Cur().text;
        Next();
      } else if (IsName("in")) {
        op = "in";
        Next();
      } else if (IsName("not") && Peek().kind == TokenKind::kName && Peek().text == "in") {
        op = "not in";
        Next();
        Next();
      } else {
        break;
      }
      auto operand = ParseMath1();
      if (!operand.ok()) return operand;
      if (!cmp) {
        cmp = Make(ExprKind::kCompare, offset);
        cmp->children.push_back(std::move(node));
      }
      cmp->ops.push_back(op);
      cmp->children.push_back(std::move(operand).value());
    }
    return cmp ? std::move(cmp) : std::move(node);
  }

  Result<ExprPtr> ParseBinary(const std::vector<std::string_view>& ops,
                              Result<ExprPtr> (Parser::*operand)()) {
    auto left = (this->*operand)();
    if (!left.ok()) return left;
    ExprPtr node = std::move(left).value();
    while (Cur().kind == TokenKind::kOp) {
      bool match = false;
      for (auto op : ops) match = match || Cur().text == op;
      if (!match) break;
      auto e = Make(ExprKind::kBinary, Cur().offset);
      e->name = Cur().text;
      Next();
      auto right = (this->*operand)();
      if (!right.ok()) return right;
      e->children.push_back(std::move(node));
      e->children.push_back(std::move(right).value());
      node = std::move(e);
    }
    return node;
  }

  Result<ExprPtr> ParseMath1() { return ParseBinary({"+", "-"}, &Parser::ParseConcat); }

  Result<ExprPtr> ParseConcat() {
    const size_t offset = Cur().offset;
    auto first = ParseMath2();
    if (!first.ok()) return first;
    if (!IsOp("~")) return first;
    auto e = Make(ExprKind::kConcat, offset);
    e->children.push_back(std::move(first).value());
    while (IsOp("~")) {
      Next();
      auto next = ParseMath2();
      if (!next.ok()) return next;
      e->children.push_back(std::move(next).value());
    }
    return e;
  }

  Result<ExprPtr> ParseMath2() { return ParseBinary({"*", "/", "//", "%"}, &Parser::ParsePow); }
  Result<ExprPtr> ParsePow() { return ParseBinary({"**"}, &Parser::ParseUnaryFiltered); }
  Result<ExprPtr> ParseUnaryFiltered() { return ParseUnary(true); }

  struct DepthGuard {
    explicit DepthGuard(Parser* p) : parser(p) { ++parser->depth_; }
    ~DepthGuard() { --parser->depth_; }
    Parser* parser;
  };
  Status TooDeep() const {
    return Status::InvalidArgument("expression nested too deeply" + At(Cur().offset));
  }

  Result<ExprPtr> ParseUnary(bool with_filter) {
    DepthGuard guard(this);
    if (depth_ > kMaxDepth) return TooDeep();
    ExprPtr node;
    if (IsOp("-") || IsOp("+")) {
      auto e = Make(ExprKind::kUnary, Cur().offset);
      e->name = Cur().text;
      Next();
      auto operand = ParseUnary(false);
      if (!operand.ok()) return operand;
      e->children.push_back(std::move(operand).value());
      node = std::move(e);
    } else {
      auto p = ParsePrimary();
      if (!p.ok()) return p;
      node = std::move(p).value();
    }
    auto post = ParsePostfix(std::move(node));
    if (!post.ok() || !with_filter) return post;
    return ParseFilterExpr(std::move(post).value());
  }

  Result<ExprPtr> ParsePrimary() {
    const Token& t = Cur();
    const size_t offset = t.offset;
    switch (t.kind) {
      case TokenKind::kName: {
        auto e = Make(ExprKind::kLiteral, offset);
        if (t.text == "true" || t.text == "True") {
          e->literal = true;
        } else if (t.text == "false" || t.text == "False") {
          e->literal = false;
        } else if (t.text == "none" || t.text == "None") {
          e->literal = nullptr;
        } else {
          e->kind = ExprKind::kName;
          e->name = t.text;
        }
        Next();
        return e;
      }
      case TokenKind::kString: {
        // Adjacent string literals concatenate, as in Python.
        std::string s;
        while (Cur().kind == TokenKind::kString) {
          s += Cur().text;
          Next();
        }
        auto e = Make(ExprKind::kLiteral, offset);
        e->literal = std::move(s);
        return e;
      }
      case TokenKind::kInt: {
        auto e = Make(ExprKind::kLiteral, offset);
        e->literal = t.int_value;
        Next();
        return e;
      }
      case TokenKind::kFloat: {
        auto e = Make(ExprKind::kLiteral, offset);
        e->literal = t.float_value;
        Next();
        return e;
      }
      default:
        break;
    }
    if (IsOp("(")) {
      Next();
      auto inner = ParseTuple(true, true);
      if (!inner.ok()) return inner;
      MNEMO_RETURN_IF_ERROR(ExpectOp(")"));
      return inner;
    }
    if (IsOp("[") || IsOp("{")) {
      const bool is_list = IsOp("[");
      const std::string close = is_list ? "]" : "}";
      auto e = Make(is_list ? ExprKind::kList : ExprKind::kDict, offset);
      Next();
      while (!IsOp(close)) {
        if (!e->children.empty()) {
          MNEMO_RETURN_IF_ERROR(ExpectOp(","));
          if (IsOp(close)) break;
        }
        MNEMO_RETURN_IF_ERROR(ParseExpressionTo(&e->children.emplace_back()));
        if (!is_list) {
          MNEMO_RETURN_IF_ERROR(ExpectOp(":"));
          MNEMO_RETURN_IF_ERROR(ParseExpressionTo(&e->children.emplace_back()));
        }
      }
      Next();
      return e;
    }
    return Unexpected("an expression");
  }

  Result<ExprPtr> ParsePostfix(ExprPtr node) {
    while (true) {
      if (IsOp(".")) {
        const size_t offset = Cur().offset;
        Next();
        if (Cur().kind == TokenKind::kName) {
          Wrap(ExprKind::kAttr, offset, &node)->name = Cur().text;
          Next();
        } else if (Cur().kind == TokenKind::kInt) {
          // `a.0` is a[0] in Jinja.
          auto index = Make(ExprKind::kLiteral, Cur().offset);
          index->literal = Cur().int_value;
          Wrap(ExprKind::kItem, offset, &node)->children.push_back(std::move(index));
          Next();
        } else {
          return Unexpected("an attribute name after '.'");
        }
      } else if (IsOp("[")) {
        MNEMO_RETURN_IF_ERROR(ParseSubscript(&node));
      } else if (IsOp("(")) {
        MNEMO_RETURN_IF_ERROR(ParseCall(&node));
      } else {
        return node;
      }
    }
  }

  // The Parse* below that take `ExprPtr* node` parse what follows it and put the node they make
  // of it (with *node as its first child) in its place.
  Status ParseSubscript(ExprPtr* node) {
    const size_t offset = Cur().offset;
    Next();  // [
    ExprPtr start;
    if (!IsOp(":")) {
      MNEMO_RETURN_IF_ERROR(ParseExpressionTo(&start));
      if (!IsOp(":")) {
        if (IsOp(",")) {
          return Status::Unsupported("unsupported Jinja construct 'tuple subscript a[x, y]'" +
                                     At(Cur().offset));
        }
        MNEMO_RETURN_IF_ERROR(ExpectOp("]"));
        Wrap(ExprKind::kItem, offset, node)->children.push_back(std::move(start));
        return Status::Ok();
      }
    }
    Next();  // :
    ExprPtr stop, step;
    if (!IsOp("]") && !IsOp(",") && !IsOp(":")) {
      MNEMO_RETURN_IF_ERROR(ParseExpressionTo(&stop));
    }
    if (IsOp(":")) {
      Next();
      if (!IsOp("]") && !IsOp(",")) {
        MNEMO_RETURN_IF_ERROR(ParseExpressionTo(&step));
      }
    }
    if (IsOp(",")) {
      return Status::Unsupported("unsupported Jinja construct 'tuple subscript a[x, y]'" +
                                 At(Cur().offset));
    }
    MNEMO_RETURN_IF_ERROR(ExpectOp("]"));
    Expr* e = Wrap(ExprKind::kSlice, offset, node);
    e->children.push_back(std::move(start));
    e->children.push_back(std::move(stop));
    e->children.push_back(std::move(step));
    return Status::Ok();
  }

  Status ParseArgs(std::vector<Arg>* args) {
    Next();  // (
    while (!IsOp(")")) {
      if (!args->empty()) {
        MNEMO_RETURN_IF_ERROR(ExpectOp(","));
        if (IsOp(")")) break;
      }
      if (IsOp("*") || IsOp("**")) {
        return Status::Unsupported("unsupported Jinja construct '*args/**kwargs in a call'" +
                                   At(Cur().offset));
      }
      Arg a;
      if (Cur().kind == TokenKind::kName && Peek().kind == TokenKind::kOp && Peek().text == "=") {
        a.name = Cur().text;
        Next();
        Next();
      } else {
        for (const auto& prev : *args) {
          if (!prev.name.empty()) {
            return Status::InvalidArgument("positional argument follows keyword argument" +
                                           At(Cur().offset));
          }
        }
      }
      MNEMO_RETURN_IF_ERROR(ParseExpressionTo(&a.value));
      args->push_back(std::move(a));
    }
    Next();  // )
    return Status::Ok();
  }

  Status ParseCall(ExprPtr* callee) {
    return ParseArgs(&Wrap(ExprKind::kCall, Cur().offset, callee)->args);
  }

  Result<std::string> ParseDottedName() {
    if (Cur().kind != TokenKind::kName) return Unexpected("a name");
    std::string name = Cur().text;
    Next();
    while (IsOp(".") && Peek().kind == TokenKind::kName) {
      Next();
      name += "." + Cur().text;
      Next();
    }
    return name;
  }

  // The name of a filter or test, resolved with `find`; a name outside the subset is refused, as
  // unsupported when `is_jinja` knows it, else as unknown.
  Status ParseBuiltinName(std::string_view what, int (*find)(std::string_view),
                          bool (*is_jinja)(std::string_view), Expr* e) {
    const size_t name_offset = Cur().offset;
    auto name = ParseDottedName();
    if (!name.ok()) return name.status();
    e->name = *name;
    e->builtin = find(*name);
    if (e->builtin >= 0) return Status::Ok();
    const std::string quoted = std::string(what) + " '" + *name + "'" + At(name_offset);
    if (is_jinja(*name)) return Status::Unsupported("unsupported Jinja " + quoted);
    return Status::InvalidArgument("unknown " + quoted);
  }

  Result<ExprPtr> ParseFilterExpr(ExprPtr node) {
    while (true) {
      if (IsOp("|")) {
        const size_t offset = Cur().offset;
        Next();
        Expr* e = Wrap(ExprKind::kFilter, offset, &node);
        const size_t name_offset = Cur().offset;
        MNEMO_RETURN_IF_ERROR(ParseBuiltinName("filter", FindFilter, IsJinjaFilter, e));
        if (e->name == "tojson" && !options_.chat_globals) {
          // Jinja2's own tojson is HTML-safe (escapes <, >, &, '); only transformers' is here.
          return Status::Unsupported("unsupported Jinja filter 'tojson' outside chat templates" +
                                     At(name_offset));
        }
        if (IsOp("(")) MNEMO_RETURN_IF_ERROR(ParseArgs(&e->args));
      } else if (IsName("is")) {
        MNEMO_RETURN_IF_ERROR(ParseTest(&node));
      } else if (IsOp("(")) {
        MNEMO_RETURN_IF_ERROR(ParseCall(&node));
      } else {
        return node;
      }
    }
  }

  Status ParseTest(ExprPtr* node) {
    Expr* e = Wrap(ExprKind::kTest, Cur().offset, node);
    Next();  // is
    if (IsName("not")) {
      e->negated = true;
      Next();
    }
    MNEMO_RETURN_IF_ERROR(ParseBuiltinName("test", FindTest, IsJinjaTest, e));
    if (IsOp("(")) {
      MNEMO_RETURN_IF_ERROR(ParseArgs(&e->args));
    } else if ((Cur().kind == TokenKind::kName || Cur().kind == TokenKind::kString ||
                Cur().kind == TokenKind::kInt || Cur().kind == TokenKind::kFloat || IsOp("[") ||
                IsOp("{")) &&
               !IsName("else") && !IsName("or") && !IsName("and")) {
      // `x is divisibleby 3`: one argument without parentheses.
      if (IsName("is")) return Unexpected("a test argument (tests cannot be chained)");
      auto arg = ParsePrimary();
      if (!arg.ok()) return arg.status();
      auto post = ParsePostfix(std::move(arg).value());
      if (!post.ok()) return post.status();
      Arg a;
      a.value = std::move(post).value();
      e->args.push_back(std::move(a));
    }
    return Status::Ok();
  }

  std::vector<Token> toks_;
  Options options_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;  // open {% for %} bodies (break/continue are legal inside one)
};

bool IsBlank(const std::string& s) {
  for (uint32_t c : py::Decode(s)) {
    if (!py::IsSpace(c)) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Program>> ParseProgram(std::string_view source, const Options& options) {
  std::string_view lexed = source;
  if (!options.keep_trailing_newline) {
    // Jinja2 drops one trailing newline ("\n", "\r\n" or "\r") of the source before lexing.
    if (lexed.size() >= 2 && lexed.substr(lexed.size() - 2) == "\r\n") {
      lexed.remove_suffix(2);
    } else if (!lexed.empty() && (lexed.back() == '\n' || lexed.back() == '\r')) {
      lexed.remove_suffix(1);
    }
  }
  auto tokens = Lex(lexed, LexOptions{options.trim_blocks, options.lstrip_blocks});
  if (!tokens.ok()) return tokens.status();
  auto program = std::make_unique<Program>();
  program->source = std::string(source);
  program->options = options;
  Parser parser(std::move(tokens).value(), options);
  MNEMO_RETURN_IF_ERROR(parser.ParseTemplate(&program->nodes));
  const Expr* single = nullptr;
  int outputs = 0;
  for (const auto& n : program->nodes) {
    if (n.kind == NodeKind::kOutput) {
      ++outputs;
      single = n.expr.get();
    } else if (n.kind != NodeKind::kText || !IsBlank(n.text)) {
      outputs = 2;  // anything else disqualifies
    }
  }
  if (outputs == 1) program->single_expression = single;
  return program;
}

}  // namespace mnemo::jinja
