#include "harness/app/compare_options.h"

#include "harness/app/common.h"

namespace mnemo {
namespace po = boost::program_options;

void AddCompareSelectionOptions(po::options_description* desc, reports::CompareSpec* spec,
                                bool base_required) {
  po::typed_value<int64_t>* base = po::value<int64_t>(&spec->base_run);
  if (base_required) base->required();
  desc->add_options()("base", base, "base run id")(
      "candidate", po::value<int64_t>(&spec->candidate_run),
      "candidate run id (default: the base run, to compare two models of one run)")(
      "base-model", po::value<std::string>(&spec->base_model),
      "model name in the base run (default: pair models by name; within one run of two "
      "models, the first)")("candidate-model", po::value<std::string>(&spec->candidate_model),
                            "model name in the candidate run (default: the base model's name)");
}

void AddCompareRuleOptions(po::options_description* desc, reports::CompareSpec* spec) {
  desc->add_options()("threshold", DoubleValue(&spec->threshold, 0.0),
                      "a regression must be worse by more than this (absolute, in the metric's "
                      "units)")("alpha", DoubleValue(&spec->alpha, 0.05),
                                "significance level of the paired test")(
      "bootstrap-iters", po::value<int>(&spec->bootstrap.iterations)->default_value(1000),
      "paired bootstrap iterations (seed 1234)");
}

void AddOutputOption(po::options_description* desc, std::string* output, const char* help,
                     const char* default_value) {
  po::typed_value<std::string>* v = po::value<std::string>(output);
  if (default_value != nullptr) v->default_value(default_value);
  desc->add_options()("output,o", v, help);
}

bool CompareSelectionGiven(const po::variables_map& vm) {
  for (const char* k : {"base", "candidate", "base-model", "candidate-model"})
    if (vm.count(k)) return true;
  return false;
}

void FinishCompareSelection(const po::variables_map& vm, reports::CompareSpec* spec) {
  if (!vm.count("candidate")) spec->candidate_run = spec->base_run;
}

Status ValidateCompareRule(const reports::CompareSpec& spec) {
  if (spec.threshold < 0) return Status::InvalidArgument("--threshold must be >= 0");
  if (!(spec.alpha > 0 && spec.alpha < 1))
    return Status::InvalidArgument("--alpha must be in (0, 1)");
  if (spec.bootstrap.iterations < 0)
    return Status::InvalidArgument("--bootstrap-iters must be >= 0");
  return Status::Ok();
}

}  // namespace mnemo
