// The flags `mnemo compare` and `mnemo report` share, defined once so both speak one
// vocabulary: which runs and models to compare (--base, --candidate, --base-model,
// --candidate-model), the regression rule (--threshold, --alpha), the paired bootstrap
// (--bootstrap-iters) and where the output goes (-o/--output, '-' = stdout).
#ifndef MNEMO_HARNESS_APP_COMPARE_OPTIONS_H_
#define MNEMO_HARNESS_APP_COMPARE_OPTIONS_H_

#include <string>

#include <boost/program_options.hpp>

#include "harness/core/status.h"
#include "reports/compare/comparison.h"

namespace mnemo {

// --base RUN (required by compare), --candidate RUN, --base-model NAME, --candidate-model NAME.
void AddCompareSelectionOptions(boost::program_options::options_description* desc,
                                reports::CompareSpec* spec, bool base_required);
// --threshold, --alpha, --bootstrap-iters.
void AddCompareRuleOptions(boost::program_options::options_description* desc,
                           reports::CompareSpec* spec);
// -o/--output FILE ('-': stdout); `extra_names` adds long aliases (report's "out").
void AddOutputOption(boost::program_options::options_description* desc, std::string* output,
                     const char* help, const char* default_value = nullptr);

// Whether any of --base, --candidate, --base-model, --candidate-model was given.
bool CompareSelectionGiven(const boost::program_options::variables_map& vm);
// Completes the selection after parsing: --candidate defaults to --base.
void FinishCompareSelection(const boost::program_options::variables_map& vm,
                            reports::CompareSpec* spec);
// --threshold >= 0 and 0 < --alpha < 1, --bootstrap-iters >= 0.
Status ValidateCompareRule(const reports::CompareSpec& spec);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_COMPARE_OPTIONS_H_
