#include "tasks/jinja/template.h"

#include <ctime>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "tasks/jinja/ast.h"
#include "tasks/jinja/builtins.h"
#include "tasks/jinja/parser.h"
#include "tasks/jinja/pyvalue.h"
#include "tasks/jinja/value.h"

namespace mnemo::jinja {
namespace {

using Json = Doc;

std::string At(size_t offset) {
  return " at offset " + std::to_string(offset);
}

// Adds the expression offset to an error from a builtin, unless the message already has one
// (errors raised by an undefined value carry the offset of the undefined name).
Status Annotate(const Status& s, size_t offset) {
  if (s.message().find(" at offset ") != std::string::npos) return s;
  return Status(s.code(), s.message() + At(offset));
}

Status Undef(const Value& v) {
  return Status::InvalidArgument(v.why());
}

// Functions Jinja2 provides that this subset does not.
bool IsJinjaGlobal(std::string_view name) {
  return name == "dict" || name == "lipsum" || name == "cycler" || name == "joiner" ||
         name == "super" || name == "caller" || name == "self";
}

class Evaluator {
 public:
  Evaluator(const Json& context, const Options& options) : context_(context), options_(options) {
    frames_.push_back(0);
  }

  Status Render(const std::vector<Node>& nodes, std::string& out) {
    for (const Node& n : nodes) {
      if (loop_signal_ != LoopSignal::kNone) break;  // a {% break %}/{% continue %} unwinds
      switch (n.kind) {
        case NodeKind::kBreak:
          loop_signal_ = LoopSignal::kBreak;
          break;
        case NodeKind::kContinue:
          loop_signal_ = LoopSignal::kContinue;
          break;
        case NodeKind::kSetAttr:
          MNEMO_RETURN_IF_ERROR(SetAttr(n));
          break;
        case NodeKind::kText:
          out += n.text;
          break;
        case NodeKind::kOutput: {
          auto v = Eval(*n.expr);
          if (!v.ok()) return v.status();
          if (v->strict_undefined()) return Undef(*v);
          if (v->defined()) py::AppendStr(v->json(), out);
          break;
        }
        case NodeKind::kIf:
          MNEMO_RETURN_IF_ERROR(RenderIf(n, out));
          break;
        case NodeKind::kFor:
          MNEMO_RETURN_IF_ERROR(RenderFor(n, out));
          break;
        case NodeKind::kSet: {
          auto v = Eval(*n.expr);
          if (!v.ok()) return v.status();
          MNEMO_RETURN_IF_ERROR(AssignTargets(n.targets, std::move(v).value(), n.offset, true));
          break;
        }
        case NodeKind::kSetBlock: {
          std::string text;
          MNEMO_RETURN_IF_ERROR(Render(n.body, text));
          Assign(n.targets[0], Value::Own(Json(std::move(text))));
          break;
        }
      }
    }
    return Status::Ok();
  }

