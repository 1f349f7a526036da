#include "audits/decontam/scan.h"

#include <tbb/concurrent_queue.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "audits/decontam/janitor.h"
#include "audits/decontam/word_hash.h"
#include "audits/ngram/ngram_hash.h"
#include "datasets/io/block_reader.h"
#include "datasets/io/corpus_reader.h"
#include "datasets/io/jsonl_field.h"
#include "datasets/io/parquet_reader.h"

namespace mnemo {
namespace decontam {
namespace {

// Units are buffered per document in chunks of kChunk, after a carried prefix of kCarry
// (> EvalIndex::kMaxN) units so windows can reach back across a chunk boundary.
constexpr size_t kChunk = 1024;
constexpr size_t kCarry = 256;
static_assert(kCarry > EvalIndex::kMaxN, "the carry must hold a whole window and one more");
constexpr size_t kMaxMissing = 5;

std::string Stem(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  size_t dot = base.find('.');
  return dot == std::string::npos ? base : base.substr(0, dot);
}

struct BlockEvidence {
  uint32_t item;
  int64_t line_rel;  // 0-based line within the block
  Evidence ev;
};

struct Block {
  uint32_t file_pos = 0;
  uint64_t offset = 0;
  ByteBlock data;
  // Results of the parallel stage.
  int64_t lines = 0, documents = 0, missing = 0, slow = 0;
  std::vector<int64_t> missing_rel;
  std::vector<BlockEvidence> evidence;
  Status error;
  int64_t error_rel = -1;
  void Reset() {
    lines = documents = missing = slow = 0;
    missing_rel.clear();
    evidence.clear();
    error = Status::Ok();
    error_rel = -1;
  }
};

// A window length m and kBase^m: the hash of the m units ending at j is
// pf[j] - pf[j - m] * pow_m over the prefix hashes pf (ngram::RollingNgramHash's polynomial,
// so the same values).
struct Window {
  uint32_t m = 0;
  uint64_t pow = 1;  // kBase^m
  explicit Window(size_t len) : m(static_cast<uint32_t>(len)) {
    for (size_t i = 0; i < len; ++i) pow *= ngram::RollingNgramHash::kBase;
  }
};

// An n-gram to look up: its (unmixed, then mixed) hash, the unit it ends at, its length.
struct Candidate {
  uint64_t h;
  uint32_t j;
  uint32_t m;
};

// A buffered unit: its hash (with the vocabulary filter, replaced by the prefix hash through
// it once scanned) and its raw byte span.
struct Unit {
  uint64_t h = 0;
  uint32_t begin = 0, end = 0;
};

// Per-thread scratch: the matched bitset, per-item counters and buffers.
struct Local {
  std::vector<uint64_t> matched;
  std::vector<int64_t> docs;
  std::vector<uint64_t> last_doc;   // per item: key of the last document counted
  std::vector<uint16_t> block_cnt;  // per item: evidence entries in the current block
  std::vector<int32_t> open_idx;    // per item: evidence entry of the current line, or -1
  std::vector<uint32_t> touched;    // items with block_cnt/open_idx set
  std::vector<uint32_t> line_new;   // evidence entries created in the current line
  std::string unescaped, scratch;
  std::vector<int32_t> ids;
  std::vector<uint32_t> tb, te;
  // The current document's units, kCarry + kChunk slots (slot 0 of a document is the empty
  // prefix). `run` counts the units in a row that passed the filter (units whose pair with the
  // one before is an eval pair, or vocabulary units), ending at the last unit scanned.
  std::vector<Unit> units;
  uint32_t run = 0;
  uint64_t prev = 0;  // the last unit scanned (its raw hash), for the pair filter
  std::vector<Candidate> cand;
  std::vector<Window> shorts;  // short items' lengths
  bool init = false;
};

class Scanner {
 public:
  Scanner(const EvalIndex& ix, const TokenEncoder* enc, const ScanOptions& opt)
      : ix_(ix),
        enc_(enc),
        opt_(opt),
        main_(ix.n()),
        simple_field_(opt.text_field.find('.') == std::string::npos) {
    // Parquet rows arrive as generated JSONL lines (block_reader.h).
    for (const auto& f : opt.files) {
      const bool parquet = opt.format == "parquet" || (opt.format == "auto" && IsParquetPath(f));
      parquet_.push_back(parquet);
      jsonl_.push_back(parquet || opt.format == "jsonl" ||
                       (opt.format == "auto" && IsJsonlPath(f)));
    }
    for (const auto& f : opt.files) stems_.push_back(Stem(f));
  }

