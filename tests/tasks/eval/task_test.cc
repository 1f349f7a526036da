// Prompt construction (tasks/eval/task.h) against lm-eval's rules (lm_eval/api/task.py:
// doc_to_text, doc_to_target, doc_to_choice, fewshot_context, build_qa_turn; api/samplers.py).
//
// The expected few-shot contexts were produced with python3 at test-writing time by an
// independent reimplementation of lm-eval's rules, not by mnemo: documents read with json /
// csv (headerless MMLU columns), prompts rendered with jinja2 (StrictUndefined,
// keep_trailing_newline=True, as lm_eval.utils.apply_template), one random.Random(1234) per
// task shared by the documents in order; when the few-shot split is the evaluated split the
// sampler draws rnd.sample(docs, n + 1), drops the evaluated document by equality and keeps n,
// otherwise rnd.sample(docs, n); first_n takes the first n; each example is
// doc_to_text + target_delimiter + (choices[target] if the target is an int else target) +
// fewshot_delimiter, after the description, and the evaluated document's doc_to_text ends
// it. Each expectation is the context's byte length, its FNV-1a 64 hash, and its first and
// last 200 bytes.
//
// WikitextDetokenize is compared with lm-eval's own preprocess_wikitext.wikitext_detokenizer
// (lm_eval/tasks/wikitext/preprocess_wikitext.py at 4e7e0d47), run by python3 at
// test-writing time on the articles of datasets/data/wikitext-2/test.txt split at the lines
// matching ^ = [^=].* = $. ParsePythonLiteral expectations are Python's ast.literal_eval.
#include "tasks/eval/task.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tasks/config/task_config.h"
#include "tasks/eval/task_data.h"
#include "tasks/jinja/pyvalue.h"

