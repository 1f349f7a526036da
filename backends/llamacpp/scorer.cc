#include "scorer.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "backends/common/token_windows.h"
#include "logprobs.h"

namespace mnemo::llamacpp {
namespace {

using backends::MakeScoreInput;
using backends::RollingWindows;
using backends::ScoreInput;
using backends::TokenWindow;

struct RequestState {
  const mn_request* req = nullptr;
  std::vector<int32_t> tokens;  // the scored tokens, in order
  std::vector<double> lp;       // one per token
  bool greedy = true;
  size_t units_left = 0;
  uint32_t n_prompt = 0;
  double ns = 0.0;
};

// A request's share of a unit: `n_targets` tokens starting at tokens[target_offset] of the
// request, the first `branch.size()` of which are also fed (in the member's own sequence) after
// the shared prefix.
struct Member {
  size_t request = 0;
  size_t target_offset = 0;
  size_t n_targets = 0;
  std::vector<int32_t> branch;
  int32_t seq = -1;
};

// Work that shares one input prefix: SCORE requests with the same (truncated) context, e.g. the
// choices of a multiple-choice question, feed that context once; its KV cells belong to every
// member's sequence. Target j of a member is predicted at virtual position first_scored + j:
// a prefix position (one logit row serves all members) while < prefix.size(), else a position
// in the member's branch. A ROLLING window or a lone request is a unit with one member.
struct Unit {
  std::vector<int32_t> prefix;
  size_t first_scored = 0;
  std::vector<Member> members;
  std::vector<int32_t> prefix_seqs;  // the sequences the prefix tokens belong to
  size_t segment = 0;                // 0: the prefix; 1 + m: member m's branch
  size_t fed = 0;                    // tokens of the current segment already fed

