// `{{field}}` templates over JSON documents (nested fields with dots: {{a.b}}).
// Rendering a field the document lacks is an error naming the field, so a typo in a task
// definition fails before any compute.
#ifndef MNEMO_TASKS_TEMPLATE_H_
#define MNEMO_TASKS_TEMPLATE_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace mnemo {

class Template {
 public:
  // Parses `source`; an unclosed "{{" is an error.
  static Result<Template> Parse(const std::string& source);
  // Renders against `doc`. Strings render raw, numbers and booleans as JSON text.
  // `where` prefixes errors ("bench.jsonl:12").
  Result<std::string> Render(const nlohmann::json& doc, const std::string& where) const;
  const std::string& source() const { return source_; }

 private:
  struct Piece {
    bool is_field;
    std::string text;  // literal text or the field path
  };
  std::string source_;
  std::vector<Piece> pieces_;
};

// Looks up a dotted path ("a.b.0") in `doc`; nullptr when absent.
const nlohmann::json* LookupPath(const nlohmann::json& doc, const std::string& path);

}  // namespace mnemo

#endif  // MNEMO_TASKS_TEMPLATE_H_
