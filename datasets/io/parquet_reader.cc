#include "datasets/io/parquet_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#ifdef MNEMO_HAVE_DUCKDB
#include <duckdb.h>

#include <mutex>
#endif

namespace mnemo {

bool IsParquetPath(const std::string& path) {
  static constexpr char kExt[] = ".parquet";
  const size_t n = sizeof(kExt) - 1;
  return path.size() >= n && path.compare(path.size() - n, n, kExt) == 0;
}

Status ParquetUnavailable(const std::string& path) {
  return Status::Unsupported(path +
                             ": Parquet files need DuckDB, and this mnemo was built without "
                             "it; run scripts/setup.sh or scripts/provision-duckdb.sh (they "
                             "provision DuckDB into ~/.cache/mnemo) and configure with "
                             "-DMNEMO_DUCKDB_PREFIX=<prefix with lib/libduckdb.so and "
                             "include/duckdb.h>, then rebuild");
}

#ifndef MNEMO_HAVE_DUCKDB

bool ParquetAvailable() {
  return false;
}

Result<std::vector<ParquetRowGroup>> ParquetRowGroups(const std::string& path) {
  return ParquetUnavailable(path);
}

Result<std::vector<nlohmann::ordered_json>> ParquetJsonRows(const std::string& path, size_t) {
  return ParquetUnavailable(path);
}

struct ParquetReader::Impl {};

ParquetReader::ParquetReader(std::string path) : path_(std::move(path)) {}
ParquetReader::~ParquetReader() = default;

Result<std::unique_ptr<ParquetReader>> ParquetReader::Open(const std::string& path,
                                                           const ParquetColumns&, uint64_t,
                                                           uint64_t) {
  return ParquetUnavailable(path);
}

bool ParquetReader::Next(ParquetRow*) {
  return false;
}

#else  // MNEMO_HAVE_DUCKDB

namespace {

// One in-process, in-memory DuckDB for the whole process, never closed (readers on any thread
// may outlive static destruction order). Extensions are never fetched: Parquet is built in.
// One DuckDB thread: a reader decodes on the thread that calls Next, as the other corpus
// readers do, so a job's own threads are not oversubscribed (and on the 2-core test machine
// one thread read 500 MB of text faster, 680 against 430 MB/s, in 215 against 330 MB of peak
// memory).
Result<duckdb_database> SharedDatabase() {
  static std::once_flag once;
  static duckdb_database db = nullptr;
  static std::string error;
  std::call_once(once, [] {
    duckdb_config config = nullptr;
    if (duckdb_create_config(&config) != DuckDBSuccess) {
      error = "cannot create a DuckDB configuration";
      return;
    }
    duckdb_set_config(config, "autoinstall_known_extensions", "false");
    duckdb_set_config(config, "autoload_known_extensions", "false");
    duckdb_set_config(config, "threads", "1");
    char* err = nullptr;
    if (duckdb_open_ext(nullptr, &db, config, &err) != DuckDBSuccess) {
      error = std::string("cannot open DuckDB: ") + (err ? err : "unknown error");
      db = nullptr;
    }
    if (err) duckdb_free(err);
    duckdb_destroy_config(&config);
  });
  if (db == nullptr) return Status::Internal(error);
  return db;
}

class Connection {
 public:
  ~Connection() {
    if (con_) duckdb_disconnect(&con_);
  }
  Status Open() {
    auto db = SharedDatabase();
    if (!db.ok()) return db.status();
    if (duckdb_connect(*db, &con_) != DuckDBSuccess)
      return Status::Internal("cannot connect to DuckDB");
    return Status::Ok();
  }
  duckdb_connection get() const { return con_; }

