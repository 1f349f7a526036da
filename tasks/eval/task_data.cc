#include "tasks/eval/task_data.h"

#include <algorithm>
#include <filesystem>

#include "datasets/io/block_reader.h"
#include "datasets/io/jsonl_reader.h"
#include "datasets/io/line_reader.h"

namespace mnemo {
namespace fs = std::filesystem;

namespace {

std::string StripCompression(const std::string& path) {
  for (const char* ext : {".gz", ".zst"}) {
    size_t n = std::char_traits<char>::length(ext);
    if (path.size() > n && path.compare(path.size() - n, n, ext) == 0)
      return path.substr(0, path.size() - n);
  }
  return path;
}

std::string FormatOf(const TaskConfig& task, const std::string& file) {
  if (!task.dataset_format.empty()) return task.dataset_format;
  if (task.dataset_path == "csv") return "csv";
  if (task.dataset_path == "text") return "text";
  std::string ext = fs::path(StripCompression(file)).extension().string();
  if (ext == ".jsonl" || ext == ".ndjson") return "jsonl";
  if (ext == ".json") return "json";
  if (ext == ".csv") return "csv";
  if (ext == ".tsv") return "tsv";
  if (ext == ".txt") return "text";
  return task.dataset_path == "json" ? "json" : "jsonl";
}

// The decoded file as it is, line ends included: a CSV field may quote a "\r\n", which
// Python's csv module keeps (LineReader drops the '\r' of every line end).
Result<std::string> ReadBytes(const std::string& path) {
  auto r = BlockReader::Open(path);
  if (!r.ok()) return r.status();
  std::string out;
  ByteBlock block;
  uint64_t offset = 0;
  while ((*r)->Next(&block, &offset)) out.append(block.data(), block.size());
  if (!(*r)->status().ok()) return (*r)->status();
  return out;
}

Result<std::string> ReadAll(const std::string& path) {
  auto r = LineReader::Open(path);
  if (!r.ok()) return r.status();
  std::string out;
  std::string_view line;
  while ((*r)->Next(&line)) {
    out.append(line.data(), line.size());
    out.push_back('\n');
  }
  if (!(*r)->status().ok()) return (*r)->status();
  return out;
}

Result<std::vector<nlohmann::json>> LoadJson(const std::string& path, size_t limit) {
  auto all = ReadAll(path);
  if (!all.ok()) return all.status();
  // HF's "json" loader accepts JSON Lines too; decide by the first character.
  size_t first = all->find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (*all)[first] == '[') {
    nlohmann::json j = nlohmann::json::parse(*all, nullptr, false);
    if (j.is_discarded()) return Status::InvalidArgument(path + ": not valid JSON");
    std::vector<nlohmann::json> docs;
    for (size_t i = 0; i < j.size() && (limit == 0 || docs.size() < limit); ++i) {
      if (!j[i].is_object())
        return Status::InvalidArgument(path + ": element " + std::to_string(i) +
                                       " is not an object");
      docs.push_back(j[i]);
    }
    return docs;
  }
  auto reader = JsonlReader::Open(path);
  if (!reader.ok()) return reader.status();
  std::vector<nlohmann::json> docs;
  nlohmann::json obj;
  while ((limit == 0 || docs.size() < limit) && (*reader)->Next(&obj))
    docs.push_back(std::move(obj));
  if (!(*reader)->status().ok()) return (*reader)->status();
  return docs;
}

Result<std::vector<nlohmann::json>> LoadCsv(const TaskConfig& task, const std::string& path,
                                            char sep, size_t limit) {
  auto all = ReadBytes(path);
  if (!all.ok()) return all.status();
  size_t pos = 0;
  std::vector<std::string> header = task.dataset_columns;
  std::vector<std::string> rec;
  std::string error;
  size_t record_no = 0;
  std::vector<nlohmann::json> docs;
  auto line_of = [&](size_t offset) {
    return 1 + std::count(all->begin(), all->begin() + static_cast<std::ptrdiff_t>(offset), '\n');
  };
  while (limit == 0 || docs.size() < limit) {
    size_t start = pos;
    if (!ParseCsvRecord(*all, &pos, sep, &rec, &error)) {
      if (!error.empty())
        return Status::InvalidArgument(path + ":" + std::to_string(line_of(start)) + ": " + error);
      break;
    }
    ++record_no;
    if (rec.size() == 1 && rec[0].empty()) continue;  // blank line
    if (header.empty()) {
      header = rec;
      continue;
    }
    if (rec.size() != header.size()) {
      return Status::InvalidArgument(
          path + ":" + std::to_string(line_of(start)) + ": expected " +
          std::to_string(header.size()) + " columns (" +
          (task.dataset_columns.empty() ? "from the header" : "dataset_columns") + "), found " +
          std::to_string(rec.size()));
    }
    nlohmann::json d = nlohmann::json::object();
    for (size_t i = 0; i < header.size(); ++i) d[header[i]] = rec[i];
    docs.push_back(std::move(d));
  }
  (void)record_no;
  return docs;
}

Result<std::vector<nlohmann::json>> LoadText(const std::string& path, size_t limit) {
  auto r = LineReader::Open(path);
  if (!r.ok()) return r.status();
  std::vector<nlohmann::json> docs;
  std::string_view line;
  while ((limit == 0 || docs.size() < limit) && (*r)->Next(&line)) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    docs.push_back({{"text", std::string(line)}});
  }
  if (!(*r)->status().ok()) return (*r)->status();
  return docs;
}