namespace mnemo {
namespace {

using nlohmann::json;

const std::string kData = MNEMO_EVAL_TEST_DATA;
const std::string kRoot = MNEMO_EVAL_SOURCE_ROOT;

uint64_t Fnv1a64(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

struct Expected {
  size_t doc;
  size_t length;
  uint64_t fnv;
  const char* head;  // first 200 bytes
  const char* tail;  // last 200 bytes
};

void ExpectText(const std::string& got, const Expected& e) {
  SCOPED_TRACE("document " + std::to_string(e.doc));
  EXPECT_EQ(got.size(), e.length);
  EXPECT_EQ(got.substr(0, 200), e.head);
  EXPECT_EQ(got.size() >= 200 ? got.substr(got.size() - 200) : got, e.tail);
  EXPECT_EQ(Fnv1a64(got), e.fnv) << got;
}

std::unique_ptr<Task> LoadTask(const std::string& path) {
  TaskConfig cfg;
  GroupConfig group;
  bool is_group = false;
  Status s = LoadTaskFile(path, &cfg, &group, &is_group);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return nullptr;
  auto t = Task::Create(std::move(cfg));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(t).value() : nullptr;
}

// The contexts of the first `n` evaluation documents, built as the evaluator does: one
// sampler RNG for the task, documents in order.
std::vector<std::string> Contexts(const Task& task, size_t n) {
  const TaskConfig& cfg = task.config();
  auto docs = LoadSplit(cfg, cfg.EvalSplit());
  EXPECT_TRUE(docs.ok()) << docs.status().ToString();
  auto fewshot = LoadSplit(cfg, cfg.FewshotSplit());
  EXPECT_TRUE(fewshot.ok()) << fewshot.status().ToString();
  std::vector<std::string> out;
  if (!docs.ok() || !fewshot.ok()) return out;
  PyRandom rnd(1234);
  for (size_t d = 0; d < n && d < docs->size(); ++d) {
    auto ctx = task.FewshotContext((*docs)[d], cfg.num_fewshot, *fewshot, &rnd);
    EXPECT_TRUE(ctx.ok()) << ctx.status().ToString();
    out.push_back(ctx.ok() ? *ctx : "");
  }
  return out;
}

// tiny_geo, 3-shot, the evaluated document excluded (few-shot split == test split).
const Expected kGeoSameSplit[] = {
    {0, 1238u, 0x5835e933f5390e3cull,
     "Taslotas is a mountainous nation to the east of Rarari. Its economy ha"
     "s long depended on amber trade, and most of its people live along the "
     "Veka river. The capital city, Marnor, hosts the national arc",
     " most of its people live along the Belmar river. The capital city, Tir"
     "bel, hosts the national archive and the oldest university in the regio"
     "n.\nQuestion: Which city is the capital of Pimquamar?\nAnswer:"},
    {1, 1244u, 0x68bc2d887e6bcaaeull,
     "Zongulri is a mountainous nation to the north of Umkaum. Its economy h"
     "as long depended on pepper farming, and most of its people live along "
     "the Senlo river. The capital city, Fenfen, hosts the nationa",
     "d most of its people live along the Drapim river. The capital city, Ti"
     "rra, hosts the national archive and the oldest university in the regio"
     "n.\nQuestion: Which city is the capital of Pimzonber?\nAnswer:"},
    {2, 1243u, 0x8c6c566e3f2ee310ull,
     "Norlovel is a temperate nation to the east of Norzonber. Its economy h"
     "as long depended on shipbuilding, and most of its people live along th"
     "e Quave river. The capital city, Senost, hosts the national ",
     "d most of its people live along the Quapim river. The capital city, Dr"
     "amar, hosts the national archive and the oldest university in the regi"
     "on.\nQuestion: Which city is the capital of Velbello?\nAnswer:"},
    {3, 1244u, 0x941e3ed2fdc3d999ull,
     "Velhalost is a temperate nation to the north of Berumtir. Its economy "
     "has long depended on pepper farming, and most of its people live along"
     " the Kadol river. The capital city, Canlo, hosts the nationa",
     " most of its people live along the Tirmar river. The capital city, Mar"
     "sen, hosts the national archive and the oldest university in the regio"
     "n.\nQuestion: Which city is the capital of Sennorqua?\nAnswer:"},
    {4, 1250u, 0xcb60cee00ef8ca8bull,
     "Norhaltas is a mountainous nation to the west of Nornornor. Its econom"
     "y has long depended on pepper farming, and most of its people live alo"
     "ng the Velsen river. The capital city, Fenum, hosts the nati",
     "nd most of its people live along the Vefen river. The capital city, Zo"
     "nhal, hosts the national archive and the oldest university in the regi"
     "on.\nQuestion: Which city is the capital of Pimkavel?\nAnswer:"},
};

// tiny_geo, 3-shot, rnd.sample(docs, 3) with nothing excluded.
const Expected kGeoNoExclusion[] = {
    {0, 1238u, 0x5835e933f5390e3cull,
     "Taslotas is a mountainous nation to the east of Rarari. Its economy ha"
     "s long depended on amber trade, and most of its people live along the "
     "Veka river. The capital city, Marnor, hosts the national arc",
     " most of its people live along the Belmar river. The capital city, Tir"
     "bel, hosts the national archive and the oldest university in the regio"
     "n.\nQuestion: Which city is the capital of Pimquamar?\nAnswer:"},
    {1, 1239u, 0x2ecf86970b7204f6ull,
     "Pimvefen is a arid nation to the north of Umsenlo. Its economy has lon"
     "g depended on olive pressing, and most of its people live along the Zo"
     "nhal river. The capital city, Canri, hosts the national arch",
     "d most of its people live along the Drapim river. The capital city, Ti"
     "rra, hosts the national archive and the oldest university in the regio"
     "n.\nQuestion: Which city is the capital of Pimzonber?\nAnswer:"},
    {2, 1243u, 0x410c17719b7123d4ull,
     "Haltirsen is a windswept nation to the east of Lolove. Its economy has"
     " long depended on wool weaving, and most of its people live along the "
     "Halsen river. The capital city, Quagul, hosts the national a",
     "d most of its people live along the Quapim river. The capital city, Dr"
     "amar, hosts the national archive and the oldest university in the regi"
     "on.\nQuestion: Which city is the capital of Velbello?\nAnswer:"},
    {3, 1242u, 0xc72056ce236ad580ull,
     "Canvelve is a arid nation to the south of Losengul. Its economy has lo"
     "ng depended on amber trade, and most of its people live along the Tirb"
     "er river. The capital city, Velri, hosts the national archiv",
     " most of its people live along the Tirmar river. The capital city, Mar"
     "sen, hosts the national archive and the oldest university in the regio"
     "n.\nQuestion: Which city is the capital of Sennorqua?\nAnswer:"},
    {4, 1248u, 0x4db269969baa05f8ull,
     "Velhalost is a temperate nation to the north of Berumtir. Its economy "
     "has long depended on pepper farming, and most of its people live along"
     " the Kadol river. The capital city, Canlo, hosts the nationa",
     "nd most of its people live along the Vefen river. The capital city, Zo"
     "nhal, hosts the national archive and the oldest university in the regi"
     "on.\nQuestion: Which city is the capital of Pimkavel?\nAnswer:"},
};

// mmlu_sample: description, the first 5 dev documents, the test document.
const Expected kMmlu[] = {
    {0, 630u, 0xe2132ff4ab49d994ull,
     "The following are multiple choice questions (with answers) about gener"
     "al knowledge.\n\nWhat is the chemical symbol for gold?\nA. Ag\nB. Au\n"
     "C. Gd\nD. Go\nAnswer: B\n\nHow many sides does a hexagon have?\nA. Fiv",
     "ch of these is a prime number: 21, 27, 29 or 33?\nA. 21\nB. 27\nC. 29"
     "\nD. 33\nAnswer: C\n\nWhat gas do plants absorb from the air for photo"
     "synthesis?\nA. Oxygen\nB. Nitrogen\nC. Carbon dioxide\nD. Helium\nAnsw"
     "er:"},
    {1, 580u, 0xf35a675400c8bf82ull,
     "The following are multiple choice questions (with answers) about gener"
     "al knowledge.\n\nWhat is the chemical symbol for gold?\nA. Ag\nB. Au\n"
     "C. Gd\nD. Go\nAnswer: B\n\nHow many sides does a hexagon have?\nA. Fiv",
     "s Celsius?\nA. 0\nB. 32\nC. 100\nD. -10\nAnswer: A\n\nWhich of these i"
     "s a prime number: 21, 27, 29 or 33?\nA. 21\nB. 27\nC. 29\nD. 33\nAnswe"
     "r: C\n\nHow many minutes are in one hour?\nA. 30\nB. 60\nC. 90\nD. 100"
     "\nAnswer:"},
    {2, 600u, 0x446b30aee5a914caull,
     "The following are multiple choice questions (with answers) about gener"
     "al knowledge.\n\nWhat is the chemical symbol for gold?\nA. Ag\nB. Au\n"
     "C. Gd\nD. Go\nAnswer: B\n\nHow many sides does a hexagon have?\nA. Fiv",
     "2\nC. 100\nD. -10\nAnswer: A\n\nWhich of these is a prime number: 21, "
     "27, 29 or 33?\nA. 21\nB. 27\nC. 29\nD. 33\nAnswer: C\n\nWhich ocean is"
     " the largest by area?\nA. Atlantic\nB. Indian\nC. Arctic\nD. Pacific\n"
     "Answer:"},
};

// gsm8k: 5 examples drawn from train (a different split: exactly 5 drawn, none dropped).
const Expected kGsm8k[] = {
    {0, 3189u, 0xd12aaef63f3886ecull,
     "Question: Jen and Tyler are gymnasts practicing flips. Jen is practici"
     "ng the triple-flip while Tyler is practicing the double-flip. Jen did "
     "sixteen triple-flips during practice. Tyler flipped in the a",
     "muffins for her friends every day with four. She sells the remainder a"
     "t the farmers' market daily for $2 per fresh duck egg. How much in dol"
     "lars does she make every day at the farmers' market?\nAnswer:"},
    {1, 3321u, 0x46a9729a45d0cb4aull,
     "Question: Steve finds 100 gold bars while visiting Oregon. He wants to"
     " distribute his gold bars evenly to his 4 friends. If 20 gold bars wer"
     "e lost on the way back to San Diego, how many gold bars will",
     " - 232 = <<372-232=140>>140 more green apples than red apples now.\n##"
     "## 140\n\nQuestion: A robe takes 2 bolts of blue fiber and half that m"
     "uch white fiber.  How many bolts in total does it take?\nAnswer:"},
    {2, 3257u, 0xded51c22ce14270eull,
     "Question: Tom can type 90 words a minute.  A page is 450 words.  How l"
     "ong would it take him to type out 10 pages?\nAnswer: He can type out 1"
     " page in 450/90=<<450/90=5>>5 minutes\nSo it would take 5*10=<",
     "\nQuestion: Josh decides to try flipping a house.  He buys a house for"
     " $80,000 and then puts in $50,000 in repairs.  This increased the valu"
     "e of the house by 150%.  How much profit did he make?\nAnswer:"},
};

TEST(FewshotContextTest, TinyGeo3ShotShipped) {
  // The shipped task documents that the evaluated document is never one of its examples.
  auto task = LoadTask(kRoot + "/tasks/defs/tiny_geo_3shot.yaml");
  ASSERT_NE(task, nullptr);
  ASSERT_EQ(task->config().num_fewshot, 3);
  auto ctx = Contexts(*task, 5);
  ASSERT_EQ(ctx.size(), 5u);
  for (size_t i = 0; i < 5; ++i) ExpectText(ctx[i], kGeoSameSplit[i]);
}

TEST(FewshotContextTest, TinyGeo3ShotWithFewshotSplitTest) {
  // With `fewshot_split: test` lm-eval itself passes the evaluated document to the sampler.
  auto task = LoadTask(kData + "/task/geo_fewshot_split_test.yaml");
  ASSERT_NE(task, nullptr);
  auto ctx = Contexts(*task, 5);
  ASSERT_EQ(ctx.size(), 5u);
  for (size_t i = 0; i < 5; ++i) ExpectText(ctx[i], kGeoSameSplit[i]);
}

// lm-eval passes the evaluated document to its sampler only when fewshot_split equals
// test_split as configured (task.py fewshot_context); a task naming no few-shot split
// draws rnd.sample(docs, 3) and may include the evaluated document.
TEST(FewshotContextTest, NoConfiguredFewshotSplitSamplesExactlyN) {
  TaskConfig cfg;
  GroupConfig group;
  bool is_group = false;
  ASSERT_TRUE(
      LoadTaskFile(kRoot + "/tasks/defs/tiny_geo_3shot.yaml", &cfg, &group, &is_group).ok());
  cfg.fewshot_split.clear();  // tiny_geo names it; without it lm-eval never excludes the doc
  auto task = Task::Create(cfg);
  ASSERT_TRUE(task.ok());
  auto ctx = Contexts(**task, 5);
  ASSERT_EQ(ctx.size(), 5u);
  for (size_t i = 0; i < 5; ++i) ExpectText(ctx[i], kGeoNoExclusion[i]);
}

TEST(FewshotContextTest, MmluSampleFirstNFromDev) {
  auto task = LoadTask(kRoot + "/tasks/defs/mmlu_sample.yaml");
  ASSERT_NE(task, nullptr);
  auto ctx = Contexts(*task, 3);
  ASSERT_EQ(ctx.size(), 3u);
  // The first one in full, for the reader.
  EXPECT_EQ(ctx[0],
            "The following are multiple choice questions (with answers) about general "
            "knowledge.\n\n"
            "What is the chemical symbol for gold?\nA. Ag\nB. Au\nC. Gd\nD. Go\nAnswer: B\n\n"
            "How many sides does a hexagon have?\nA. Five\nB. Six\nC. Seven\nD. Eight\n"
            "Answer: B\n\n"
            "Which planet is closest to the Sun?\nA. Venus\nB. Earth\nC. Mercury\nD. Mars\n"
            "Answer: C\n\n"
            "What is the freezing point of water at sea level in degrees Celsius?\nA. 0\n"
            "B. 32\nC. 100\nD. -10\nAnswer: A\n\n"
            "Which of these is a prime number: 21, 27, 29 or 33?\nA. 21\nB. 27\nC. 29\nD. 33\n"
            "Answer: C\n\n"
            "What gas do plants absorb from the air for photosynthesis?\nA. Oxygen\n"
            "B. Nitrogen\nC. Carbon dioxide\nD. Helium\nAnswer:");
  for (size_t i = 0; i < 3; ++i) ExpectText(ctx[i], kMmlu[i]);
}

TEST(FewshotContextTest, Gsm8kFiveShotFromTrain) {
  auto task = LoadTask(kRoot + "/tasks/defs/gsm8k.yaml");
  ASSERT_NE(task, nullptr);
  ASSERT_EQ(task->config().num_fewshot, 5);
  auto ctx = Contexts(*task, 3);
  ASSERT_EQ(ctx.size(), 3u);
  for (size_t i = 0; i < 3; ++i) ExpectText(ctx[i], kGsm8k[i]);
}

TEST(FewshotContextTest, FirstNFromTheEvaluatedSplitSkipsTheDocument) {
  // lm-eval's FirstNSampler: the first n of the pool without the evaluated document.
  auto task = LoadTask(kData + "/task/first_n_same_split.yaml");
  ASSERT_NE(task, nullptr);
  auto ctx = Contexts(*task, 4);
  ASSERT_EQ(ctx.size(), 4u);
  EXPECT_EQ(ctx[0],
            "How many legs has a cat? four\n\nWhich is a fruit? apple\n\n"
            "What colour is the sky?");
  EXPECT_EQ(ctx[1],
            "What colour is the sky? blue\n\nWhich is a fruit? apple\n\n"
            "How many legs has a cat?");
  EXPECT_EQ(ctx[3],
            "What colour is the sky? blue\n\nHow many legs has a cat? four\n\n"
            "What do bees make?");
}

TEST(FewshotContextTest, FewshotConfigOverridesApplyToExamplesOnly) {
  auto task = LoadTask(kData + "/task/fewshot_overrides.yaml");
  ASSERT_NE(task, nullptr);
  auto ctx = Contexts(*task, 2);
  ASSERT_EQ(ctx.size(), 2u);
  // The description is a template over the evaluated document (lm-eval's resolve_field).
  EXPECT_EQ(ctx[0],
            "Topic 0:\n"
            "Example: What colour is the sky? => blue\n--\n"
            "Example: How many legs has a cat? => four\n--\n"
            "Q: What colour is the sky?\nA:");
  EXPECT_EQ(ctx[1].substr(0, 9), "Topic 1:\n");
}

TEST(FewshotContextTest, TooFewExamplesIsAnError) {
  auto task = LoadTask(kData + "/task/first_n_same_split.yaml");
  ASSERT_NE(task, nullptr);
  std::vector<Doc> pool = {json{{"question", "a"}, {"choices", {"x"}}, {"answer", 0}}};
  PyRandom rnd(1234);
  json doc = {{"question", "b"}, {"choices", {"x"}}, {"answer", 0}};
  auto ctx = task->FewshotContext(doc, 2, pool, &rnd);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.status().message().find("first_n_same_split"), std::string::npos);
}

// ---- Prompt messages: system instruction, gen_prefix, chat turns ----

// data/lmeval_prompt_messages.json was written by lm-eval's own build_qa_turn,
// multiturn_to_singleturn and maybe_delimit (data/lmeval_prompt_messages.py, lm-eval 4e7e0d47)
// for first_n few-shot examples of the qa.jsonl documents, with and without a system instruction, a
// description and a gen_prefix (ending in whitespace or not).
TEST(PromptMessagesTest, MatchLmEvalsOwnCode) {
  std::ifstream in(kData + "/lmeval_prompt_messages.json");
  ASSERT_TRUE(in) << "lmeval_prompt_messages.json";
  const json cases = json::parse(in);
  ASSERT_EQ(cases.size(), 8u);
  TaskConfig base;
  GroupConfig group;
  bool is_group = false;
  ASSERT_TRUE(LoadTaskFile(kData + "/task/first_n_same_split.yaml", &base, &group, &is_group).ok());
  auto docs = LoadSplit(base, base.EvalSplit());
  ASSERT_TRUE(docs.ok());
  for (const json& c : cases) {
    SCOPED_TRACE(c.dump().substr(0, 120));
    TaskConfig cfg = base;
    cfg.description = c["description"].get<std::string>();
    cfg.gen_prefix = cfg.fewshot_gen_prefix = c["gen_prefix"].get<std::string>();
    auto task = Task::Create(cfg);
    ASSERT_TRUE(task.ok()) << task.status().ToString();
    PyRandom rnd(1234);
    auto msgs = (*task)->PromptMessages((*docs)[c["doc"].get<size_t>()], 2, *docs, &rnd,
                                        c["system_instruction"].get<std::string>());
    ASSERT_TRUE(msgs.ok()) << msgs.status().ToString();
    json got = json::array();
    for (const auto& m : *msgs) got.push_back({m.role, m.content, m.delimiter});
    EXPECT_EQ(got, c["messages"]);
    EXPECT_EQ(MessagesToText(*msgs), c["plain"].get<std::string>());
    EXPECT_EQ(MessagesToChatJson(*msgs), c["multi"]);
    EXPECT_EQ(MessagesToChatJson(MultiturnToSingleturn(*msgs)), c["single"]);
  }
}

TEST(PromptMessagesTest, GenPrefixIsAFieldOrATemplate) {
  auto task = LoadTask(kData + "/task/first_n_same_split.yaml");
  ASSERT_NE(task, nullptr);
  TaskConfig cfg = task->config();
  cfg.gen_prefix = "{{question[:4]}} ->";
  cfg.fewshot_gen_prefix = "answer";  // a feature name: the document's value
  auto t = Task::Create(cfg);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  json doc = {{"question", "Why?"}, {"choices", {"x"}}, {"answer", 0}};
  auto p = (*t)->GenPrefix(doc);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "Why? ->");
  auto f = (*t)->GenPrefix(doc, /*fewshot=*/true);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, "0");
}