 private:
  duckdb_connection con_ = nullptr;
};

// A materialised result, destroyed with its scope.
struct QueryResult {
  duckdb_result r{};
  bool valid = false;
  ~QueryResult() {
    if (valid) duckdb_destroy_result(&r);
  }
};

std::string SqlString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string SqlIdentifier(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Runs `sql`; errors name `path` and DuckDB's message.
Status Query(duckdb_connection con, const std::string& path, const std::string& sql,
             QueryResult* out) {
  const bool ok = duckdb_query(con, sql.c_str(), &out->r) == DuckDBSuccess;
  out->valid = true;
  if (ok) return Status::Ok();
  const char* e = duckdb_result_error(&out->r);
  return Status::InvalidArgument(path + ": cannot read as Parquet: " + (e ? e : "unknown error"));
}

// The source of read_parquet for `path`, refusing names DuckDB would glob (DuckDB expands
// * ? [ in file names, which would read other files).
Status ParquetSource(const std::string& path, std::string* sql) {
  if (path.find_first_of("*?[") != std::string::npos)
    return Status::InvalidArgument(path +
                                   ": a Parquet file name may not contain * ? or [ (DuckDB "
                                   "would read it as a glob); rename the file");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Status(errno == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                  path + ": cannot stat: " + std::strerror(errno));
  *sql = SqlString(path);
  return Status::Ok();
}

// A column of the file (or a struct field under one) as a SQL expression, with its type.
struct Resolved {
  bool found = false;
  std::string sql;
  duckdb_type type = DUCKDB_TYPE_INVALID;
};

// The file's top-level columns, from a zero-row scan.
class Schema {
 public:
  ~Schema() {
    for (auto& t : types_) duckdb_destroy_logical_type(&t);
  }
  Status Load(duckdb_connection con, const std::string& path, const std::string& source) {
    QueryResult r;
    Status s = Query(con, path, "SELECT * FROM read_parquet(" + source + ") LIMIT 0", &r);
    if (!s.ok()) return s;
    const idx_t n = duckdb_column_count(&r.r);
    for (idx_t i = 0; i < n; ++i) {
      names_.push_back(duckdb_column_name(&r.r, i));
      types_.push_back(duckdb_column_logical_type(&r.r, i));
    }
    return Status::Ok();
  }
  // An exact top-level name first, else "a.b.c" through struct fields.
  Resolved Resolve(const std::string& dotted) const {
    Resolved out;
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == dotted) {
        out.found = true;
        out.sql = SqlIdentifier(dotted);
        out.type = duckdb_get_type_id(types_[i]);
        return out;
      }
    size_t dot = dotted.find('.');
    if (dot == std::string::npos) return out;
    const std::string head = dotted.substr(0, dot);
    size_t col = names_.size();
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == head) col = i;
    if (col == names_.size()) return out;
    std::string sql = SqlIdentifier(head);
    duckdb_logical_type type = types_[col];
    bool owned = false;  // `type` is a child type this function must destroy
    size_t start = dot + 1;
    for (;;) {
      dot = dotted.find('.', start);
      const std::string field =
          dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      duckdb_logical_type child = nullptr;
      if (duckdb_get_type_id(type) == DUCKDB_TYPE_STRUCT) {
        const idx_t n = duckdb_struct_type_child_count(type);
        for (idx_t k = 0; k < n && child == nullptr; ++k) {
          char* name = duckdb_struct_type_child_name(type, k);
          if (field == name) child = duckdb_struct_type_child_type(type, k);
          duckdb_free(name);
        }
      }
      if (owned) duckdb_destroy_logical_type(&type);
      if (child == nullptr) return out;
      type = child;
      owned = true;
      sql = "struct_extract(" + sql + ", " + SqlString(field) + ")";
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    out.found = true;
    out.sql = sql;
    out.type = duckdb_get_type_id(type);
    duckdb_destroy_logical_type(&type);
    return out;
  }
  std::string Names() const {
    std::string s;
    for (size_t i = 0; i < names_.size(); ++i) s += (i ? ", " : "") + names_[i];
    return s;
  }

 private:
  std::vector<std::string> names_;
  std::vector<duckdb_logical_type> types_;
};

Result<std::vector<ParquetRowGroup>> RowGroups(duckdb_connection con, const std::string& path,
                                               const std::string& source) {
  // parquet_metadata has a row per column chunk; a group's bytes are its chunks' sum.
  QueryResult r;
  Status s = Query(con, path,
                   "SELECT CAST(row_group_id AS BIGINT), CAST(max(row_group_num_rows) AS BIGINT), "
                   "CAST(sum(total_compressed_size) AS BIGINT) FROM parquet_metadata(" +
                       source + ") GROUP BY row_group_id ORDER BY row_group_id",
                   &r);
  if (!s.ok()) return s;
  std::vector<ParquetRowGroup> groups;
  uint64_t row = 0;
  for (;;) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(r.r);
    if (chunk == nullptr) break;
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    const auto* ids =
        static_cast<const int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0)));
    const auto* rows =
        static_cast<const int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 1)));
    const auto* bytes =
        static_cast<const int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 2)));
    for (idx_t i = 0; i < n; ++i) {
      if (ids[i] != static_cast<int64_t>(groups.size())) {
        duckdb_destroy_data_chunk(&chunk);
        return Status::InvalidArgument(path + ": Parquet row group ids are not 0, 1, 2, ...");
      }
      ParquetRowGroup g;
      g.first_row = row;
      g.rows = static_cast<uint64_t>(rows[i]);
      g.compressed_bytes = static_cast<uint64_t>(bytes[i]);
      row += g.rows;
      groups.push_back(g);
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  return groups;
}

