// A runtime value of the Jinja evaluator (internal to tasks/jinja): a JSON value that is either
// borrowed (the document, a template literal, a variable: no copy per lookup) or owned (a
// computed result), or an Undefined that remembers why it is undefined.
//
// Undefined follows lm-eval's StrictUndefined: printing, testing truth, iterating or operating
// on it is an error carrying `why()`; only `default`, `is defined` and friends accept it. The
// lenient kind is what Jinja2 gives for `a if cond` without else (it renders as "").
#ifndef MNEMO_TASKS_JINJA_VALUE_H_
#define MNEMO_TASKS_JINJA_VALUE_H_

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace mnemo::jinja {

class Value {
 public:
  Value() = default;  // None

  // `j` must outlive the Value (and every Value borrowed from it).
  static Value Borrow(const nlohmann::json& j) {
    Value v;
    v.ref_ = &j;
    return v;
  }
  static Value Own(nlohmann::json j) {
    Value v;
    v.owned_ = std::move(j);
    return v;
  }
  static Value Undefined(std::string why, bool strict = true) {
    Value v;
    v.state_ = strict ? State::kStrictUndefined : State::kLenientUndefined;
    v.why_ = std::move(why);
    return v;
  }

  // A namespace() object: a dict whose attributes `{% set ns.x = ... %}` may assign.
  static Value Namespace(nlohmann::json members) {
    Value v = Own(std::move(members));
    v.namespace_ = true;
    return v;
  }
  bool is_namespace() const { return namespace_; }
  // The owned JSON of a namespace for attribute assignment; null when not an owned namespace.
  nlohmann::json* mutable_namespace() { return namespace_ && !ref_ ? &owned_ : nullptr; }

  bool defined() const { return state_ == State::kDefined; }
  bool strict_undefined() const { return state_ == State::kStrictUndefined; }
  bool lenient_undefined() const { return state_ == State::kLenientUndefined; }
  const std::string& why() const { return why_; }

  const nlohmann::json& json() const { return ref_ ? *ref_ : owned_; }
  nlohmann::json Take() && { return ref_ ? *ref_ : std::move(owned_); }

  // A member of this value's JSON: borrowed when this is, copied when this is a temporary.
  Value Child(const nlohmann::json& member) const { return ref_ ? Borrow(member) : Own(member); }

 private:
  enum class State { kDefined, kStrictUndefined, kLenientUndefined };
  const nlohmann::json* ref_ = nullptr;
  nlohmann::json owned_;
  State state_ = State::kDefined;
  bool namespace_ = false;
  std::string why_;
};

}  // namespace mnemo::jinja

#endif  // MNEMO_TASKS_JINJA_VALUE_H_