TEST(PromptMessagesTest, LmEvalsDelimiterRules) {
  EXPECT_EQ(MaybeDelimit("Answer:", "four", " "), "Answer: four");
  EXPECT_EQ(MaybeDelimit("A: ", "four", " "), "A: four");
  EXPECT_EQ(MaybeDelimit("A:", "\u00a0x", " "), "A:\u00a0x");  // Python's isspace: NBSP too
  EXPECT_EQ(MaybeDelimit("", "x", " "), "x");
  EXPECT_EQ(MaybeDelimit("x", "", " "), "x");
  EXPECT_FALSE(RequiresDelimiter("", "x"));
  EXPECT_TRUE(RequiresDelimiter("q?", "Answer:"));
  EXPECT_FALSE(RequiresDelimiter("q?\n", "Answer:"));
  EXPECT_TRUE(EndsWithWhitespace("a\u3000"));
  EXPECT_FALSE(EndsWithWhitespace("a"));
  EXPECT_FALSE(EndsWithWhitespace(""));
}

// ---- doc_to_text / doc_to_target / doc_to_choice ----

const json kDoc = {
    {"question", "Q?"},           {"label", 2},  {"label_str", "1"}, {"num", "12"},
    {"choices", {"a", "b", "c"}}, {"sol1", "x"}, {"sol2", "y"},      {"aliases", {"p", "q"}}};

