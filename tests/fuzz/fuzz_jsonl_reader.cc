// JSONL and corpus reading: any bytes give documents or an error, never a crash.
#include <cstddef>
#include <cstdint>

#include "datasets/io/corpus_reader.h"
#include "datasets/io/jsonl_reader.h"
#include "tests/fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mnemo::fuzz::InputFile in(data, size);
  if (auto r = mnemo::JsonlReader::Open(in.path()); r.ok()) {
    nlohmann::json obj;
    while ((*r)->Next(&obj)) {
    }
  }
  mnemo::CorpusOptions opt;
  opt.paths = {in.path()};
  opt.format = "jsonl";
  opt.text_field = "a.text";
  opt.source_field = "src";
  if (auto r = mnemo::CorpusReader::Open(opt); r.ok()) {
    mnemo::CorpusDocument doc;
    while ((*r)->Next(&doc)) {
    }
    (void)(*r)->MissingFieldSummary();
  }
  return 0;
}
