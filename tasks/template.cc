#include "tasks/template.h"

namespace mnemo {

Result<Template> Template::Parse(const std::string& source) {
  Template t;
  t.source_ = source;
  size_t pos = 0;
  while (pos < source.size()) {
    size_t open = source.find("{{", pos);
    if (open == std::string::npos) {
      t.pieces_.push_back({false, source.substr(pos)});
      break;
    }
    if (open > pos) t.pieces_.push_back({false, source.substr(pos, open - pos)});
    size_t close = source.find("}}", open + 2);
    if (close == std::string::npos) {
      return Status::InvalidArgument("template '" + source + "': '{{' at offset " +
                                     std::to_string(open) + " is never closed");
    }
    std::string field = source.substr(open + 2, close - open - 2);
    size_t b = field.find_first_not_of(' ');
    size_t e = field.find_last_not_of(' ');
    if (b == std::string::npos) {
      return Status::InvalidArgument("template '" + source + "': empty field name at offset " +
                                     std::to_string(open));
    }
    t.pieces_.push_back({true, field.substr(b, e - b + 1)});
    pos = close + 2;
  }
  return t;
}

const nlohmann::json* LookupPath(const nlohmann::json& doc, const std::string& path) {
  const nlohmann::json* cur = &doc;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array() && !part.empty() &&
               part.find_first_not_of("0123456789") == std::string::npos) {
      size_t i = 0;  // digit by digit: an index past the end is absent, never an overflow
      for (char ch : part) {
        i = i * 10 + static_cast<size_t>(ch - '0');
        if (i >= cur->size()) return nullptr;
      }
      cur = &(*cur)[i];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return cur;
}

Result<std::string> Template::Render(const nlohmann::json& doc, const std::string& where) const {
  std::string out;
  for (const auto& p : pieces_) {
    if (!p.is_field) {
      out += p.text;
      continue;
    }
    const nlohmann::json* v = LookupPath(doc, p.text);
    if (v == nullptr || v->is_null()) {
      return Status::InvalidArgument(where + ": field '" + p.text + "' (used by template '" +
                                     source_ + "') is missing");
    }
    out += v->is_string() ? v->get<std::string>() : v->dump();
  }
  return out;
}

}  // namespace mnemo
