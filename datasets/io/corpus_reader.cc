#include "datasets/io/corpus_reader.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>

namespace mnemo {
namespace fs = std::filesystem;

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string StripCompression(const std::string& path) {
  for (const char* ext : {".gz", ".zst"})
    if (EndsWith(path, ext))
      return path.substr(0, path.size() - std::char_traits<char>::length(ext));
  return path;
}

// The stem without compression and format extensions: "data/web.jsonl.zst" -> "web".
std::string FileStem(const std::string& path) {
  return fs::path(StripCompression(path)).stem().string();
}

std::string ScalarToString(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

bool IsJsonlPath(const std::string& path) {
  const std::string p = StripCompression(path);
  return EndsWith(p, ".jsonl") || EndsWith(p, ".json") || EndsWith(p, ".ndjson");
}

const nlohmann::json* JsonAtPath(const nlohmann::json& obj, const std::string& dotted) {
  const nlohmann::json* cur = &obj;
  size_t start = 0;
  for (;;) {
    if (!cur->is_object()) return nullptr;
    const size_t dot = dotted.find('.', start);
    const std::string key =
        dotted.substr(start, dot == std::string::npos ? dotted.npos : dot - start);
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

Result<std::vector<std::string>> ExpandCorpusPaths(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const auto& pattern : patterns) {
    if (pattern.find_first_of("*?[") == std::string::npos) {
      std::error_code ec;
      if (!fs::exists(pattern, ec))
        return Status::NotFound("corpus file '" + pattern + "' not found");
      if (fs::is_directory(pattern, ec))
        return Status::InvalidArgument("corpus path '" + pattern +
                                       "' is a folder; give files or a glob such as '" + pattern +
                                       "/*.jsonl'");
      out.push_back(pattern);
      continue;
    }
    glob_t g{};
    const int rc = glob(pattern.c_str(), 0, nullptr, &g);
    std::vector<std::string> matched;
    if (rc == 0)
      for (size_t i = 0; i < g.gl_pathc; ++i)
        if (!fs::is_directory(g.gl_pathv[i])) matched.push_back(g.gl_pathv[i]);
    globfree(&g);
    if (matched.empty())
      return Status::NotFound("corpus pattern '" + pattern + "' matches no file");
    std::sort(matched.begin(), matched.end());
    out.insert(out.end(), matched.begin(), matched.end());
  }
  if (out.empty()) return Status::InvalidArgument("no corpus files given");
  return out;
}

Result<std::unique_ptr<CorpusReader>> CorpusReader::Open(const CorpusOptions& options) {
  if (options.format != "auto" && options.format != "jsonl" && options.format != "text" &&
      options.format != "parquet")
    return Status::InvalidArgument("corpus format '" + options.format +
                                   "' is not one of auto, jsonl, text, parquet");
  if (options.text_unit != "line" && options.text_unit != "file")
    return Status::InvalidArgument("corpus text unit '" + options.text_unit +
                                   "' is not one of line, file");
  if (options.text_field.empty()) return Status::InvalidArgument("corpus text field is empty");
  auto files = ExpandCorpusPaths(options.paths);
  if (!files.ok()) return files.status();
  for (size_t k = 0; k < options.pieces.size(); ++k) {
    const CorpusPiece& p = options.pieces[k];
    if (p.file_index >= files->size() || (*files)[p.file_index] != p.path)
      return Status::InvalidArgument(
          "corpus piece " + std::to_string(k) + " names file #" + std::to_string(p.file_index) +
          " '" + p.path + "', but the corpus's file #" + std::to_string(p.file_index) + " is " +
          (p.file_index < files->size() ? "'" + (*files)[p.file_index] + "'" : "missing") +
          "; plan the pieces over the same paths");
    // Pieces of .parquet names are row groups, of other names bytes (PlanCorpusPieces), so
    // a forced format must agree with the name.
    const bool parquet =
        options.format == "parquet" || (options.format == "auto" && IsParquetPath(p.path));
    if (parquet != IsParquetPath(p.path))
      return Status::InvalidArgument(
          "corpus piece " + std::to_string(k) + " of '" + p.path + "': format '" + options.format +
          "' " +
          (parquet ? "reads Parquet from a file not named .parquet"
                   : "reads a .parquet file as text") +
          ", but pieces are planned by file name; name Parquet files .parquet and use format "
          "auto or parquet");
  }
  std::unique_ptr<CorpusReader> reader(new CorpusReader(options, std::move(files).value()));
  reader->stats_.piece_lines.assign(options.pieces.size(), 0);
  return reader;
}

bool CorpusReader::OpenNextFile() {
  lines_.reset();
  parquet_.reset();
  const bool by_piece = options_.pieces_only || !options_.pieces.empty();
  std::string path;
  for (;;) {
    if (by_piece) {
      if (next_piece_ >= options_.pieces.size()) return false;
      piece_ = static_cast<int>(next_piece_++);
      path = options_.pieces[piece_].path;
    } else {
      if (next_file_ >= files_.size()) return false;
      path = files_[next_file_++];
    }
    if (options_.format == "parquet" || (options_.format == "auto" && IsParquetPath(path))) {
      // Rows keep their file numbers in any piece: no piece lines.
      ParquetColumns cols{options_.text_field, options_.id_field, options_.source_field};
      piece_line_ = false;
      auto r = by_piece ? ParquetReader::Open(path, cols, options_.pieces[piece_].begin,
                                              options_.pieces[piece_].end)
                        : ParquetReader::Open(path, cols);
      if (!r.ok()) {
        status_ = r.status();
        return false;
      }
      parquet_ = std::move(r).value();
      parquet_row_ = 0;
      stem_ = FileStem(path);
      return true;
    }
    jsonl_ = options_.format == "jsonl" || (options_.format == "auto" && IsJsonlPath(path));
    const bool whole_file_docs = !jsonl_ && options_.text_unit == "file";
    piece_line_ = by_piece && !whole_file_docs && !options_.pieces[piece_].starts_file();
    // A file that is one document is read whole by the piece that starts it.
    if (by_piece && whole_file_docs && !options_.pieces[piece_].starts_file()) continue;
    auto r = by_piece && !whole_file_docs ? LineReader::OpenPiece(options_.pieces[piece_])
                                          : LineReader::Open(path);
    if (!r.ok()) {
      status_ = r.status();
      return false;
    }
    lines_ = std::move(r).value();
    stem_ = FileStem(path);
    return true;
  }
}

std::string CorpusReader::Where() const {
  if (parquet_) return parquet_->path() + ":" + std::to_string(parquet_row_);
  const std::string line = std::to_string(lines_->line_number());
  if (!piece_line_) return lines_->path() + ":" + line;
  return lines_->path() + "@" + std::to_string(options_.pieces[piece_].begin) + ":" + line;
}

void CorpusReader::CountLine() {
  ++stats_.lines;
  if (piece_ >= 0) ++stats_.piece_lines[piece_];
}

void CorpusReader::SetPlace(CorpusDocument* doc) const {
  doc->file = parquet_ ? parquet_->path() : lines_->path();
  doc->piece = piece_;
  doc->piece_line = piece_line_;
}

bool CorpusReader::Next(CorpusDocument* doc) {
  if (!status_.ok()) return false;
  for (;;) {
    if (!lines_ && !parquet_ && !OpenNextFile()) return false;
    if (parquet_ ? NextParquet(doc) : jsonl_ ? NextJsonl(doc) : NextText(doc)) {
      ++stats_.documents;
      return true;
    }
    if (!status_.ok()) return false;
    const Status& source = parquet_ ? parquet_->status() : lines_->status();
    if (!source.ok()) {
      status_ = source;
      return false;
    }
    lines_.reset();
    parquet_.reset();
  }
}

bool CorpusReader::NextJsonl(CorpusDocument* doc) {
  std::string_view line;
  while (lines_->Next(&line)) {
    CountLine();
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = Where();
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      status_ = Status::InvalidArgument(where + ": not a JSON object");
      return false;
    }
    const nlohmann::json* text = JsonAtPath(j, options_.text_field);
    if (text == nullptr || !text->is_string()) {
      ++stats_.missing_field;
      if (stats_.first_missing.size() < CorpusStats::kMaxLocations)
        stats_.first_missing.push_back(where);
      continue;
    }
    doc->text = text->get<std::string>();
    const nlohmann::json* id =
        options_.id_field.empty() ? nullptr : JsonAtPath(j, options_.id_field);
    doc->id = id != nullptr && !id->is_null() ? ScalarToString(*id)
                                              : stem_ + ":" + std::to_string(lines_->line_number());
    const nlohmann::json* src =
        options_.source_field.empty() ? nullptr : JsonAtPath(j, options_.source_field);
    doc->source = src != nullptr && !src->is_null() ? ScalarToString(*src) : stem_;
    SetPlace(doc);
    doc->line = lines_->line_number();
    doc->record = std::move(j);
    return true;
  }
  return false;
}

bool CorpusReader::NextText(CorpusDocument* doc) {
  std::string_view line;
  if (options_.text_unit == "file") {
    std::string text;
    bool any = false;
    while (lines_->Next(&line)) {
      CountLine();
      if (any) text += '\n';
      text.append(line);
      any = true;
    }
    if (!any || !lines_->status().ok()) return false;
    doc->text = std::move(text);
    doc->id = stem_;
    doc->line = 1;
  } else {
    for (;;) {
      if (!lines_->Next(&line)) return false;
      CountLine();
      if (line.find_first_not_of(" \t\r") != std::string_view::npos) break;
    }
    doc->text.assign(line);
    doc->id = stem_ + ":" + std::to_string(lines_->line_number());
    doc->line = lines_->line_number();
  }
  doc->source = stem_;
  SetPlace(doc);
  doc->record = nullptr;
  return true;
}

bool CorpusReader::NextParquet(CorpusDocument* doc) {
  ParquetRow row;
  while (parquet_->Next(&row)) {
    CountLine();
    parquet_row_ = row.row;
    if (!row.has_text) {
      ++stats_.missing_field;
      if (stats_.first_missing.size() < CorpusStats::kMaxLocations)
        stats_.first_missing.push_back(Where());
      continue;
    }
    doc->text = std::move(row.text);
    doc->id = row.has_id ? std::move(row.id) : stem_ + ":" + std::to_string(row.row);
    doc->source = row.has_source ? std::move(row.source) : stem_;
    SetPlace(doc);
    doc->line = row.row;
    doc->record = nullptr;
    return true;
  }
  return false;
}

std::string CorpusReader::MissingFieldSummary() const {
  if (stats_.missing_field == 0) return "";
  std::string s = std::to_string(stats_.missing_field) + " line" +
                  (stats_.missing_field == 1 ? "" : "s") + " lack a string field '" +
                  options_.text_field + "' (first at ";
  for (size_t i = 0; i < stats_.first_missing.size(); ++i)
    s += (i ? ", " : "") + stats_.first_missing[i];
  return s + ")";
}

}  // namespace mnemo
