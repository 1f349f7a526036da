// Chat-formatted evaluation on tiny-gemma3 through the real llama.cpp plugin (issue 19):
//  * every multiple-choice context is "<bos>" + llama.cpp's own render
//    (llama_chat_apply_template("gemma"), which writes no BOS) of the turns lm-eval builds: the
//    system instruction, one user/assistant pair per few-shot example (or, without
//    fewshot_as_multiturn, all of them in one user turn), the question; each continuation is
//    the bare choice (lm-eval drops the target delimiter after the assistant's opening);
//  * the rendered prompt's tokens are the plain prompt's with one BOS: the BOS text is parsed
//    as the BOS token, never doubled;
//  * the results carry lm-eval's chat fields; a model without a template, an unknown name and a
//    template the engine cannot run are refused before any request, naming what is wrong;
//  * a GGUF carrying templates (written with gguf's API) is rendered with its own template,
//    its named one shadows a built-in of that name, and its end-of-turn token (as text) joins
//    the stop strings.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "datasets/io/jsonl_reader.h"
#include "harness/core/sha256.h"
#include "tasks/chat/named_templates.h"
#include "tasks/config/task_config.h"
#include "tasks/eval/evaluator.h"
#include "tasks/request_builder.h"
#include "tests/support/backend_fixture.h"
#include "tests/support/gguf_copy.h"
#include "tests/support/test_util.h"
#include "tests/tasks/chat/llama_reference.h"

