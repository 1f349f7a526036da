// The built-in hooks of each lm-eval task folder, collected by hook_registry.cc. Private to
// tasks/hooks.
#ifndef MNEMO_TASKS_HOOKS_BUILTINS_H_
#define MNEMO_TASKS_HOOKS_BUILTINS_H_

#include <string>
#include <string_view>
#include <vector>

#include "tasks/hooks/hook_registry.h"

namespace mnemo {
namespace hooks {

std::vector<BuiltinHook> WikitextHooks();
std::vector<BuiltinHook> HellaswagHooks();
std::vector<BuiltinHook> WinograndeHooks();
std::vector<BuiltinHook> GpqaHooks();
std::vector<BuiltinHook> MmluProHooks();
std::vector<BuiltinHook> GlobalMmluHooks();
std::vector<BuiltinHook> MathHooks();
std::vector<BuiltinHook> AgievalHooks();
std::vector<BuiltinHook> BbhHooks();
std::vector<BuiltinHook> DropHooks();
std::vector<BuiltinHook> XquadHooks();

// Python's str.strip() with no argument: str.isspace() characters off both ends.
std::string PyStrip(std::string_view s);
// A string field of a document, or an error naming the hook and the field.
Result<std::string> StringField(const Doc& doc, const char* field, const char* hook);

}  // namespace hooks
}  // namespace mnemo

#endif  // MNEMO_TASKS_HOOKS_BUILTINS_H_
