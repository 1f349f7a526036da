// PII scanner: any bytes (invalid UTF-8 included) scan without a crash, every span lies inside
// the text with code-point offsets that agree with the byte offsets, and the RE2::Set
// prefilter finds exactly what running every pattern alone finds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "audits/pii/catalogue.h"
#include "audits/pii/engine.h"

namespace {

std::unique_ptr<mnemo::pii::Scanner> MakeScanner(bool prefilter) {
  auto catalogue = mnemo::pii::Catalogue::Default();
  if (!catalogue.ok()) std::abort();
  mnemo::pii::ScanOptions opt;
  opt.prefilter = prefilter;
  opt.min_likelihood = mnemo::pii::Likelihood::kVeryUnlikely;
  auto s = mnemo::pii::Scanner::Create(*catalogue, opt);
  if (!s.ok()) std::abort();
  return std::move(s).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto with_set = MakeScanner(true);
  static const auto one_by_one = MakeScanner(false);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<mnemo::pii::Finding> a, b;
  mnemo::pii::ScanStats sa, sb;
  if (!with_set->Scan(text, &a, &sa).ok() || !one_by_one->Scan(text, &b, &sb).ok()) return 0;
  for (const auto& f : a) {
    if (f.start >= f.end || f.end > size) std::abort();
    if (f.cp_start != mnemo::pii::CodePointOffset(text, f.start) ||
        f.cp_end != mnemo::pii::CodePointOffset(text, f.end))
      std::abort();
  }
  if (a.size() != b.size()) std::abort();
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].entity != b[i].entity)
      std::abort();
  return 0;
}