std::unique_ptr<Task> Make(json text, json target, json choice) {
  TaskConfig cfg;
  cfg.task = "semantics";
  cfg.source_path = "/fixtures/semantics.yaml";
  cfg.doc_to_text = std::move(text);
  cfg.doc_to_target = std::move(target);
  cfg.doc_to_choice = std::move(choice);
  auto t = Task::Create(std::move(cfg));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(t).value() : nullptr;
}

json Text(json spec, bool with_choices) {
  auto t = Make(spec, "label", with_choices ? json("choices") : json());
  auto v = t->DocToText(kDoc);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? json(*v) : json("<error>");
}

json Target(json spec, bool with_choices) {
  auto t = Make("question", spec, with_choices ? json("choices") : json());
  auto v = t->DocToTarget(kDoc);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? json(*v) : json("<error>");
}

std::vector<std::string> Choice(json spec) {
  auto t = Make("question", "label", spec);
  auto v = t->DocToChoice(kDoc);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : std::vector<std::string>{};
}

TEST(DocToTest, TextFeatureNameOrTemplate) {
  EXPECT_EQ(Text("question", false), "Q?");
  EXPECT_EQ(Text("Question: {{question}}", false), "Question: Q?");
  // A rendered all-digit string becomes an int only when doc_to_choice is set.
  EXPECT_EQ(Text("{{label_str}}", true), 1);
  EXPECT_EQ(Text("{{label_str}}", false), "1");
  EXPECT_EQ(Text(3, false), 3);
}