  Result<Value> Eval(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kLiteral:
        return Value::Borrow(e.literal);
      case ExprKind::kName:
        return Lookup(e.name, e.offset);
      case ExprKind::kList:
      case ExprKind::kTuple: {
        Json out = Json::array();
        for (const auto& c : e.children) {
          auto v = EvalDefined(*c);
          if (!v.ok()) return v;
          out.push_back(std::move(v).value().Take());
        }
        return Value::Own(std::move(out));
      }
      case ExprKind::kDict: {
        Json out = Json::object();
        for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
          auto k = EvalDefined(*e.children[i]);
          if (!k.ok()) return k;
          if (!k->json().is_string()) {
            return Status::InvalidArgument(std::string("dict literal keys must be str, not ") +
                                           py::TypeName(k->json()) + At(e.children[i]->offset));
          }
          auto v = EvalDefined(*e.children[i + 1]);
          if (!v.ok()) return v;
          out[k->json().get<std::string>()] = std::move(v).value().Take();
        }
        return Value::Own(std::move(out));
      }
      case ExprKind::kAttr: {
        auto obj = EvalDefined(*e.children[0]);
        if (!obj.ok()) return obj;
        return GetAttr(*obj, e.name, e.offset);
      }
      case ExprKind::kItem: {
        auto obj = EvalDefined(*e.children[0]);
        if (!obj.ok()) return obj;
        auto key = EvalDefined(*e.children[1]);
        if (!key.ok()) return key;
        return GetItem(*obj, key->json(), e.offset);
      }
      case ExprKind::kSlice:
        return EvalSlice(e);
      case ExprKind::kCall:
        return EvalCall(e);
      case ExprKind::kFilter: {
        auto subject = Eval(*e.children[0]);
        if (!subject.ok()) return subject;
        auto args = EvalArgs(e.args);
        if (!args.ok()) return args.status();
        auto r = ApplyFilter(e.builtin, std::move(subject).value(), *args);
        if (!r.ok()) return Annotate(r.status(), e.offset);
        if (r->strict_undefined() && r->why().find(" at offset ") == std::string::npos) {
          return Value::Undefined(r->why() + At(e.offset));  // e.g. first() of an empty list
        }
        return r;
      }
      case ExprKind::kTest: {
        auto subject = Eval(*e.children[0]);
        if (!subject.ok()) return subject;
        auto args = EvalArgs(e.args);
        if (!args.ok()) return args.status();
        auto r = ApplyTest(e.builtin, *subject, *args);
        if (!r.ok()) return Annotate(r.status(), e.offset);
        return Value::Own(Json(*r != e.negated));
      }
      case ExprKind::kUnary: {
        auto v = EvalDefined(*e.children[0]);
        if (!v.ok()) return v;
        auto r = py::Negate(v->json(), e.name == "-");
        if (!r.ok()) return Annotate(r.status(), e.offset);
        return Value::Own(std::move(r).value());
      }
      case ExprKind::kNot: {
        auto t = EvalTruth(*e.children[0]);
        if (!t.ok()) return t.status();
        return Value::Own(Json(!*t));
      }
      case ExprKind::kBinary: {
        auto a = EvalDefined(*e.children[0]);
        if (!a.ok()) return a;
        auto b = EvalDefined(*e.children[1]);
        if (!b.ok()) return b;
        auto r = py::Arith(e.name, a->json(), b->json());
        if (!r.ok()) return Annotate(r.status(), e.offset);
        return Value::Own(std::move(r).value());
      }
      case ExprKind::kConcat: {
        std::string out;
        for (const auto& c : e.children) {
          auto v = Eval(*c);
          if (!v.ok()) return v;
          if (v->strict_undefined()) return Undef(*v);
          if (v->defined()) py::AppendStr(v->json(), out);
        }
        return Value::Own(Json(std::move(out)));
      }
      case ExprKind::kCompare:
        return EvalCompare(e);
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        // Python semantics: the result is one of the operands, not a bool.
        auto a = Eval(*e.children[0]);
        if (!a.ok()) return a;
        auto t = Truth(*a);
        if (!t.ok()) return t.status();
        if (*t == (e.kind == ExprKind::kOr)) return a;
        return Eval(*e.children[1]);
      }
      case ExprKind::kCond: {
        auto t = EvalTruth(*e.children[1]);
        if (!t.ok()) return t.status();
        if (*t) return Eval(*e.children[0]);
        if (e.children[2]) return Eval(*e.children[2]);
        // Jinja2 yields a plain (non-strict) Undefined here, which renders as "".
        return Value::Undefined(
            "the inline if-expression evaluated to false and has no else section" + At(e.offset),
            false);
      }
    }
    return Status::Internal("unknown expression kind" + At(e.offset));
  }

 private:
  Result<Value> EvalDefined(const Expr& e) {
    auto v = Eval(e);
    if (v.ok() && !v->defined()) return Undef(*v);
    return v;
  }

  Result<bool> Truth(const Value& v) {
    if (v.strict_undefined()) return Undef(v);
    if (v.lenient_undefined()) return false;
    return py::Truthy(v.json());
  }

  Result<bool> EvalTruth(const Expr& e) {
    auto v = Eval(e);
    if (!v.ok()) return v.status();
    return Truth(*v);
  }

  Result<CallArgs> EvalArgs(const std::vector<Arg>& args) {
    CallArgs out;
    for (const Arg& a : args) {
      auto v = Eval(*a.value);
      if (!v.ok()) return v.status();
      if (a.name.empty()) {
        out.positional.push_back(std::move(v).value());
      } else {
        out.keyword.emplace_back(a.name, std::move(v).value());
      }
    }
    return out;
  }

  // A missing name, attribute or key: StrictUndefined (lm-eval) or Jinja2's default Undefined.
  Value Missing(std::string why) const {
    return Value::Undefined(std::move(why), !options_.lenient_undefined);
  }

  // {% set ns.attr = expr %}: assigns into the namespace() object named ns, in whichever scope
  // holds it (this is what namespace() is for: carrying state out of a loop body).
  Status SetAttr(const Node& n) {
    auto v = Eval(*n.expr);
    if (!v.ok()) return v.status();
    if (!v->defined())
      return Undef(v->strict_undefined()
                       ? *v
                       : Value::Undefined("cannot assign an undefined value" + At(n.offset)));
    const std::string& name = n.targets[0];
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first != name) continue;
      Json* ns = it->second.mutable_namespace();
      if (!ns) break;
      if (!ns->contains(n.text) && ns->size() >= Value::kNamespaceCapacity)
        return Status::Unsupported("a namespace() holds at most " +
                                   std::to_string(Value::kNamespaceCapacity) + " attributes" +
                                   At(n.offset));
      (*ns)[n.text] = std::move(v).value().Take();
      return Status::Ok();
    }
    return Status::InvalidArgument("cannot assign attribute '" + n.text + "' on '" + name +
                                   "': it is not a namespace() object" + At(n.offset));
  }

  Value Lookup(const std::string& name, size_t offset) const {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first != name) continue;
      if (!it->second.defined()) return it->second;
      return Value::Borrow(it->second.json());
    }
    if (context_.is_object()) {
      auto it = context_.find(name);
      if (it != context_.end()) return Value::Borrow(*it);
    }
    return Missing("undefined variable '" + name + "'" + At(offset));
  }

  // Assigns in the innermost scope (Jinja: a set inside a loop body does not leak out).
  void Assign(const std::string& name, Value v) {
    for (size_t i = frames_.back(); i < vars_.size(); ++i) {
      if (vars_[i].first == name) {
        vars_[i].second = std::move(v);
        return;
      }
    }
    vars_.emplace_back(name, std::move(v));
  }

  // `copy`: store an owned copy (set), rather than borrowing (loop variables, whose storage
  // outlives the iteration).
  Status AssignTargets(const std::vector<std::string>& targets, Value v, size_t offset, bool copy) {
    auto keep = [copy](Value x) {
      if (x.is_namespace()) return x;  // owned already; keeps its identity for set ns.attr
      return copy && x.defined() ? Value::Own(std::move(x).Take()) : std::move(x);
    };
    if (targets.size() == 1) {
      Assign(targets[0], keep(std::move(v)));
      return Status::Ok();
    }
    if (!v.defined()) return Undef(v);
    Json holder;
    const Json* seq = &v.json();
    if (seq->is_string()) {
      auto chars = py::ToList(*seq);
      if (!chars.ok()) return chars.status();
      holder = std::move(chars).value();
      seq = &holder;
      copy = true;
    }
    if (!seq->is_array()) {
      return Status::InvalidArgument(std::string("cannot unpack non-iterable ") +
                                     py::TypeName(*seq) + " object" + At(offset));
    }
    if (seq->size() != targets.size()) {
      return Status::InvalidArgument((seq->size() > targets.size()
                                          ? "too many values to unpack (expected "
                                          : "not enough values to unpack (expected ") +
                                     std::to_string(targets.size()) + ", got " +
                                     std::to_string(seq->size()) + ")" + At(offset));
    }
    for (size_t i = 0; i < targets.size(); ++i) {
      Assign(targets[i], copy ? Value::Own((*seq)[i]) : Value::Borrow((*seq)[i]));
    }
    return Status::Ok();
  }

  void PushFrame() { frames_.push_back(vars_.size()); }
  void PopFrame() {
    vars_.resize(frames_.back());
    frames_.pop_back();
  }

  Status RenderIf(const Node& n, std::string& out) {
    for (const Branch& b : n.branches) {
      auto t = EvalTruth(*b.condition);
      if (!t.ok()) return t.status();
      if (*t) return Render(b.body, out);
    }
    return Render(n.else_body, out);
  }

  Status RenderFor(const Node& n, std::string& out) {
    auto iterable = Eval(*n.expr);
    if (!iterable.ok()) return iterable.status();
    if (iterable->strict_undefined()) return Undef(*iterable);
    // Items are borrowed from `items` (or from what `iterable` borrows), which outlives the
    // loop; strings and dicts iterate as characters and keys.
    Json converted;
    const Json* items = &converted;
    if (iterable->lenient_undefined()) {
      converted = Json::array();
    } else if (iterable->json().is_array()) {
      items = &iterable->json();
    } else {
      auto list = py::ToList(iterable->json());
      if (!list.ok()) return Annotate(list.status(), n.expr->offset);
      converted = std::move(list).value();
    }
    std::vector<size_t> picked;
    picked.reserve(items->size());
    for (size_t i = 0; i < items->size(); ++i) {
      if (n.filter) {
        PushFrame();
        MNEMO_RETURN_IF_ERROR(
            AssignTargets(n.targets, Value::Borrow((*items)[i]), n.offset, false));
        auto keep = EvalTruth(*n.filter);
        PopFrame();
        if (!keep.ok()) return keep.status();
        if (!*keep) continue;
      }
      picked.push_back(i);
    }
    if (picked.empty()) {
      PushFrame();
      Status st = Render(n.else_body, out);
      PopFrame();
      return st;
    }
    const auto length = static_cast<int64_t>(picked.size());
    // One `loop` object per loop, updated in place: iterations only borrow it. Every key is
    // inserted before any reference is taken (an ordered object moves its members on insert).
    Json loop = {{"index", nullptr},     {"index0", nullptr}, {"revindex", nullptr},
                 {"revindex0", nullptr}, {"first", nullptr},  {"last", nullptr},
                 {"length", length},     {"depth", 1},        {"depth0", 0}};
    Json& index = loop["index"];
    Json& index0 = loop["index0"];
    Json& revindex = loop["revindex"];
    Json& revindex0 = loop["revindex0"];
    Json& first = loop["first"];
    Json& last = loop["last"];
    for (int64_t k = 0; k < length; ++k) {
      index = k + 1;
      index0 = k;
      revindex = length - k;
      revindex0 = length - k - 1;
      first = k == 0;
      last = k == length - 1;
      PushFrame();
      MNEMO_RETURN_IF_ERROR(
          AssignTargets(n.targets, Value::Borrow((*items)[picked[k]]), n.offset, false));
      Assign("loop", Value::Borrow(loop));
      MNEMO_RETURN_IF_ERROR(Render(n.body, out));
      PopFrame();
      const LoopSignal signal = loop_signal_;
      loop_signal_ = LoopSignal::kNone;
      if (signal == LoopSignal::kBreak) break;
    }
    return Status::Ok();
  }

  Result<Value> GetAttr(const Value& obj, const std::string& name, size_t offset) {
    const Json& j = obj.json();
    if (IsMethod(j, name)) {
      // Jinja2 would return the bound method (and print "<built-in method ...>").
      std::string msg =
          "'" + name + "' is a " + py::TypeName(j) + " method; call it as ." + name + "()";
      if (j.is_object()) msg += " or read the key with ['" + name + "']";
      return Status::InvalidArgument(msg + At(offset));
    }
    if (j.is_object()) {
      auto it = j.find(name);
      if (it != j.end()) return obj.Child(*it);
      std::string keys;
      size_t shown = 0;
      for (auto k = j.begin(); k != j.end() && shown < 8; ++k, ++shown) {
        keys += (shown ? ", " : "") + py::StrRepr(k.key());
      }
      if (j.size() > shown) keys += ", ...";
      return Missing("dict has no attribute '" + name + "' (keys: " + keys + ")" + At(offset));
    }
    return Missing("'" + std::string(py::TypeName(j)) + "' object has no attribute '" + name + "'" +
                   At(offset));
  }

  Result<Value> GetItem(const Value& obj, const Json& key, size_t offset) {
    const Json& j = obj.json();
    if (j.is_object()) {
      if (key.is_string()) {
        auto it = j.find(key.get_ref<const std::string&>());
        if (it != j.end()) return obj.Child(*it);
      }
      return Missing("dict has no key " + py::Repr(key) + At(offset));
    }
    if (j.is_array() || j.is_string()) {
      if (py::IsInt(key)) {
        auto index = py::AsInt(key);
        if (!index.ok()) return Annotate(index.status(), offset);
        const auto len = static_cast<int64_t>(j.is_array() ? j.size() : 0);
        if (j.is_array()) {
          const int64_t i = *index < 0 ? *index + len : *index;
          if (i >= 0 && i < len) return obj.Child(j[i]);
        } else if (auto c = py::Index(j, *index)) {
          return Value::Own(std::move(*c));
        }
        auto n = py::Len(j);
        return Value::Undefined(std::string(py::TypeName(j)) + " index " + std::to_string(*index) +
                                " out of range (length " + std::to_string(n.ok() ? *n : 0) + ")" +
                                At(offset));
      }
      if (key.is_string()) return GetAttr(obj, key.get<std::string>(), offset);
      return Value::Undefined(std::string(py::TypeName(j)) + " indices must be integers, not " +
                              py::TypeName(key) + At(offset));
    }
    return Value::Undefined("'" + std::string(py::TypeName(j)) + "' object is not subscriptable" +
                            At(offset));
  }

  Result<Value> EvalSlice(const Expr& e) {
    auto obj = EvalDefined(*e.children[0]);
    if (!obj.ok()) return obj;
    std::optional<int64_t> bounds[3];
    for (int i = 0; i < 3; ++i) {
      const Expr* c = e.children[i + 1].get();
      if (!c) continue;
      auto v = EvalDefined(*c);
      if (!v.ok()) return v;
      if (v->json().is_null()) continue;
      if (!py::IsInt(v->json())) {
        return Status::InvalidArgument(std::string("slice indices must be integers or None, not ") +
                                       py::TypeName(v->json()) + At(c->offset));
      }
      auto x = py::AsInt(v->json());
      if (!x.ok()) return Annotate(x.status(), c->offset);
      bounds[i] = *x;
    }
    auto r = py::Slice(obj->json(), bounds[0], bounds[1], bounds[2]);
    if (!r.ok()) return Annotate(r.status(), e.offset);
    return Value::Own(std::move(r).value());
  }

  Result<Value> EvalCall(const Expr& e) {
    const Expr& callee = *e.children[0];
    if (callee.kind == ExprKind::kAttr) {
      auto obj = EvalDefined(*callee.children[0]);
      if (!obj.ok()) return obj;
      auto args = EvalArgs(e.args);
      if (!args.ok()) return args.status();
      auto r = CallMethod(*obj, callee.name, *args);
      if (!r.ok()) return Annotate(r.status(), callee.offset);
      return r;
    }
    if (callee.kind == ExprKind::kName) {
      auto args = EvalArgs(e.args);
      if (!args.ok()) return args.status();
      if (callee.name == "namespace") return MakeNamespace(*args, callee.offset);
      if (options_.chat_globals && callee.name == "raise_exception") {
        return RaiseException(*args, callee.offset);
      }
      if (options_.chat_globals && callee.name == "strftime_now") {
        return StrftimeNow(*args, callee.offset);
      }
      auto r = CallFunction(callee.name, *args);
      if (r.ok() || r.status().code() != StatusCode::kNotFound) {
        return r.ok() ? std::move(r) : Result<Value>(Annotate(r.status(), callee.offset));
      }
      if (IsJinjaGlobal(callee.name)) {
        return Status::Unsupported("unsupported Jinja function '" + callee.name + "'" +
                                   At(callee.offset));
      }
      if (Lookup(callee.name, callee.offset).defined()) {
        return Status::InvalidArgument("'" + callee.name + "' is not callable" + At(callee.offset));
      }
      return Status::InvalidArgument("undefined function '" + callee.name + "'" +
                                     At(callee.offset));
    }
    return Status::InvalidArgument("expression is not callable" + At(e.offset));
  }

  // namespace(k=v, ...) or namespace(dict, k=v, ...).
  Result<Value> MakeNamespace(const CallArgs& args, size_t offset) {
    Json members = Json::object();
    if (args.positional.size() > 1) {
      return Status::InvalidArgument("namespace() takes at most one positional argument" +
                                     At(offset));
    }
    if (!args.positional.empty()) {
      const Value& init = args.positional[0];
      if (!init.defined() || !init.json().is_object()) {
        return Status::InvalidArgument("namespace() positional argument must be a dict" +
                                       At(offset));
      }
      members = init.json();
    }
    for (const auto& [name, value] : args.keyword) {
      if (!value.defined())
        return Undef(value.strict_undefined() ? value
                                              : Value::Undefined("namespace() argument '" + name +
                                                                 "' is undefined" + At(offset)));
      members[name] = value.json();
    }
    return Value::Namespace(std::move(members));
  }

  // transformers' raise_exception(message): the template refuses its input.
  Result<Value> RaiseException(const CallArgs& args, size_t offset) {
    std::string message;
    if (!args.positional.empty() && args.positional[0].defined()) {
      message = py::Str(args.positional[0].json());
    }
    return Status::InvalidArgument("the template raised an exception: " + message + At(offset));
  }

  // transformers' strftime_now(format): datetime.now().strftime(format), local time.
  Result<Value> StrftimeNow(const CallArgs& args, size_t offset) {
    if (args.positional.size() != 1 || !args.positional[0].defined() ||
        !args.positional[0].json().is_string()) {
      return Status::InvalidArgument("strftime_now() takes one format string" + At(offset));
    }
    const std::string format = args.positional[0].json().get<std::string>();
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    std::string buf(256 + format.size() * 8, '\0');
    const size_t n = std::strftime(buf.data(), buf.size(), format.c_str(), &local);
    if (n == 0 && !format.empty()) {
      return Status::InvalidArgument("strftime_now(): format produced no output" + At(offset));
    }
    buf.resize(n);
    return Value::Own(Json(std::move(buf)));
  }

  Result<Value> EvalCompare(const Expr& e) {
    auto left = EvalDefined(*e.children[0]);
    if (!left.ok()) return left;
    Value lhs = std::move(left).value();
    for (size_t i = 0; i < e.ops.size(); ++i) {
      auto right = EvalDefined(*e.children[i + 1]);
      if (!right.ok()) return right;
      const std::string& op = e.ops[i];
      const Json& a = lhs.json();
      const Json& b = right->json();
      bool holds;
      if (op == "==" || op == "!=") {
        holds = py::Equals(a, b) == (op == "==");
      } else if (op == "in" || op == "not in") {
        auto c = py::Contains(b, a);
        if (!c.ok()) return Annotate(c.status(), e.children[i + 1]->offset);
        holds = *c == (op == "in");
      } else {
        auto c = py::Compare(a, b, op);
        if (!c.ok()) return Annotate(c.status(), e.children[i + 1]->offset);
        const int r = *c;  // 2: unordered (NaN)
        holds = r != 2 && (op == "<" ? r < 0 : op == "<=" ? r <= 0 : op == ">" ? r > 0 : r >= 0);
      }
      if (!holds) return Value::Own(Json(false));
      lhs = std::move(right).value();
    }
    return Value::Own(Json(true));
  }

  enum class LoopSignal { kNone, kBreak, kContinue };

  const Json& context_;
  Options options_;
  LoopSignal loop_signal_ = LoopSignal::kNone;
  // Variables of all open scopes, innermost last; a deque so that values borrowed from a
  // variable stay valid while inner scopes push more.
  std::deque<std::pair<std::string, Value>> vars_;
  std::vector<size_t> frames_;  // start of each scope in vars_
};

}  // namespace

Result<Template> Template::Parse(std::string_view source, const Options& options) {
  auto program = ParseProgram(source, options);
  if (!program.ok()) return program.status();
  return Template(std::shared_ptr<const Program>(std::move(program).value()));
}

Result<std::string> Template::Render(const Doc& context) const {
  std::string out;
  out.reserve(program_->source.size() + 64);
  Evaluator ev(context, program_->options);
  MNEMO_RETURN_IF_ERROR(ev.Render(program_->nodes, out));
  return out;
}

Result<Doc> Template::Evaluate(const Doc& context) const {
  if (!program_->single_expression) {
    auto text = Render(context);
    if (!text.ok()) return text.status();
    return Doc(std::move(text).value());
  }
  Evaluator ev(context, program_->options);
  auto v = ev.Eval(*program_->single_expression);
  if (!v.ok()) return v.status();
  if (v->strict_undefined()) return Undef(*v);
  if (v->lenient_undefined()) return Doc("");
  return std::move(v).value().Take();
}

bool Template::is_single_expression() const {
  return program_->single_expression != nullptr;
}

const std::string& Template::source() const {
  return program_->source;
}

}  // namespace mnemo::jinja
