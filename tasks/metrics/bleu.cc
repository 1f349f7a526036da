#include "tasks/metrics/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "tasks/python/py_text.h"

namespace mnemo {
namespace {

std::string ReplaceAll(std::string s, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

bool IsAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}

// ' '.join(s.split())
std::string JoinSplit(std::string_view s) {
  std::string out;
  for (const auto& w : pystr::Split(s)) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

// The n-grams of 1..max_order over the whitespace tokens of `line` (tokens joined by ' ').
std::map<std::string, int64_t> WordNgrams(std::string_view line, int max_order, int64_t* len) {
  std::vector<std::string> tokens = pystr::Split(line);
  *len = static_cast<int64_t>(tokens.size());
  std::map<std::string, int64_t> out;
  for (int n = 1; n <= max_order; ++n) {
    for (size_t i = 0; i + n <= tokens.size(); ++i) {
      std::string g = tokens[i];
      for (int k = 1; k < n; ++k) g += ' ' + tokens[i + k];
      ++out[g];
    }
  }
  return out;
}

double MyLog(double x) {
  return x == 0.0 ? -9999999999.0 : std::log(x);
}

}  // namespace

std::string Tokenize13a(std::string_view in) {
  std::string line = ReplaceAll(std::string(in), "<skipped>", "");
  line = ReplaceAll(line, "-\n", "");
  line = ReplaceAll(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    line = ReplaceAll(line, "&quot;", "\"");
    line = ReplaceAll(line, "&amp;", "&");
    line = ReplaceAll(line, "&lt;", "<");
    line = ReplaceAll(line, "&gt;", ">");
  }
  line = " " + line + " ";
  // TokenizerRegexp's four re.sub passes. Each is a left-to-right scan of non-overlapping
  // matches; only ASCII bytes are tested, so scanning bytes equals scanning code points.
  std::string a;
  for (char c : line) {  // ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> ' \1 '
    const bool punct = (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
                       (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
    if (punct) {
      a += ' ';
      a += c;
      a += ' ';
    } else {
      a += c;
    }
  }
  std::string b;  // ([^0-9])([\.,]) -> '\1 \2 '
  for (size_t i = 0; i < a.size(); ++i) {
    if (i + 1 < a.size() && !IsAsciiDigit(a[i]) && (a[i + 1] == '.' || a[i + 1] == ',')) {
      b += a[i];
      b += ' ';
      b += a[i + 1];
      b += ' ';
      ++i;
    } else {
      b += a[i];
    }
  }
  std::string c;  // ([\.,])([^0-9]) -> ' \1 \2'
  for (size_t i = 0; i < b.size(); ++i) {
    if (i + 1 < b.size() && (b[i] == '.' || b[i] == ',') && !IsAsciiDigit(b[i + 1])) {
      c += ' ';
      c += b[i];
      c += ' ';
      c += b[i + 1];
      ++i;
    } else {
      c += b[i];
    }
  }
  std::string d;  // ([0-9])(-) -> '\1 \2 '
  for (size_t i = 0; i < c.size(); ++i) {
    if (i + 1 < c.size() && IsAsciiDigit(c[i]) && c[i + 1] == '-') {
      d += c[i];
      d += " - ";
      ++i;
    } else {
      d += c[i];
    }
  }
  return JoinSplit(d);
}

BleuScore ComputeBleu(std::vector<double> correct, std::vector<double> total, int64_t sys_len,
                      int64_t ref_len, const BleuOptions& opt) {
  double smooth_value = opt.smooth_value;
  if (smooth_value < 0) smooth_value = opt.smooth == BleuOptions::Smooth::kAddK ? 1.0 : 0.1;
  BleuScore r;
  r.sys_len = sys_len;
  r.ref_len = ref_len;
  if (sys_len < ref_len) {
    r.bp = sys_len > 0 ? std::exp(1.0 - static_cast<double>(ref_len) / sys_len) : 0.0;
  }
  const int order = opt.max_ngram_order;
  r.precisions.assign(order, 0.0);
  bool any = false;
  for (double c : correct) any = any || c != 0;
  if (!any) {
    r.counts = std::move(correct);
    r.totals = std::move(total);
    return r;
  }
  double smooth_mteval = 1.0;
  int eff_order = order;
  for (int n = 1; n <= order; ++n) {
    if (opt.smooth == BleuOptions::Smooth::kAddK && n > 1) {
      correct[n - 1] += smooth_value;
      total[n - 1] += smooth_value;
    }
    if (total[n - 1] == 0) break;
    if (opt.effective_order) eff_order = n;
    if (correct[n - 1] == 0) {
      if (opt.smooth == BleuOptions::Smooth::kExp) {
        smooth_mteval *= 2;
        r.precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1]);
      } else if (opt.smooth == BleuOptions::Smooth::kFloor) {
        r.precisions[n - 1] = 100.0 * smooth_value / total[n - 1];
      }
    } else {
      r.precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
    }
  }
  double sum = 0;  // Python's sum(), left to right
  for (int n = 0; n < eff_order; ++n) sum += MyLog(r.precisions[n]);
  r.score = r.bp * std::exp(sum / eff_order);
  r.counts = std::move(correct);
  r.totals = std::move(total);
  return r;
}

Result<BleuScore> CorpusBleu(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& ref_streams,
                             const BleuOptions& opt) {
  for (const auto& s : ref_streams) {
    if (s.size() != hyps.size()) {
      return Status::InvalidArgument(
          "bleu: a reference stream's length differs from the "
          "number of hypotheses");
    }
  }
  auto prep = [&](std::string_view s) {
    std::string t = opt.lowercase ? pystr::Lower(s) : std::string(s);
    t = pystr::RStrip(t);
    return opt.tokenizer == BleuOptions::Tokenizer::k13a ? Tokenize13a(t) : t;
  };
  const int order = opt.max_ngram_order;
  std::vector<double> correct(order, 0.0), total(order, 0.0);
  int64_t sys_len = 0, ref_len = 0;
  for (size_t i = 0; i < hyps.size(); ++i) {
    // _extract_reference_info: the largest count of each n-gram over the references.
    std::map<std::string, int64_t> ref_ngrams;
    std::vector<int64_t> ref_lens;
    for (const auto& stream : ref_streams) {
      int64_t len = 0;
      for (const auto& [g, c] : WordNgrams(prep(stream[i]), order, &len)) {
        int64_t& m = ref_ngrams[g];
        m = std::max(m, c);
      }
      ref_lens.push_back(len);
    }
    int64_t hyp_len = 0;
    auto hyp_ngrams = WordNgrams(prep(hyps[i]), order, &hyp_len);
    // _get_closest_ref_len: the closest length, the shorter one on a tie.
    int64_t closest_diff = -1, closest_len = -1;
    for (int64_t rl : ref_lens) {
      int64_t diff = std::llabs(hyp_len - rl);
      if (closest_diff == -1 || diff < closest_diff) {
        closest_diff = diff;
        closest_len = rl;
      } else if (diff == closest_diff && rl < closest_len) {
        closest_len = rl;
      }
    }
    sys_len += hyp_len;
    ref_len += closest_len;
    for (const auto& [g, c] : hyp_ngrams) {
      const size_t n = static_cast<size_t>(std::count(g.begin(), g.end(), ' '));
      total[n] += c;
      auto it = ref_ngrams.find(g);
      if (it != ref_ngrams.end()) correct[n] += std::min(c, it->second);
    }
  }
  return ComputeBleu(std::move(correct), std::move(total), sys_len, ref_len, opt);
}

Result<double> BleuAggregation(const std::vector<TranslationItem>& items) {
  std::vector<std::string> hyps;
  std::vector<std::vector<std::string>> refs;
  SacreFormat(items, &hyps, &refs);
  if (hyps.empty() || refs.empty()) {
    return Status::InvalidArgument("bleu: no items or no references");
  }
  auto r = CorpusBleu(hyps, refs);
  if (!r.ok()) return r.status();
  return r->score;
}

}  // namespace mnemo
