// Building probes: a window of a tokenized document, and targeted probe files.
//
// Windows: the document is tokenized without special tokens; a probe at token offset `o`
// has prefix = [BOS] (when `bos` >= 0) + tokens[o, o+P) and suffix = tokens[o+P, o+P+S).
// A window never extends past its document, so no probe straddles a document boundary.
//
// Probe files (JSON Lines, plain/.gz/.zst), one record per line, one of:
//   {"id", "prefix": "...", "text": "..."}   the document is prefix + separator + text
//                                             (separator " " by default, as the fixture's
//                                             canaries are planted), window at offset 0;
//   {"id", "text": "..."}                     the document is text, window at offset 0;
//   {"id", "prefix_tokens": [..], "suffix_tokens": [..]}
//                                             token windows used exactly as given (the prompt
//                                             gets no BOS added; include it if wanted).
// "id" is optional (default "<file stem>:<line>"); a string "source" field sets the source
// (default the file's stem). Every other field is carried into the probe's group keys
// (e.g. "repeats"). A text record whose document has fewer than P + S tokens is counted as
// too short with its location, not silently dropped; with given token windows, P and S are
// the given lengths. A record that is none of the three, a wrong-typed field, or a duplicate
// id is an InvalidArgument naming the file, line and field; a file with no records is one too.
#ifndef MNEMO_AUDITS_MEMORIZATION_PROBE_BUILDER_H_
#define MNEMO_AUDITS_MEMORIZATION_PROBE_BUILDER_H_

#include <string>
#include <vector>

#include "audits/memorization/probe.h"

namespace mnemo {
namespace memorization {

struct WindowSpec {
  size_t prefix_len = 50;
  size_t suffix_len = 50;
  int32_t bos = -1;  // prepended to every prefix when >= 0
};

// The probe at `offset` of `tokens`; false when the window does not fit in the document.
bool MakeWindow(const std::vector<int32_t>& tokens, size_t offset, const WindowSpec& spec,
                Probe* probe);

struct ProbeFileOptions {
  std::string separator = " ";  // between "prefix" and "text"
};

struct ShortCount {
  int64_t count = 0;
  std::vector<std::string> first;  // up to kMaxLocations "<file>:<line>"
  static constexpr size_t kMaxLocations = 5;
  void Add(const std::string& where) {
    ++count;
    if (first.size() < kMaxLocations) first.push_back(where);
  }
  // "N documents shorter than P + S = T tokens (first at a:1, b:2)", "" when none.
  std::string Describe(size_t need) const;
};

struct ProbeFileResult {
  std::vector<Probe> probes;
  int64_t records = 0;
  ShortCount too_short;
};

Result<ProbeFileResult> LoadProbeFile(const std::string& path, const TokenizeFn& tokenize,
                                      const WindowSpec& spec, const ProbeFileOptions& options = {});

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_PROBE_BUILDER_H_
