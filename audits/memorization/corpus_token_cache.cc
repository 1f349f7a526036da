#include "audits/memorization/corpus_token_cache.h"

#include <sys/stat.h>

namespace mnemo {
namespace memorization {

Result<std::string> CorpusTokenCache::Key(const CorpusOptions& corpus,
                                          const std::string& tokenizer_id) {
  auto files = ExpandCorpusPaths(corpus.paths);
  if (!files.ok()) return files.status();
  // Length-prefixed fields, so no two different option sets give the same key.
  std::string key;
  auto add = [&key](const std::string& s) { key += std::to_string(s.size()) + ":" + s; };
  add(tokenizer_id);
  add(corpus.format);
  add(corpus.text_field);
  add(corpus.id_field);
  add(corpus.source_field);
  add(corpus.text_unit);
  for (const std::string& f : *files) {
    struct stat st {};
    if (stat(f.c_str(), &st) != 0) return Status::NotFound("corpus file '" + f + "' not found");
    add(f);
    add(std::to_string(st.st_size) + "@" + std::to_string(st.st_mtim.tv_sec) + "." +
        std::to_string(st.st_mtim.tv_nsec));
  }
  return key;
}

const CorpusTokenCache::Entry* CorpusTokenCache::Find(const std::string& key) const {
  for (const auto& [k, e] : entries_) {
    if (k == key) {
      ++hits_;
      return &e;
    }
  }
  return nullptr;
}

bool CorpusTokenCache::Insert(const std::string& key, Entry entry) {
  if (entry.bytes > budget_) return false;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      bytes_ -= it->second.bytes;
      entries_.erase(it);
      break;
    }
  }
  while (!entries_.empty() && bytes_ + entry.bytes > budget_) {
    bytes_ -= entries_.front().second.bytes;
    entries_.pop_front();
  }
  bytes_ += entry.bytes;
  entries_.emplace_back(key, std::move(entry));
  return true;
}

size_t CorpusTokenCache::DocBytes(const Doc& doc) {
  return sizeof(Doc) + doc.tokens.capacity() * sizeof(int32_t) + doc.meta.id.capacity() +
         doc.meta.source.capacity() + doc.meta.file.capacity();
}

}  // namespace memorization
}  // namespace mnemo