TEST(DocToTest, TargetFeatureNameTemplateAndLiterals) {
  EXPECT_EQ(Target("label", true), 2);
  EXPECT_EQ(Target("label", false), 2);
  EXPECT_EQ(Target("num", true), "12");  // a feature is returned as it is
  EXPECT_EQ(Target("{{label}}", true), 2);
  EXPECT_EQ(Target("{{label_str}}", true), 1);
  EXPECT_EQ(Target("{{label_str}}", false), "1");
  // "[...]" is read with ast.literal_eval, and kept as text when it is no literal.
  EXPECT_EQ(Target("[{{label}}, 'z']", false), json({2, "z"}));
  EXPECT_EQ(Target("[not python]", false), "[not python]");
  EXPECT_EQ(Target("{{aliases}}", false), json({"p", "q"}));
  EXPECT_EQ(Target(3, false), 3);
  EXPECT_EQ(Target(json({"a", "b"}), false), json({"a", "b"}));
}

// lm-eval renders a template to a string and only then turns an all-digit result into an int
// (when doc_to_choice is set); a feature named by doc_to_text is returned as it is.
TEST(DocToTest, TemplatesRenderToStringsAndFeaturesStayAsTheyAre) {
  EXPECT_EQ(Target("{{label}}", false), "2");  // lm-eval: '2'
  EXPECT_EQ(Text("{{label}}", false), "2");    // lm-eval: '2'
  EXPECT_EQ(Text("num", true), "12");          // lm-eval: '12' (the feature's value)
}

