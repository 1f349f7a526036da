// Plugin manifests: any bytes give a manifest or an error naming the file and field.
#include <cstddef>
#include <cstdint>

#include "harness/plugins/plugin_registry.h"
#include "tests/fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mnemo::fuzz::InputFile in(data, size);
  (void)mnemo::ParseManifest(in.path());
  return 0;
}
