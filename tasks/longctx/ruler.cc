#include "tasks/longctx/ruler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <unordered_map>
#include <utility>

#include "tasks/python/pyrandom.h"

namespace mnemo::longctx {
namespace {

// ---- RULER's text (RULER/scripts/data/synthetic/constants.py,
// RULER/scripts/data/synthetic/niah.py, RULER/scripts/data/synthetic/variable_tracking.py,
// RULER/scripts/data/synthetic/qa.py).

constexpr char kNoise[] =
    "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";
constexpr char kNeedle[] = "One of the special magic {type_needle_v} for {key} is: {value}.";
constexpr char kNiahTemplate[] =
    "Some special magic {type_needle_v} are hidden within the following text. Make sure to "
    "memorize it. I will quiz you about the {type_needle_v} afterwards.\n{context}\nWhat are all "
    "the special magic {type_needle_v} for {query} mentioned in the provided text?";
constexpr char kNiahPrefix[] =
    " The special magic {type_needle_v} for {query} mentioned in the provided text are";
constexpr char kVtTemplate[] =
    "Memorize and track the chain(s) of variable assignment hidden in the following text.\n\n"
    "{context}\nQuestion: Find all variables that are assigned the value {query} in the text "
    "above.";
constexpr char kVtPrefix[] =
    " Answer: According to the chain(s) of variable assignment in the text above, {num_v} "
    "variables are assigned the value {query}, they are: ";
constexpr char kCweTemplate[] =
    "Below is a numbered list of words. In these words, some appear more often than others. "
    "Memorize the ones that appear most often.\n{context}\nQuestion: What are the 10 most common "
    "words in the above list?";
constexpr char kCwePrefix[] = " Answer: The top 10 words that appear most often in the list are:";
constexpr char kFweTemplate[] =
    "Read the following coded text and track the frequency of each coded word. Find the three "
    "most frequently appeared coded words. {context}\nQuestion: Do not provide any explanation. "
    "Please ignore the dots '....'. What are the three most frequently appeared words in the "
    "above coded text?";
constexpr char kFwePrefix[] =
    " Answer: According to the coded text above, the three most frequently appeared words are:";
constexpr char kQaTemplate[] =
    "Answer the question based on the given documents. Only give me the answer and do not "
    "output any other words.\n\nThe following are given documents.\n\n{context}\n\nAnswer the "
    "question based on the given documents. Only give me the answer and do not output any other "
    "words.\n\nQuestion: {query}";
constexpr char kQaPrefix[] = " Answer:";

constexpr size_t kPassageWords = 100;  // corpus passages used as QA distractors
constexpr size_t kVtIclLength = 500;   // RULER's in-context example: max_seq_length=500
constexpr size_t kNoCap = std::numeric_limits<size_t>::max();
constexpr size_t kSearchLimit = size_t{1} << 26;  // units; far beyond 128K tokens

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

// str.format for the {name} fields these templates use (no other braces occur in them).
std::string Format(const std::string& tmpl,
                   const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] == '{') {
      size_t close = tmpl.find('}', i);
      std::string name = tmpl.substr(i + 1, close - i - 1);
      for (const auto& [k, v] : fields) {
        if (k == name) {
          out += v;
          break;
        }
      }
      i = close + 1;
    } else {
      out.push_back(tmpl[i++]);
    }
  }
  return out;
}

std::string JoinStrings(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

// "1. a 2. b 3. c" (RULER/scripts/data/synthetic/common_words_extraction.py's numbered list).
std::string Numbered(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out.push_back(' ');
    out += std::to_string(i + 1) + ". " + words[i];
  }
  return out;
}

// One PRNG per (seed, index, stream): CPython's random.Random(seed + (index << 64) +
// (stream << 128)), so a Python script can reproduce every draw.
PyRandom SampleRng(uint64_t seed, uint64_t index, uint32_t stream) {
  PyRandom rng;
  rng.SeedWords({static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                 static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), stream});
  return rng;
}

const char* NeedleTypeName(NeedleType t) {
  switch (t) {
    case NeedleType::kWords:
      return "words";
    case NeedleType::kNumbers:
      return "numbers";
    case NeedleType::kUuids:
      return "uuids";
  }
  return "";
}

// Counts whole prompts, and memoises single units (sentences, lines, documents), which repeat
// across the search's candidate sizes.
class Counter {
 public:
  explicit Counter(const TokenCounter& count) : count_(count) {}
  size_t Count(const std::string& s) const { return count_(s); }
  size_t Unit(const std::string& s) {
    auto it = memo_.find(s);
    if (it != memo_.end()) return it->second;
    size_t n = count_(s);
    memo_.emplace(s, n);
    return n;
  }

