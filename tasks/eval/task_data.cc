#include "tasks/eval/task_data.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <yaml-cpp/yaml.h>

#include "datasets/io/block_reader.h"
#include "datasets/io/jsonl_reader.h"
#include "datasets/io/line_reader.h"
#include "datasets/io/parquet_reader.h"

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
  if (task.dataset_path == "parquet" || IsParquetPath(file)) return "parquet";
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

Result<std::vector<Doc>> LoadJson(const std::string& path, const std::string& field, size_t limit) {
  auto all = ReadAll(path);
  if (!all.ok()) return all.status();
  // HF's "json" loader accepts JSON Lines too; decide by the first character. With `field`
  // the file is one object whose records are the list under that key (BBH's {"examples": }).
  size_t first = all->find_first_not_of(" \t\r\n");
  if (!field.empty() || (first != std::string::npos && (*all)[first] == '[')) {
    Doc j = Doc::parse(*all, nullptr, false);
    if (j.is_discarded()) return Status::InvalidArgument(path + ": not valid JSON");
    if (!field.empty()) {
      if (!j.is_object() || !j.contains(field) || !j[field].is_array())
        return Status::InvalidArgument(path + ": no list of records under the key '" + field +
                                       "' (dataset_kwargs.field)");
      j = std::move(j[field]);
    }
    std::vector<Doc> docs;
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
  std::vector<Doc> docs;
  Doc obj;
  while ((limit == 0 || docs.size() < limit) && (*reader)->Next(&obj))
    docs.push_back(std::move(obj));
  if (!(*reader)->status().ok()) return (*reader)->status();
  return docs;
}

Result<std::vector<Doc>> LoadCsv(const TaskConfig& task, const std::string& path, char sep,
                                 size_t limit) {
  auto all = ReadBytes(path);
  if (!all.ok()) return all.status();
  size_t pos = 0;
  std::vector<std::string> header = task.dataset_columns;
  std::vector<std::string> rec;
  std::string error;
  size_t record_no = 0;
  std::vector<Doc> docs;
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
    Doc d = Doc::object();
    for (size_t i = 0; i < header.size(); ++i) d[header[i]] = rec[i];
    docs.push_back(std::move(d));
  }
  (void)record_no;
  return docs;
}

