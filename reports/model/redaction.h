// PII redaction for texts a report shows (memorised continuations): the spans the PII audit
// found (code-point offsets into the text) plus a built-in safety net for the common
// shapes (e-mail addresses, phone numbers, long digit runs such as card or account numbers,
// IPv4 addresses), each replaced by "[ENTITY]".
#ifndef MNEMO_REPORTS_MODEL_REDACTION_H_
#define MNEMO_REPORTS_MODEL_REDACTION_H_

#include <cstdint>
#include <string>
#include <vector>

namespace mnemo::reports {

struct RedactSpan {
  int64_t cp_start = 0;  // code points, end exclusive
  int64_t cp_end = 0;
  std::string entity;
};

// Redacts `spans` (out-of-range ones are ignored) and then the built-in patterns.
std::string RedactText(const std::string& text, const std::vector<RedactSpan>& spans);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_MODEL_REDACTION_H_
