#include "audits/decontam/ngram_dump.h"

#include <fstream>

#include "audits/decontam/janitor.h"

namespace mnemo {
namespace decontam {

Status DumpNgrams(const std::vector<EvalItem>& items, const EvalIndex& index,
                  const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) return Status::IoError(path + ": cannot write");
  std::vector<bool> written(index.set().size(), false);
  std::string scratch;
  for (size_t i = 0; i < items.size(); ++i) {
    std::vector<std::string> words;
    ForEachJanitorWord(items[i].text, &scratch,
                       [&](std::string_view w, size_t, size_t) { words.emplace_back(w); });
    const auto& grams = index.grams(i);
    size_t n = index.is_short(i) ? words.size() : index.n();
    for (size_t p = 0; p < grams.size(); ++p) {
      if (grams[p] < 0 || written[static_cast<size_t>(grams[p])]) continue;
      written[static_cast<size_t>(grams[p])] = true;
      for (size_t k = 0; k < n; ++k) out << (k ? " " : "") << words[p + k];
      out << "\n";
    }
  }
  out.close();
  if (!out) return Status::IoError(path + ": write failed");
  return Status::Ok();
}

}  // namespace decontam
}  // namespace mnemo
