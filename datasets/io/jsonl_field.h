// Fast extraction of one top-level string field from a JSON Lines record, without building a
// DOM: the line is walked once at the top level (strings and nested values skipped), the
// field's raw string body is located, and only that string is unescaped (\uXXXX with
// surrogate pairs, the two-character escapes). For corpus scans where parsing every line with
// a full JSON library would be the bottleneck.
//
// The walker is strict enough to never misplace a field (escaped quotes and nested objects
// are handled) but does not validate the whole line; callers fall back to a full parser
// (nlohmann) when it reports kOdd.
//
// Thread-safety: pure functions.
#ifndef MNEMO_DATASETS_IO_JSONL_FIELD_H_
#define MNEMO_DATASETS_IO_JSONL_FIELD_H_

#include <string>
#include <string_view>

namespace mnemo {

enum class JsonFieldResult {
  kString,     // *raw is the string's body between the quotes (still escaped)
  kNumber,     // *raw is the number's text
  kOtherType,  // present but null, bool, object or array
  kMissing,    // the object has no such key
  kOdd,        // not an object on one line, or something the walker does not handle
};

// Finds top-level `key` in the JSON object `line`. *has_escape tells whether the string body
// holds a backslash (then UnescapeJsonString is needed).
JsonFieldResult FindJsonField(std::string_view line, std::string_view key, std::string_view* raw,
                              bool* has_escape);

// FindJsonField and the string's unescaping in one pass over its bytes, for scans. kString:
// *text is the decoded string, a view into `line` when it holds no escape, else into *buf
// (which only grows; its size is unspecified); a bad escape or a missing closing quote is
// kOdd. kNumber: *text is the number's text. *text is valid until `line` or *buf changes.
JsonFieldResult FindJsonText(std::string_view line, std::string_view key, std::string* buf,
                             std::string_view* text);

// Appends the unescaped UTF-8 of a string body to *out. False on a bad escape (unknown
// letter, short \u, a lone surrogate), as nlohmann refuses those too.
bool UnescapeJsonString(std::string_view raw, std::string* out);

}  // namespace mnemo

#endif  // MNEMO_DATASETS_IO_JSONL_FIELD_H_
