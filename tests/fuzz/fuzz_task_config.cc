// Task definition YAML: any bytes give a task, a group or an error naming the file.
#include <cstddef>
#include <cstdint>

#include "tasks/config/task_config.h"
#include "tests/fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mnemo::fuzz::InputFile in(data, size);
  mnemo::TaskConfig task;
  mnemo::GroupConfig group;
  bool is_group = false;
  (void)mnemo::LoadTaskFile(in.path(), &task, &group, &is_group);
  return 0;
}
