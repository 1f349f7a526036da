#include "audits/pii/overlap.h"

#include <algorithm>
#include <cstddef>

namespace mnemo::pii {

void ResolveOverlaps(std::vector<Finding>* found, std::vector<Finding>* kept) {
  std::sort(found->begin(), found->end(), [](const Finding& a, const Finding& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end > b.end;
    if (a.score != b.score) return a.score > b.score;
    return a.entity < b.entity;
  });
  kept->clear();
  constexpr size_t kLookBack = 64;
  for (const Finding& f : *found) {
    bool drop = false;
    for (size_t k = kept->size(), seen = 0; k-- > 0 && seen < kLookBack && !drop; ++seen) {
      Finding& g = (*kept)[k];
      if (g.end <= f.start) continue;
      bool contains = g.start <= f.start && f.end <= g.end;
      bool same_span = g.start == f.start && g.end == f.end;
      if (contains && g.score >= f.score) {
        if (!(same_span && g.entity != f.entity && g.score == f.score)) drop = true;
      } else if (contains && same_span && g.entity == f.entity) {
        drop = true;
      } else if (g.entity == f.entity && f.start < g.end) {
        if (f.score > g.score && contains) {
          // cannot happen after the sort order, kept for clarity
        } else if (f.score <= g.score) {
          drop = true;
        }
      }
    }
    if (!drop) kept->push_back(f);
  }
}

}  // namespace mnemo::pii