  Result<ScanResult> Run();

 private:
  void InitLocal(Local* L) const {
    if (L->init) return;
    size_t words = (ix_.set().size() + 63) / 64;
    L->matched.assign(words, 0);
    L->docs.assign(ix_.items(), 0);
    L->last_doc.assign(ix_.items(), ~uint64_t{0});
    L->block_cnt.assign(ix_.items(), 0);
    L->open_idx.assign(ix_.items(), -1);
    for (size_t m : ix_.short_lengths()) L->shorts.emplace_back(m);
    L->units.assign(kCarry + kChunk, Unit{});
    L->cand.resize((kCarry + kChunk) * (1 + L->shorts.size()));
    L->init = true;
  }

  void ProcessBlock(Block* b, uint64_t seq);
  // Scans one document's text; `line` is the raw line (for the id), line_rel its number.
  void ScanDoc(Block* b, Local* L, std::string_view text, std::string_view line, int64_t line_rel,
               uint64_t doc_key);
  // Filters the windows ending at units [lo, hi) of L's buffer (adjacent eval pairs, or
  // vocabulary units) and looks up those that pass, in unit order (the n-gram, then the short
  // lengths, ascending).
  void ScanUnits(Block* b, Local* L, size_t lo, size_t hi, int64_t line_rel, uint64_t doc_key);
  // Looks up the first nc candidates of L->cand (their unmixed hashes set).
  void Probe(Block* b, Local* L, size_t nc, int64_t line_rel, uint64_t doc_key);
  // Scans the buffer's units [lo, kCarry + kChunk) and moves the last kCarry to its front;
  // returns the next free slot (kCarry).
  size_t FlushUnits(Block* b, Local* L, size_t lo, int64_t line_rel, uint64_t doc_key);
  void Hit(Block* b, Local* L, uint32_t g, uint32_t begin, uint32_t end, int64_t line_rel,
           uint64_t doc_key);
  std::string DocId(std::string_view line, bool jsonl) const;
  // Whether file_pos's lines count from its piece's first line (a text piece that does not
  // start its file; Parquet rows keep their file numbers).
  bool PieceLines(size_t file_pos) const {
    return !opt_.pieces.empty() && !opt_.pieces[file_pos].starts_file() && !parquet_[file_pos];
  }
  // "<file>:<line>", or for a piece whose lines count from its own first line
  // "<file> (piece <ordinal>, its line <line>)".
  std::string Where(size_t file_pos, int64_t line) const {
    if (!PieceLines(file_pos)) return opt_.files[file_pos] + ":" + std::to_string(line);
    return opt_.files[file_pos] + " (piece " + std::to_string(opt_.pieces[file_pos].ordinal) +
           ", its line " + std::to_string(line) + ")";
  }

