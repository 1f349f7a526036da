#include "audits/decontam/units.h"

#include <sentencepiece_processor.h>

#include "audits/decontam/janitor.h"
#include "audits/decontam/word_hash.h"
#include "audits/ngram/ngram_hash.h"

namespace mnemo {
namespace decontam {
namespace {

class SpmEncoder : public TokenEncoder {
 public:
  explicit SpmEncoder(std::string path) : path_(std::move(path)) {}
  Status Load() {
    auto s = sp_.Load(path_);
    if (!s.ok())
      return Status::InvalidArgument(path_ + ": not a SentencePiece model: " + s.ToString());
    return Status::Ok();
  }
  Status Encode(std::string_view text, std::vector<int32_t>* ids, std::vector<uint32_t>* begins,
                std::vector<uint32_t>* ends) const override {
    auto spt = sp_.EncodeAsImmutableProto(absl::string_view(text.data(), text.size()));
    size_t n = spt.pieces_size();
    ids->clear();
    begins->clear();
    ends->clear();
    ids->reserve(n);
    for (size_t i = 0; i < n; ++i) {
      auto p = spt.pieces(static_cast<int>(i));
      ids->push_back(static_cast<int32_t>(p.id()));
      begins->push_back(p.begin());
      ends->push_back(p.end());
    }
    return Status::Ok();
  }
  std::string name() const override { return "sentencepiece:" + path_; }

 private:
  std::string path_;
  sentencepiece::SentencePieceProcessor sp_;
};

class FunctionEncoder : public TokenEncoder {
 public:
  FunctionEncoder(std::string name,
                  std::function<Result<std::vector<int32_t>>(std::string_view)> fn)
      : name_(std::move(name)), fn_(std::move(fn)) {}
  Status Encode(std::string_view text, std::vector<int32_t>* ids, std::vector<uint32_t>* begins,
                std::vector<uint32_t>* ends) const override {
    auto r = fn_(text);
    if (!r.ok()) return r.status();
    *ids = std::move(r).value();
    begins->clear();
    ends->clear();
    return Status::Ok();
  }
  std::string name() const override { return name_; }

 private:
  std::string name_;
  std::function<Result<std::vector<int32_t>>(std::string_view)> fn_;
};

}  // namespace

Result<std::unique_ptr<TokenEncoder>> OpenSentencePiece(const std::string& model_path) {
  auto e = std::make_unique<SpmEncoder>(model_path);
  MNEMO_RETURN_IF_ERROR(e->Load());
  return std::unique_ptr<TokenEncoder>(std::move(e));
}

std::unique_ptr<TokenEncoder> MakeFunctionEncoder(
    std::string name, std::function<Result<std::vector<int32_t>>(std::string_view)> fn) {
  return std::make_unique<FunctionEncoder>(std::move(name), std::move(fn));
}

uint64_t HashWord(std::string_view word) {
  return HashWordInline(word);
}

Status ExtractUnits(std::string_view text, const TokenEncoder* encoder, Units* out) {
  out->clear();
  if (encoder == nullptr) {
    ForEachJanitorWordHash(text, [&](uint64_t h, size_t b, size_t e) {
      out->hashes.push_back(h);
      out->begin.push_back(static_cast<uint32_t>(b));
      out->end.push_back(static_cast<uint32_t>(e));
    });
    return Status::Ok();
  }
  std::vector<int32_t> ids;
  MNEMO_RETURN_IF_ERROR(encoder->Encode(text, &ids, &out->begin, &out->end));
  out->hashes.reserve(ids.size());
  for (int32_t id : ids) out->hashes.push_back(ngram::HashUnit(id));
  return Status::Ok();
}

}  // namespace decontam
}  // namespace mnemo
