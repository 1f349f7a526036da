// Decontamination's fast text paths on any bytes: the fused janitor word hash
// (ForEachJanitorWordHash) equals hashing each word the reference normaliser yields, spans
// included; and the one-pass JSON field reader (FindJsonText) agrees with nlohmann on every
// line nlohmann reads as an object (it may decline with kOdd, the scan's fallback to nlohmann,
// but never return other text, or call a present string missing).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/decontam/janitor.h"
#include "audits/decontam/units.h"
#include "audits/decontam/word_hash.h"
#include "datasets/io/jsonl_field.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mnemo::JsonFieldResult;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  std::vector<std::tuple<uint64_t, size_t, size_t>> fused, ref;
  mnemo::decontam::ForEachJanitorWordHash(
      text, [&](uint64_t h, size_t b, size_t e) { fused.emplace_back(h, b, e); });
  std::string scratch;
  mnemo::decontam::ForEachJanitorWord(text, &scratch, [&](std::string_view w, size_t b, size_t e) {
    ref.emplace_back(mnemo::decontam::HashWord(w), b, e);
  });
  if (fused != ref) std::abort();

  std::string buf;
  std::string_view got;
  JsonFieldResult r = mnemo::FindJsonText(text, "text", &buf, &got);
  // Top-level "text" keys as nlohmann reads them: with duplicates, nlohmann keeps the last and
  // the walker the first (JSON leaves duplicates undefined), so only 0 or 1 is compared.
  int text_keys = 0;
  nlohmann::json::parser_callback_t count = [&](int depth, nlohmann::json::parse_event_t event,
                                                nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key && parsed == "text") ++text_keys;
    return true;
  };
  nlohmann::json obj = nlohmann::json::parse(text, count, /*allow_exceptions=*/false);
  if (obj.is_discarded() || !obj.is_object() || r == JsonFieldResult::kOdd) return 0;
  if (text_keys == 0 && r != JsonFieldResult::kMissing) std::abort();
  if (text_keys != 1) return 0;
  const nlohmann::json& v = obj["text"];
  if (v.is_string()) {
    if (r != JsonFieldResult::kString || v.get<std::string>() != got) std::abort();
  } else if (v.is_number()) {
    if (r != JsonFieldResult::kNumber) std::abort();
  } else if (r != JsonFieldResult::kOtherType) {
    std::abort();
  }
  return 0;
}