namespace mnemo {
namespace {

using nlohmann::json;
using testing_util::TempDir;
using testing_util::WriteFile;
namespace fs = std::filesystem;

const std::string kFixtures = MNEMO_FIXTURES_DIR;
const std::string kFinal = kFixtures + "/tiny-gemma3-final.gguf";
const char kSystem[] = "Answer with the name of the city.";

bool HavePlugin() {
  return fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so");
}

// tiny_geo with two first_n few-shot examples, so the examples of each document are known.
std::unique_ptr<Task> GeoTask(const TempDir& dir) {
  WriteFile(dir.File("geo.yaml"),
            "task: chat_geo\n"
            "dataset_path: " +
                kFixtures +
                "/bench.jsonl\n"
                "test_split: test\n"
                "fewshot_split: test\n"
                "fewshot_config:\n  sampler: first_n\n"
                "output_type: multiple_choice\n"
                "doc_to_text: \"{{passage}}\\nQuestion: {{question}}\\nAnswer:\"\n"
                "doc_to_choice: choices\n"
                "doc_to_target: answer\n"
                "num_fewshot: 2\n");
  TaskConfig cfg;
  GroupConfig group;
  bool is_group = false;
  Status s = LoadTaskFile(dir.File("geo.yaml"), &cfg, &group, &is_group);
  EXPECT_TRUE(s.ok()) << s.ToString();
  auto t = Task::Create(std::move(cfg));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(t).value() : nullptr;
}

std::vector<json> BenchDocs() {
  auto docs = ReadJsonl(kFixtures + "/bench.jsonl");
  EXPECT_TRUE(docs.ok()) << docs.status().ToString();
  return docs.ok() ? std::move(docs).value() : std::vector<json>();
}

chat::ChatOptions Gemma(const std::string& system_instruction = "") {
  chat::ChatOptions opt;
  opt.apply = true;
  opt.template_name = "gemma";
  opt.system_instruction = system_instruction;
  return opt;
}

std::string Question(const json& d) {
  return d["passage"].get<std::string>() + "\nQuestion: " + d["question"].get<std::string>() +
         "\nAnswer:";
}
std::string Answer(const json& d) {
  return d["choices"][d["answer"].get<size_t>()].get<std::string>();
}

Result<TaskResult> RunChat(testing_util::OpenedBackend& l, const Task& task,
                           const chat::ChatOptions& chat, size_t limit) {
  EvalOptions opt;
  opt.limit = limit;
  opt.show_progress = false;
  opt.chat = chat;
  Evaluator ev(l.model.get(), l.instance.get(), nullptr, opt);
  return ev.Run(task);
}

void ExpectLlamaRenders(const TaskResult& r, bool multiturn) {
  const std::vector<json> docs = BenchDocs();
  ASSERT_FALSE(r.samples.empty());
  for (const json& s : r.samples) {
    const size_t d = s["doc_id"].get<size_t>();
    SCOPED_TRACE("document " + std::to_string(d));
    // lm-eval's turns, written out here from its rules (first_n skips the document itself).
    std::vector<chat::testing::RefMessage> turns = {{"system", kSystem}};
    std::string joined;
    for (size_t i = 0, shots = 0; shots < 2; ++i) {
      if (i == d) continue;
      ++shots;
      if (multiturn) {
        turns.push_back({"user", Question(docs[i])});
        turns.push_back({"assistant", Answer(docs[i])});
      } else {
        joined += Question(docs[i]) + " " + Answer(docs[i]) + "\n\n";
      }
    }
    turns.push_back({"user", multiturn ? Question(docs[d]) : joined + Question(docs[d])});
    std::string want, error;
    ASSERT_TRUE(chat::testing::LlamaBuiltinApply("gemma", turns, true, &want, &error)) << error;
    const json& args = s["arguments"];
    ASSERT_EQ(args.size(), docs[d]["choices"].size());
    for (size_t c = 0; c < args.size(); ++c) {
      EXPECT_EQ(args[c][0].get<std::string>(), "<bos>" + want);
      EXPECT_EQ(args[c][1], docs[d]["choices"][c]);  // no target delimiter after "model\n"
    }
  }
}

TEST(ChatEvalTest, GemmaPromptsAreLlamaCppsRenderOfLmEvalsTurns) {
  if (!HavePlugin()) GTEST_SKIP() << "no llama.cpp plugin";
  TempDir dir;
  auto task = GeoTask(dir);
  ASSERT_NE(task, nullptr);
  auto l = testing_util::OpenTestBackend("llamacpp", kFinal, 2);
  chat::ChatOptions opt = Gemma(kSystem);
  auto multi = RunChat(l, *task, opt, 5);
  ASSERT_TRUE(multi.ok()) << multi.status().ToString();
  ExpectLlamaRenders(*multi, true);
  // lm-eval's results fields.
  EXPECT_EQ(multi->chat["chat_template_name"], "gemma");
  EXPECT_EQ(multi->chat["chat_template_source"], "builtin");
  EXPECT_EQ(multi->chat["chat_template_sha"],
            Sha256Hex(multi->chat["chat_template"].get<std::string>()));
  EXPECT_EQ(multi->chat["system_instruction_sha"], Sha256Hex(kSystem));
  EXPECT_EQ(multi->chat["fewshot_as_multiturn"], true);
  EXPECT_EQ(multi->chat["chat_rendered_by"], "mnemo");

  opt.fewshot_as_multiturn = false;
  auto single = RunChat(l, *task, opt, 5);
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  ExpectLlamaRenders(*single, false);
  EXPECT_EQ(single->chat["fewshot_as_multiturn"], false);
}

TEST(ChatEvalTest, TheBosTextIsTheBosTokenOnce) {
  if (!HavePlugin()) GTEST_SKIP() << "no llama.cpp plugin";
  auto l = testing_util::OpenTestBackend("llamacpp", kFinal, 1);
  auto format = chat::ChatFormat::Resolve(Gemma(), *l.model);
  ASSERT_TRUE(format.ok()) << format.status().ToString();
  ASSERT_EQ(format->bos_text(), "<bos>");
  auto rendered =
      format->Render(json::array({{{"role", "user"}, {"content", "Where is Marnor?"}}}), true);
  ASSERT_TRUE(rendered.ok());
  ASSERT_EQ(rendered->rfind("<bos>", 0), 0u);
  const TokenizeRule chat_rule{true, format->bos_text()};
  auto chat_pair = EncodePair(*l.model, *rendered, "Taslotas", chat_rule);
  auto plain_pair = EncodePair(*l.model, rendered->substr(5), "Taslotas");  // the model adds BOS
  ASSERT_TRUE(chat_pair.ok() && plain_pair.ok());
  EXPECT_EQ(chat_pair->context, plain_pair->context);
  EXPECT_EQ(chat_pair->continuation, plain_pair->continuation);
  ASSERT_FALSE(chat_pair->context.empty());
  EXPECT_EQ(chat_pair->context[0], l.model->info().bos_token);
  EXPECT_EQ(
      std::count(chat_pair->context.begin(), chat_pair->context.end(), l.model->info().bos_token),
      1);
}

TEST(ChatEvalTest, RefusalsNameWhatIsWrongBeforeAnyRequest) {
  if (!HavePlugin()) GTEST_SKIP() << "no llama.cpp plugin";
  TempDir dir;
  auto task = GeoTask(dir);
  ASSERT_NE(task, nullptr);
  auto l = testing_util::OpenTestBackend("llamacpp", kFinal, 1);
  chat::ChatOptions opt;
  opt.apply = true;
  // The fixture's GGUF has no tokenizer.chat_template.
  auto own = RunChat(l, *task, opt, 2);
  ASSERT_FALSE(own.ok());
  EXPECT_NE(own.status().message().find("has no chat template"), std::string::npos)
      << own.status().message();
  EXPECT_NE(own.status().message().find("gemma"), std::string::npos);  // the built-ins listed
  opt.template_name = "vicuna-9000";
  auto unknown = RunChat(l, *task, opt, 2);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'vicuna-9000'"), std::string::npos);
  // A construct the engine does not run: refused with its name.
  WriteFile(dir.File("t.jinja"),
            "{% for m in messages %}{{ m.content | wordwrap(10) }}{% endfor %}");
  opt.template_name = dir.File("t.jinja");
  auto bad = RunChat(l, *task, opt, 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kUnsupported) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("wordwrap"), std::string::npos) << bad.status().message();
}

// A GGUF that carries templates (a copy of the fixture written with gguf's API): with no name
// the model's own template renders (through the ABI), a name picks the model's named template
// before a built-in one, and the model's end-of-turn token ends generation.
TEST(ChatEvalTest, TheModelsOwnTemplatesComeThroughTheAbi) {
  if (!HavePlugin()) GTEST_SKIP() << "no llama.cpp plugin";
  TempDir dir, cache;
  setenv("MNEMO_CACHE", cache.path().c_str(), 1);  // the copy's fingerprint stays out of ~/.cache
  const chat::NamedTemplate* gemma = chat::FindNamedTemplate("gemma");
  const chat::NamedTemplate* chatml = chat::FindNamedTemplate("chatml");
  ASSERT_TRUE(gemma != nullptr && chatml != nullptr);
  const std::string copy = dir.File("templated.gguf");
  ASSERT_TRUE(testing_util::CopyGgufWithMetadata(
      kFinal, copy,
      {{"tokenizer.chat_template", gemma->source},
       {"tokenizer.chat_template.gemma", chatml->source}},  // shadows the built-in name
      /*eot=*/3));
  auto task = GeoTask(dir);
  ASSERT_NE(task, nullptr);
  auto templated = testing_util::OpenTestBackend("llamacpp", copy, 2);
  auto plain = testing_util::OpenTestBackend("llamacpp", kFinal, 2);
  chat::ChatOptions own;
  own.apply = true;
  auto a = RunChat(templated, *task, own, 3);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = RunChat(plain, *task, Gemma(), 3);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(a->samples.size(), b->samples.size());
  for (size_t i = 0; i < a->samples.size(); ++i) {
    EXPECT_EQ(a->samples[i]["arguments"], b->samples[i]["arguments"]);
    EXPECT_EQ(a->samples[i]["resps"], b->samples[i]["resps"]);
  }
  EXPECT_EQ(a->chat["chat_template_source"], "model");
  EXPECT_EQ(a->chat["chat_template_name"], "default");
  EXPECT_EQ(a->chat["chat_template_sha"], Sha256Hex(gemma->source));

  // "gemma" names the model's template first: ChatML here.
  auto c = RunChat(templated, *task, Gemma(), 1);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->chat["chat_template_source"], "model");
  EXPECT_EQ(c->samples[0]["arguments"][0][0].get<std::string>().rfind("<|im_start|>user\n", 0), 0u);

