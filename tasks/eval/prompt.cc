#include "tasks/eval/prompt.h"

#include "tasks/python/py_text.h"

namespace mnemo {

namespace {

bool FirstIsSpace(const std::string& s) {
  if (s.empty()) return false;
  char32_t c = 0;
  pystr::DecodeAt(s, 0, &c);
  return pystr::IsSpace(c);
}

}  // namespace

bool EndsWithWhitespace(const std::string& s) {
  if (s.empty()) return false;
  // The last code point: step back over UTF-8 continuation bytes.
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80 && s.size() - i < 4) --i;
  char32_t c = 0;
  if (pystr::DecodeAt(s, i, &c) != s.size() - i) {  // not one whole character: a bad last byte
    pystr::DecodeAt(s, s.size() - 1, &c);
  }
  return pystr::IsSpace(c);
}

bool RequiresDelimiter(const std::string& prefix, const std::string& suffix) {
  if (prefix.empty()) return false;
  return !(EndsWithWhitespace(prefix) || FirstIsSpace(suffix));
}

std::string MaybeDelimit(const std::string& prefix, const std::string& suffix,
                         const std::string& delimiter) {
  if (prefix.empty()) return suffix;
  if (suffix.empty()) return prefix;
  return EndsWithWhitespace(prefix) || FirstIsSpace(suffix) ? prefix + suffix
                                                            : prefix + delimiter + suffix;
}

std::string MessagesToText(const std::vector<PromptMessage>& messages) {
  std::string out;
  for (const auto& m : messages) out += m.content + m.delimiter;
  return out;
}

std::vector<PromptMessage> MultiturnToSingleturn(std::vector<PromptMessage> messages) {
  std::vector<PromptMessage> out;
  size_t first = 0;
  if (!messages.empty() && messages[0].role == "system") {
    out.push_back(messages[0]);
    first = 1;
  }
  if (first >= messages.size()) return out;
  size_t end = messages.size();
  const bool final_assistant = messages.back().role == "assistant";
  if (final_assistant) --end;
  if (end > first) {
    messages[end - 1].delimiter.clear();
    std::vector<PromptMessage> joined(messages.begin() + static_cast<std::ptrdiff_t>(first),
                                      messages.begin() + static_cast<std::ptrdiff_t>(end));
    out.push_back({"user", MessagesToText(joined), ""});
  }
  if (final_assistant) out.push_back({"assistant", messages.back().content, ""});
  return out;
}

nlohmann::json MessagesToChatJson(const std::vector<PromptMessage>& messages) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : messages) out.push_back({{"role", m.role}, {"content", m.content}});
  return out;
}

}  // namespace mnemo
