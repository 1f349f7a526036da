// The plugin SDK, installed (issue 19): `cmake --install --component sdk` from this build into a
// temporary prefix, examples/plugin configured and built against that prefix as a separate CMake
// project (this build's compiler, Ninja), then the plugin listed by `mnemo backends
// --backend-path` with the ABI version of backend.h, and tiny_geo and a generation run through it.
// The expected metrics come from the task's data and the rule examples/plugin/echo_backend.cc
// states (a continuation the context holds scores 0, any other -1 per byte), not from mnemo.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemo/backend.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;
namespace fs = std::filesystem;

const std::string kMnemo = MNEMO_EXE;

// lm-eval's np.argmax: the first of equal maxima.
size_t FirstArgmax(const std::vector<double>& xs) {
  size_t best = 0;
  for (size_t i = 1; i < xs.size(); ++i)
    if (xs[i] > xs[best]) best = i;
  return best;
}

// One tiny_geo document as the echo plugin sees it, with what it must answer.
struct Expected {
  std::vector<double> lls;      // per choice
  std::vector<bool> is_greedy;  // per choice
  double acc = 0, acc_norm = 0;
};

// tasks/defs/tiny_geo.yaml: doc_to_text "{{passage}}\nQuestion: {{question}}\nAnswer:",
// target_delimiter " ", one token per byte; acc_norm divides by the choice's length (lm-eval).
std::vector<Expected> ExpectedTinyGeo() {
  std::vector<Expected> out;
  std::ifstream in(std::string(MNEMO_FIXTURES_DIR) + "/bench.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto doc = nlohmann::json::parse(line);
    const std::string context = doc["passage"].get<std::string>() +
                                "\nQuestion: " + doc["question"].get<std::string>() + "\nAnswer:";
    Expected e;
    std::vector<double> norm;
    for (const auto& c : doc["choices"]) {
      const std::string choice = c.get<std::string>();
      const std::string continuation = " " + choice;
      const bool echoed = context.find(continuation) != std::string::npos;
      e.lls.push_back(echoed ? 0.0 : -static_cast<double>(continuation.size()));
      e.is_greedy.push_back(echoed);
      norm.push_back(e.lls.back() / static_cast<double>(choice.size()));
    }
    const size_t gold = doc["answer"].get<size_t>();
    e.acc = FirstArgmax(e.lls) == gold ? 1.0 : 0.0;
    e.acc_norm = FirstArgmax(norm) == gold ? 1.0 : 0.0;
    out.push_back(e);
  }
  return out;
}