 private:
  const TokenCounter& count_;
  std::unordered_map<std::string, size_t> memo_;
};

// The boundary (0..units.size()) whose preceding units hold the token share closest to
// depth% (ties: the earlier), and that share in percent.
std::pair<size_t, double> DepthBoundary(const std::vector<std::string>& units, double depth,
                                        Counter* counter) {
  std::vector<size_t> cum(units.size() + 1, 0);
  for (size_t i = 0; i < units.size(); ++i) cum[i + 1] = cum[i] + counter->Unit(units[i]);
  const double total = static_cast<double>(cum.back());
  const double want = depth / 100.0 * total;
  size_t best = 0;
  for (size_t b = 1; b < cum.size(); ++b) {
    if (std::fabs(static_cast<double>(cum[b]) - want) <
        std::fabs(static_cast<double>(cum[best]) - want))
      best = b;
  }
  const double actual = total > 0 ? 100.0 * static_cast<double>(cum[best]) / total : 0.0;
  return {best, actual};
}

struct Insertion {
  size_t boundary = 0;  // inserted before units[boundary]
  std::string text;
  bool gold = false;
};

// Joins units and inserted texts (stable by boundary: equal boundaries keep their order) with
// `sep`; the byte offsets of the gold insertions go to gold_offsets.
std::string JoinWithInsertions(const std::vector<std::string>& units, std::vector<Insertion> ins,
                               const std::string& sep, std::vector<size_t>* gold_offsets) {
  std::stable_sort(ins.begin(), ins.end(),
                   [](const Insertion& a, const Insertion& b) { return a.boundary < b.boundary; });
  std::string out;
  bool first = true;
  auto append = [&](const std::string& s) {
    if (!first) out += sep;
    first = false;
    out += s;
  };
  size_t k = 0;
  for (size_t u = 0; u <= units.size(); ++u) {
    while (k < ins.size() && ins[k].boundary == u) {
      if (!first) out += sep;
      first = false;
      if (ins[k].gold) gold_offsets->push_back(out.size());
      out += ins[k].text;
      ++k;
    }
    if (u < units.size()) append(units[u]);
  }
  return out;
}

bool EndsSentence(const std::string& w) {
  size_t end = w.size();
  while (end > 0 &&
         (w[end - 1] == '"' || w[end - 1] == '\'' || w[end - 1] == ')' || w[end - 1] == ']'))
    --end;
  return end > 0 && (w[end - 1] == '.' || w[end - 1] == '!' || w[end - 1] == '?');
}

// The first n corpus words (the corpus repeated as needed), cut into sentences.
std::vector<std::string> EssaySentences(const HaystackCorpus& corpus, size_t n) {
  std::vector<std::string> sentences;
  std::string cur;
  for (size_t i = 0; i < n; ++i) {
    const std::string& w = corpus.words[i % corpus.words.size()];
    if (!cur.empty()) cur.push_back(' ');
    cur += w;
    if (EndsSentence(w)) sentences.push_back(std::move(cur)), cur.clear();
  }
  if (!cur.empty()) sentences.push_back(std::move(cur));
  return sentences;
}

// What one candidate haystack size produced.
struct Built {
  std::string input;
  std::string answer_prefix;
  std::vector<std::string> outputs;
  std::vector<size_t> gold_offsets;
  std::optional<double> depth_actual;
};

struct Ctx {
  const RulerTask& task;
  const RulerSources& sources;
  const RulerRequest& request;
  Counter* counter;
};

// ---- Needle in a haystack (RULER/scripts/data/synthetic/niah.py).

std::string RandomNeedle(NeedleType t, const HaystackCorpus& corpus, PyRandom* rng) {
  switch (t) {
    case NeedleType::kNumbers:  // random.randint(10**6, 10**7 - 1)
      return std::to_string(rng->RandInt(1000000, 9999999).value());
    case NeedleType::kWords: {
      const auto& v = corpus.vocabulary;
      std::string a = v[rng->ChoiceIndex(v.size()).value()];
      return a + "-" + v[rng->ChoiceIndex(v.size()).value()];
    }
    case NeedleType::kUuids: {  // str(uuid.UUID(int=random.getrandbits(128), version=4))
      uint64_t lo = rng->GetRandBits(64), hi = rng->GetRandBits(64);
      lo = (lo & ~(uint64_t{0xc000} << 48)) | (uint64_t{0x8000} << 48);  // RFC 4122 variant
      hi = (hi & ~uint64_t{0xf000}) | uint64_t{0x4000};                  // version 4
      char buf[40];
      std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx",
                    static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xffff),
                    static_cast<unsigned>(hi & 0xffff), static_cast<unsigned>(lo >> 48),
                    static_cast<unsigned long long>(lo & 0xffffffffffffULL));
      return buf;
    }
  }
  return "";
}