// One VARCHAR column of a chunk.
struct StringColumn {
  const duckdb_string_t* data = nullptr;
  const uint64_t* validity = nullptr;  // null: every row valid
  void Bind(duckdb_data_chunk chunk, idx_t col) {
    duckdb_vector v = duckdb_data_chunk_get_vector(chunk, col);
    data = static_cast<const duckdb_string_t*>(duckdb_vector_get_data(v));
    validity = duckdb_vector_get_validity(v);
  }
  bool Get(idx_t i, std::string* out) const {
    if (validity != nullptr && !duckdb_validity_row_is_valid(const_cast<uint64_t*>(validity), i))
      return false;
    duckdb_string_t s = data[i];
    out->assign(duckdb_string_t_data(&s), duckdb_string_t_length(s));
    return true;
  }
};

}  // namespace

bool ParquetAvailable() {
  return true;
}

Result<std::vector<ParquetRowGroup>> ParquetRowGroups(const std::string& path) {
  std::string source;
  Status s = ParquetSource(path, &source);
  if (!s.ok()) return s;
  Connection con;
  s = con.Open();
  if (!s.ok()) return s;
  return RowGroups(con.get(), path, source);
}

Result<std::vector<nlohmann::ordered_json>> ParquetJsonRows(const std::string& path, size_t limit) {
  std::string source;
  Status s = ParquetSource(path, &source);
  if (!s.ok()) return s;
  Connection con;
  s = con.Open();
  if (!s.ok()) return s;
  // A row referred to by its table's alias is a struct of its columns; to_json nests it.
  std::string sql = "SELECT CAST(to_json(t) AS VARCHAR) FROM read_parquet(" + source + ") AS t";
  if (limit != 0) sql += " LIMIT " + std::to_string(limit);
  QueryResult r;
  s = Query(con.get(), path, sql, &r);
  if (!s.ok()) return s;
  std::vector<nlohmann::ordered_json> rows;
  for (;;) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(r.r);
    if (chunk == nullptr) break;
    StringColumn col;
    col.Bind(chunk, 0);
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    std::string text;
    for (idx_t i = 0; i < n; ++i) {
      nlohmann::ordered_json j = col.Get(i, &text)
                                     ? nlohmann::ordered_json::parse(text, nullptr, false)
                                     : nlohmann::ordered_json();
      if (!j.is_object()) {
        duckdb_destroy_data_chunk(&chunk);
        return Status::Internal(path + ": row " + std::to_string(rows.size() + 1) +
                                " did not convert to a JSON object");
      }
      rows.push_back(std::move(j));
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  return rows;
}

struct ParquetReader::Impl {
  Connection con;
  duckdb_prepared_statement stmt = nullptr;
  duckdb_pending_result pending = nullptr;
  duckdb_result result{};
  bool have_result = false;
  duckdb_data_chunk chunk = nullptr;
  idx_t size = 0;  // rows in `chunk`
  idx_t pos = 0;   // next row of `chunk`
  const int64_t* row_numbers = nullptr;
  StringColumn text, id, source;
  int64_t last_row = -1;
  bool done = false;

  ~Impl() {
    if (chunk) duckdb_destroy_data_chunk(&chunk);
    if (have_result) duckdb_destroy_result(&result);
    if (pending) duckdb_destroy_pending(&pending);
    if (stmt) duckdb_destroy_prepare(&stmt);
  }
};

ParquetReader::ParquetReader(std::string path) : path_(std::move(path)) {}
ParquetReader::~ParquetReader() = default;

Result<std::unique_ptr<ParquetReader>> ParquetReader::Open(const std::string& path,
                                                           const ParquetColumns& columns,
                                                           uint64_t group_begin,
                                                           uint64_t group_end) {
  std::string source;
  Status s = ParquetSource(path, &source);
  if (!s.ok()) return s;
  std::unique_ptr<ParquetReader> reader(new ParquetReader(path));
  reader->impl_ = std::make_unique<Impl>();
  Impl& im = *reader->impl_;
  s = im.con.Open();
  if (!s.ok()) return s;
  duckdb_connection con = im.con.get();

  Schema schema;
  s = schema.Load(con, path, source);
  if (!s.ok()) return s;
  const Resolved text = schema.Resolve(columns.text);
  if (!text.found)
    return Status::InvalidArgument(path + ": no column '" + columns.text +
                                   "' for the text (columns: " + schema.Names() + ")");
  const Resolved id = columns.id.empty() ? Resolved{} : schema.Resolve(columns.id);
  const Resolved src = columns.source.empty() ? Resolved{} : schema.Resolve(columns.source);
  // A non-VARCHAR text column is no text in any row (counted as missing, as in JSONL).
  const std::string text_sql = text.type == DUCKDB_TYPE_VARCHAR ? text.sql : "NULL::VARCHAR";
  auto as_text = [](const Resolved& r) {
    return r.found ? "CAST(" + r.sql + " AS VARCHAR)" : std::string("NULL::VARCHAR");
  };
  std::string sql = "SELECT file_row_number, " + text_sql + ", " + as_text(id) + ", " +
                    as_text(src) + " FROM read_parquet(" + source + ", file_row_number = true)";
  if (group_begin != 0 || group_end != kAllRowGroups) {
    auto groups = RowGroups(con, path, source);
    if (!groups.ok()) return groups.status();
    const uint64_t n = groups->size();
    const uint64_t end = group_end == kAllRowGroups ? n : group_end;
    if (group_begin > end || end > n)
      return Status::InvalidArgument(path + ": row groups [" + std::to_string(group_begin) + ", " +
                                     std::to_string(end) + ") are not within the file's " +
                                     std::to_string(n) + " row groups");
    const uint64_t total = n == 0 ? 0 : groups->back().first_row + groups->back().rows;
    const uint64_t lo = group_begin < n ? (*groups)[group_begin].first_row : total;
    const uint64_t hi = end < n ? (*groups)[end].first_row : total;
    if (lo == hi) {
      im.done = true;
      return reader;
    }
    // DuckDB skips the row groups outside a file_row_number range (their statistics are
    // the row numbers), so a piece reads only its own groups.
    sql += " WHERE file_row_number >= " + std::to_string(lo) + " AND file_row_number < " +
           std::to_string(hi);
  }
  if (duckdb_prepare(con, sql.c_str(), &im.stmt) != DuckDBSuccess) {
    const char* e = duckdb_prepare_error(im.stmt);
    return Status::InvalidArgument(path + ": cannot read as Parquet: " + (e ? e : "unknown"));
  }
  // A streaming result: chunks are produced as they are fetched, not the whole file first.
  if (duckdb_pending_prepared_streaming(im.stmt, &im.pending) != DuckDBSuccess ||
      duckdb_execute_pending(im.pending, &im.result) != DuckDBSuccess) {
    const char* e = im.pending ? duckdb_pending_error(im.pending) : nullptr;
    std::string msg = e ? e : "";
    if (msg.empty()) {
      const char* re = duckdb_result_error(&im.result);
      msg = re ? re : "unknown error";
    }
    im.have_result = true;
    return Status::InvalidArgument(path + ": cannot read as Parquet: " + msg);
  }
  im.have_result = true;
  return reader;
}

bool ParquetReader::Next(ParquetRow* row) {
  if (!status_.ok() || impl_ == nullptr) return false;
  Impl& im = *impl_;
  if (im.done) return false;
  while (im.pos >= im.size) {
    if (im.chunk) duckdb_destroy_data_chunk(&im.chunk);
    im.chunk = duckdb_fetch_chunk(im.result);
    if (im.chunk == nullptr) {
      const char* e = duckdb_result_error(&im.result);
      if (e != nullptr && *e != '\0')
        status_ = Status::IoError(path_ + ": reading Parquet failed: " + e);
      im.done = true;
      return false;
    }
    im.size = duckdb_data_chunk_get_size(im.chunk);
    im.pos = 0;
    im.row_numbers = static_cast<const int64_t*>(
        duckdb_vector_get_data(duckdb_data_chunk_get_vector(im.chunk, 0)));
    im.text.Bind(im.chunk, 1);
    im.id.Bind(im.chunk, 2);
    im.source.Bind(im.chunk, 3);
  }
  const idx_t i = im.pos++;
  const int64_t r = im.row_numbers[i];
  // Rows must come in file order (DuckDB preserves insertion order); anything else would
  // misnumber documents, so it is an error rather than a silent reordering.
  if (r <= im.last_row) {
    status_ = Status::Internal(path_ + ": DuckDB returned row " + std::to_string(r + 1) +
                               " after row " + std::to_string(im.last_row + 1));
    return false;
  }
  im.last_row = r;
  row->row = r + 1;
  row->has_text = im.text.Get(i, &row->text);
  row->has_id = im.id.Get(i, &row->id);
  row->has_source = im.source.Get(i, &row->source);
  return true;
}

#endif  // MNEMO_HAVE_DUCKDB

}  // namespace mnemo
