#include "datasets/io/jsonl_reader.h"

namespace mnemo {

namespace {

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

bool JsonlReader::Next(nlohmann::json* obj) {
  if (!status_.ok()) return false;
  std::string_view line;
  while (lines_->Next(&line)) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
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