TEST(DocToTest, ChoiceFeatureTemplateListAndMapping) {
  const std::vector<std::string> abc = {"a", "b", "c"};
  EXPECT_EQ(Choice("choices"), abc);
  EXPECT_EQ(Choice("{{choices}}"), abc);
  EXPECT_EQ(Choice("{{[sol1, sol2]}}"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(Choice("['{{sol1}}', '{{sol2}}']"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(Choice(json({"A", "B"})), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(Choice(json({{"a", "first"}, {"b", "second"}})),
            (std::vector<std::string>{"first", "second"}));
  auto t = Make("question", "label", "{{question}}");
  EXPECT_FALSE(t->DocToChoice(kDoc).ok());  // "Q?" is no Python literal
}

// lm-eval's list(doc_to_choice.values()) keeps the YAML's order, not the keys' sorted order.
TEST(DocToTest, MappingChoicesKeepTheYamlOrder) {
  auto task = LoadTask(kData + "/task/choice_dict_order.yaml");
  ASSERT_NE(task, nullptr);
  auto c = task->DocToChoice(kDoc);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, (std::vector<std::string>{"first", "second", "third"}));
}

TEST(DocToTest, TargetTextIndexesTheChoices) {
  auto t = Make("question", "label", "choices");
  auto s = t->TargetText(kDoc);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, "c");
  auto l = Make("question", "aliases", json());
  EXPECT_EQ(l->TargetText(kDoc).value(), "p");  // the first of a list
  auto bad = Make("question", 7, "choices");
  EXPECT_FALSE(bad->TargetText(kDoc).ok());
}

TEST(DocToTest, MissingFieldNamesTheField) {
  auto t = Make("{{question}} {{hint}}", "label", json());
  auto v = t->DocToText(kDoc);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("hint"), std::string::npos) << v.status().message();
}

TEST(DocToTest, TemplateSyntaxErrorNamesFileAndKey) {
  TaskConfig cfg;
  cfg.task = "broken";
  cfg.source_path = "/fixtures/broken.yaml";
  cfg.doc_to_text = "{{ question ";
  auto t = Task::Create(cfg);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("/fixtures/broken.yaml"), std::string::npos);
  EXPECT_NE(t.status().message().find("doc_to_text"), std::string::npos);
}

// ---- WikitextDetokenize ----

struct Article {
  size_t index;
  size_t length;
  uint64_t fnv;
  size_t page_length;  // the article before detokenizing
  const char* head;
  const char* tail;
};

const Article kArticles[] = {
    {0, 5213u, 0x2fa5e1ed5dbb21f6ull, 5457u,
     " = Robert <unk> =\n\nRobert <unk> is an English film, television and t"
     "heatre actor. He had a guest-starring role on the television series Th"
     "e Bill in 2000. This was followed by a starring role in the pl",
     "ce to stand there and look like you know what you 're doing.\" <unk> s"
     "tarred in the 2011 film <unk> directed by Paris <unk>.\n\n== Filmograp"
     "hy ==\n\n\n=== Film ===\n\n\n=== Television ===\n\n\n=== Theatre ===\n"
     "\n\n\n"},
    {1, 23144u, 0x68b049806f14f97dull, 24042u,
     " = Du Fu =\n\nDu Fu (Wade \342\200\223 Giles: Tu Fu; Chinese: <unk>; <"
     "unk> \342\200\223 770) was a prominent Chinese poet of the Tang dynast"
     "y. Along with Li <unk> (Li Po), he is frequently called the greatest o"
     "f the Chin",
     "extensive <unk>.\nIn 2015, Stephen Owen published translations, with f"
     "acing Chinese texts, of the complete poetry of Du Fu in six volumes, w"
     "ith extensive scholarly apparatus, which emphasized <unk>.\n\n\n"},
    {2, 11461u, 0x338ea83bab8d8a60ull, 12134u,
     " = Kiss You (One Direction song) =\n\n\"Kiss You\" is a song recorded "
     "by English-Irish boy band One Direction for their second studio album,"
     " Take Me Home (2012). It was released as the record's second sin",
     "\n<unk> \342\200\224 writing\n<unk> <unk> \342\200\224 writing, produc"
     "tion, programming, instruments, bass\nCredits adapted from Take Me Hom"
     "e's liner notes.\n\n== Charts ==\n\n\n== Certifications ==\n\n\n== Rel"
     "ease history ==\n\n\n\n"},
};

TEST(WikitextDetokenizeTest, FirstThreeArticlesMatchLmEval) {
  TaskConfig cfg;
  cfg.task = "wiki";
  cfg.source_path = "/fixtures/wiki.yaml";
  cfg.test_split = "test";
  cfg.dataset_format = "wikitext_articles";
  cfg.data_files["test"] = kRoot + "/datasets/data/wikitext-2/test.txt";
  auto docs = LoadSplit(cfg, "test");
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs->size(), 62u);
  for (const Article& a : kArticles) {
    SCOPED_TRACE("article " + std::to_string(a.index));
    const std::string page = (*docs)[a.index]["page"].get<std::string>();
    EXPECT_EQ(page.size(), a.page_length);
    std::string got = Task::WikitextDetokenize(page);
    EXPECT_EQ(got.size(), a.length);
    EXPECT_EQ(got.substr(0, 200), a.head);
    EXPECT_EQ(got.substr(got.size() - 200), a.tail);
    EXPECT_EQ(Fnv1a64(got), a.fnv);
  }
  // All 62 articles, each followed by a NUL byte: length and FNV-1a 64 from python3.
  std::string all;
  for (const auto& d : *docs) all += Task::WikitextDetokenize(d["page"].get<std::string>()) + '\0';
  EXPECT_EQ(all.size(), 1206487u);
  EXPECT_EQ(Fnv1a64(all), 0xa5b5d06779b9ade4ull);
}