Result<std::vector<Doc>> LoadText(const std::string& path, size_t limit) {
  auto r = LineReader::Open(path);
  if (!r.ok()) return r.status();
  std::vector<Doc> docs;
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

Result<std::vector<Doc>> LoadWikitext(const std::string& path, size_t limit) {
  auto all = ReadAll(path);
  if (!all.ok()) return all.status();
  std::vector<Doc> docs;
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

// Split file extensions, in the order one is preferred when a folder has several.
constexpr const char* kSplitExts[] = {".jsonl", ".json",     ".csv",       ".tsv",
                                      ".txt",   ".jsonl.gz", ".jsonl.zst", ".parquet"};

std::string ExtList() {
  std::string s;
  for (const char* e : kSplitExts) s += (s.empty() ? "{" : ",") + std::string(e);
  return s + "}";
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// `split` in `dir` as a Hub snapshot names it: DIR/SPLIT.EXT, else its shards DIR/SPLIT-*.EXT
// (test-00000-of-00002.parquet, ...; name order) for the first EXT that has any. Appends the
// patterns looked at to *tried.
std::vector<std::string> SplitFilesIn(const fs::path& dir, const std::string& split,
                                      std::vector<std::string>* tried) {
  std::error_code ec;
  tried->push_back((dir / split).string() + ExtList());
  tried->push_back((dir / split).string() + "-*" + ExtList());
  if (!fs::is_directory(dir, ec)) return {};
  for (const char* ext : kSplitExts) {
    fs::path p = dir / (split + ext);
    if (fs::is_regular_file(p, ec)) return {p.string()};
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const char* ext : kSplitExts) {
    std::vector<std::string> out;
    for (const auto& n : names)
      if (n.size() > split.size() + 1 + std::char_traits<char>::length(ext) &&
          n.compare(0, split.size() + 1, split + "-") == 0 && EndsWith(n, ext))
        out.push_back((dir / n).string());
    if (!out.empty()) return out;
  }
  return {};
}

// The dataset card's `configs:` (README.md front matter, as the Hub's loader reads it):
// config_name -> data_files, a path or glob, a list of them (split "train"), or a list of
// {split, path} with path a string or a list. Globs are matched against the snapshot's files
// (fnmatch, '*' not crossing '/'; '**' is not special). Empty when the card declares none or the
// config/split is not declared; an unreadable card is an error.
Result<std::vector<std::string>> CardConfigFiles(const fs::path& root, const std::string& config,
                                                 const std::string& split,
                                                 std::vector<std::string>* tried) {
  const fs::path card = root / "README.md";
  std::error_code ec;
  if (!fs::is_regular_file(card, ec)) return std::vector<std::string>{};
  std::ifstream in(card, std::ios::binary);
  std::string line, front;
  if (!std::getline(in, line) || line.rfind("---", 0) != 0) return std::vector<std::string>{};
  bool closed = false;
  while (std::getline(in, line)) {
    if (line.rfind("---", 0) == 0) {
      closed = true;
      break;
    }
    front += line + "\n";
  }
  if (!closed) return std::vector<std::string>{};
  YAML::Node meta;
  try {
    meta = YAML::Load(front);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(card.string() +
                                   ": the dataset card's front matter: " + e.what());
  }
  if (!meta.IsMap() || !meta["configs"] || !meta["configs"].IsSequence())
    return std::vector<std::string>{};
  const std::string want = config.empty() ? "default" : config;
  tried->push_back(card.string() + " configs: " + want + " split " + split);
  std::vector<std::string> patterns;
  for (const auto& c : meta["configs"]) {
    if (!c.IsMap() || !c["config_name"] || c["config_name"].as<std::string>("") != want) continue;
    const YAML::Node files = c["data_files"];
    auto add = [&patterns](const YAML::Node& n) {
      if (n.IsScalar()) patterns.push_back(n.as<std::string>());
      if (n.IsSequence())
        for (const auto& x : n)
          if (x.IsScalar()) patterns.push_back(x.as<std::string>());
    };
    if (files.IsScalar() || (files.IsSequence() && files.size() && files[0].IsScalar())) {
      if (split == "train") add(files);
    } else if (files.IsSequence()) {
      for (const auto& f : files)
        if (f.IsMap() && f["split"] && f["split"].as<std::string>("") == split) add(f["path"]);
    } else if (files.IsMap() && files[split]) {
      add(files[split]);
    }
  }
  std::vector<std::string> out;
  for (const auto& pat : patterns) {
    std::vector<std::string> hits;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (!it->is_regular_file(ec)) continue;
      const std::string rel = fs::relative(it->path(), root, ec).generic_string();
      if (fnmatch(pat.c_str(), rel.c_str(), FNM_PATHNAME) == 0) hits.push_back(it->path().string());
    }
    std::sort(hits.begin(), hits.end());
    out.insert(out.end(), hits.begin(), hits.end());
  }
  return out;
}

// The refs/convert/parquet layout: every DIR/*.parquet (the split's shards, name order).
std::vector<std::string> ParquetShardDir(const fs::path& dir, std::vector<std::string>* tried) {
  tried->push_back((dir / "*.parquet").string());
  std::error_code ec;
  std::vector<std::string> out;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec) && IsParquetPath(e.path().string())) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<Doc>> LoadFile(const TaskConfig& task, const std::string& file, size_t limit) {
  std::string fmt = FormatOf(task, file);
  if (fmt == "jsonl" || fmt == "json") return LoadJson(file, task.data_field, limit);
  if (fmt == "parquet") return ParquetJsonRows(file, limit);
  if (fmt == "csv") return LoadCsv(task, file, ',', limit);
  if (fmt == "tsv") return LoadCsv(task, file, '\t', limit);
  if (fmt == "text") return LoadText(file, limit);
  if (fmt == "wikitext_articles") return LoadWikitext(file, limit);
  return Status::InvalidArgument(task.source_path + ": key 'dataset_format': '" + fmt +
                                 "' is not one of jsonl, json, parquet, csv, tsv, text, "
                                 "wikitext_articles");
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

Result<std::vector<std::string>> SplitFiles(const TaskConfig& task, const std::string& split) {
  if (split.empty())
    return Status::InvalidArgument(task.source_path + ": task '" + task.task + "' names no split");
  auto it = task.data_files.find(split);
  if (it != task.data_files.end()) return std::vector<std::string>{it->second};
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
    return std::vector<std::string>{task.dataset_path};
  }
  std::vector<std::string> tried;
  const fs::path root(task.dataset_path);
  const std::string& config = task.dataset_name;
  std::vector<std::string> files;
  if (!config.empty() && fs::is_directory(root / config, ec)) {
    if (files = ParquetShardDir(root / config / split, &tried); !files.empty()) return files;
    if (files = SplitFilesIn(root / config, split, &tried); !files.empty()) return files;
  } else {
    // A card that declares the config decides (GPQA: gpqa_diamond -> gpqa_diamond.csv).
    auto card = CardConfigFiles(root, config, split, &tried);
    if (!card.ok()) return card.status();
    if (!card->empty()) return card;
    if (!config.empty()) tried.push_back((root / config).string() + "/ (no such folder)");
    if (files = SplitFilesIn(root, split, &tried); !files.empty()) return files;
    if (files = SplitFilesIn(root / "data", split, &tried); !files.empty()) return files;
    if (files = ParquetShardDir(root / "default" / split, &tried); !files.empty()) return files;
    if (config.empty()) {
      // refs/convert/parquet names a script dataset's only config after it (EleutherAI/drop:
      // drop/validation/*.parquet): one such folder is the dataset; several are ambiguous.
      std::vector<fs::path> configs;
      for (const auto& e : fs::directory_iterator(root, ec))
        if (e.is_directory(ec) && e.path().filename() != "default" &&
            !ParquetShardDir(e.path() / split, &files).empty())
          configs.push_back(e.path());
      files.clear();
      tried.push_back((root / "*" / split / "*.parquet").string() + " (one config folder)");
      if (configs.size() == 1) return ParquetShardDir(configs[0] / split, &files);
      if (configs.size() > 1) {
        std::sort(configs.begin(), configs.end());
        std::string names;
        for (const auto& c : configs) names += (names.empty() ? "" : ", ") + c.filename().string();
        return Status::InvalidArgument(
            task.source_path + ": task '" + task.task + "' names no dataset_name and '" +
            task.dataset_path + "' has several configs with split '" + split + "': " + names);
      }
    }
  }
  std::string msg = task.source_path + ": task '" + task.task + "': no file for split '" + split +
                    "' in '" + task.dataset_path + "'";
  if (!config.empty()) msg += " (dataset_name '" + config + "')";
  msg += "; tried:";
  for (const auto& t : tried) msg += "\n  " + t;
  return Status::NotFound(msg);
}

Result<std::string> SplitFile(const TaskConfig& task, const std::string& split) {
  auto files = SplitFiles(task, split);
  if (!files.ok()) return files.status();
  return files->front();
}

Result<std::vector<Doc>> LoadSplit(const TaskConfig& task, const std::string& split, size_t limit) {
  auto files = SplitFiles(task, split);
  if (!files.ok()) return files.status();
  std::vector<Doc> docs;
  for (const auto& file : *files) {  // a sharded split: its shards in name order
    const size_t left = limit == 0 ? 0 : limit - docs.size();
    auto part = LoadFile(task, file, left);
    if (!part.ok()) return part.status();
    if (docs.empty()) {
      docs = std::move(part).value();
    } else {
      docs.insert(docs.end(), std::make_move_iterator(part->begin()),
                  std::make_move_iterator(part->end()));
    }
    if (limit != 0 && docs.size() >= limit) break;
  }
  return docs;
}

}  // namespace mnemo
