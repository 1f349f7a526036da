// `mnemo bench memorization` on tiny-gemma3-final: batched decoding of the canary probes
// against a one-probe-at-a-time loop and llama-batched-bench at the same batch size, in one
// run. Targets (issue 4): batched >= 3x one-by-one and >= 80% of llama-batched-bench.
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
  EXPECT_GE(std::stod(m[1]), 3.0);
  EXPECT_GE(std::stod(m[2]), 0.8);
}

}  // namespace
}  // namespace mnemo