Built BuildNiah(const Ctx& c, size_t n) {
  const NiahParams& p = c.task.niah;
  const HaystackCorpus& corpus = *c.sources.corpus;
  PyRandom rng = SampleRng(c.request.seed, c.request.index, 0);
  const int num_keys = std::max(p.num_keys, p.num_queries);
  const std::string type_v = NeedleTypeName(p.value_type);

  std::vector<std::string> keys;
  std::vector<std::vector<std::string>> values;
  std::vector<std::pair<std::string, int>> needles;  // text, key
  for (int k = 0; k < num_keys; ++k) {
    keys.push_back(RandomNeedle(p.key_type, corpus, &rng));
    values.emplace_back();
    for (int v = 0; v < p.num_values; ++v) {
      values.back().push_back(RandomNeedle(p.value_type, corpus, &rng));
      needles.emplace_back(Format(kNeedle, {{"type_needle_v", type_v},
                                            {"key", keys.back()},
                                            {"value", values.back().back()}}),
                           k);
    }
  }
  rng.Shuffle(needles);
  std::vector<size_t> queried = rng.SampleIndices(num_keys, p.num_queries).value();
  std::vector<bool> is_queried(num_keys, false);
  Built b;
  std::vector<std::string> queries;
  for (size_t q : queried) {
    is_queried[q] = true;
    queries.push_back(keys[q]);
    for (const auto& v : values[q]) b.outputs.push_back(v);
  }
  std::string query = queries.back();
  if (queries.size() > 1) {
    queries.pop_back();
    query = JoinStrings(queries, ", ") + ", and " + query;
  }

  // The haystack: n words, lines of noise, or distractor needles.
  std::vector<std::string> units;
  std::string sep = "\n";
  if (p.haystack == HaystackKind::kEssay) {
    units = EssaySentences(corpus, n);
    sep = " ";
  } else if (p.haystack == HaystackKind::kNoise) {
    units.assign(n, kNoise);
  } else {
    for (size_t i = 0; i < n; ++i) {
      std::string key = RandomNeedle(p.key_type, corpus, &rng);
      units.push_back(Format(kNeedle, {{"type_needle_v", type_v},
                                       {"key", key},
                                       {"value", RandomNeedle(p.value_type, corpus, &rng)}}));
    }
  }
  std::optional<size_t> gold_boundary;
  if (c.request.depth) {
    auto [boundary, actual] = DepthBoundary(units, *c.request.depth, c.counter);
    gold_boundary = boundary;
    b.depth_actual = actual;
  }
  std::vector<Insertion> ins;
  for (const auto& [text, key] : needles) {
    const bool gold = is_queried[key];
    const size_t at = gold && gold_boundary ? *gold_boundary : rng.RandBelow(units.size() + 1);
    ins.push_back({at, text, gold});
  }
  const std::string context = JoinWithInsertions(units, std::move(ins), sep, &b.gold_offsets);

  std::string tmpl = kNiahTemplate, prefix = kNiahPrefix, type_shown = type_v;
  if (p.num_queries * p.num_values ==
      1) {  // RULER/scripts/data/synthetic/niah.py's singular rewrite
    for (std::string* s : {&tmpl, &prefix}) {
      *s = ReplaceAll(*s, "Some", "A");
      *s = ReplaceAll(*s, "are all", "is");
      *s = ReplaceAll(*s, "are", "is");
      *s = ReplaceAll(*s, "answers", "answer");
    }
    type_shown.pop_back();
  }
  // The gold offsets are relative to the context: shift them by what precedes it.
  const std::string before = Format(tmpl.substr(0, tmpl.find("{context}")),
                                    {{"type_needle_v", type_shown}, {"query", query}});
  for (size_t& o : b.gold_offsets) o += before.size();
  b.input = Format(tmpl, {{"type_needle_v", type_shown}, {"context", context}, {"query", query}});
  b.answer_prefix = Format(prefix, {{"type_needle_v", type_shown}, {"query", query}});
  return b;
}

// ---- Variable tracking (RULER/scripts/data/synthetic/variable_tracking.py).

