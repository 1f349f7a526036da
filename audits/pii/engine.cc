#include "audits/pii/engine.h"

#include <cstddef>

#include "audits/pii/extraction.h"
#include "audits/pii/overlap.h"
#include "audits/pii/window_scan.h"

namespace mnemo::pii {

Scanner::~Scanner() = default;

Result<std::unique_ptr<Scanner>> Scanner::Create(const Catalogue& catalogue,
                                                 const ScanOptions& options) {
  std::unique_ptr<Scanner> s(new Scanner());
  s->options_ = options;
  std::vector<PatternSource> sources;
  std::vector<RegexShape> shapes;
  MNEMO_RETURN_IF_ERROR(CompileCatalogue(catalogue, options, &s->catalogue_, &sources, &shapes));
  BuildPrefilterPlan(s->catalogue_.patterns, shapes, options, &s->prefilter_);
  MNEMO_RETURN_IF_ERROR(s->set_.Build(s->catalogue_.patterns, sources, s->prefilter_, options));
  return s;
}

bool Scanner::RunsPattern(size_t i) const {
  return prefilter_.RunsPattern(i);
}

void Scanner::ScanOnePattern(std::string_view text, size_t i, std::vector<Finding>* out,
                             ScanStats* stats) const {
  const Window whole{0, text.size()};
  ExtractMatches(catalogue_, options_, text, i, &whole, 1, out, stats);
}

Status Scanner::Scan(std::string_view text, std::vector<Finding>* out, ScanStats* stats) const {
  ++stats->texts;
  stats->bytes += static_cast<int64_t>(text.size());
  if (text.empty()) return Status::Ok();
  // Per-thread scratch: no allocation per text once warm.
  thread_local std::vector<std::vector<Window>> runs;
  thread_local std::vector<int> hits;
  thread_local std::vector<Finding> found;
  found.clear();
  hits.clear();
  const Window whole{0, text.size()};
  bool any = false;
  if (!options_.prefilter) {
    for (size_t i = 0; i < catalogue_.patterns.size(); ++i)
      ExtractMatches(catalogue_, options_, text, i, &whole, 1, &found, stats);
    any = true;
  } else {
    // Only the run patterns given windows are touched: most texts give few of them.
    thread_local uint64_t dirty = 0;  // runs[k] left with windows (by any scanner)
    for (; dirty != 0; dirty &= dirty - 1)
      runs[static_cast<size_t>(__builtin_ctzll(dirty))].clear();
    if (runs.size() < prefilter_.runs.size()) runs.resize(prefilter_.runs.size());
    const uint64_t given = prefilter_.runs.empty() ? 0 : FindWindows(prefilter_, text, &runs);
    dirty = given;
    MNEMO_RETURN_IF_ERROR(set_.Match(text, options_.simulate_set_out_of_memory, &hits, stats));
    // Pattern order, as the whole-text loop above: the overlap sort sees the same input. Run
    // patterns are numbered in pattern order; the Set's hits are sorted.
    size_t next_hit = 0;
    for (uint64_t g = given; g != 0 || next_hit < hits.size();) {
      const size_t k = g != 0 ? static_cast<size_t>(__builtin_ctzll(g)) : 0;
      const int run_pattern =
          g != 0 ? prefilter_.runs[k].pattern : static_cast<int>(catalogue_.patterns.size());
      any = true;
      if (next_hit < hits.size() && hits[next_hit] < run_pattern) {
        ExtractMatches(catalogue_, options_, text, static_cast<size_t>(hits[next_hit++]), &whole, 1,
                       &found, stats);
      } else {
        ExtractMatches(catalogue_, options_, text, static_cast<size_t>(run_pattern), runs[k].data(),
                       runs[k].size(), &found, stats);
        g &= g - 1;
      }
    }
  }
  if (any) ++stats->set_hits;
  if (found.empty()) return Status::Ok();

  thread_local std::vector<Finding> kept;
  ResolveOverlaps(&found, &kept);
  SetCodePointOffsets(text, &kept);
  out->insert(out->end(), kept.begin(), kept.end());
  return Status::Ok();
}

}  // namespace mnemo::pii