  const EvalIndex& ix_;
  const TokenEncoder* enc_;
  const ScanOptions& opt_;
  const Window main_;  // the n-gram window's length and kBase^n
  bool simple_field_;
  std::vector<bool> jsonl_;
  std::vector<bool> parquet_;
  std::vector<std::string> stems_;
  tbb::enumerable_thread_specific<Local> locals_;
  std::atomic<bool> failed_{false};
};

void Scanner::Hit(Block* b, Local* L, uint32_t g, uint32_t begin, uint32_t end, int64_t line_rel,
                  uint64_t doc_key) {
  L->matched[g >> 6] |= uint64_t{1} << (g & 63);
  ix_.ForEachItem(g, [&](uint32_t item) {
    if (L->last_doc[item] != doc_key) {
      L->last_doc[item] = doc_key;
      ++L->docs[item];
      L->open_idx[item] = -1;
    }
    int32_t oi = L->open_idx[item];
    if (oi >= 0) {
      Evidence& ev = b->evidence[static_cast<size_t>(oi)].ev;
      ++ev.ngrams;
      // Extend a contiguous run of matches; a later, separate match only counts.
      if (begin <= static_cast<uint64_t>(ev.offset + ev.length) && end > ev.offset + ev.length)
        ev.length = end - ev.offset;
      return;
    }
    if (L->block_cnt[item] >= opt_.evidence) return;
    if (L->block_cnt[item] == 0) L->touched.push_back(item);
    ++L->block_cnt[item];
    BlockEvidence be;
    be.item = item;
    be.line_rel = line_rel;
    be.ev.offset = begin;
    be.ev.length = end - begin;
    be.ev.ngrams = 1;
    L->open_idx[item] = static_cast<int32_t>(b->evidence.size());
    L->line_new.push_back(static_cast<uint32_t>(b->evidence.size()));
    b->evidence.push_back(std::move(be));
  });
}

void Scanner::ScanUnits(Block* b, Local* L, size_t lo, size_t hi, int64_t line_rel,
                        uint64_t doc_key) {
  constexpr uint64_t kBase = ngram::RollingNgramHash::kBase;
  const ngram::BlockedBloom& vocab = ix_.vocab();
  const uint32_t n = main_.m;
  const uint64_t pow = main_.pow;
  Unit* pf = L->units.data();
  Candidate* cand = L->cand.data();
  uint32_t run = L->run;
  size_t nc = 0;
  if (ix_.uses_pairs()) {
    // Pass 1: `run` counts the units in a row whose pair with the unit before is an eval
    // pair, so a window of n units ending at j is a candidate when run >= n - 1. Slot 1 is a
    // document's first unit (a flushed buffer restarts at kCarry): it has no pair. Under 1%
    // of windows are candidates, so their hashes are computed directly (units keep their
    // hashes) instead of rolling a prefix hash, a multiply chain, through every unit.
    const ngram::BlockedBloom& pairs = ix_.pairs();
    uint64_t prev = L->prev;
    for (size_t j = lo; j < hi; ++j) {
      const uint64_t u = pf[j].h;
      const uint32_t in =
          (pairs.MayContain(EvalIndex::PairKey(prev, u)) & (j != 1)) ? ~uint32_t{0} : 0;
      prev = u;
      run = (run + 1) & in;
      if (__builtin_expect(run >= n - 1, 0)) cand[nc++] = {0, static_cast<uint32_t>(j), n};
    }
    L->prev = prev;
    L->run = run;
    // RollingNgramHash's value, sum of u[k] * kBase^(n-1-k) plus n, by Horner.
    for (size_t k = 0; k < nc; ++k) {
      const Unit* w = pf + cand[k].j + 1 - n;
      uint64_t h = 0;
      for (uint32_t t = 0; t < n; ++t) h = h * kBase + w[t].h;
      cand[k].h = h + n;
    }
    Probe(b, L, nc, line_rel, doc_key);
    return;
  }
  // Pass 1, branch-free: the prefix hash chain (.h is replaced by the prefix hash through the
  // unit) and the run of vocabulary units (a unit outside the vocabulary is in no kept
  // n-gram); each window inside a run is a candidate.
  uint64_t p = pf[lo - 1].h;
  const auto step = [&](size_t j) {  // extends both through unit j (inlined)
    const uint64_t u = pf[j].h;
    const uint32_t in = vocab.MayContain(u) ? ~uint32_t{0} : 0;
    p = p * kBase + u;
    pf[j].h = p;
    run = (run + 1) & in;
  };
  if (L->shorts.empty()) {
    for (size_t j = lo; j < hi; ++j) {
      step(j);
      const bool full = run >= n;
      cand[nc].h = p - pf[full ? j - n : j].h * pow + n;
      cand[nc].j = static_cast<uint32_t>(j);
      cand[nc].m = n;
      nc += full;
    }
  } else {
    for (size_t j = lo; j < hi; ++j) {
      step(j);
      if (run >= n) cand[nc++] = {p - pf[j - n].h * pow + n, static_cast<uint32_t>(j), n};
      for (const Window& w : L->shorts)
        if (run >= w.m)
          cand[nc++] = {p - pf[j - w.m].h * w.pow + w.m, static_cast<uint32_t>(j), w.m};
    }
  }
  L->run = run;
  Probe(b, L, nc, line_rel, doc_key);
}

void Scanner::Probe(Block* b, Local* L, size_t nc, int64_t line_rel, uint64_t doc_key) {
  // Pass 2: the prefilter probes in a tight loop: the loads are independent and the branch
  // almost never taken (most candidates miss), so many probes are in flight at once; the few
  // that pass are looked up exactly, in unit order.
  const ngram::NgramSet& set = ix_.set();
  const Unit* units = L->units.data();
  const Candidate* cand = L->cand.data();
  for (size_t k = 0; k < nc; ++k) {
    const uint64_t h = ngram::Mix(cand[k].h);
    if (__builtin_expect(!set.MayContain(h), 1)) continue;
    const int64_t g = set.Find(h);
    if (g >= 0) {
      const uint32_t j = cand[k].j;
      Hit(b, L, static_cast<uint32_t>(g), units[j + 1 - cand[k].m].begin, units[j].end, line_rel,
          doc_key);
    }
  }
}

size_t Scanner::FlushUnits(Block* b, Local* L, size_t lo, int64_t line_rel, uint64_t doc_key) {
  const size_t hi = kCarry + kChunk;
  ScanUnits(b, L, lo, hi, line_rel, doc_key);
  std::memmove(L->units.data(), L->units.data() + hi - kCarry, kCarry * sizeof(Unit));
  return kCarry;
}

void Scanner::ScanDoc(Block* b, Local* L, std::string_view text, std::string_view line,
                      int64_t line_rel, uint64_t doc_key) {
  constexpr size_t kCap = kCarry + kChunk;
  Unit* units = L->units.data();
  units[0].h = 0;  // the empty prefix
  L->run = 0;
  size_t lo = 1;   // first unit not yet scanned
  size_t cnt = 1;  // next free slot
  // Buffers units; a full buffer is scanned (out of line: a long document only).
  auto add = [&](uint64_t u, size_t bg, size_t e) __attribute__((always_inline)) {
    units[cnt] = {u, static_cast<uint32_t>(bg), static_cast<uint32_t>(e)};
    if (++cnt == kCap) lo = cnt = FlushUnits(b, L, lo, line_rel, doc_key);
  };
  if (enc_ == nullptr) {
    ForEachJanitorWordHash(text, add);
  } else {
    Status s = enc_->Encode(text, &L->ids, &L->tb, &L->te);
    if (!s.ok()) {
      if (b->error.ok()) {
        b->error = s;
        b->error_rel = line_rel;
      }
      return;
    }
    const bool spans = L->tb.size() == L->ids.size();
    for (size_t k = 0; k < L->ids.size(); ++k)
      add(ngram::HashUnit(L->ids[k]), spans ? L->tb[k] : 0, spans ? L->te[k] : 0);
    if (cnt > lo) ScanUnits(b, L, lo, cnt, line_rel, doc_key);
    lo = cnt;
    if (!spans)
      for (uint32_t idx : L->line_new) b->evidence[idx].ev.offset = -1;
  }
  if (cnt > lo) ScanUnits(b, L, lo, cnt, line_rel, doc_key);
  // Fill the evidence entries this document created.
  if (!L->line_new.empty()) {
    std::string id = DocId(line, jsonl_[b->file_pos]);
    for (uint32_t idx : L->line_new) {
      Evidence& ev = b->evidence[idx].ev;
      ev.doc = id.empty() ? stems_[b->file_pos] + ":" : id;
      if (ev.offset >= 0) {
        size_t len = std::min<size_t>(static_cast<size_t>(ev.length), opt_.evidence_bytes);
        ev.text.assign(text.substr(static_cast<size_t>(ev.offset), len));
      }
    }
    for (uint32_t idx : L->line_new) L->open_idx[b->evidence[idx].item] = -1;
    L->line_new.clear();
  }
}

std::string Scanner::DocId(std::string_view line, bool jsonl) const {
  if (!jsonl || opt_.id_field.empty()) return std::string();
  std::string_view raw;
  bool esc = false;
  JsonFieldResult r = FindJsonField(line, opt_.id_field, &raw, &esc);
  if (r == JsonFieldResult::kNumber) return std::string(raw);
  if (r == JsonFieldResult::kString) {
    if (!esc) return std::string(raw);
    std::string out;
    if (UnescapeJsonString(raw, &out)) return out;
  }
  return std::string();
}

void Scanner::ProcessBlock(Block* b, uint64_t seq) {
  Local& L = locals_.local();
  InitLocal(&L);
  const bool jsonl = jsonl_[b->file_pos];
  const char* p = b->data.data();
  const char* end = p + b->data.size();
  int64_t rel = 0;
  while (p < end && !failed_.load(std::memory_order_relaxed)) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* le = nl == nullptr ? end : nl;
    std::string_view line(p, static_cast<size_t>(le - p));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    p = nl == nullptr ? end : nl + 1;
    int64_t line_rel = rel++;
    ++b->lines;
    uint64_t doc_key = (seq << 32) | static_cast<uint64_t>(line_rel);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (!jsonl) {
      ++b->documents;
      ScanDoc(b, &L, line, line, line_rel, doc_key);
      continue;
    }
    std::string_view text;
    JsonFieldResult r = simple_field_ ? FindJsonText(line, opt_.text_field, &L.unescaped, &text)
                                      : JsonFieldResult::kOdd;
    // kOdd (a bad escape among them): the full parser judges, and names any error.
    bool ok = r == JsonFieldResult::kString;
    if (r == JsonFieldResult::kOdd) {
      ++b->slow;
      nlohmann::json obj;
      try {
        obj = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& e) {
        if (b->error.ok()) {
          b->error = Status::InvalidArgument(std::string("not JSON: ") + e.what());
          b->error_rel = line_rel;
        }
        failed_ = true;
        return;
      }
      const nlohmann::json* v = obj.is_object() ? JsonAtPath(obj, opt_.text_field) : nullptr;
      if (v != nullptr && v->is_string()) {
        L.unescaped = v->get<std::string>();
        text = L.unescaped;
        ok = true;
      }
    }
    if (!ok) {
      ++b->missing;
      if (b->missing_rel.size() < kMaxMissing) b->missing_rel.push_back(line_rel);
      continue;
    }
    ++b->documents;
    ScanDoc(b, &L, text, line, line_rel, doc_key);
  }
  for (uint32_t item : L.touched) L.block_cnt[item] = 0;
  L.touched.clear();
  if (!b->error.ok()) failed_ = true;
}

Result<ScanResult> Scanner::Run() {
  auto t0 = std::chrono::steady_clock::now();
  ScanResult res;
  res.evidence.resize(ix_.items());
  res.docs.assign(ix_.items(), 0);
  res.stats.memory_bound_bytes = ScanMemoryBound(ix_, opt_);
  size_t threads =
      opt_.threads != 0 ? opt_.threads : std::max<size_t>(1, std::thread::hardware_concurrency());
  size_t tokens = 2 * threads + 1;

  tbb::concurrent_queue<Block*> pool;
  std::vector<std::unique_ptr<Block>> owned;
  for (size_t i = 0; i < tokens; ++i) {
    owned.push_back(std::make_unique<Block>());
    pool.push(owned.back().get());
  }
  Status status;  // first error, set by the serial stages only
  size_t file_pos = 0;
  std::unique_ptr<BlockReader> reader;
  uint64_t seq = 0;
  std::vector<int64_t> line_base(opt_.files.size(), 0);  // lines read per file (piece)
  // Lines before a file's (piece's) first line: a Parquet piece's rows keep file numbers.
  std::vector<int64_t> line_origin(opt_.files.size(), 0);
  const ParquetColumns columns{opt_.text_field, opt_.id_field, ""};

  struct Item {
    Block* b;
    uint64_t seq;
  };
  tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] {
    tbb::parallel_pipeline(
        tokens,
        tbb::make_filter<void, Item>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& fc) -> Item {
              if (failed_ || !status.ok()) {
                fc.stop();
                return {nullptr, 0};
              }
              Block* b = nullptr;
              if (!pool.try_pop(b)) b = new Block();  // never happens: tokens == pool size
              for (;;) {
                if (!reader) {
                  if (file_pos >= opt_.files.size()) {
                    pool.push(b);
                    fc.stop();
                    return {nullptr, 0};
                  }
                  auto r =
                      parquet_[file_pos]
                          ? (opt_.pieces.empty()
                                 ? BlockReader::OpenParquet(opt_.files[file_pos], columns,
                                                            opt_.block_bytes)
                                 : BlockReader::OpenParquetPiece(opt_.pieces[file_pos], columns,
                                                                 opt_.block_bytes))
                          : (opt_.pieces.empty()
                                 ? BlockReader::Open(opt_.files[file_pos], opt_.block_bytes)
                                 : BlockReader::OpenPiece(opt_.pieces[file_pos], opt_.block_bytes));
                  if (!r.ok()) {
                    status = r.status();
                    pool.push(b);
                    fc.stop();
                    return {nullptr, 0};
                  }
                  reader = std::move(r).value();
                  // Written before any block of this file exists; read by the last stage.
                  line_origin[file_pos] = reader->first_line() - 1;
                  if (opt_.pieces.empty() || opt_.pieces[file_pos].starts_file()) ++res.stats.files;
                }
                b->Reset();
                if (reader->Next(&b->data, &b->offset)) {
                  b->file_pos = static_cast<uint32_t>(file_pos);
                  return {b, seq++};
                }
                if (!reader->status().ok()) {
                  status = reader->status();
                  pool.push(b);
                  fc.stop();
                  return {nullptr, 0};
                }
                reader.reset();
                ++file_pos;
              }
            }) &
            tbb::make_filter<Item, Item>(tbb::filter_mode::parallel,
                                         [&](Item it) -> Item {
                                           ProcessBlock(it.b, it.seq);
                                           return it;
                                         }) &
            tbb::make_filter<Item, void>(tbb::filter_mode::serial_in_order, [&](Item it) {
              Block* b = it.b;
              const std::string& file = opt_.files[b->file_pos];
              int64_t base = line_origin[b->file_pos] + line_base[b->file_pos];
              if (!b->error.ok() && status.ok()) {
                status = Status(b->error.code(), Where(b->file_pos, base + b->error_rel + 1) +
                                                     ": " + b->error.message());
              }
              res.stats.bytes += static_cast<int64_t>(b->data.size());
              res.stats.lines += b->lines;
              res.stats.documents += b->documents;
              res.stats.missing_field += b->missing;
              res.stats.slow_lines += b->slow;
              for (int64_t r : b->missing_rel)
                if (res.stats.first_missing.size() < kMaxMissing)
                  res.stats.first_missing.push_back(Where(b->file_pos, base + r + 1));
              for (auto& be : b->evidence) {
                auto& list = res.evidence[be.item];
                if (list.size() >= opt_.evidence) continue;
                be.ev.file_id = opt_.file_ids.empty() ? b->file_pos : opt_.file_ids[b->file_pos];
                be.ev.file = file;
                be.ev.line = base + be.line_rel + 1;
                if (!opt_.pieces.empty()) {
                  be.ev.piece = opt_.pieces[b->file_pos].ordinal;
                  be.ev.piece_line = PieceLines(b->file_pos);
                }
                if (be.ev.doc.empty() || be.ev.doc.back() == ':') {
                  be.ev.doc = stems_[b->file_pos] + ":" + std::to_string(be.ev.line);
                  be.ev.fallback_id = true;
                }
                list.push_back(std::move(be.ev));
              }
              line_base[b->file_pos] += b->lines;
              pool.push(b);
            }));
  });
  if (!status.ok()) return status;
  if (!opt_.pieces.empty()) {
    res.pieces = opt_.pieces;
    res.piece_lines = line_base;
  }
  res.matched.assign((ix_.set().size() + 63) / 64, 0);
  for (auto& L : locals_) {
    if (!L.init) continue;
    for (size_t i = 0; i < res.matched.size(); ++i) res.matched[i] |= L.matched[i];
    for (size_t i = 0; i < res.docs.size(); ++i) res.docs[i] += L.docs[i];
  }
  res.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace

