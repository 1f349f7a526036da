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

#include "tasks/doc.h"

namespace mnemo::jinja {

class Value {
 public:
  Value() = default;  // None

  // `j` must outlive the Value (and every Value borrowed from it).
  static Value Borrow(const Doc& j) {
    Value v;
    v.ref_ = &j;
    return v;
  }
  static Value Own(Doc j) {
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
  // Its members never move: their storage is reserved for kNamespaceCapacity attributes
  // (an ordered object moves its members when it grows, and loops may borrow them), and
  // SetAttr refuses more.
  static constexpr size_t kNamespaceCapacity = 64;
  static Value Namespace(Doc members) {
    Value v = Own(std::move(members));
    v.owned_.get_ref<Doc::object_t&>().reserve(kNamespaceCapacity);
    v.namespace_ = true;
    return v;
  }
  bool is_namespace() const { return namespace_; }
  // The owned JSON of a namespace for attribute assignment; null when not an owned namespace.
  Doc* mutable_namespace() {
    if (!namespace_ || ref_) return nullptr;
    owned_.get_ref<Doc::object_t&>().reserve(kNamespaceCapacity);  // a copy has no reserve
    return &owned_;
  }

  bool defined() const { return state_ == State::kDefined; }
  bool strict_undefined() const { return state_ == State::kStrictUndefined; }
  bool lenient_undefined() const { return state_ == State::kLenientUndefined; }
  const std::string& why() const { return why_; }

  const Doc& json() const { return ref_ ? *ref_ : owned_; }
  Doc Take() && { return ref_ ? *ref_ : std::move(owned_); }

  // A member of this value's JSON: borrowed when this is, copied when this is a temporary.
  Value Child(const Doc& member) const { return ref_ ? Borrow(member) : Own(member); }

 private:
  enum class State { kDefined, kStrictUndefined, kLenientUndefined };
  const Doc* ref_ = nullptr;
  Doc owned_;
  State state_ = State::kDefined;
  bool namespace_ = false;
  std::string why_;
};

}  // namespace mnemo::jinja

#endif  // MNEMO_TASKS_JINJA_VALUE_H_
