// The memorisation audit on the real tiny-gemma3 checkpoints (llamacpp plugin in process),
// checked against the fixture's independent truth: the planted canaries' repeat counts, and
// reference.json's greedy continuations from Hugging Face transformers.
//
// One model per checkpoint is opened for the whole suite; the canary run is shared by the
// tests that read it.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "audits/memorization/audit.h"
#include "audits/memorization/metrics.h"
#include "audits/memorization/pii_hook.h"
#include "tests/support/backend_fixture.h"
#include "tests/support/test_util.h"

namespace mnemo::memorization {
namespace {

using testing_util::OpenedBackend;
using testing_util::OpenTestBackend;
using testing_util::TempDir;

const std::string kFixtures = MNEMO_FIXTURES_DIR;

bool HaveLlama() {
  return std::filesystem::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so");
}

class MemorizationLlamaTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    if (!HaveLlama()) return;
    final_ =
        new OpenedBackend(OpenTestBackend("llamacpp", kFixtures + "/tiny-gemma3-final.gguf", 1));
    tmp_ = new TempDir();
    auto store = RunStore::Open(tmp_->File("mem.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = store->release();
  }
  static void TearDownTestSuite() {
    delete canaries_;
    delete store_;
    delete final_;
    delete tmp_;
  }
  void SetUp() override {
    if (!HaveLlama()) GTEST_SKIP() << "llamacpp backend not built";
    ASSERT_TRUE(final_->instance != nullptr);
  }

  static AuditConfig CanaryConfig() {
    AuditConfig c;
    c.name = "canaries";
    c.probes_path = kFixtures + "/canaries.jsonl";
    c.corpus.paths = {kFixtures + "/train.jsonl"};
    c.group_by = {"repeats"};
    c.show_progress = false;
    return c;
  }

  // The canary audit on the final checkpoint, run once (with duplication counts over
  // train.jsonl and the run store), shared by the tests below.
  static const AuditResult& Canaries() {
    if (canaries_ == nullptr) {
      canaries_ = new AuditResult();
      RunRecord run;
      run.name = "test";
      EXPECT_TRUE(store_->BeginRun(&run).ok());
      run_id_ = run.id;
      Status s = RunMemorizationAudit(CanaryConfig(), final_->model.get(), final_->instance.get(),
                                      store_, run.id, 0, canaries_);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    return *canaries_;
  }

  static std::map<int, std::pair<int, int>> ExactByRepeats(const AuditResult& r) {
    std::map<int, std::pair<int, int>> m;  // repeats -> (exact, n)
    for (size_t i = 0; i < r.probes.size(); ++i) {
      auto& e = m[r.probes[i].group["repeats"].get<int>()];
      e.first += r.outcomes[i].metrics.exact;
      ++e.second;
    }
    return m;
  }

  static OpenedBackend* final_;
  static TempDir* tmp_;
  static RunStore* store_;
  static AuditResult* canaries_;
  static int64_t run_id_;
};
OpenedBackend* MemorizationLlamaTest::final_ = nullptr;
TempDir* MemorizationLlamaTest::tmp_ = nullptr;
RunStore* MemorizationLlamaTest::store_ = nullptr;
AuditResult* MemorizationLlamaTest::canaries_ = nullptr;
int64_t MemorizationLlamaTest::run_id_ = 0;

void CanaryExactRateRisesWithRepeats() {
  using T = MemorizationLlamaTest;
  const AuditResult& r = T::Canaries();
  ASSERT_EQ(r.probes.size(), 140u);
  auto m = T::ExactByRepeats(r);
  ASSERT_EQ(m.size(), 7u);
  double prev = -1;
  std::printf("final checkpoint, exact rate by repeats:");
  for (const auto& [rep, e] : m) std::printf("  %d: %d/%d", rep, e.first, e.second);
  std::printf("\n");
  for (const auto& [rep, e] : m) {
    const double rate = static_cast<double>(e.first) / e.second;
    EXPECT_GE(rate, prev) << "exact rate fell at repeats=" << rep;
    prev = rate;
    if (rep == 1) {
      EXPECT_LE(rate, 0.1) << "planted once";
    }
    if (rep >= 8) {
      EXPECT_GE(rate, 0.9) << "repeats=" << rep;
    }
  }
  // The summary groups agree with the per-probe verdicts.
  for (const auto& g : r.groups) {
    if (g.group == "repeats=64") {
      EXPECT_EQ(g.exact, m[64].first);
    }
  }
}

void SuffixDuplicatesMatchPlantedRepeats() {
  using T = MemorizationLlamaTest;
  const AuditResult& r = T::Canaries();
  int equal = 0;
  for (size_t i = 0; i < r.probes.size(); ++i) {
    ASSERT_TRUE(r.outcomes[i].duplicates.has_value());
    equal += *r.outcomes[i].duplicates == r.probes[i].group["repeats"].get<int64_t>();
  }
  std::printf("suffix duplicates == planted repeats for %d of %zu canaries\n", equal,
              r.probes.size());
  EXPECT_GE(equal, static_cast<int>(r.probes.size() * 95 / 100));
}

void ProbeWindowsRoundTripThroughTheTokenizer() {
  using T = MemorizationLlamaTest;
  const AuditResult& r = T::Canaries();
  std::ifstream in(kFixtures + "/canaries.jsonl");
  std::string line;
  size_t i = 0;
  const int32_t bos = T::final_->model->info().bos_token;
  while (std::getline(in, line) && i < r.probes.size()) {
    auto rec = nlohmann::json::parse(line);
    const std::string doc = rec["prefix"].get<std::string>() + " " + rec["text"].get<std::string>();
    const Probe& p = r.probes[i++];
    ASSERT_EQ(p.prefix.front(), bos);
    std::vector<int32_t> window(p.prefix.begin() + 1, p.prefix.end());
    window.insert(window.end(), p.suffix.begin(), p.suffix.end());
    auto text = T::final_->model->Detokenize(window);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(doc.compare(0, text->size(), *text), 0) << p.id << ": " << *text;
    auto again = T::final_->model->Tokenize(*text, false);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, window) << p.id;
    EXPECT_EQ(r.outcomes[i - 1].suffix_text, T::final_->model->Detokenize(p.suffix).value());
  }
}

void StoreRowsMetricsAndCachedRerun() {
  using T = MemorizationLlamaTest;
  const AuditResult& r = T::Canaries();
  auto metrics = T::store_->GetMetrics(r.job_id);
  ASSERT_TRUE(metrics.ok());
  std::map<std::string, double> exact;
  for (const auto& m : *metrics)
    if (m.name == "exact_rate") exact[m.filter] = m.value;
  EXPECT_EQ(exact.count("all"), 1u);
  EXPECT_EQ(exact.count("repeats=64"), 1u);
  EXPECT_EQ(exact.count("source=canaries"), 1u);
  auto pii =
      ListMemorizedContinuations(T::store_->db(), T::run_id_, r.job_id, MemorizedSelect::kExact);
  ASSERT_TRUE(pii.ok()) << pii.status().ToString();
  int64_t n_exact = 0;
  for (const auto& o : r.outcomes) n_exact += o.metrics.exact;
  EXPECT_EQ(static_cast<int64_t>(pii->size()), n_exact);
  // A rerun is answered from the run store.
  AuditConfig c = T::CanaryConfig();
  c.corpus.paths.clear();
  AuditResult again;
  ASSERT_TRUE(RunMemorizationAudit(c, T::final_->model.get(), T::final_->instance.get(), T::store_,
                                   T::run_id_, 0, &again)
                  .ok());
  EXPECT_EQ(again.stats.cached, 140u);
  EXPECT_EQ(again.stats.computed, 0u);
}

TEST_F(MemorizationLlamaTest, VerdictsAgreeWithReferenceGreedy) {
  std::ifstream in(kFixtures + "/reference.json");
  auto ref = nlohmann::json::parse(in)["greedy"];
  TempDir d;
  {
    std::ofstream out(d.File("ref.jsonl"));
    for (const auto& g : ref)
      out << nlohmann::json{{"id", g["id"]},
                            {"prefix_tokens", g["prefix"]},
                            {"suffix_tokens", g["truth"]}}
                 .dump()
          << "\n";
  }
  AuditConfig c;
  c.name = "reference";
  c.probes_path = d.File("ref.jsonl");
  c.show_progress = false;
  AuditResult r;
  Status s =
      RunMemorizationAudit(c, final_->model.get(), final_->instance.get(), nullptr, 0, 0, &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(r.probes.size(), ref.size());
  size_t agree = 0, same_tokens = 0, ref_exact = 0, ref_approx = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    auto truth = ref[i]["truth"].get<std::vector<int32_t>>();
    auto greedy = ref[i]["greedy"].get<std::vector<int32_t>>();
    ProbeMetrics want = ScoreContinuation(truth, greedy, "", "", ApproxOptions{});
    const ProbeMetrics& got = r.outcomes[i].metrics;
    ref_exact += want.exact;
    ref_approx += want.approx;
    agree += want.exact == got.exact && want.approx == got.approx;
    same_tokens += greedy == r.outcomes[i].output;
  }
  std::printf(
      "reference.json: verdicts agree on %zu of %zu probes; identical continuations %zu; "
      "reference exact %zu, approx %zu\n",
      agree, ref.size(), same_tokens, ref_exact, ref_approx);
  EXPECT_GE(agree * 100, ref.size() * 95);
}

void EarlyCheckpointMemorisesLessInHighRepeatBuckets() {
  using T = MemorizationLlamaTest;
  const auto final_by = T::ExactByRepeats(T::Canaries());
  TempDir d;
  {
    std::ifstream in(kFixtures + "/canaries.jsonl");
    std::ofstream out(d.File("high.jsonl"));
    std::string line;
    while (std::getline(in, line))
      if (nlohmann::json::parse(line)["repeats"].get<int>() >= 8) out << line << "\n";
  }
  OpenedBackend early = OpenTestBackend("llamacpp", kFixtures + "/tiny-gemma3-early.gguf", 1);
  ASSERT_TRUE(early.instance != nullptr);
  AuditConfig c;
  c.name = "early";
  c.probes_path = d.File("high.jsonl");
  c.group_by = {"repeats"};
  c.show_progress = false;
  AuditResult r;
  Status s = RunMemorizationAudit(c, early.model.get(), early.instance.get(), nullptr, 0, 0, &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto early_by = T::ExactByRepeats(r);
  int early_total = 0, final_total = 0;
  std::printf("exact memorisation, early vs final checkpoint:\n");
  for (const auto& [rep, e] : early_by) {
    const auto f = final_by.at(rep);
    std::printf("  repeats=%-3d early %2d/%d  final %2d/%d\n", rep, e.first, e.second, f.first,
                f.second);
    EXPECT_LE(e.first, f.first) << "repeats=" << rep;
    early_total += e.first;
    final_total += f.first;
  }
  std::printf("  repeats>=8 total: early %d, final %d\n", early_total, final_total);
  EXPECT_LT(early_total, final_total);
}

// One test case for everything that reads the canary run (ctest runs each case in its own
// process, so a shared run must live in one case).
TEST_F(MemorizationLlamaTest, CanariesOnFinalAndEarlyCheckpoints) {
  CanaryExactRateRisesWithRepeats();
  SuffixDuplicatesMatchPlantedRepeats();
  ProbeWindowsRoundTripThroughTheTokenizer();
  StoreRowsMetricsAndCachedRerun();
  EarlyCheckpointMemorisesLessInHighRepeatBuckets();
}

}  // namespace
}  // namespace mnemo::memorization