Built BuildVt(const Ctx& c, size_t n, bool icl, PyRandom rng) {
  const VariableTrackingParams& p = c.task.vt;
  const int hops = icl ? std::min(10, p.num_hops) : p.num_hops;
  const size_t name_len = icl ? 3 : 5;
  const size_t needed = static_cast<size_t>(p.num_chains) * (hops + 1);
  std::vector<std::string> names;
  std::set<std::string> seen;
  while (names.size() < needed) {  // random.choices(string.ascii_uppercase, k=k), distinct
    std::string name;
    for (size_t i : rng.ChoicesIndices(26, name_len)) name.push_back(static_cast<char>('A' + i));
    if (seen.insert(name).second) names.push_back(name);
  }
  std::vector<std::vector<std::string>> chains;
  std::string value;
  for (int ch = 0; ch < p.num_chains; ++ch) {
    const size_t base = static_cast<size_t>(ch) * (hops + 1);
    const std::string v = std::to_string(rng.RandInt(10000, 99999).value());
    if (ch == 0) value = v;
    std::vector<std::string> chain = {"VAR " + names[base] + " = " + v};
    for (int j = 0; j < hops; ++j) {
      chain.push_back("VAR " + names[base + j + 1] + " = VAR " + names[base + j] + " ");
    }
    chains.push_back(std::move(chain));
  }
  Built b;
  b.outputs.assign(names.begin(), names.begin() + hops + 1);

  const bool essay = p.haystack == HaystackKind::kEssay;
  std::vector<std::string> units =
      essay ? EssaySentences(*c.sources.corpus, n) : std::vector<std::string>(n, kNoise);
  std::optional<size_t> first;
  if (c.request.depth && !icl) {
    auto [boundary, actual] = DepthBoundary(units, *c.request.depth, c.counter);
    first = boundary;
    b.depth_actual = actual;
  }
  std::vector<Insertion> ins;
  for (size_t ch = 0; ch < chains.size(); ++ch) {
    // Sorted positions keep each chain in order; the gold chain starts at the depth.
    std::vector<size_t> at;
    size_t lo = 0;
    if (ch == 0 && first) at.push_back(lo = *first);
    while (at.size() < chains[ch].size()) at.push_back(lo + rng.RandBelow(units.size() - lo + 1));
    std::sort(at.begin(), at.end());
    for (size_t j = 0; j < chains[ch].size(); ++j) {
      std::string text = chains[ch][j];
      if (essay) {  // chains_flat[i].strip() + "."
        while (!text.empty() && text.back() == ' ') text.pop_back();
        text += ".";
      }
      ins.push_back({at[j], text, ch == 0 && j == 0});
    }
  }
  std::string context =
      JoinWithInsertions(units, std::move(ins), essay ? " " : "\n", &b.gold_offsets);
  const std::string num_v = std::to_string(hops + 1);
  const std::string tmpl = kVtTemplate;
  const size_t head = tmpl.find("{context}");  // no field before it
  for (size_t& o : b.gold_offsets) o += head;
  b.input = Format(kVtTemplate, {{"context", context}, {"query", value}});
  b.answer_prefix = Format(kVtPrefix, {{"num_v", num_v}, {"query", value}});
  return b;
}

// ---- Common words extraction (RULER/scripts/data/synthetic/common_words_extraction.py).

// get_example(): num_words distinct vocabulary words, the first num_common repeated `common`
// times and the rest `uncommon` times, shuffled, as a numbered list; the common words.
std::pair<std::string, std::vector<std::string>> CweExample(const HaystackCorpus& corpus,
                                                            size_t num_words, int common,
                                                            int uncommon, int num_common,
                                                            PyRandom* rng) {
  std::vector<std::string> picked;
  const std::vector<size_t> indices =
      rng->SampleIndices(corpus.vocabulary.size(), num_words).value();
  for (size_t i : indices) picked.push_back(corpus.vocabulary[i]);
  const size_t nc = std::min(picked.size(), static_cast<size_t>(num_common));
  std::vector<std::string> common_words(picked.begin(), picked.begin() + nc);
  std::vector<std::string> list;
  for (int r = 0; r < common; ++r) list.insert(list.end(), picked.begin(), picked.begin() + nc);
  for (int r = 0; r < uncommon; ++r) list.insert(list.end(), picked.begin() + nc, picked.end());
  rng->Shuffle(list);
  return {Numbered(list), common_words};
}