TEST(SdkInstallTest, OutOfTreePluginBuildsLoadsAndRunsATask) {
  const std::string ninja = MNEMO_NINJA;
  ASSERT_FALSE(ninja.empty()) << "ninja was not found when mnemo was configured";
  TempDir d;
  const std::string prefix = d.File("sdk"), build = d.File("echo-build");

  // 1. The SDK component alone: headers and the package files, nothing else.
  auto r = RunCommand(Quote(MNEMO_CMAKE) + " --install " + Quote(MNEMO_BINARY_DIR) + " --prefix " +
                      Quote(prefix) + " --component sdk");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::set<std::string> installed;
  for (const auto& f : fs::recursive_directory_iterator(prefix))
    if (f.is_regular_file()) installed.insert(f.path().filename().string());
  EXPECT_EQ(installed, (std::set<std::string>{"backend.h", "backend_sdk.hpp", "backend_values.hpp",
                                              "mnemoConfig.cmake", "mnemoConfigVersion.cmake",
                                              "mnemoTargets.cmake", "MnemoBackend.cmake",
                                              "backend.map", "backend.json.in"}));

  // 2. examples/plugin as its own project, finding only that prefix.
  r = RunCommand(Quote(MNEMO_CMAKE) + " -S " +
                 Quote(std::string(MNEMO_SOURCE_DIR) + "/examples/plugin") + " -B " + Quote(build) +
                 " -G Ninja -DCMAKE_MAKE_PROGRAM=" + Quote(ninja) +
                 " -DCMAKE_CXX_COMPILER=" + Quote(MNEMO_CXX_COMPILER) +
                 " -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH=" + Quote(prefix));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  const std::string cache = ReadFile(build + "/CMakeCache.txt");
  ASSERT_TRUE(std::regex_search(cache, m, std::regex("mnemo_DIR:PATH=(.*)"))) << cache;
  EXPECT_EQ(m[1].str().rfind(prefix + "/", 0), 0u) << m[1];  // the installed SDK, not the tree
  r = RunCommand(Quote(MNEMO_CMAKE) + " --build " + Quote(build));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string plugins = build + "/backends";
  const nlohmann::json manifest = nlohmann::json::parse(ReadFile(plugins + "/echo.backend.json"));
  EXPECT_EQ(manifest["name"], "echo");
  EXPECT_EQ(manifest["library_path"], "libmnemo_echo.so");
  EXPECT_EQ(manifest["abi_major"], MN_ABI_VERSION_MAJOR);
  EXPECT_EQ(manifest["test_only"], false);
  // As in-tree plugins: the version script leaves one dynamic symbol.
  r = RunCommand("nm -D --defined-only " + Quote(plugins + "/libmnemo_echo.so"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::regex_match(r.output, std::regex("[0-9a-f]+ T mn_backend_entry\n"))) << r.output;

  // 3. Listed with the ABI version it was compiled against (backend.h's).
  r = RunCommand(kMnemo + " backends --backend-path " + Quote(plugins));
  const std::string abi =
      std::to_string(MN_ABI_VERSION_MAJOR) + "\\." + std::to_string(MN_ABI_VERSION_MINOR);
  EXPECT_TRUE(std::regex_search(
      r.output, std::regex("\necho +0\\.1\\.0 +" + abi + " +score,generate,tokenize,")))
      << r.output;
  EXPECT_NE(r.output.find(plugins + "/libmnemo_echo.so"), std::string::npos) << r.output;

  // 4. Every tiny_geo document through it: per-choice log-likelihoods and both metrics.
  const std::vector<Expected> expected = ExpectedTinyGeo();
  ASSERT_EQ(expected.size(), 300u);
  double acc = 0, acc_norm = 0;
  for (const auto& e : expected) {
    acc += e.acc;
    acc_norm += e.acc_norm;
  }
  acc /= expected.size();
  acc_norm /= expected.size();
  // The rule separates the choices: not a constant answer that any plugin would give.
  EXPECT_GT(acc, 0.9);
  EXPECT_LT(acc, 1.0);
  r = RunCommand(kMnemo + " eval -m echo:example --tasks tiny_geo -q --backend-path " +
                 Quote(plugins) + " --db " + Quote(d.File("runs.db")) + " -o " +
                 Quote(d.File("results.json")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json results = nlohmann::json::parse(ReadFile(d.File("results.json")));
  EXPECT_NEAR(results["results"]["tiny_geo"]["acc,none"].get<double>(), acc, 1e-12) << results;
  EXPECT_NEAR(results["results"]["tiny_geo"]["acc_norm,none"].get<double>(), acc_norm, 1e-12);
  std::ifstream samples(d.File("samples_tiny_geo.jsonl"));
  std::string line;
  size_t n = 0;
  while (std::getline(samples, line)) {
    const nlohmann::json s = nlohmann::json::parse(line);
    const size_t id = s["doc_id"].get<size_t>();
    ASSERT_LT(id, expected.size());
    const Expected& e = expected[id];
    ASSERT_EQ(s["filtered_resps"].size(), e.lls.size()) << line;
    for (size_t c = 0; c < e.lls.size(); ++c) {
      EXPECT_EQ(s["filtered_resps"][c][0].get<double>(), e.lls[c])
          << "doc " << id << " choice " << c;
      EXPECT_EQ(s["filtered_resps"][c][1].get<bool>(), e.is_greedy[c]) << "doc " << id;
    }
    EXPECT_EQ(s["acc"].get<double>(), e.acc) << "doc " << id;
    ++n;
  }
  EXPECT_EQ(n, expected.size());

  // 5. A generation echoes its prompt: whole, then <eos>; or cut at max_tokens.
  WriteFile(d.File("in.jsonl"),
            "{\"id\": 1, \"prompt\": \"hello. world\", \"max_tokens\": 40}\n"
            "{\"id\": 2, \"prompt\": \"abcdef\", \"max_tokens\": 3}\n");
  r = RunCommand(kMnemo + " generate -q -m echo:example --backend-path " + Quote(plugins) + " -i " +
                 Quote(d.File("in.jsonl")) + " -o " + Quote(d.File("out.jsonl")) + " --db " +
                 Quote(d.File("runs.db")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<int, nlohmann::json> generated;
  std::ifstream gen(d.File("out.jsonl"));
  while (std::getline(gen, line)) {
    const nlohmann::json g = nlohmann::json::parse(line);
    generated[g["id"].get<int>()] = g;
  }
  ASSERT_EQ(generated.size(), 2u);
  EXPECT_EQ(generated[1]["text"], "hello. world");
  EXPECT_EQ(generated[1]["finish_reason"], "eos");
  EXPECT_EQ(generated[2]["text"], "abc");
  EXPECT_EQ(generated[2]["finish_reason"], "length");
}

}  // namespace
}  // namespace mnemo