size_t ScanMemoryBound(const EvalIndex& index, const ScanOptions& options) {
  size_t threads = options.threads != 0 ? options.threads
                                        : std::max<size_t>(1, std::thread::hardware_concurrency());
  size_t tokens = 2 * threads + 1;
  // A block holds up to block_bytes plus the carried partial line (lines longer than a block
  // grow it; the bound assumes lines shorter than a block).
  size_t blocks = tokens * 2 * options.block_bytes;
  size_t per_thread =
      (index.set().size() + 63) / 64 * 8 + index.items() * (8 + 8 + 2 + 4) +
      2 * options.block_bytes +  // unescape buffer for one long line
      (kCarry + kChunk) * (16 + sizeof(Candidate) * (1 + index.short_lengths().size()));
  return index.MemoryBytes() + blocks + threads * per_thread;
}

Result<ScanResult> ScanCorpus(const EvalIndex& index, const TokenEncoder* encoder,
                              const ScanOptions& options) {
  if (options.files.empty()) return Status::InvalidArgument("no corpus files to scan");
  if (!options.pieces.empty() && options.pieces.size() != options.files.size())
    return Status::InvalidArgument("scan: " + std::to_string(options.pieces.size()) +
                                   " pieces for " + std::to_string(options.files.size()) +
                                   " files");
  Scanner s(index, encoder, options);
  return s.Run();
}

}  // namespace decontam
}  // namespace mnemo