TEST(WikitextDetokenizeTest, SmallCases) {
  // lm-eval's wikitext_detokenizer on these strings (python3).
  EXPECT_EQ(Task::WikitextDetokenize(" = = Career = = \n 2 @,@ 000 @-@ odd , ( yes ) \n"),
            " == Career ==\n2,000-odd, (yes)\n");
  EXPECT_EQ(Task::WikitextDetokenize("the players ' \" big \" N game 's end"),
            "the players'\"big\" 1 game's end");
}

// ---- ParsePythonLiteral (ast.literal_eval) ----

TEST(ParsePythonLiteralTest, Literals) {
  auto p = [](const std::string& s) {
    auto v = ParsePythonLiteral(s);
    EXPECT_TRUE(v.ok()) << s << ": " << v.status().ToString();
    return v.ok() ? *v : json("<error>");
  };
  EXPECT_EQ(p("['a', \"b\"]"), json({"a", "b"}));
  EXPECT_EQ(p("[1, 2.5, -3]"), json({1, 2.5, -3}));
  EXPECT_EQ(p("()"), json::array());
  EXPECT_EQ(p("('x',)"), json({"x"}));
  EXPECT_EQ(p("[True, False, None]"), json({true, false, nullptr}));
  EXPECT_EQ(p("['it\\'s']"), json({"it's"}));
  EXPECT_EQ(p("['a\\nb\\tc']"), json({"a\nb\tc"}));
  EXPECT_EQ(p("[[1], ['x']]"), json({json({1}), json({"x"})}));
  EXPECT_EQ(p("[1,]"), json({1}));
  EXPECT_EQ(p("'single'"), "single");
  EXPECT_EQ(p("  [ 'spaced' ]  "), json({"spaced"}));
}

