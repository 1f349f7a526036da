// `mnemo eval --apply-chat-template` end to end, rendered in two independent places: mnemo
// renders its built-in "gemma" format and runs the in-process llama.cpp backend; llama-server,
// started with `--no-jinja --chat-template gemma` (llama.cpp's own built-in format; with Jinja
// on, the default, "gemma" would be read as template text), renders the same
// conversations itself behind the openai backend in chat mode (/v1/chat/completions). A
// generate_until task with a system instruction and two few-shot turns must give the same
// greedy generations (stopping at the task's "Question:" or the end of turn), and each results
// file must say who rendered the prompt. A multiple-choice task is refused in chat mode before
// any request (a chat endpoint returns no prompt log-probabilities).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "datasets/io/jsonl_reader.h"

#include "tests/backends/openai/openai_test_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using nlohmann::json;
using testing_util::Quote;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;

std::vector<json> Samples(const std::string& path) {
  auto lines = ReadJsonl(path);
  EXPECT_TRUE(lines.ok()) << lines.status().ToString();
  return lines.ok() ? std::move(lines).value() : std::vector<json>();
}

// As openai_chat_test: whole prompts in one batch, so both sides compute alike.
class OpenAiChatEvalTest : public testing_util::ServerSuite {
 protected:
  static void SetUpTestSuite() {
    std::vector<std::string> args = testing_util::ServerArgs();
    args.insert(args.end(), {"--no-jinja", "--chat-template", "gemma", "--no-cache-prompt",
                             "--ctx-checkpoints", "0"});
    server_ = new testing_util::LlamaServer(testing_util::FixtureModel(), args);
    if (!server_->Start()) {
      delete server_;
      server_ = nullptr;
    }
  }
};

void WriteTasks(const TempDir& dir) {
  std::filesystem::create_directories(dir.File("tasks"));
  const std::string common = "dataset_path: " + std::string(MNEMO_FIXTURES_DIR) +
                             "/bench.jsonl\n"
                             "test_split: test\n"
                             "fewshot_split: test\n"
                             "fewshot_config:\n  sampler: first_n\n"
                             "doc_to_text: \"{{passage}}\\nQuestion: {{question}}\\nAnswer:\"\n"
                             "num_fewshot: 2\n";
  WriteFile(dir.File("tasks/chat_gen.yaml"), "task: chat_gen\n" + common +
                                                 "output_type: generate_until\n"
                                                 "doc_to_target: \"{{choices[answer]}}\"\n"
                                                 "generation_kwargs:\n"
                                                 "  until: [\"Question:\"]\n"
                                                 "  max_gen_toks: 12\n"
                                                 "metric_list:\n  - metric: exact_match\n");
  WriteFile(dir.File("tasks/chat_mc.yaml"), "task: chat_mc\n" + common +
                                                "output_type: multiple_choice\n"
                                                "doc_to_choice: choices\n"
                                                "doc_to_target: answer\n");
}

TEST_F(OpenAiChatEvalTest, ServerRenderedChatGivesMnemoRenderedGenerations) {
  TempDir dir;
  WriteTasks(dir);
  auto eval = [&](const std::string& model, const std::string& name, const std::string& chat,
                  const std::string& opts, const std::string& task) {
    std::string cmd = std::string(MNEMO_EXE) + " eval --quiet --model " + Quote(model) +
                      " --tasks " + task + " --task-dir " + Quote(dir.File("tasks")) +
                      " --limit 4 --threads 1 --apply-chat-template " + chat +
                      " --system-instruction 'Answer with one name.' --db " +
                      Quote(dir.File(name + ".db")) + " --output " +
                      Quote(dir.File(name + "/results.json"));
    if (!opts.empty()) cmd += " --backend-options " + Quote(opts);
    return RunCommand(cmd);
  };
  auto local = eval("llamacpp:" + testing_util::FixtureModel(), "local", "gemma", "", "chat_gen");
  ASSERT_EQ(local.exit_code, 0) << local.output;
  auto remote =
      eval("openai:" + server_->base_url(), "remote", "", R"({"chat": true})", "chat_gen");
  ASSERT_EQ(remote.exit_code, 0) << remote.output;
  auto a = Samples(dir.File("local/samples_chat_gen.jsonl"));
  auto b = Samples(dir.File("remote/samples_chat_gen.jsonl"));
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("sample " + std::to_string(i));
    // mnemo's samples hold the rendered prompt; the server's hold the conversation it was sent.
    const std::string prompt = a[i]["arguments"][0][0].get<std::string>();
    EXPECT_EQ(prompt.rfind("<bos><start_of_turn>user\nAnswer with one name.\n\n", 0), 0u);
    const json& conversation = b[i]["arguments"][0][0];
    ASSERT_TRUE(conversation.is_array());
    ASSERT_EQ(conversation.size(), 6u);  // system, 2 x (user, assistant), user
    EXPECT_EQ(conversation[0]["role"], "system");
    EXPECT_EQ(conversation[5]["role"], "user");
    EXPECT_FALSE(a[i]["resps"][0][0].get<std::string>().empty());
    EXPECT_EQ(b[i]["resps"], a[i]["resps"]);
    EXPECT_EQ(b[i]["filtered_resps"], a[i]["filtered_resps"]);
  }
  std::ifstream ra(dir.File("local/results.json")), rb(dir.File("remote/results.json"));
  json ja = json::parse(ra), jb = json::parse(rb);
  EXPECT_EQ(ja["chat_rendered_by"], "mnemo");
  EXPECT_EQ(ja["chat_template_name"], "gemma");
  EXPECT_EQ(jb["chat_rendered_by"], "backend");
  EXPECT_EQ(jb["chat_template_source"], "backend");
  EXPECT_EQ(jb["system_instruction_sha"], ja["system_instruction_sha"]);
  EXPECT_EQ(jb["results"]["chat_gen"], ja["results"]["chat_gen"]);

  // Scoring needs the prompt's log-probabilities, which a chat endpoint does not return.
  auto mc = eval("openai:" + server_->base_url(), "mc", "", R"({"chat": true})", "chat_mc");
  EXPECT_EQ(mc.exit_code, 2) << mc.output;
  EXPECT_NE(mc.output.find("needs multiple_choice requests"), std::string::npos) << mc.output;
}

}  // namespace
}  // namespace mnemo