Built BuildCwe(const Ctx& c, size_t n) {
  const CommonWordsParams& p = c.task.cwe;
  const HaystackCorpus& corpus = *c.sources.corpus;
  PyRandom rng = SampleRng(c.request.seed, c.request.index, 0);
  const bool short_target = c.request.length_target < 4096;  // RULER's smaller lists below 4K
  std::string input;
  for (int s = 0; s < p.num_fewshot; ++s) {
    auto [ctx, answer] = short_target ? CweExample(corpus, 20, 3, 1, p.num_common, &rng)
                                      : CweExample(corpus, 40, 10, 3, p.num_common, &rng);
    input += Format(kCweTemplate, {{"context", ctx}}) + kCwePrefix + " " + Numbered(answer);
    input += "\n";
  }
  auto [ctx, answer] =
      short_target ? CweExample(corpus, n, 6, 1, p.num_common, &rng)
                   : CweExample(corpus, n, p.freq_common, p.freq_uncommon, p.num_common, &rng);
  if (p.num_fewshot == 0) input.clear();
  input += Format(kCweTemplate, {{"context", ctx}});
  Built b;
  b.input = std::move(input);
  b.answer_prefix = kCwePrefix;
  b.outputs = std::move(answer);
  return b;
}

// ---- Frequent words extraction (RULER/scripts/data/synthetic/freq_words_extraction.py).

size_t FweVocabSize(const RulerTask& task, size_t length_target) {
  if (task.fwe.vocab_size > 0) return static_cast<size_t>(task.fwe.vocab_size);
  return (length_target - task.tokens_to_generate) / 50;
}

Built BuildFwe(const Ctx& c, size_t n) {
  const FrequentWordsParams& p = c.task.fwe;
  PyRandom rng = SampleRng(c.request.seed, c.request.index, 0);
  const size_t vocab_size = FweVocabSize(c.task, c.request.length_target);
  std::set<std::string> distinct;
  while (distinct.size() < vocab_size) {  // random.choices(string.ascii_lowercase, k=len)
    std::string w;
    for (size_t i : rng.ChoicesIndices(26, p.coded_word_len))
      w.push_back(static_cast<char>('a' + i));
    distinct.insert(w);
  }
  std::vector<std::string> vocab(distinct.begin(), distinct.end());
  rng.Shuffle(vocab);
  vocab[0] = "...";  // the top rank is noise
  const double z = Zeta(p.alpha);
  std::vector<std::string> words;
  for (size_t k = 1; k <= vocab.size(); ++k) {
    const double cnt = static_cast<double>(n) * std::pow(static_cast<double>(k), -p.alpha) / z;
    words.insert(words.end(), static_cast<size_t>(cnt), vocab[k - 1]);
  }
  rng.Shuffle(words);
  Built b;
  b.input = Format(kFweTemplate, {{"context", JoinStrings(words, " ")}});
  b.answer_prefix = kFwePrefix;
  b.outputs.assign(vocab.begin() + 1, vocab.begin() + 4);
  return b;
}

// ---- QA with distractor documents (RULER/scripts/data/synthetic/qa.py).

// The distractor pool, in draw order: the QA set's other contexts, shuffled, then the corpus's
// 100-word passages, shuffled.
std::vector<std::string> QaPool(const Ctx& c, const std::string& gold, PyRandom* rng) {
  std::vector<std::string> pool;
  for (const auto& ctx : c.sources.qa->contexts) {
    if (ctx != gold) pool.push_back(ctx);
  }
  rng->Shuffle(pool);
  const auto& words = c.sources.corpus->words;
  const size_t passages = (words.size() + kPassageWords - 1) / kPassageWords;
  for (size_t i : rng->ShufflePermutation(passages)) {
    std::vector<std::string> w(words.begin() + i * kPassageWords,
                               words.begin() + std::min(words.size(), (i + 1) * kPassageWords));
    pool.push_back(JoinStrings(w, " "));
  }
  return pool;
}

Built BuildQa(const Ctx& c, size_t n, const std::vector<std::string>& pool) {
  const QaItem& item = c.sources.qa->items[c.request.index % c.sources.qa->items.size()];
  PyRandom rng = SampleRng(c.request.seed, c.request.index, 2);
  Built b;
  b.outputs = item.answers;
  std::vector<std::string> docs;
  for (size_t i = 0; i + 1 < n; ++i) docs.push_back(pool[i % pool.size()]);
  size_t gold_at = 0;
  if (c.request.depth) {
    auto [boundary, actual] = DepthBoundary(docs, *c.request.depth, c.counter);
    gold_at = boundary;
    b.depth_actual = actual;
  } else {
    gold_at = rng.RandBelow(docs.size() + 1);
  }
  docs.insert(docs.begin() + gold_at, item.context);
  std::string context;
  size_t gold_offset = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (i) context += "\n\n";
    if (i == gold_at) gold_offset = context.size();
    context += "Document " + std::to_string(i + 1) + ":\n" + docs[i];
  }
  const std::string tmpl = kQaTemplate;
  b.gold_offsets.push_back(tmpl.find("{context}") + gold_offset);
  b.input = Format(tmpl, {{"context", context}, {"query", item.question}});
  b.answer_prefix = kQaPrefix;
  return b;
}