TEST(ParsePythonLiteralTest, NotLiterals) {
  for (const char* s : {"[1, 2", "abc", "[1] x", "['open", ""}) {
    auto v = ParsePythonLiteral(s);
    EXPECT_FALSE(v.ok()) << s;
  }
}

// Each expected value is what CPython 3.11's ast.literal_eval returns for the same text.
TEST(ParsePythonLiteralTest, EscapesPrefixesAndConcatenationAsCPython) {
  const std::vector<std::pair<std::string, json>> cases = {
      {R"(['\x41\u00e9'])", json({"A\u00e9"})},
      {R"(['a' 'b'])", json({"ab"})},
      {R"(('tuple', 'concat' "mixed"))", json({"tuple", "concatmixed"})},
      {R"(['a\xa0b', 'c\u200bd'])", json({"a\u00a0b", "c\u200bd"})},
      {R"(['\d\w', '\\'])", json({"\\d\\w", "\\"})},  // unknown escapes stay as written
      {R"(['\101\7\0'])", json({std::string("A\a\0", 3)})},
      {R"([u'x', r'\n', R'\''])", json({"x", "\\n", "\\'"})},
      {R"(['\U0001F600'])", json({"\U0001F600"})},
      {"['a\\\nb']", json({"ab"})},  // a backslash-newline continues the line
      {R"(['\t\r\n\a\b\f\v'])", json({"\t\r\n\a\b\f\v"})},
      {R"(["it's", 'say "hi"'])", json({"it's", "say \"hi\""})},
  };
  for (const auto& [text, want] : cases) {
    auto v = ParsePythonLiteral(text);
    ASSERT_TRUE(v.ok()) << text << ": " << v.status().ToString();
    EXPECT_EQ(*v, want) << text;
  }
  // CPython refuses these too (SyntaxError); \N{...} it reads, mnemo refuses by name.
  for (const char* bad :
       {R"(['\x4'])", R"(['\u12'])", R"(['\U00110000'])", "['abc", R"(['\N{EM DASH}'])", "['a\\"}) {
    auto v = ParsePythonLiteral(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_NE(v.status().message().find("as a Python literal"), std::string::npos)
        << v.status().message();
  }
}

// lm-eval renders a doc_to_choice template such as "{{choices}}" with repr() and reads it back
// with ast.literal_eval: every string must survive the round trip, including the characters
// repr() escapes (NBSP, controls, separators) and undecodable bytes (surrogateescape).
TEST(ParsePythonLiteralTest, ReadsBackWhatReprRendered) {
  const json choices = {"plain",
                        "a\u00a0b",
                        "ctl\x01\x7f\u0085",
                        "sep\u2028\ufeff\ue000",
                        "emoji \U0001F600",
                        "quotes ' \" both",
                        "back\\slash",
                        "only 'single'",
                        "tab\tnl\n",
                        std::string("nul\0x", 5),
                        "bad \xff\xfe bytes"};
  const std::string rendered = jinja::py::Repr(choices);
  auto v = ParsePythonLiteral(rendered);
  ASSERT_TRUE(v.ok()) << rendered << ": " << v.status().ToString();
  EXPECT_EQ(*v, choices) << rendered;
}

}  // namespace
}  // namespace mnemo
