// Parquet corpus files, read row by row through DuckDB (docs/slurm.md, "How corpora split"):
// a row is a document, its text, id and source taken from columns. Rows are streamed in
// DuckDB's chunks (2048 rows), never a whole file at once, and may be limited to a range of
// row groups (the unit a Parquet file is split by for shards).
//
// DuckDB is optional: a build without it (MNEMO_HAVE_DUCKDB undefined; scripts/setup.sh
// provisions it) answers every call with ParquetUnavailable, naming the file.
//
// Thread-safety: the free functions may be called from any thread; a reader is used by one
// thread, and decodes on that thread. All readers share one in-process DuckDB instance (one
// DuckDB thread), each with its own connection. Memory follows the row-group size, not the
// file's (docs/slurm.md: 215 MB peak with 24 MB groups in a 500 MB or 1 GB file).
#ifndef MNEMO_DATASETS_IO_PARQUET_READER_H_
#define MNEMO_DATASETS_IO_PARQUET_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace mnemo {

// Whether `path` ends in ".parquet" (read as Parquet under corpus format "auto").
bool IsParquetPath(const std::string& path);

// Whether this build reads Parquet.
bool ParquetAvailable();

// The refusal of a build without DuckDB: names `path` and how to get support.
Status ParquetUnavailable(const std::string& path);

struct ParquetRowGroup {
  uint64_t first_row = 0;         // 0-based row of the file where the group starts
  uint64_t rows = 0;              // rows in the group
  uint64_t compressed_bytes = 0;  // the group's column chunks' total_compressed_size
};

// The file's row groups in file order (from its footer; no data is read). Errors name the
// file: not found, not Parquet, or no DuckDB.
Result<std::vector<ParquetRowGroup>> ParquetRowGroups(const std::string& path);

// Which columns make a document. Each is a top-level column name or, when no column has that
// exact name, a dotted path through struct columns ("meta.body"). Empty id/source: none.
struct ParquetColumns {
  std::string text = "text";  // must exist; a NULL or non-VARCHAR value is no text
  std::string id;             // optional: absent from the file, or NULL, is no id
  std::string source;         // likewise; non-string values are cast to text ('5', 'true')
};

struct ParquetRow {
  int64_t row = 0;  // 1-based row number in the file (whatever row groups were read)
  bool has_text = false;
  std::string text;
  bool has_id = false;
  std::string id;
  bool has_source = false;
  std::string source;
};

// Every row of `path`, in file order, as a JSON object with a field per column in its natural
// JSON type (numbers, booleans, strings, null; lists as arrays, structs as objects: DuckDB's
// to_json), keys in the schema's column and struct-field order (as Python's datasets gives
// them), at most `limit` rows (0 = all). For small tables (task data): the rows are held in
// memory. Errors name the file: not found, not Parquet, or no DuckDB.
Result<std::vector<nlohmann::ordered_json>> ParquetJsonRows(const std::string& path,
                                                            size_t limit = 0);

class ParquetReader {
 public:
  static constexpr uint64_t kAllRowGroups = ~uint64_t{0};
  // Opens `path` to read the rows of row groups [group_begin, group_end) (kAllRowGroups: to
  // the end). Errors name the file: unreadable or not Parquet, a text column that does not
  // exist (naming it and the columns there are), a group range past the file's row groups.
  static Result<std::unique_ptr<ParquetReader>> Open(const std::string& path,
                                                     const ParquetColumns& columns,
                                                     uint64_t group_begin = 0,
                                                     uint64_t group_end = kAllRowGroups);
  ~ParquetReader();
  ParquetReader(const ParquetReader&) = delete;
  ParquetReader& operator=(const ParquetReader&) = delete;

  // Fills *row with the next row, in file order. False at the end or on error (status()).
  bool Next(ParquetRow* row);
  const Status& status() const { return status_; }
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  explicit ParquetReader(std::string path);
  std::string path_;
  Status status_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mnemo

#endif  // MNEMO_DATASETS_IO_PARQUET_READER_H_
