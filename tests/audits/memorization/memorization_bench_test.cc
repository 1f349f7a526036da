// `mnemo bench memorization` on tiny-gemma3-final: batched decoding of the canary probes
// against a one-probe-at-a-time loop and llama-batched-bench at the same batch size, in one
// run. Targets (issue 4): batched >= 3x one-by-one and >= 80% of llama-batched-bench. Timings
// never pass or fail a test: this checks that every line was measured and prints whether the
// targets were met, next to the "bound" line (the most batching can gain in the same run).
// Labelled "bench": CI does not run it.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <regex>

#include "tests/support/test_util.h"

namespace mnemo {
namespace {

TEST(MemorizationBench, BatchedAgainstOneByOneAndLlama) {
  if (!std::filesystem::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so"))
    GTEST_SKIP() << "llamacpp backend not built";
  const std::string fx = MNEMO_FIXTURES_DIR;
  auto r =
      testing_util::RunCommand(std::string(MNEMO_EXE) + " bench memorization -m llamacpp:" + fx +
                               "/tiny-gemma3-final.gguf --probes " + fx +
                               "/canaries.jsonl --limit 128 --single-limit 24 --batch 32");
  std::printf("%s", r.output.c_str());
  ASSERT_EQ(r.exit_code, 0);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.output, m,
      std::regex(R"(batched/one-at-a-time: ([0-9.]+)x.*llama-batched-bench: ([0-9.]+))")));
  const double vs_single = std::stod(m[1]), vs_llama = std::stod(m[2]);
  EXPECT_GT(vs_single, 0);
  EXPECT_GT(vs_llama, 0);
  EXPECT_NE(r.output.find("most batching can gain"), std::string::npos);
  std::printf(
      "target batched >= 3x one-at-a-time: %s (%.2fx); >= 0.8 of llama-batched-bench: %s "
      "(%.3f)\n",
      vs_single >= 3 ? "met" : "NOT met", vs_single, vs_llama >= 0.8 ? "met" : "NOT met", vs_llama);
}

}  // namespace
}  // namespace mnemo
