// The window scan: the per-text pass of the prefilter (the plan is prefilter_plan.h). It finds,
// for each run pattern, the windows of the text where the pattern can match; extraction
// (extraction.h) then runs the pattern inside those windows only.
//
// One pass over the text, driven by events (prefilter_plan.h), on bit masks of 64 text bytes
// (32 bytes at a time with AVX2 where the plan says the CPU has it, truffle.h; the portable
// scalar code otherwise, same answer): gates drop trigger bytes outside long enough runs of
// their alphabet, then each event finds the maximal run of its pattern's alphabet around it;
// when the pattern's matches are at most M bytes long, the run is cut to the bytes within M of
// the event; the piece is kept when it is long enough and holds every required pair, and
// nearby pieces are merged. Every match lies inside a kept window (it holds an event, crosses
// no byte outside its alphabet, is at most M long and holds the pairs), and a match found
// inside a window with the whole text as context is a match in the whole text, so extraction
// finds exactly what a whole-text scan finds.
//
// Contract. Input: the plan and the text. Output: windows[k] gets run pattern k's windows
// appended, sorted and disjoint (the caller owns and clears the vectors; windows->size() is at
// least plan.runs.size()); the return value has bit k set when windows[k] was given some.
//
// Thread-safety: reads only the plan and the text; may run on many threads at once.
#ifndef MNEMO_AUDITS_PII_WINDOW_SCAN_H_
#define MNEMO_AUDITS_PII_WINDOW_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "audits/pii/prefilter_plan.h"

namespace mnemo::pii {

// A byte range [begin, end) of a text.
struct Window {
  size_t begin, end;
};

uint64_t FindWindows(const PrefilterPlan& plan, std::string_view text,
                     std::vector<std::vector<Window>>* windows);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_WINDOW_SCAN_H_
