// Where findings go: NDJSON (one line per finding), the run store's pii_findings table,
// a redacted copy of the input, and per-entity counts for the summary and the metrics table.
//
// NDJSON keys: doc, entity, start, end (bytes), likelihood, score, then cp_start, cp_end
// (code points), validator ("<name>:<valid|unknown>" or "none"), context (a context word
// raised the score), quote (per --quote), and file when more than one input file is scanned.
//
// Thread-safety: each sink is used from one thread at a time (ScanFiles' writer stage).
#ifndef MNEMO_AUDITS_PII_OUTPUT_H_
#define MNEMO_AUDITS_PII_OUTPUT_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "audits/pii/engine.h"
#include "audits/pii/scan.h"
#include "harness/core/status.h"
#include "harness/store/run_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace mnemo::pii {

enum class QuoteMode { kNone, kRedacted, kFull };
Result<QuoteMode> ParseQuoteMode(const std::string& s);  // none | redacted | full
// kRedacted keeps the first and last two code points of values of 8 or more and stars the
// rest ("41************11"); shorter values are all stars. Invalid UTF-8 becomes U+FFFD.
std::string QuoteOf(std::string_view value, QuoteMode mode);

enum class RedactMode { kMask, kHash, kPseudonym };
Result<RedactMode> ParseRedactMode(const std::string& s);  // mask | hash | pseudonym

// The validator column: "luhn:valid", "us_ssn:unknown", "none".
std::string ValidatorLabel(const Scanner& scanner, const Finding& f);

class SinkList : public DocSink {
 public:
  void Add(DocSink* s) { sinks_.push_back(s); }
  Status OnDoc(const ScannedDoc& doc) override;

 private:
  std::vector<DocSink*> sinks_;
};

class NdjsonWriter : public DocSink {
 public:
  // path "-" is stdout.
  static Result<std::unique_ptr<NdjsonWriter>> Open(const std::string& path, const Scanner* scanner,
                                                    QuoteMode quote, bool with_file);
  ~NdjsonWriter() override;
  Status OnDoc(const ScannedDoc& doc) override;
  Status Close();

 private:
  NdjsonWriter() = default;
  std::FILE* f_ = nullptr;
  bool owned_ = false;
  std::string path_;
  const Scanner* scanner_ = nullptr;
  QuoteMode quote_ = QuoteMode::kRedacted;
  bool with_file_ = false;
  std::string buf_;  // lines are written in place; only the first bytes are in use
  std::string doc_json_, file_json_, quote_text_, quote_json_, label_;
};

// Rows of pii_findings (findings_table.h) for one job; commits every 10,000 rows and on Finish.
// Open creates the table in a store that has none.
class SqliteFindingsWriter : public DocSink {
 public:
  static Result<std::unique_ptr<SqliteFindingsWriter>> Open(RunStore* store, int64_t job_id,
                                                            const Scanner* scanner,
                                                            QuoteMode quote);
  ~SqliteFindingsWriter() override;
  Status OnDoc(const ScannedDoc& doc) override;
  Status Finish();

 private:
  SqliteFindingsWriter() = default;
  Status Exec(const char* sql);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  int64_t job_id_ = 0;
  const Scanner* scanner_ = nullptr;
  QuoteMode quote_ = QuoteMode::kRedacted;
  int64_t pending_ = 0;
  bool in_txn_ = false;
};

// A copy of the input with every finding replaced: mask "<EMAIL_ADDRESS>", hash
// "<EMAIL_ADDRESS:1a2b3c4d5e6f>" (first 12 hex digits of SHA-256 of the value), or pseudonym
// "<EMAIL_ADDRESS_3>" (numbered per distinct value in order of first appearance). Overlapping
// findings are replaced as one span named after the first. JSONL lines keep every other field;
// lines without findings are copied byte for byte.
class Redactor : public DocSink {
 public:
  static Result<std::unique_ptr<Redactor>> Open(const std::string& path, const Scanner* scanner,
                                                RedactMode mode, std::string field);
  ~Redactor() override;
  Status OnDoc(const ScannedDoc& doc) override;
  Status Close();
  // The redacted text (exposed for tests).
  std::string Redact(std::string_view text, const std::vector<Finding>& findings);

 private:
  Redactor() = default;
  std::FILE* f_ = nullptr;
  std::string path_;
  const Scanner* scanner_ = nullptr;
  RedactMode mode_ = RedactMode::kMask;
  std::string field_;
  std::unordered_map<std::string, int64_t> pseudonyms_;  // entity + '\0' + value -> number
  std::unordered_map<std::string, int64_t> next_;        // entity -> last number
};

struct EntityCount {
  int64_t findings = 0;
  int64_t docs = 0;
  int64_t by_likelihood[6] = {0, 0, 0, 0, 0, 0};
};

class Counter : public DocSink {
 public:
  explicit Counter(const Scanner* scanner) : scanner_(scanner) {}
  Status OnDoc(const ScannedDoc& doc) override;
  // Entities with at least one finding, by name (rebuilt on each call; one thread at a time).
  const std::map<std::string, EntityCount>& by_entity() const;
  int64_t docs_with_findings() const { return docs_with_findings_; }
  int64_t findings() const { return findings_; }

 private:
  const Scanner* scanner_;
  std::vector<EntityCount> counts_;  // by entity index
  std::vector<int64_t> seen_;        // per entity: the last doc (docs_with_findings_) seen in
  mutable std::map<std::string, EntityCount> by_entity_;
  int64_t docs_with_findings_ = 0;
  int64_t findings_ = 0;
};

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_OUTPUT_H_
