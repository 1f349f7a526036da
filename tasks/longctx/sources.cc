#include "tasks/longctx/sources.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

namespace mnemo::longctx {
namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool IsVocabularyWord(const std::string& w) {
  if (w.size() < 3 || w.size() > 12) return false;
  return std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// Appends the whitespace-separated words of `text`; false once `max_words` are held.
bool AppendWords(const std::string& text, size_t max_words, std::vector<std::string>* words) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsAsciiSpace(text[i])) ++i;
    size_t j = i;
    while (j < text.size() && !IsAsciiSpace(text[j])) ++j;
    if (j > i) {
      if (words->size() >= max_words) return false;
      words->emplace_back(text, i, j - i);
    }
    i = j;
  }
  return words->size() < max_words;
}

void FillVocabulary(HaystackCorpus* c) {
  std::set<std::string> vocab;
  for (const auto& w : c->words) {
    if (IsVocabularyWord(w)) vocab.insert(w);
  }
  c->vocabulary.assign(vocab.begin(), vocab.end());
}

}  // namespace

HaystackCorpus HaystackCorpus::FromTexts(const std::vector<std::string>& texts, size_t max_words) {
  HaystackCorpus c;
  for (const auto& t : texts) {
    if (!AppendWords(t, max_words, &c.words)) break;
  }
  FillVocabulary(&c);
  return c;
}

Result<HaystackCorpus> HaystackCorpus::FromJsonl(const std::string& path, const std::string& field,
                                                 size_t max_words) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("haystack corpus: cannot read " + path);
  HaystackCorpus c;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (row.is_discarded()) {
      return Status::InvalidArgument(path + ":" + std::to_string(line_no) + ": not JSON");
    }
    if (!row.is_object() || !row.contains(field) || !row[field].is_string()) continue;
    if (!AppendWords(row[field].get<std::string>(), max_words, &c.words)) break;
  }
  if (c.words.empty()) {
    return Status::InvalidArgument("haystack corpus " + path + ": no text in field '" + field +
                                   "'");
  }
  FillVocabulary(&c);
  return c;
}

Result<QaSet> QaSet::FromItems(std::vector<QaItem> items) {
  QaSet s;
  std::set<std::string> contexts;
  for (auto& item : items) {
    if (item.answers.empty()) {
      return Status::InvalidArgument("QA item '" + item.question + "' has no answer");
    }
    contexts.insert(item.context);
  }
  s.items = std::move(items);
  s.contexts.assign(contexts.begin(), contexts.end());
  return s;
}

Result<QaSet> QaSet::FromJsonl(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("QA set: cannot read " + path);
  std::vector<QaItem> items;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    nlohmann::json row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (row.is_discarded() || !row.is_object()) {
      return Status::InvalidArgument(where + ": not a JSON object");
    }
    if (!row.contains("context") || !row["context"].is_string() || !row.contains("question") ||
        !row["question"].is_string()) {
      return Status::InvalidArgument(where + ": needs string 'context' and 'question'");
    }
    QaItem item;
    item.context = row["context"].get<std::string>();
    item.question = row["question"].get<std::string>();
    const nlohmann::json* answers = row.contains("answers") ? &row["answers"] : nullptr;
    if (answers != nullptr && answers->is_object() && answers->contains("text")) {
      answers = &(*answers)["text"];
    }
    if (answers != nullptr && answers->is_string()) {
      item.answers.push_back(answers->get<std::string>());
    } else if (answers != nullptr && answers->is_array()) {
      for (const auto& a : *answers) {
        if (a.is_string()) item.answers.push_back(a.get<std::string>());
      }
    }
    if (item.answers.empty()) {
      return Status::InvalidArgument(where + ": 'answers' holds no string");
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) return Status::InvalidArgument("QA set " + path + ": no rows");
  return FromItems(std::move(items));
}

}  // namespace mnemo::longctx
