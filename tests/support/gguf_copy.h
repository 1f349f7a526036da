// Test helper: a copy of a GGUF model with extra string metadata (chat templates) and an
// end-of-turn token id, written through gguf's C API (the provisioned llama.cpp's gguf.h; link
// `llama`): the new metadata (gguf_write_to_file, only_meta), then the original tensor data
// section appended unchanged (the tensors' offsets are relative to it), as gguf.h describes.
#ifndef MNEMO_TESTS_SUPPORT_GGUF_COPY_H_
#define MNEMO_TESTS_SUPPORT_GGUF_COPY_H_

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "gguf.h"
#include "tests/support/test_util.h"

namespace mnemo::testing_util {

inline bool CopyGgufWithMetadata(const std::string& from, const std::string& to,
                                 const std::vector<std::pair<std::string, std::string>>& kv,
                                 uint32_t eot) {
  gguf_init_params params = {/*no_alloc=*/true, /*ctx=*/nullptr};
  gguf_context* ctx = gguf_init_from_file(from.c_str(), params);
  if (ctx == nullptr) return false;
  const size_t data_offset = gguf_get_data_offset(ctx);
  for (const auto& [key, value] : kv) gguf_set_val_str(ctx, key.c_str(), value.c_str());
  gguf_set_val_u32(ctx, "tokenizer.ggml.eot_token_id", eot);
  bool ok = gguf_write_to_file(ctx, to.c_str(), /*only_meta=*/true);
  gguf_free(ctx);
  if (!ok) return false;
  const std::string original = ReadFile(from);
  if (original.size() < data_offset) return false;
  std::ofstream out(to, std::ios::binary | std::ios::app);
  out.write(original.data() + data_offset,
            static_cast<std::streamsize>(original.size() - data_offset));
  return static_cast<bool>(out);
}

}  // namespace mnemo::testing_util

#endif  // MNEMO_TESTS_SUPPORT_GGUF_COPY_H_