// A top-level WikiText heading: " = Title = " (exactly one '=' on each side).
bool IsArticleHeading(std::string_view line) {
  if (line.size() < 5 || line.substr(0, 3) != " = " || line.substr(0, 4) == " = =") return false;
  size_t end = line.find_last_not_of(" \n");
  if (end == std::string_view::npos || end < 2 || line[end] != '=' || line[end - 1] != ' ')
    return false;
  return line[end - 2] != '=';
}

Result<std::vector<nlohmann::json>> LoadWikitext(const std::string& path, size_t limit) {
  auto all = ReadAll(path);
  if (!all.ok()) return all.status();
  std::vector<nlohmann::json> docs;
  std::string cur;
  size_t pos = 0;
  auto flush = [&] {
    if (cur.find_first_not_of(" \n") != std::string::npos) docs.push_back({{"page", cur}});
    cur.clear();
  };
  while (pos < all->size()) {
    size_t nl = all->find('\n', pos);
    if (nl == std::string::npos) nl = all->size();
    std::string_view line(all->data() + pos, nl - pos);
    if (IsArticleHeading(line)) {
      flush();
      if (limit != 0 && docs.size() >= limit) return docs;
    }
    cur.append(line.data(), line.size());
    cur.push_back('\n');
    pos = nl + 1;
  }
  flush();
  if (limit != 0 && docs.size() > limit) docs.resize(limit);
  return docs;
}

}  // namespace

bool ParseCsvRecord(const std::string& data, size_t* pos, char sep, std::vector<std::string>* out,
                    std::string* error) {
  out->clear();
  error->clear();
  size_t i = *pos;
  if (i >= data.size()) return false;
  std::string field;
  bool quoted = false, was_quoted = false;
  while (i < data.size()) {
    char ch = data[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < data.size() && data[i + 1] == '"') {
          field.push_back('"');
          i += 2;
          continue;
        }
        quoted = false;
        ++i;
        continue;
      }
      field.push_back(ch);
      ++i;
      continue;
    }
    if (ch == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
      ++i;
      continue;
    }
    if (ch == sep) {
      out->push_back(std::move(field));
      field.clear();
      was_quoted = false;
      ++i;
      continue;
    }
    if (ch == '\r' && i + 1 < data.size() && data[i + 1] == '\n') ++i;
    if (data[i] == '\n') {
      ++i;
      break;
    }
    if (was_quoted) {
      *error = "text after a closing quote in a CSV field";
      return false;
    }
    field.push_back(ch);
    ++i;
  }
  if (quoted) {
    *error = "unterminated quoted CSV field";
    return false;
  }
  out->push_back(std::move(field));
  *pos = i;
  return true;
}

Result<std::string> SplitFile(const TaskConfig& task, const std::string& split) {
  if (split.empty())
    return Status::InvalidArgument(task.source_path + ": task '" + task.task + "' names no split");
  auto it = task.data_files.find(split);
  if (it != task.data_files.end()) return it->second;
  if (!task.data_files.empty()) {
    return Status::NotFound(task.source_path + ": task '" + task.task +
                            "': no data file for split '" + split +
                            "' in dataset_kwargs.data_files");
  }
  if (task.dataset_path.empty())
    return Status::InvalidArgument(task.source_path + ": task '" + task.task +
                                   "' has no dataset_path");
  std::error_code ec;
  if (fs::is_regular_file(task.dataset_path, ec)) {
    if (split != task.EvalSplit()) {
      return Status::NotFound(task.source_path + ": task '" + task.task + "': dataset_path '" +
                              task.dataset_path + "' is one file and cannot provide split '" +
                              split + "'");
    }
    return task.dataset_path;
  }
  for (const char* ext : {".jsonl", ".json", ".csv", ".tsv", ".txt", ".jsonl.gz", ".jsonl.zst"}) {
    fs::path p = fs::path(task.dataset_path) / (split + ext);
    if (fs::exists(p, ec)) return p.string();
  }
  return Status::NotFound(task.source_path + ": task '" + task.task + "': no file for split '" +
                          split + "' in '" + task.dataset_path + "'");
}

Result<std::vector<nlohmann::json>> LoadSplit(const TaskConfig& task, const std::string& split,
                                              size_t limit) {
  auto file = SplitFile(task, split);
  if (!file.ok()) return file.status();
  std::string fmt = FormatOf(task, *file);
  if (fmt == "jsonl" || fmt == "json") return LoadJson(*file, limit);
  if (fmt == "csv") return LoadCsv(task, *file, ',', limit);
  if (fmt == "tsv") return LoadCsv(task, *file, '\t', limit);
  if (fmt == "text") return LoadText(*file, limit);
  if (fmt == "wikitext_articles") return LoadWikitext(*file, limit);
  return Status::InvalidArgument(task.source_path + ": key 'dataset_format': '" + fmt +
                                 "' is not one of jsonl, json, csv, tsv, text, wikitext_articles");
}

}  // namespace mnemo
