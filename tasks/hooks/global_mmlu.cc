// lm-eval's Global-MMLU process_docs (commit 4e7e0d47), two module files:
//   lm_eval/tasks/global_mmlu/default/<lang>/utils.py (Global-MMLU-Lite, 15 byte-identical copies):
//     process_business, process_humanities, process_medical, process_other, process_stem,
//     process_social_sciences: the rows whose `subject_category` equals the category as written
//     in CATEGORIES ("Business", ..., "STEM", "Social Sciences");
//   lm_eval/tasks/global_mmlu/full/<lang>/utils.py (Global-MMLU, 42 byte-identical copies):
//     process_<subject> for the 57 MMLU subjects: the rows whose `subject` equals the subject.
// Both are Hugging Face's Dataset.filter (order kept). Nothing differs from lm-eval; a row without
// the field is an error (lm-eval's KeyError), a value of another type is unequal.
#include <string>
#include <utility>
#include <vector>

#include "tasks/hooks/builtins.h"

namespace mnemo {
namespace hooks {

namespace {

const char* kLiteSha = "9776c2ffc09ae0569d2cea41856f7a9c712a38362c8ea33ac61239005062df0f";
const char* kFullSha = "b4012dd2b1a508885d23ee2ddb12bc26f3e622081ba41ec1ab766edc31a4982b";

// dataset.filter(lambda x: x[field] == value).
Result<std::vector<Doc>> FilterByField(std::vector<Doc> docs, const std::string& field,
                                       const std::string& value, const std::string& hook) {
  std::vector<Doc> out;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (!docs[i].is_object() || !docs[i].contains(field))
      return Status::InvalidArgument(hook + ": document " + std::to_string(i) + " has no '" +
                                     field + "'");
    const Doc& v = docs[i][field];
    if (v.is_string() && v.get<std::string>() == value) out.push_back(std::move(docs[i]));
  }
  return out;
}

// SUBJECTS of full/<lang>/utils.py.
const char* const kSubjects[] = {"abstract_algebra",
                                 "anatomy",
                                 "astronomy",
                                 "business_ethics",
                                 "clinical_knowledge",
                                 "college_biology",
                                 "college_chemistry",
                                 "college_computer_science",
                                 "college_mathematics",
                                 "college_medicine",
                                 "college_physics",
                                 "computer_security",
                                 "conceptual_physics",
                                 "econometrics",
                                 "electrical_engineering",
                                 "elementary_mathematics",
                                 "formal_logic",
                                 "global_facts",
                                 "high_school_biology",
                                 "high_school_chemistry",
                                 "high_school_computer_science",
                                 "high_school_european_history",
                                 "high_school_geography",
                                 "high_school_government_and_politics",
                                 "high_school_macroeconomics",
                                 "high_school_mathematics",
                                 "high_school_microeconomics",
                                 "high_school_physics",
                                 "high_school_psychology",
                                 "high_school_statistics",
                                 "high_school_us_history",
                                 "high_school_world_history",
                                 "human_aging",
                                 "human_sexuality",
                                 "international_law",
                                 "jurisprudence",
                                 "logical_fallacies",
                                 "machine_learning",
                                 "management",
                                 "marketing",
                                 "medical_genetics",
                                 "miscellaneous",
                                 "moral_disputes",
                                 "moral_scenarios",
                                 "nutrition",
                                 "philosophy",
                                 "prehistory",
                                 "professional_accounting",
                                 "professional_law",
                                 "professional_medicine",
                                 "professional_psychology",
                                 "public_relations",
                                 "security_studies",
                                 "sociology",
                                 "us_foreign_policy",
                                 "virology",
                                 "world_religions"};

BuiltinHook Make(const std::string& prefix, const char* sha, const std::string& function,
                 const std::string& field, const std::string& value) {
  BuiltinHook h;
  h.id = prefix + "/utils." + function;
  h.module = "utils";
  h.function = function;
  h.kind = HookKind::kProcessDocs;
  h.module_sha256 = {sha};
  h.origin = "lm_eval/tasks/" + prefix + "/<lang>/utils.py at 4e7e0d47";
  const std::string hook = prefix + " utils." + function;
  h.docs_fn = [field, value, hook](std::vector<Doc> docs) {
    return FilterByField(std::move(docs), field, value, hook);
  };
  return h;
}

}  // namespace

std::vector<BuiltinHook> GlobalMmluHooks() {
  std::vector<BuiltinHook> v;
  // f"process_{category.lower().replace(' ', '_')}"
  for (const auto& [function, category] : std::vector<std::pair<std::string, std::string>>{
           {"process_business", "Business"},
           {"process_humanities", "Humanities"},
           {"process_medical", "Medical"},
           {"process_other", "Other"},
           {"process_stem", "STEM"},
           {"process_social_sciences", "Social Sciences"}})
    v.push_back(Make("global_mmlu/default", kLiteSha, function, "subject_category", category));
  for (const char* subject : kSubjects)
    v.push_back(
        Make("global_mmlu/full", kFullSha, std::string("process_") + subject, "subject", subject));
  return v;
}

}  // namespace hooks
}  // namespace mnemo
