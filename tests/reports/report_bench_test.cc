// `mnemo bench report`: report generation for a store of 100,000 samples, timed and printed.
#include <gtest/gtest.h>

#include <regex>

#include "tests/support/test_util.h"

namespace mnemo {
namespace {

TEST(ReportBench, HundredThousandSamplesInSeconds) {
  testing_util::TempDir dir;
  auto r = testing_util::RunCommand(testing_util::Quote(MNEMO_EXE) +
                                    " bench report --samples 100000 --dir " +
                                    testing_util::Quote(dir.path()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::printf("%s", r.output.c_str());
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(r.output, m, std::regex("report \\(read, compare, HTML\\)\\s+([0-9.]+) s")))
      << r.output;
  EXPECT_LT(std::stod(m[1].str()), 30.0);
  EXPECT_NE(r.output.find("99996 samples"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace mnemo