// ---- The fill: the largest n with count(input + answer_prefix) + reserve <= target.

struct Fit {
  Built built;
  size_t n = 0;
  size_t tokens = 0;
};

Result<Fit> FillToLength(const std::function<Built(size_t)>& build, size_t min_n, size_t max_n,
                         size_t budget, Counter* counter, const std::string& what) {
  Fit best;  // the largest fitting candidate so far
  size_t min_tokens = 0;
  auto fits_at = [&](size_t n) -> bool {
    Fit f;
    f.built = build(n);
    f.n = n;
    f.tokens = counter->Count(f.built.input + f.built.answer_prefix);
    if (n == min_n) min_tokens = f.tokens;
    if (f.tokens > budget) return false;
    if (n >= best.n) best = std::move(f);
    return true;
  };
  if (!fits_at(min_n)) {
    return Status::InvalidArgument(what + ": the smallest prompt (" + std::to_string(min_n) +
                                   " haystack units) takes " + std::to_string(min_tokens) +
                                   " tokens, over the " + std::to_string(budget) +
                                   " the length leaves for it");
  }
  const size_t cap = std::min(max_n, kSearchLimit);
  size_t lo = min_n, hi = 0;  // lo fits; hi, once set, does not
  // Estimate n from the growth over a few units, then gallop up from the estimate.
  const size_t probe = std::min(cap, min_n + 16);
  if (probe > min_n) {
    if (fits_at(probe)) {
      const double per_unit = std::max(
          1e-3, static_cast<double>(best.tokens - min_tokens) / static_cast<double>(probe - min_n));
      lo = probe;
      const double room = static_cast<double>(budget - best.tokens) / per_unit * 0.95;
      const size_t x = static_cast<size_t>(std::min(static_cast<double>(cap), lo + room));
      if (x > lo) {
        if (fits_at(x)) {
          lo = x;
        } else {
          hi = x;
        }
      }
    } else {
      hi = probe;
    }
  }
  for (size_t step = std::max<size_t>(1, lo / 64); hi == 0 && lo < cap; step *= 2) {
    const size_t x = std::min(cap, lo + step);
    if (fits_at(x)) {
      lo = x;
    } else {
      hi = x;
    }
  }
  if (hi == 0) {
    if (max_n != kNoCap && lo == max_n) {
      return Status::InvalidArgument(what + ": the sources ran out at " + std::to_string(max_n) +
                                     " haystack units, short of the length");
    }
    return Status::InvalidArgument(what + ": no haystack size reaches the length");
  }
  while (hi - lo > 1) {
    const size_t mid = lo + (hi - lo) / 2;
    if (fits_at(mid)) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return best;
}

}  // namespace

const char* RulerFamilyName(RulerFamily f) {
  switch (f) {
    case RulerFamily::kNiah:
      return "niah";
    case RulerFamily::kVariableTracking:
      return "variable_tracking";
    case RulerFamily::kCommonWords:
      return "common_words_extraction";
    case RulerFamily::kFrequentWords:
      return "freq_words_extraction";
    case RulerFamily::kQa:
      return "qa";
  }
  return "";
}

const char* RulerMetricName(RulerMetric m) {
  return m == RulerMetric::kStringMatchAll ? "string_match_all" : "string_match_part";
}

RulerMetric RulerTask::metric() const {
  return family == RulerFamily::kQa ? RulerMetric::kStringMatchPart : RulerMetric::kStringMatchAll;
}

bool RulerTask::has_depth() const {
  return family != RulerFamily::kCommonWords && family != RulerFamily::kFrequentWords;
}

std::vector<std::string> RulerTaskNames() {
  return {"niah_single_1",
          "niah_single_2",
          "niah_single_3",
          "niah_multikey_1",
          "niah_multikey_2",
          "niah_multikey_3",
          "niah_multivalue",
          "niah_multiquery",
          "vt",
          "cwe",
          "fwe",
          "qa"};
}

