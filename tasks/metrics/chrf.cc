#include "tasks/metrics/chrf.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "tasks/python/py_text.h"

namespace mnemo {
namespace {

using Counter = std::map<std::string, int64_t>;

// extract_all_char_ngrams: orders 1..max_order over code points.
std::vector<Counter> CharNgrams(const std::string& line, int max_order, bool whitespace) {
  std::string joined;
  if (whitespace) {
    joined = line;
  } else {
    for (const auto& w : pystr::Split(line)) joined += w;
  }
  const std::u32string cps = pystr::Decode(joined);
  std::vector<Counter> out(max_order);
  for (int n = 1; n <= max_order; ++n) {
    for (size_t i = 0; i + n <= cps.size(); ++i) {
      ++out[n - 1][pystr::Encode(std::u32string_view(cps).substr(i, n))];
    }
  }
  return out;
}

// CHRF._remove_punctuation: one leading or trailing ASCII punctuation split off each word.
std::vector<std::string> RemovePunctuation(const std::string& sent) {
  static const std::string_view kPuncts = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  auto is_punct = [&](char32_t c) {
    return c < 128 && kPuncts.find(static_cast<char>(c)) != std::string_view::npos;
  };
  std::vector<std::string> out;
  for (const auto& w : pystr::Split(sent)) {
    std::u32string cps = pystr::Decode(w);
    if (cps.size() == 1) {
      out.push_back(w);
    } else if (is_punct(cps.back())) {
      out.push_back(pystr::Encode(std::u32string_view(cps).substr(0, cps.size() - 1)));
      out.push_back(pystr::Encode(std::u32string_view(cps).substr(cps.size() - 1)));
    } else if (is_punct(cps.front())) {
      out.push_back(pystr::Encode(std::u32string_view(cps).substr(0, 1)));
      out.push_back(pystr::Encode(std::u32string_view(cps).substr(1)));
    } else {
      out.push_back(w);
    }
  }
  return out;
}

Counter WordNgrams(const std::vector<std::string>& tokens, int n) {
  Counter out;
  for (size_t i = 0; i + n <= tokens.size(); ++i) {
    std::string g = tokens[i];
    for (int k = 1; k < n; ++k) g += ' ' + tokens[i + k];
    ++out[g];
  }
  return out;
}

std::vector<Counter> AllNgrams(const std::string& s, const ChrfOptions& opt) {
  auto out = CharNgrams(s, opt.char_order, opt.whitespace);
  if (opt.word_order > 0) {
    auto words = RemovePunctuation(s);
    for (int n = 1; n <= opt.word_order; ++n) out.push_back(WordNgrams(words, n));
  }
  return out;
}

// CHRF._compute_f_score over flattened [hyp, ref, match] triples.
double FScore(const std::vector<int64_t>& st, const ChrfOptions& opt) {
  const double eps = 1e-16;
  const int order = opt.char_order + opt.word_order;
  const double factor = static_cast<double>(opt.beta) * opt.beta;
  double score = 0, avg_prec = 0, avg_rec = 0;
  int effective_order = 0;
  for (int i = 0; i < order; ++i) {
    const int64_t n_hyp = st[3 * i], n_ref = st[3 * i + 1], n_match = st[3 * i + 2];
    const double prec = n_hyp > 0 ? static_cast<double>(n_match) / n_hyp : eps;
    const double rec = n_ref > 0 ? static_cast<double>(n_match) / n_ref : eps;
    const double denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec / denom) : eps;
    if (n_hyp > 0 && n_ref > 0) {
      avg_prec += prec;
      avg_rec += rec;
      ++effective_order;
    }
  }
  if (opt.eps_smoothing) return 100 * score / order;
  if (effective_order == 0) {
    avg_prec = avg_rec = 0.0;
  } else {
    avg_prec /= effective_order;
    avg_rec /= effective_order;
  }
  if (avg_prec + avg_rec != 0) {
    double s = (1 + factor) * avg_prec * avg_rec;
    s /= (factor * avg_prec) + avg_rec;
    return 100 * s;
  }
  return 0.0;
}

}  // namespace

Result<double> CorpusChrf(const std::vector<std::string>& hyps,
                          const std::vector<std::vector<std::string>>& ref_streams,
                          const ChrfOptions& opt) {
  for (const auto& s : ref_streams) {
    if (s.size() != hyps.size()) {
      return Status::InvalidArgument(
          "chrf: a reference stream's length differs from the "
          "number of hypotheses");
    }
  }
  auto prep = [&](const std::string& s) { return opt.lowercase ? pystr::Lower(s) : s; };
  const int order = opt.char_order + opt.word_order;
  std::vector<int64_t> sum(3 * order, 0);
  for (size_t i = 0; i < hyps.size(); ++i) {
    const auto hyp = AllNgrams(prep(hyps[i]), opt);
    std::vector<int64_t> best;
    double best_f = -1.0;
    for (const auto& stream : ref_streams) {
      const auto ref = AllNgrams(prep(stream[i]), opt);
      std::vector<int64_t> st;
      for (int k = 0; k < order; ++k) {
        // _get_match_statistics
        int64_t match = 0, hyp_count = 0, ref_count = 0;
        for (const auto& [g, c] : hyp[k]) {
          hyp_count += c;
          auto it = ref[k].find(g);
          if (it != ref[k].end()) match += std::min(c, it->second);
        }
        for (const auto& [g, c] : ref[k]) ref_count += c;
        st.push_back(ref[k].empty() ? 0 : hyp_count);
        st.push_back(ref_count);
        st.push_back(match);
      }
      const double f = FScore(st, opt);
      if (f > best_f) {
        best_f = f;
        best = std::move(st);
      }
    }
    for (size_t k = 0; k < best.size(); ++k) sum[k] += best[k];
  }
  return FScore(sum, opt);
}

Result<double> ChrfAggregation(const std::vector<TranslationItem>& items) {
  std::vector<std::string> hyps;
  std::vector<std::vector<std::string>> refs;
  SacreFormat(items, &hyps, &refs);
  if (hyps.empty() || refs.empty()) {
    return Status::InvalidArgument("chrf: no items or no references");
  }
  return CorpusChrf(hyps, refs);
}

}  // namespace mnemo