  size_t Size() const {
    size_t n = prefix.size();
    for (const Member& m : members) n += m.branch.size();
    return n;
  }
  size_t BranchMembers() const {
    size_t n = 0;
    for (const Member& m : members) n += !m.branch.empty();
    return n;
  }
  size_t SeqsNeeded() const { return std::max<size_t>(1, BranchMembers()); }
  bool Done() const { return segment > members.size(); }
  // Moves past finished segments (and empty branches).
  void Advance() {
    while (!Done()) {
      const size_t len = segment == 0 ? prefix.size() : members[segment - 1].branch.size();
      if (fed < len) return;
      ++segment;
      fed = 0;
    }
  }
};

struct OutputRow {
  size_t unit;
  int64_t member;  // -1: a prefix row shared by all members
  size_t target;   // target index within the member(s)
  int32_t batch_index;
};

// "" when every id is in the vocabulary, else a message naming the first bad one.
std::string CheckTokens(const char* what, const int32_t* ids, size_t n, const LoadedModel& m) {
  for (size_t i = 0; i < n; ++i) {
    if (!m.ValidToken(ids[i])) {
      return std::string(what) + " token " + std::to_string(ids[i]) + " at position " +
             std::to_string(i) + " is outside the vocabulary [0, " + std::to_string(m.n_vocab()) +
             ")";
    }
  }
  return "";
}

void Complete(RequestState& s, mnemo::Sink& sink) {
  std::vector<float> lpf(s.lp.size());
  double sum = 0.0;
  for (size_t i = 0; i < s.lp.size(); ++i) {
    sum += s.lp[i];
    lpf[i] = static_cast<float>(s.lp[i]);
  }
  mn_result r{};
  r.logprob = sum;
  r.is_greedy = s.greedy;
  r.tokens = s.tokens.data();
  r.n_tokens = static_cast<uint32_t>(s.tokens.size());
  r.token_logprobs = lpf.data();
  r.finish_reason = MN_FINISH_NONE;
  r.n_prompt_tokens = s.n_prompt;
  r.compute_ns = static_cast<uint64_t>(s.ns);
  sink.complete(s.req->request_id, r);
  s = RequestState{};  // release memory early; results are copied by the host
}

}  // namespace

void RunScoring(Decoder& dec, const std::vector<const mn_request*>& requests, mnemo::Sink& sink) {
  const LoadedModel& model = dec.model();
  const size_t window = dec.window();
  std::vector<RequestState> states(requests.size());
  std::vector<Unit> units;
  std::map<std::vector<int32_t>, size_t> by_context;  // SCORE context -> its unit
  const bool share = model.options().share_prefix;

  // Validate and cut every request into units.
  for (size_t ri = 0; ri < requests.size(); ++ri) {
    const mn_request& r = *requests[ri];
    RequestState& s = states[ri];
    s.req = &r;
    if (r.kind == MN_REQ_SCORE) {
      if (r.n_context == 0 || r.context == nullptr) {
        sink.fail(r.request_id, MN_ERR_INVALID_ARGUMENT, "SCORE needs a non-empty context");
        continue;
      }
      if (r.n_continuation > 0 && r.continuation == nullptr) {
        sink.fail(r.request_id, MN_ERR_INVALID_ARGUMENT, "SCORE continuation is NULL");
        continue;
      }
      std::string bad = CheckTokens("context", r.context, r.n_context, model);
      if (bad.empty()) bad = CheckTokens("continuation", r.continuation, r.n_continuation, model);
      if (!bad.empty()) {
        sink.fail(r.request_id, MN_ERR_INVALID_ARGUMENT, bad);
        continue;
      }
      if (r.n_continuation > window) {
        sink.fail(r.request_id, MN_ERR_INVALID_ARGUMENT,
                  "continuation of " + std::to_string(r.n_continuation) +
                      " tokens does not fit the context window of " + std::to_string(window));
        continue;
      }
      s.tokens.assign(r.continuation, r.continuation + r.n_continuation);
      s.lp.assign(s.tokens.size(), 0.0);
      if (r.n_continuation == 0) {
        s.n_prompt = r.n_context;
        Complete(s, sink);  // log P(empty) = 0
        continue;
      }
      ScoreInput in =
          MakeScoreInput(r.context, r.n_context, r.continuation, r.n_continuation, window);
      s.n_prompt = static_cast<uint32_t>(in.n_context_used);
      Member m;
      m.request = ri;
      m.n_targets = r.n_continuation;
      m.branch.assign(in.tokens.begin() + in.n_context_used, in.tokens.end());
      in.tokens.resize(in.n_context_used);  // the context part, shareable
      // Join the unit already holding this exact context, while it has sequences and KV cells
      // to spare: a unit is admitted whole, so one larger than the cache would never run (many
      // long windows behind one BOS, as in perplexity, would otherwise all join one unit).
      auto it = share ? by_context.find(in.tokens) : by_context.end();
      if (it != by_context.end() &&
          units[it->second].BranchMembers() + !m.branch.empty() <= dec.n_seq() &&
          units[it->second].Size() + m.branch.size() <= dec.kv_size()) {
        units[it->second].members.push_back(std::move(m));
      } else {
        Unit u;
        u.first_scored = in.first_scored;
        u.members.push_back(std::move(m));
        by_context[in.tokens] = units.size();
        u.prefix = std::move(in.tokens);
        units.push_back(std::move(u));
      }
      s.units_left = 1;
    } else {  // MN_REQ_SCORE_ROLLING
      int32_t prefix = r.prefix_token;
      if (prefix == -1) prefix = model.bos() >= 0 ? model.bos() : model.eos();
      if (!model.ValidToken(prefix)) {
        sink.fail(r.request_id, MN_ERR_INVALID_ARGUMENT,
                  "prefix_token " + std::to_string(r.prefix_token) +
                      (r.prefix_token == -1 ? " (the model has no BOS or EOS)" : "") +
                      " is outside the vocabulary");
        continue;
      }
      if (r.n_context > 0 && r.context == nullptr) {
        sink.fail(r.request_id, MN_ERR_INVALID_ARGUMENT, "ROLLING text is NULL");
        continue;
      }
      if (std::string bad = CheckTokens("text", r.context, r.n_context, model); !bad.empty()) {
        sink.fail(r.request_id, MN_ERR_INVALID_ARGUMENT, bad);
        continue;
      }
      const size_t w = r.window != 0 ? r.window : window;
      if (w > window) {
        sink.fail(r.request_id, MN_ERR_INVALID_ARGUMENT,
                  "window " + std::to_string(r.window) + " exceeds the context window " +
                      std::to_string(window));
        continue;
      }
      s.tokens.assign(r.context, r.context + r.n_context);
      s.lp.assign(s.tokens.size(), 0.0);
      size_t offset = 0;
      for (TokenWindow& tw : RollingWindows(r.context, r.n_context, prefix, w)) {
        ScoreInput in = MakeScoreInput(tw.context.data(), tw.context.size(), tw.continuation.data(),
                                       tw.continuation.size(), w);
        Member m;
        m.request = ri;
        m.target_offset = offset;
        m.n_targets = tw.continuation.size();
        offset += tw.continuation.size();
        s.n_prompt += static_cast<uint32_t>(in.tokens.size());
        Unit u;
        u.prefix = std::move(in.tokens);
        u.first_scored = in.first_scored;
        u.members.push_back(std::move(m));
        units.push_back(std::move(u));
        ++s.units_left;
      }
      if (s.units_left == 0) Complete(s, sink);  // empty text: log P = 0
    }
  }
  if (units.empty()) return;

  const size_t cap = dec.batch_capacity();
  const size_t max_out = dec.max_outputs();
  const size_t kv = dec.kv_size();
  std::vector<int32_t> free_seqs;
  for (int32_t q = static_cast<int32_t>(dec.n_seq()) - 1; q >= 0; --q) free_seqs.push_back(q);
  std::vector<size_t> active;  // units holding a sequence, in admission order
  std::vector<OutputRow> rows;
  std::vector<std::pair<size_t, size_t>> fed_now;  // (unit, tokens) in the current batch
  size_t next = 0;
  size_t resident = 0;  // KV cells reserved by active units (their full size)
  auto has_room = [&] {
    return static_cast<size_t>(dec.size()) < cap && dec.n_outputs() < max_out;
  };

  // Feeds as much of unit `ui` as the batch has room (tokens and logit rows) for.
  auto feed = [&](size_t ui) {
    Unit& u = units[ui];
    u.Advance();
    while (!u.Done() && has_room()) {
      const size_t room = cap - static_cast<size_t>(dec.size());
      const size_t out_room = max_out - dec.n_outputs();
      size_t k = 0;
      if (u.segment == 0) {
        k = std::min(u.prefix.size() - u.fed, room);
        // Cut the chunk after the last scored position that still gets a logit row.
        const size_t first_out = std::max(u.fed, u.first_scored);
        if (u.fed + k > first_out && u.fed + k - first_out > out_room)
          k = first_out + out_room - u.fed;
        for (size_t p = u.fed; p < u.fed + k; ++p) {
          const bool out = p >= u.first_scored;
          const int32_t idx = dec.Add(u.prefix[p], static_cast<int32_t>(p), u.prefix_seqs.data(),
                                      static_cast<int32_t>(u.prefix_seqs.size()), out);
          if (out) rows.push_back({ui, -1, p - u.first_scored, idx});
        }
      } else {
        const size_t mi = u.segment - 1;
        Member& m = u.members[mi];
        k = std::min({m.branch.size() - u.fed, room, out_room});  // every branch token is scored
        for (size_t b = u.fed; b < u.fed + k; ++b) {
          const size_t pos = u.prefix.size() + b;
          const int32_t idx = dec.Add(m.branch[b], static_cast<int32_t>(pos), m.seq, true);
          rows.push_back({ui, static_cast<int64_t>(mi), pos - u.first_scored, idx});
        }
      }
      u.fed += k;
      fed_now.emplace_back(ui, k);
      u.Advance();
    }
  };

  dec.ForgetAll();
  while (next < units.size() || !active.empty()) {
    // Released cells come back only when the cache is emptied (decoder.h).
    if (!dec.recycles_cells() && active.empty() && resident + units[next].Size() > kv) {
      dec.ForgetAll();
      resident = 0;
    }
    dec.Clear();
    rows.clear();
    fed_now.clear();
    // Units already started go first, so a split unit finishes before new ones crowd it out.
    for (size_t ui : active) {
      if (!has_room()) break;
      feed(ui);
    }
    while (next < units.size() && free_seqs.size() >= units[next].SeqsNeeded() && has_room() &&
           resident + units[next].Size() <= kv) {
      Unit& u = units[next];
      for (Member& m : u.members) {
        if (m.branch.empty()) continue;
        m.seq = free_seqs.back();
        free_seqs.pop_back();
        u.prefix_seqs.push_back(m.seq);
      }
      if (u.prefix_seqs.empty()) {  // nothing branches: the prefix needs a sequence of its own
        u.prefix_seqs.push_back(free_seqs.back());
        free_seqs.pop_back();
      }
      resident += u.Size();
      active.push_back(next);
      feed(next);
      ++next;
    }
    if (active.empty()) {  // units[next] does not fit an empty cache (a bug): fail, never spin
      std::set<size_t> pending;
      for (size_t ui = next; ui < units.size(); ++ui)
        for (const Member& m : units[ui].members) pending.insert(m.request);
      for (size_t ri : pending)
        sink.fail(states[ri].req->request_id, MN_ERR_INTERNAL,
                  "a scoring unit of " + std::to_string(units[next].Size()) +
                      " tokens does not fit the KV cache of " + std::to_string(kv) + " cells");
      return;
    }
    const double ns = static_cast<double>(dec.Decode());
    const double per_token = ns / std::max<int32_t>(dec.size(), 1);
    for (const auto& [ui, k] : fed_now) {
      const Unit& u = units[ui];
      for (const Member& m : u.members)
        states[m.request].ns += per_token * static_cast<double>(k) / u.members.size();
    }
    for (const OutputRow& row : rows) {
      const Unit& u = units[row.unit];
      const float* logits = dec.Logits(row.batch_index);
      const RowStats st = AnalyzeRow(logits, dec.n_vocab());
      for (size_t mi = 0; mi < u.members.size(); ++mi) {
        if (row.member >= 0 && static_cast<size_t>(row.member) != mi) continue;
        const Member& m = u.members[mi];
        if (row.target >= m.n_targets) continue;
        RequestState& s = states[m.request];
        const size_t t = m.target_offset + row.target;
        s.lp[t] = LogProb(logits, st, s.tokens[t]);
        if (st.argmax != s.tokens[t]) s.greedy = false;
      }
    }
    // Retire finished units; complete a request when it has no units left.
    size_t kept = 0;
    for (size_t ui : active) {
      Unit& u = units[ui];
      if (!u.Done()) {
        active[kept++] = ui;
        continue;
      }
      for (int32_t q : u.prefix_seqs) {
        dec.Release(q);
        free_seqs.push_back(q);
      }
      if (dec.recycles_cells()) resident -= u.Size();
      for (const Member& m : u.members) {
        RequestState& s = states[m.request];
        if (--s.units_left == 0) Complete(s, sink);
      }
      u = Unit{};  // release its tokens
    }
    active.resize(kept);
  }
}

}  // namespace mnemo::llamacpp
