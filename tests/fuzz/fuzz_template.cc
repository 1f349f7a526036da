// Jinja templates: the bytes up to the first NUL are the template, the rest (if a JSON
// object) is added to the context.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tasks/jinja/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nl = all.find('\0');
  std::string_view source = all.substr(0, nl);
  nlohmann::json ctx = {{"question", "What is 2+2?"},
                        {"choices", {"3", "4", "5"}},
                        {"answer", 1},
                        {"doc", {{"a", {1, 2, 3}}, {"b", "x"}}}};
  if (nl != std::string_view::npos) {
    auto extra = nlohmann::json::parse(all.substr(nl + 1), nullptr, false);
    if (extra.is_object()) ctx.update(extra);
  }
  auto t = mnemo::jinja::Template::Parse(source);
  if (!t.ok()) return 0;
  (void)t->Render(ctx);
  (void)t->Evaluate(ctx);
  return 0;
}
