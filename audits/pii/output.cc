#include "audits/pii/output.h"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <nlohmann/json.hpp>

#include "audits/pii/findings_table.h"
#include "harness/core/sha256.h"

namespace mnemo::pii {
namespace {

// Splits UTF-8 into code points; an invalid byte is one code point (written as U+FFFD).
std::vector<std::string> CodePoints(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok) {
      out.emplace_back(s.substr(i, len));
      i += len;
    } else {
      out.emplace_back("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

bool PlainAscii(std::string_view s) {
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') return false;
  }
  return true;
}

void AppendJsonString(std::string* out, std::string_view s) {
  if (PlainAscii(s)) {  // nothing to escape: what the serializer would write
    out->push_back('"');
    out->append(s);
    out->push_back('"');
    return;
  }
  // nlohmann's serializer with replacement of invalid UTF-8.
  *out +=
      nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A score as "%.4g" (at most 31 bytes); valid until 8 other values have been formatted.
std::string_view NumberText(double v) {
  // Scores take few values: remember the last few formatted.
  struct Slot {
    double v;
    char text[32];
    size_t size;
  };
  thread_local Slot cache[8];
  thread_local int used = 0, next = 0;
  for (int i = 0; i < used; ++i)
    if (std::memcmp(&cache[i].v, &v, sizeof v) == 0) return {cache[i].text, cache[i].size};
  Slot& s = cache[next];
  next = (next + 1) % 8;
  used = std::min(used + 1, 8);
  s.v = v;
  const int len = std::snprintf(s.text, sizeof s.text, "%.4g", v);
  s.size = std::min(static_cast<size_t>(std::max(len, 0)), sizeof s.text - 1);
  return {s.text, s.size};
}

// Writers into a buffer with room for them (the NDJSON line's pieces).
inline char* Put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
inline char* Put(char* p, size_t v) {
  return std::to_chars(p, p + 20, v).ptr;  // 20 digits hold any 64-bit value
}
// Each piece in turn (text or a count).
template <typename... Pieces>
char* PutAll(char* p, const Pieces&... pieces) {
  ((p = Put(p, pieces)), ...);
  return p;
}

// QuoteOf into *out (appended).
void AppendQuote(std::string* out, std::string_view value, QuoteMode mode) {
  if (mode == QuoteMode::kNone) return;
  value = value.substr(0, 4096);  // SDP caps quotes at 4 KB
  bool ascii = true;
  for (char c : value) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (!ascii) {
    out->append(QuoteOf(value, mode));
    return;
  }
  // One byte is one code point.
  const size_t n = value.size();
  for (size_t i = 0; i < n; ++i) {
    bool keep = mode == QuoteMode::kFull || (n >= 8 && (i < 2 || i + 2 >= n));
    out->push_back(keep ? value[i] : '*');
  }
}

}  // namespace

Result<QuoteMode> ParseQuoteMode(const std::string& s) {
  if (s == "none") return QuoteMode::kNone;
  if (s == "redacted") return QuoteMode::kRedacted;
  if (s == "full") return QuoteMode::kFull;
  return Status::InvalidArgument("--quote must be none, redacted or full (got '" + s + "')");
}

Result<RedactMode> ParseRedactMode(const std::string& s) {
  if (s == "mask") return RedactMode::kMask;
  if (s == "hash") return RedactMode::kHash;
  if (s == "pseudonym") return RedactMode::kPseudonym;
  return Status::InvalidArgument("--redact-mode must be mask, hash or pseudonym (got '" + s + "')");
}

std::string QuoteOf(std::string_view value, QuoteMode mode) {
  if (mode == QuoteMode::kNone) return "";
  auto cps = CodePoints(value.substr(0, 4096));  // SDP caps quotes at 4 KB
  std::string out;
  size_t n = cps.size();
  for (size_t i = 0; i < n; ++i) {
    bool keep = mode == QuoteMode::kFull || (n >= 8 && (i < 2 || i + 2 >= n));
    out += keep ? cps[i] : "*";
  }
  return out;
}

namespace {

void AppendValidatorLabel(std::string* out, const Scanner& scanner, const Finding& f) {
  if (f.pattern < 0) {
    out->append("deny_list");
    return;
  }
  const EntityDef& e = scanner.entities()[f.entity];
  const std::string& name =
      e.patterns[f.pattern].validator.empty() ? e.validator : e.patterns[f.pattern].validator;
  if (name.empty() || name == "none") {
    out->append("none");
    return;
  }
  out->append(name);
  out->push_back(':');
  out->append(VerdictName(f.verdict));
}

}  // namespace

std::string ValidatorLabel(const Scanner& scanner, const Finding& f) {
  std::string out;
  AppendValidatorLabel(&out, scanner, f);
  return out;
}

Status SinkList::OnDoc(const ScannedDoc& doc) {
  for (auto* s : sinks_) MNEMO_RETURN_IF_ERROR(s->OnDoc(doc));
  return Status::Ok();
}

// --- NDJSON.

Result<std::unique_ptr<NdjsonWriter>> NdjsonWriter::Open(const std::string& path,
                                                         const Scanner* scanner, QuoteMode quote,
                                                         bool with_file) {
  std::unique_ptr<NdjsonWriter> w(new NdjsonWriter());
  w->path_ = path;
  w->scanner_ = scanner;
  w->quote_ = quote;
  w->with_file_ = with_file;
  if (path == "-") {
    w->f_ = stdout;
  } else {
    w->f_ = std::fopen(path.c_str(), "wb");
    if (w->f_ == nullptr)
      return Status::IoError("cannot write '" + path + "': " + std::strerror(errno));
    w->owned_ = true;
  }
  return w;
}

NdjsonWriter::~NdjsonWriter() {
  (void)Close();
}

Status NdjsonWriter::Close() {
  if (f_ == nullptr) return Status::Ok();
  bool bad = std::fflush(f_) != 0 || std::ferror(f_) != 0;
  if (owned_) bad = std::fclose(f_) != 0 || bad;
  f_ = nullptr;
  return bad ? Status::IoError("writing '" + path_ + "' failed") : Status::Ok();
}

Status NdjsonWriter::OnDoc(const ScannedDoc& doc) {
  if (doc.findings == nullptr || doc.findings->empty()) return Status::Ok();
  // The document's id and file as JSON once; each line is then written in place into buf_
  // (sized for the longest line first): no append call per field.
  doc_json_.clear();
  AppendJsonString(&doc_json_, doc.doc);
  file_json_.clear();
  if (with_file_)
    AppendJsonString(&file_json_,
                     doc.origin.rfind("file:", 0) == 0 ? doc.origin.substr(5) : doc.origin);
  size_t used = 0;
  for (const Finding& f : *doc.findings) {
    const EntityDef& e = scanner_->entities()[f.entity];
    quote_json_.clear();
    if (quote_ != QuoteMode::kNone) {
      quote_text_.clear();
      AppendQuote(&quote_text_, doc.text.substr(f.start, f.end - f.start), quote_);
      AppendJsonString(&quote_json_, quote_text_);
    }
    label_.clear();
    AppendValidatorLabel(&label_, *scanner_, f);
    const std::string_view likelihood = LikelihoodName(f.likelihood);
    const std::string_view score = NumberText(f.score);
    // The keys and punctuation take under 160 bytes, the four numbers 80.
    const size_t need = 240 + doc_json_.size() + e.name.size() + likelihood.size() + score.size() +
                        label_.size() + quote_json_.size() + file_json_.size();
    if (buf_.size() < used + need) buf_.resize(std::max(2 * buf_.size(), used + need));
    char* p = PutAll(&buf_[used], "{\"doc\":", doc_json_, ",\"entity\":\"", e.name,
                     "\",\"start\":", f.start, ",\"end\":", f.end, ",\"likelihood\":\"", likelihood,
                     "\",\"score\":", score, ",\"cp_start\":", f.cp_start, ",\"cp_end\":", f.cp_end,
                     ",\"validator\":\"", label_,
                     f.context ? "\",\"context\":true" : "\",\"context\":false");
    if (quote_ != QuoteMode::kNone) p = PutAll(p, ",\"quote\":", quote_json_);
    if (with_file_) p = PutAll(p, ",\"file\":", file_json_);
    p = Put(p, "}\n");
    used = static_cast<size_t>(p - buf_.data());
  }
  if (std::fwrite(buf_.data(), 1, used, f_) != used)
    return Status::IoError("writing '" + path_ + "' failed: " + std::strerror(errno));
  return Status::Ok();
}

// --- SQLite.

Result<std::unique_ptr<SqliteFindingsWriter>> SqliteFindingsWriter::Open(RunStore* store,
                                                                         int64_t job_id,
                                                                         const Scanner* scanner,
                                                                         QuoteMode quote) {
  MNEMO_RETURN_IF_ERROR(EnsureOwnedTables(store, kFindingsTables));
  sqlite3* db = store->db();
  std::unique_ptr<SqliteFindingsWriter> w(new SqliteFindingsWriter());
  w->db_ = db;
  w->job_id_ = job_id;
  w->scanner_ = scanner;
  w->quote_ = quote;
  const char* sql =
      "INSERT INTO pii_findings (job_id, origin, doc, entity, start, \"end\", cp_start, cp_end, "
      "score, likelihood, validator, quote, model, probe_job, piece) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  if (sqlite3_prepare_v2(db, sql, -1, &w->insert_, nullptr) != SQLITE_OK)
    return Status::IoError(std::string("preparing pii_findings insert: ") + sqlite3_errmsg(db));
  return w;
}

SqliteFindingsWriter::~SqliteFindingsWriter() {
  if (in_txn_) (void)Exec("ROLLBACK");
  if (insert_ != nullptr) sqlite3_finalize(insert_);
}

Status SqliteFindingsWriter::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    return Status::IoError(std::string("run store: ") + sql + ": " + m);
  }
  return Status::Ok();
}

Status SqliteFindingsWriter::OnDoc(const ScannedDoc& doc) {
  if (doc.findings == nullptr || doc.findings->empty()) return Status::Ok();
  if (!in_txn_) {
    MNEMO_RETURN_IF_ERROR(Exec("BEGIN"));
    in_txn_ = true;
  }
  // A line number counted in a piece names its piece, for the merge (findings_table.h).
  const int64_t piece = doc.piece_line && doc.doc_is_line ? doc.piece : -1;
  for (const Finding& f : *doc.findings) {
    const EntityDef& e = scanner_->entities()[f.entity];
    std::string quote = QuoteOf(doc.text.substr(f.start, f.end - f.start), quote_);
    std::string validator = ValidatorLabel(*scanner_, f);
    sqlite3_reset(insert_);
    sqlite3_bind_int64(insert_, 1, job_id_);
    sqlite3_bind_text(insert_, 2, doc.origin.data(), static_cast<int>(doc.origin.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_, 3, doc.doc.data(), static_cast<int>(doc.doc.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_, 4, e.name.data(), static_cast<int>(e.name.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert_, 5, static_cast<int64_t>(f.start));
    sqlite3_bind_int64(insert_, 6, static_cast<int64_t>(f.end));
    sqlite3_bind_int64(insert_, 7, static_cast<int64_t>(f.cp_start));
    sqlite3_bind_int64(insert_, 8, static_cast<int64_t>(f.cp_end));
    sqlite3_bind_double(insert_, 9, f.score);
    sqlite3_bind_text(insert_, 10, LikelihoodName(f.likelihood), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 11, validator.data(), static_cast<int>(validator.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_, 12, quote.data(), static_cast<int>(quote.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_, 13, doc.model.data(), static_cast<int>(doc.model.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert_, 14, doc.probe_job);
    sqlite3_bind_int64(insert_, 15, piece);
    if (sqlite3_step(insert_) != SQLITE_DONE)
      return Status::IoError(std::string("run store: inserting a PII finding: ") +
                             sqlite3_errmsg(db_));
    ++pending_;
  }
  if (pending_ >= 10000) {
    MNEMO_RETURN_IF_ERROR(Exec("COMMIT"));
    in_txn_ = false;
    pending_ = 0;
  }
  return Status::Ok();
}

Status SqliteFindingsWriter::Finish() {
  if (!in_txn_) return Status::Ok();
  in_txn_ = false;
  pending_ = 0;
  return Exec("COMMIT");
}

// --- Redaction.

Result<std::unique_ptr<Redactor>> Redactor::Open(const std::string& path, const Scanner* scanner,
                                                 RedactMode mode, std::string field) {
  std::unique_ptr<Redactor> r(new Redactor());
  r->path_ = path;
  r->scanner_ = scanner;
  r->mode_ = mode;
  r->field_ = std::move(field);
  if (!path.empty()) {
    r->f_ = std::fopen(path.c_str(), "wb");
    if (r->f_ == nullptr)
      return Status::IoError("cannot write '" + path + "': " + std::strerror(errno));
  }
  return r;
}

Redactor::~Redactor() {
  (void)Close();
}

Status Redactor::Close() {
  if (f_ == nullptr) return Status::Ok();
  bool bad = std::fclose(f_) != 0;
  f_ = nullptr;
  return bad ? Status::IoError("writing '" + path_ + "' failed") : Status::Ok();
}

std::string Redactor::Redact(std::string_view text, const std::vector<Finding>& findings) {
  std::string out;
  size_t at = 0;
  size_t i = 0;
  while (i < findings.size()) {
    const Finding& f = findings[i];
    if (f.start < at) {
      ++i;
      continue;
    }
    size_t end = f.end;
    // Merge every finding overlapping this one into one replaced span.
    size_t j = i + 1;
    while (j < findings.size() && findings[j].start < end) {
      end = std::max(end, findings[j].end);
      ++j;
    }
    out.append(text.substr(at, f.start - at));
    const std::string& entity = scanner_->entities()[f.entity].name;
    std::string_view value = text.substr(f.start, end - f.start);
    switch (mode_) {
      case RedactMode::kMask:
        out += "<" + entity + ">";
        break;
      case RedactMode::kHash:
        out += "<" + entity + ":" + Sha256Hex(value).substr(0, 12) + ">";
        break;
      case RedactMode::kPseudonym: {
        std::string key = entity;
        key.push_back('\0');
        key.append(value);
        auto it = pseudonyms_.find(key);
        int64_t n = it != pseudonyms_.end() ? it->second : (pseudonyms_[key] = ++next_[entity]);
        out += "<" + entity + "_" + std::to_string(n) + ">";
        break;
      }
    }
    at = end;
    i = j;
  }
  out.append(text.substr(at));
  return out;
}

Status Redactor::OnDoc(const ScannedDoc& doc) {
  std::string line;
  if (doc.findings == nullptr || doc.findings->empty() || !doc.has_text) {
    line.assign(doc.raw.data(), doc.raw.size());
  } else if (doc.record == nullptr) {
    line = Redact(doc.text, *doc.findings);
  } else {
    std::string red = Redact(doc.text, *doc.findings);
    nlohmann::json* v = MutableJsonAtPath(doc.record, field_);
    if (v == nullptr) return Status::Internal("redaction: field '" + field_ + "' vanished");
    *v = red;
    line = doc.record->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (f_ == nullptr) return Status::Ok();
  line.push_back('\n');
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size())
    return Status::IoError("writing '" + path_ + "' failed: " + std::strerror(errno));
  return Status::Ok();
}

// --- Counts.

Status Counter::OnDoc(const ScannedDoc& doc) {
  if (doc.findings == nullptr || doc.findings->empty()) return Status::Ok();
  ++docs_with_findings_;
  if (counts_.empty()) {
    counts_.resize(scanner_->entities().size());
    seen_.assign(scanner_->entities().size(), 0);
  }
  for (const Finding& f : *doc.findings) {
    EntityCount& c = counts_[static_cast<size_t>(f.entity)];
    ++c.findings;
    ++c.by_likelihood[static_cast<int>(f.likelihood)];
    int64_t& seen = seen_[static_cast<size_t>(f.entity)];
    if (seen != docs_with_findings_) {
      seen = docs_with_findings_;
      ++c.docs;
    }
    ++findings_;
  }
  return Status::Ok();
}

const std::map<std::string, EntityCount>& Counter::by_entity() const {
  by_entity_.clear();
  for (size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i].findings > 0) by_entity_[scanner_->entities()[i].name] = counts_[i];
  return by_entity_;
}

}  // namespace mnemo::pii
