#include "audits/decontam/eval_index.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>
#include <xxhash.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "audits/ngram/ngram_hash.h"

namespace mnemo {
namespace decontam {

Result<EvalIndex> EvalIndex::Build(const std::vector<EvalItem>& items, const TokenEncoder* encoder,
                                   const IndexOptions& options) {
  if (options.n == 0 || options.n > kMaxN)
    return Status::InvalidArgument("n must be between 1 and " + std::to_string(kMaxN));
  if (items.size() >= kMulti) return Status::InvalidArgument("too many eval items");
  EvalIndex ix;
  ix.n_ = options.n;
  const size_t n = options.n;
  ix.stats_.items = items.size();
  ix.grams_.resize(items.size());
  ix.units_.resize(items.size());
  ix.short_.assign(items.size(), 0);
  // Item n-gram hashes by position, then (hash, item) pairs for counting items per n-gram.
  // Items are independent: each is hashed on its own (in parallel; start-up time), and the
  // results are combined in item order, so the index is the same for any thread count.
  std::vector<std::vector<uint64_t>> hashes(items.size());
  std::vector<std::vector<uint64_t>> unit_hashes(items.size());
  std::vector<std::vector<uint64_t>> uniqs(items.size());
  std::vector<Status> failed(items.size());
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, items.size(), 16), [&](const tbb::blocked_range<size_t>& r) {
        Units u;
        for (size_t i = r.begin(); i != r.end(); ++i) {
          Status s = ExtractUnits(items[i].text, encoder, &u);
          if (!s.ok()) {
            failed[i] = Status(
                s.code(), "item '" + items[i].id + "' of '" + items[i].task + "': " + s.message());
            continue;
          }
          size_t m = u.hashes.size();
          if (m >= n) {
            ngram::RollingNgramHash roll(n);
            hashes[i].reserve(m - n + 1);
            for (uint64_t h : u.hashes) {
              roll.Push(h);
              if (roll.full()) hashes[i].push_back(roll.value());
            }
          } else if (m > 0 && options.short_items) {
            hashes[i].push_back(ngram::HashNgram(u.hashes.data(), m));
          }
          unit_hashes[i] = u.hashes;
          std::vector<uint64_t>& uniq = uniqs[i];
          uniq = hashes[i];
          std::sort(uniq.begin(), uniq.end());
          uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
        }
      });
  // Each item's text: the first item with the same unit sequence (tasks that render the same
  // documents, duplicated items). Boilerplate counts distinct texts, not items.
  std::vector<uint32_t> text_of(items.size());
  {
    std::unordered_map<uint64_t, std::vector<uint32_t>> seen;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& uh = unit_hashes[i];
      text_of[i] = static_cast<uint32_t>(i);
      if (uh.empty()) continue;
      const uint64_t key = XXH3_64bits(uh.data(), uh.size() * sizeof(uint64_t));
      auto& bucket = seen[key];
      for (uint32_t j : bucket) {
        if (unit_hashes[j] == uh) {
          text_of[i] = j;
          ++ix.stats_.duplicate_items;
          break;
        }
      }
      if (text_of[i] == i) bucket.push_back(static_cast<uint32_t>(i));
    }
  }
  std::vector<std::pair<uint64_t, uint32_t>> pairs;
  size_t npairs = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!failed[i].ok()) return failed[i];
    npairs += uniqs[i].size();
  }
  pairs.reserve(npairs);
  for (size_t i = 0; i < items.size(); ++i) {
    const size_t m = unit_hashes[i].size();
    ix.units_[i] = static_cast<uint32_t>(m);
    if (m < n && m > 0 && options.short_items) {
      ix.short_[i] = 1;
      ++ix.stats_.short_items;
      ix.short_lengths_.push_back(m);
    }
    ix.stats_.positions += hashes[i].size();
    for (uint64_t h : uniqs[i]) pairs.emplace_back(h, static_cast<uint32_t>(i));
    std::vector<uint64_t>().swap(uniqs[i]);
  }
  std::sort(ix.short_lengths_.begin(), ix.short_lengths_.end());
  ix.short_lengths_.erase(std::unique(ix.short_lengths_.begin(), ix.short_lengths_.end()),
                          ix.short_lengths_.end());
  tbb::parallel_sort(pairs.begin(), pairs.end());
  // Keep n-grams held by at most `boilerplate` distinct item texts; note which kept ones are
  // held by two or more.
  std::vector<uint64_t> kept, shared_keys;
  std::vector<uint32_t> texts;
  for (size_t a = 0; a < pairs.size();) {
    size_t b = a;
    while (b < pairs.size() && pairs[b].first == pairs[a].first) ++b;
    ++ix.stats_.distinct;
    size_t holders = 1;
    if (b - a > 1) {
      texts.clear();
      for (size_t k = a; k < b; ++k) texts.push_back(text_of[pairs[k].second]);
      std::sort(texts.begin(), texts.end());
      holders = static_cast<size_t>(std::unique(texts.begin(), texts.end()) - texts.begin());
    }
    if (options.boilerplate == 0 || holders <= options.boilerplate) {
      kept.push_back(pairs[a].first);
      if (holders > 1) shared_keys.push_back(pairs[a].first);
    } else {
      ++ix.stats_.boilerplate_distinct;
    }
    a = b;
  }
  ix.set_.Build(kept);
  ix.stats_.kept = ix.set_.size();
  ix.stats_.shared_kept = shared_keys.size();
  ix.shared_.assign((ix.set_.size() + 63) / 64, 0);
  for (uint64_t h : shared_keys) {
    const auto g = static_cast<size_t>(ix.set_.Find(h));
    ix.shared_[g >> 6] |= uint64_t{1} << (g & 63);
  }
  // Postings, in rank order (pairs are sorted by hash, as the set's keys are).
  ix.item_of_.assign(ix.set_.size(), 0);
  ix.multi_off_.push_back(0);
  for (size_t a = 0; a < pairs.size();) {
    size_t b = a;
    while (b < pairs.size() && pairs[b].first == pairs[a].first) ++b;
    int64_t g = ix.set_.Find(pairs[a].first);
    if (g >= 0) {
      if (b - a == 1) {
        ix.item_of_[static_cast<size_t>(g)] = pairs[a].second;
      } else {
        ix.item_of_[static_cast<size_t>(g)] =
            kMulti | static_cast<uint32_t>(ix.multi_off_.size() - 1);
        for (size_t k = a; k < b; ++k) ix.multi_items_.push_back(pairs[k].second);
        ix.multi_off_.push_back(static_cast<uint32_t>(ix.multi_items_.size()));
      }
    }
    a = b;
  }
  // Each item's n-gram ranks, and the keys of the scan's filter its kept n-grams cover: their
  // adjacent unit pairs, or their units.
  ix.uses_pairs_ = n >= 2 && ix.short_lengths_.empty();
  std::vector<std::vector<uint64_t>> covered(items.size());
  tbb::parallel_for(tbb::blocked_range<size_t>(0, items.size(), 16),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t i = r.begin(); i != r.end(); ++i) {
                        auto& g = ix.grams_[i];
                        g.reserve(hashes[i].size());
                        for (uint64_t h : hashes[i])
                          g.push_back(static_cast<int32_t>(ix.set_.Find(h)));
                        const auto& uh = unit_hashes[i];
                        auto& keys = covered[i];
                        size_t len = ix.short_[i] ? uh.size() : n, done = 0;
                        for (size_t p = 0; p < g.size(); ++p) {
                          if (g[p] < 0) continue;
                          for (size_t k = std::max(p, done); k < p + len; ++k) {
                            if (!ix.uses_pairs_)
                              keys.push_back(uh[k]);
                            else if (k > p)
                              keys.push_back(PairKey(uh[k - 1], uh[k]));
                          }
                          done = p + len;
                        }
                        std::sort(keys.begin(), keys.end());
                        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
                      }
                    });
  std::vector<uint64_t> filter;
  for (size_t i = 0; i < items.size(); ++i) {
    bool any = false;
    for (int32_t r : ix.grams_[i]) any = any || r >= 0;
    if (!any) ++ix.stats_.empty_items;
    filter.insert(filter.end(), covered[i].begin(), covered[i].end());
  }
  tbb::parallel_sort(filter.begin(), filter.end());
  filter.erase(std::unique(filter.begin(), filter.end()), filter.end());
  if (ix.uses_pairs_)
    ix.pairs_.Build(filter, 4);  // cache-sized: a false pass costs little, a miss a lot
  else
    ix.vocab_.Build(filter);
  ix.stats_.filter_keys = filter.size();
  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  const auto& keys = ix.set_.keys();
  XXH3_64bits_update(st, keys.data(), keys.size() * sizeof(uint64_t));
  uint64_t params[3] = {n, options.boilerplate, options.short_items ? 1u : 0u};
  XXH3_64bits_update(st, params, sizeof params);
  ix.fingerprint_ = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  return ix;
}

size_t EvalIndex::MemoryBytes() const {
  return set_.MemoryBytes() + vocab_.MemoryBytes() + pairs_.MemoryBytes() + shared_.capacity() * 8 +
         item_of_.capacity() * 4 + multi_off_.capacity() * 4 + multi_items_.capacity() * 4;
}

}  // namespace decontam
}  // namespace mnemo
