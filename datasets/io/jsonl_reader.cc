#include "datasets/io/jsonl_reader.h"

#include <cstdio>

namespace mnemo {

namespace {

// Offset of the first byte of `s` that does not start or continue a well-formed UTF-8
// sequence (RFC 3629: no overlongs, surrogates or code points above U+10FFFF), or npos.
size_t FirstInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = p[i];
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4)) return i;
    for (size_t k = 1; k < len; ++k) {
      if (i + k >= n || (p[i + k] & 0xC0) != 0x80) return i;
      if (k == 1 && ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] > 0x9F) ||
                     (c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] > 0x8F)))
        return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// Why `line` is not JSON, from nlohmann's own parser: "at byte 12: invalid string: ill-formed
// UTF-8 byte". Only called on the error path.
std::string ParseErrorDetail(std::string_view line) {
  try {
    nlohmann::json parsed = nlohmann::json::parse(line);
    (void)parsed;
  } catch (const nlohmann::json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 9: <reason>; last read..."
    std::string reason = e.what();
    size_t col = reason.find(", column ");
    size_t colon = col == std::string::npos ? col : reason.find(": ", col);
    if (colon != std::string::npos) reason.erase(0, colon + 2);
    size_t last = reason.find("; last read");
    if (last != std::string::npos) reason.resize(last);
    // nlohmann names the byte where it gave up, past a bad sequence's lead byte: name the
    // lead byte itself (1-based, as nlohmann counts).
    if (reason.find("ill-formed UTF-8") != std::string::npos) {
      size_t bad = FirstInvalidUtf8(line);
      if (bad != std::string_view::npos) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(line[bad]));
        return " at byte " + std::to_string(bad + 1) + ": " + reason + " " + hex;
      }
    }
    return " at byte " + std::to_string(e.byte) + ": " + reason;
  } catch (const std::exception&) {
  }
  return "";
}

}  // namespace

Result<std::unique_ptr<JsonlReader>> JsonlReader::Open(const std::string& path) {
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  return std::unique_ptr<JsonlReader>(new JsonlReader(std::move(lines).value()));
}

template <typename JsonT>
bool JsonlReader::NextAs(JsonT* obj) {
  if (!status_.ok()) return false;
  std::string_view line;
  while (lines_->Next(&line)) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    JsonT j = JsonT::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      status_ = Status::InvalidArgument(path() + ":" + std::to_string(line_number()) +
                                        ": not valid JSON" + ParseErrorDetail(line));
      return false;
    }
    if (!j.is_object()) {
      status_ = Status::InvalidArgument(path() + ":" + std::to_string(line_number()) +
                                        ": expected a JSON object, got " + j.type_name());
      return false;
    }
    *obj = std::move(j);
    return true;
  }
  if (!lines_->status().ok()) status_ = lines_->status();
  return false;
}

bool JsonlReader::Next(nlohmann::json* obj) {
  return NextAs(obj);
}
bool JsonlReader::Next(nlohmann::ordered_json* obj) {
  return NextAs(obj);
}

std::string JsonlReader::FieldError(const std::string& field, const std::string& problem) const {
  return path() + ":" + std::to_string(line_number()) + ": field '" + field + "' " + problem;
}

Result<std::vector<nlohmann::json>> ReadJsonl(const std::string& path) {
  auto reader = JsonlReader::Open(path);
  if (!reader.ok()) return reader.status();
  std::vector<nlohmann::json> out;
  nlohmann::json obj;
  while ((*reader)->Next(&obj)) out.push_back(std::move(obj));
  if (!(*reader)->status().ok()) return (*reader)->status();
  return out;
}

}  // namespace mnemo
