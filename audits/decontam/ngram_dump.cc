#include "audits/decontam/ngram_dump.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "audits/decontam/janitor.h"

namespace mnemo {
namespace decontam {

Status DumpNgrams(const std::vector<EvalItem>& items, const EvalIndex& index,
                  const std::string& path) {
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) return Status::IoError(path + ": cannot write");
  std::vector<bool> written(index.set().size(), false);
  // One item's normalised words, each followed by a space, and where each starts (plus the
  // end); an n-gram is then one contiguous run of that text. The output is assembled in
  // memory and written in large pieces: the audit's start-up waits for it.
  std::string words, scratch, buf;
  std::vector<size_t> starts;
  bool ok = true;
  for (size_t i = 0; i < items.size() && ok; ++i) {
    words.clear();
    starts.clear();
    ForEachJanitorWord(items[i].text, &scratch, [&](std::string_view w, size_t, size_t) {
      starts.push_back(words.size());
      words.append(w);
      words.push_back(' ');
    });
    starts.push_back(words.size());
    const auto& grams = index.grams(i);
    const size_t n = index.is_short(i) ? starts.size() - 1 : index.n();
    for (size_t p = 0; p < grams.size(); ++p) {
      if (grams[p] < 0 || written[static_cast<size_t>(grams[p])]) continue;
      written[static_cast<size_t>(grams[p])] = true;
      // Words p .. p+n-1 without the last one's trailing space, then a newline.
      buf.append(words, starts[p], starts[p + n] - starts[p] - 1);
      buf.push_back('\n');
    }
    if (buf.size() >= (size_t{1} << 20) || i + 1 == items.size()) {
      ok = std::fwrite(buf.data(), 1, buf.size(), out) == buf.size();
      buf.clear();
    }
  }
  int err = ok ? 0 : errno;
  if (std::fclose(out) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) return Status::IoError(path + ": write failed: " + std::strerror(err));
  return Status::Ok();
}

}  // namespace decontam
}  // namespace mnemo
