// Text sources for the RULER-style long-context tasks (tasks/longctx/ruler.h): the haystack
// corpus and the question-answering set.
//
// RULER (NVIDIA/RULER, RULER/scripts/data/synthetic/niah.py) builds its "essay" haystack from Paul
// Graham's essays: the text with every whitespace run collapsed, split into words, repeated
// when a length needs more words than the corpus has. HaystackCorpus does the same with any
// JSONL file's text column, so a model's own training text can serve. It also keeps the
// corpus's vocabulary, where RULER draws words from the wonderwords lists: needle keys
// (adjective-noun pairs there, word-word pairs here) and common-words-extraction lists.
//
// QaSet is RULER's QA source (RULER/scripts/data/synthetic/qa.py reads SQuAD and HotpotQA): the
// questions with their gold answers and the distinct contexts, here from a JSONL file of
// {context, question, answers} rows (SQuAD/XQuAD style: answers is a list of strings or
// {"text": [...], ...}).
#ifndef MNEMO_TASKS_LONGCTX_SOURCES_H_
#define MNEMO_TASKS_LONGCTX_SOURCES_H_

#include <cstddef>
#include <string>
#include <vector>

#include "harness/core/status.h"

namespace mnemo::longctx {

struct HaystackCorpus {
  // The corpus text split on ASCII whitespace, documents in file order (RULER's
  // re.sub(r'\s+', " ", essay).split(" "), which also splits on Unicode spaces).
  std::vector<std::string> words;
  // Distinct words made of 3 to 12 ASCII lowercase letters, sorted: the pool for needle keys
  // and the word lists. Fixed order, so a seed picks the same words on every machine.
  std::vector<std::string> vocabulary;

  // Reads the string column `field` of each JSON line; rows without it are skipped. Stops after
  // max_words words (a 128K-token haystack needs about 100K words of English).
  static Result<HaystackCorpus> FromJsonl(const std::string& path,
                                          const std::string& field = "text",
                                          size_t max_words = 2'000'000);
  static HaystackCorpus FromTexts(const std::vector<std::string>& texts,
                                  size_t max_words = 2'000'000);
};

struct QaItem {
  std::string context;
  std::string question;
  std::vector<std::string> answers;  // gold strings; scored by string_match_part
};

struct QaSet {
  std::vector<QaItem> items;
  // The distinct contexts, sorted (RULER/scripts/data/synthetic/qa.py:
  // sorted(list(set(total_docs)))): distractor documents.
  std::vector<std::string> contexts;

  // Rows need string `context` and `question` and at least one answer; a row without them is an
  // error naming the line.
  static Result<QaSet> FromJsonl(const std::string& path);
  static Result<QaSet> FromItems(std::vector<QaItem> items);
};

}  // namespace mnemo::longctx

#endif  // MNEMO_TASKS_LONGCTX_SOURCES_H_