  // The model's end-of-turn token, as text, is a stop string: "<unk>" (id 3) here.
  auto format = chat::ChatFormat::Resolve(own, *templated.model);
  ASSERT_TRUE(format.ok());
  auto eot = templated.model->Detokenize({3}, false, /*render_special=*/true);
  ASSERT_TRUE(eot.ok());
  EXPECT_EQ(format->end_of_turn(), std::vector<std::string>{*eot});
  unsetenv("MNEMO_CACHE");
}

TEST(ChatEvalTest, GenPrefixIsContinuedAndKeepsTheDelimiter) {
  if (!HavePlugin()) GTEST_SKIP() << "no llama.cpp plugin";
  TempDir dir;
  auto base = GeoTask(dir);
  ASSERT_NE(base, nullptr);
  TaskConfig cfg = base->config();
  cfg.gen_prefix = cfg.fewshot_gen_prefix = "The capital is";
  cfg.num_fewshot = 0;
  auto task = Task::Create(cfg);
  ASSERT_TRUE(task.ok());
  auto l = testing_util::OpenTestBackend("llamacpp", kFinal, 1);
  auto r = RunChat(l, **task, Gemma(), 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::vector<json> docs = BenchDocs();
  for (const json& s : r->samples) {
    const size_t d = s["doc_id"].get<size_t>();
    // transformers' continue_final_message: the render of [user, assistant(prefix)] cut right
    // after the prefix, no end-of-turn.
    std::string full, error;
    ASSERT_TRUE(chat::testing::LlamaBuiltinApply(
        "gemma", {{"user", Question(docs[d])}, {"assistant", "The capital is"}}, false, &full,
        &error))
        << error;
    const std::string want = "<bos>" + full.substr(0, full.rfind("The capital is") + 14);
    EXPECT_EQ(s["arguments"][0][0].get<std::string>(), want);
    // A gen_prefix not ending in whitespace keeps the task's target delimiter.
    EXPECT_EQ(s["arguments"][0][1], " " + docs[d]["choices"][0].get<std::string>());
  }
}

}  // namespace
}  // namespace mnemo
