// Code-point offsets of findings: the last stage of a scan (engine.h), after overlap
// resolution.
//
// Contract: a code-point offset counts every byte that is not a UTF-8 continuation byte
// (0x80-0xBF) before the byte offset, so invalid UTF-8 still gets offsets that grow with the
// bytes. Input: the scanned text and findings with byte spans inside it; output: their
// cp_start/cp_end. Nothing is kept.
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_PII_CODE_POINTS_H_
#define MNEMO_AUDITS_PII_CODE_POINTS_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "audits/pii/scan_types.h"

namespace mnemo::pii {

// Code-point offset of byte `off` (bytes that are not UTF-8 continuation bytes).
size_t CodePointOffset(std::string_view text, size_t off);

// Sets cp_start and cp_end of every finding, `findings` sorted by start (one pass over the
// starts, then each span's own bytes).
void SetCodePointOffsets(std::string_view text, std::vector<Finding>* findings);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_CODE_POINTS_H_