Result<RulerTask> RulerTaskByName(const std::string& name) {
  RulerTask t;
  t.name = name;
  auto niah = [&](HaystackKind h, NeedleType k, NeedleType v, int nk, int nv, int nq) {
    t.family = RulerFamily::kNiah;
    t.tokens_to_generate = 128;
    t.niah = {h, k, v, nk, nv, nq};
  };
  using H = HaystackKind;
  using N = NeedleType;
  if (name == "niah_single_1") {
    niah(H::kNoise, N::kWords, N::kNumbers, 1, 1, 1);
  } else if (name == "niah_single_2") {
    niah(H::kEssay, N::kWords, N::kNumbers, 1, 1, 1);
  } else if (name == "niah_single_3") {
    niah(H::kEssay, N::kWords, N::kUuids, 1, 1, 1);
  } else if (name == "niah_multikey_1") {
    niah(H::kEssay, N::kWords, N::kNumbers, 4, 1, 1);
  } else if (name == "niah_multikey_2") {
    niah(H::kNeedle, N::kWords, N::kNumbers, 1, 1, 1);
  } else if (name == "niah_multikey_3") {
    niah(H::kNeedle, N::kUuids, N::kUuids, 1, 1, 1);
  } else if (name == "niah_multivalue") {
    niah(H::kEssay, N::kWords, N::kNumbers, 1, 4, 1);
  } else if (name == "niah_multiquery") {
    niah(H::kEssay, N::kWords, N::kNumbers, 1, 1, 4);
  } else if (name == "vt") {
    t.family = RulerFamily::kVariableTracking;
    t.tokens_to_generate = 30;
  } else if (name == "cwe") {
    t.family = RulerFamily::kCommonWords;
    t.tokens_to_generate = 120;
  } else if (name == "fwe") {
    t.family = RulerFamily::kFrequentWords;
    t.tokens_to_generate = 50;
  } else if (name == "qa") {
    t.family = RulerFamily::kQa;
    t.tokens_to_generate = 32;
  } else {
    return Status::InvalidArgument("unknown RULER task '" + name + "'");
  }
  return t;
}

nlohmann::json RulerSample::ToJson() const {
  nlohmann::json j;
  j["task"] = task;
  j["family"] = RulerFamilyName(family);
  j["metric"] = RulerMetricName(metric);
  j["seed"] = seed;
  j["index"] = index;
  j["length_target"] = length_target;
  j["length_tokens"] = length_tokens;
  j["tokens_to_generate"] = tokens_to_generate;
  j["depth"] = depth ? nlohmann::json(*depth) : nlohmann::json(nullptr);
  j["depth_actual"] = depth_actual ? nlohmann::json(*depth_actual) : nlohmann::json(nullptr);
  j["input"] = input;
  j["outputs"] = outputs;
  j["answer_prefix"] = answer_prefix;
  j["gold_offsets"] = gold_offsets;
  j["haystack_units"] = haystack_units;
  return j;
}

Status CheckPromptFits(size_t prompt_tokens, size_t tokens_to_generate, size_t context_length) {
  if (prompt_tokens + tokens_to_generate <= context_length) return Status::Ok();
  return Status::InvalidArgument(
      "prompt of " + std::to_string(prompt_tokens) + " tokens + " +
      std::to_string(tokens_to_generate) + " to generate exceeds the context of " +
      std::to_string(context_length) + " tokens (refused, not truncated)");
}

double Zeta(double s) {
  // Euler-Maclaurin: sum_{k<N} k^-s + N^(1-s)/(s-1) + N^-s/2 + s N^(-s-1)/12 - ...
  constexpr int kN = 1000;
  double sum = 0.0;
  for (int k = kN - 1; k >= 1; --k) sum += std::pow(static_cast<double>(k), -s);
  const double n = kN;
  sum += std::pow(n, 1.0 - s) / (s - 1.0) + 0.5 * std::pow(n, -s) +
         s * std::pow(n, -s - 1.0) / 12.0 -
         s * (s + 1.0) * (s + 2.0) * std::pow(n, -s - 3.0) / 720.0;
  return sum;
}

Result<RulerSample> GenerateRulerSample(const RulerTask& task, const RulerSources& sources,
                                        const RulerRequest& request, const TokenCounter& count) {
  const std::string what =
      "RULER " + task.name + " at " + std::to_string(request.length_target) + " tokens";
  if (request.context_length > 0 && request.length_target > request.context_length) {
    return Status::InvalidArgument(
        what + ": length " + std::to_string(request.length_target) + " exceeds the context " +
        std::to_string(request.context_length) + " (refused, not truncated)");
  }
  if (request.length_target <= task.tokens_to_generate) {
    return Status::InvalidArgument(what + ": the length leaves nothing for the prompt after " +
                                   std::to_string(task.tokens_to_generate) + " tokens to generate");
  }
  if (request.depth && (!(*request.depth >= 0.0) || *request.depth > 100.0)) {
    return Status::InvalidArgument(what + ": depth must be within 0..100");
  }
  if (request.depth && !task.has_depth()) {
    return Status::InvalidArgument(what + ": this family has no needle depth");
  }
  if (sources.corpus == nullptr || sources.corpus->words.empty() ||
      sources.corpus->vocabulary.empty()) {
    return Status::InvalidArgument(what + ": needs a haystack corpus with words");
  }
  if (task.family == RulerFamily::kQa && (sources.qa == nullptr || sources.qa->items.empty())) {
    return Status::InvalidArgument(what + ": needs a QA set");
  }

  Counter counter(count);
  Ctx c{task, sources, request, &counter};
  const size_t budget = request.length_target - task.tokens_to_generate;
  std::function<Built(size_t)> build;
  size_t min_n = 1, max_n = kNoCap;
  std::string icl;  // variable tracking's in-context example, fixed across the search
  std::vector<std::string> pool;
  switch (task.family) {
    case RulerFamily::kNiah:
      build = [&](size_t n) { return BuildNiah(c, n); };
      break;
    case RulerFamily::kVariableTracking: {
      if (task.vt.in_context_example) {
        // RULER: a 500-token example (tokens_to_generate 0), then " " + answers + "\n".
        RulerRequest icl_request = request;
        icl_request.depth.reset();
        icl_request.length_target = kVtIclLength;
        Ctx ic{task, sources, icl_request, &counter};
        auto icl_fit = FillToLength(
            [&](size_t n) {
              return BuildVt(ic, n, true, SampleRng(request.seed, request.index, 1));
            },
            1, kNoCap, kVtIclLength, &counter, what + " (in-context example)");
        if (!icl_fit.ok()) return icl_fit.status();
        const Built& e = icl_fit->built;
        icl = e.input + e.answer_prefix + " " + JoinStrings(e.outputs, " ") + "\n" + "\n";
      }
      build = [&](size_t n) {
        Built b = BuildVt(c, n, false, SampleRng(request.seed, request.index, 0));
        b.input = icl + b.input;
        for (size_t& o : b.gold_offsets) o += icl.size();
        return b;
      };
      break;
    }
    case RulerFamily::kCommonWords:
      min_n = static_cast<size_t>(std::max(task.cwe.num_common, 1));
      max_n = sources.corpus->vocabulary.size();
      if (max_n < min_n || max_n < 40) {
        return Status::InvalidArgument(what + ": the corpus vocabulary has only " +
                                       std::to_string(max_n) + " words");
      }
      build = [&](size_t n) { return BuildCwe(c, n); };
      break;
    case RulerFamily::kFrequentWords:
      if (FweVocabSize(task, request.length_target) < 5) {
        return Status::InvalidArgument(what + ": the coded vocabulary needs at least 5 words");
      }
      min_n = 64;  // the three answers are then the only words at their counts (alpha 2)
      build = [&](size_t n) { return BuildFwe(c, n); };
      break;
    case RulerFamily::kQa: {
      const QaItem& item = sources.qa->items[request.index % sources.qa->items.size()];
      PyRandom rng = SampleRng(request.seed, request.index, 3);
      pool = QaPool(c, item.context, &rng);
      if (pool.empty()) max_n = 1;
      build = [&](size_t n) { return BuildQa(c, n, pool); };
      break;
    }
  }
  auto fit = FillToLength(build, min_n, max_n, budget, &counter, what);
  if (!fit.ok()) return fit.status();

  RulerSample s;
  s.task = task.name;
  s.family = task.family;
  s.metric = task.metric();
  s.seed = request.seed;
  s.index = request.index;
  s.length_target = request.length_target;
  s.length_tokens = fit->tokens;
  s.tokens_to_generate = task.tokens_to_generate;
  s.depth = request.depth;
  s.depth_actual = fit->built.depth_actual;
  s.input = std::move(fit->built.input);
  s.answer_prefix = std::move(fit->built.answer_prefix);
  s.outputs = std::move(fit->built.outputs);
  s.gold_offsets = std::move(fit->built.gold_offsets);
  s.haystack_units = fit->n;
  if (request.context_length > 0) {
    MNEMO_RETURN_IF_ERROR(
        CheckPromptFits(s.length_tokens, s.tokens_to_generate, request.context_length));
  }
  return s;
}

}  // namespace mnemo::longctx
