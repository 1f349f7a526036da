#include "tasks/python/py_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <string>

#include "tasks/python/py_text.h"
#include "tasks/python/py_unicode_tables.h"

namespace mnemo {
namespace {

using pystr_tables::CodePointRange;

void AppendCp(uint32_t c, std::string* out) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\x{%X}", c);
  out->append(buf);
}

// The body of a character class (no brackets) for the given ranges, or for their complement
// within the scalar values (surrogates excluded, which RE2 cannot express).
std::string ClassBody(const CodePointRange* r, size_t n, bool complement) {
  std::vector<CodePointRange> rs;
  if (!complement) {
    rs.assign(r, r + n);
  } else {
    uint32_t next = 0;
    for (size_t i = 0; i < n; ++i) {
      if (r[i].lo > next) rs.push_back({next, r[i].lo - 1});
      next = r[i].hi + 1;
    }
    if (next <= 0x10FFFF) rs.push_back({next, 0x10FFFF});
    std::vector<CodePointRange> split;
    for (const auto& x : rs) {  // cut out U+D800..U+DFFF
      if (x.hi < 0xD800 || x.lo > 0xDFFF) {
        split.push_back(x);
      } else {
        if (x.lo < 0xD800) split.push_back({x.lo, 0xD7FF});
        if (x.hi > 0xDFFF) split.push_back({0xE000, x.hi});
      }
    }
    rs = split;
  }
  std::string out;
  for (const auto& x : rs) {
    AppendCp(x.lo, &out);
    if (x.hi != x.lo) {
      out.push_back('-');
      AppendCp(x.hi, &out);
    }
  }
  return out;
}

// Word characters: alnum ranges plus '_' (0x5F lies between alnum ranges, so merge it in).
std::vector<CodePointRange> WordRanges() {
  std::vector<CodePointRange> rs(pystr_tables::kAlnum,
                                 pystr_tables::kAlnum + pystr_tables::kAlnumSize);
  rs.push_back({'_', '_'});
  std::sort(rs.begin(), rs.end(),
            [](const CodePointRange& a, const CodePointRange& b) { return a.lo < b.lo; });
  std::vector<CodePointRange> merged;
  for (const auto& x : rs) {
    if (!merged.empty() && x.lo <= merged.back().hi + 1) {
      merged.back().hi = std::max(merged.back().hi, x.hi);
    } else {
      merged.push_back(x);
    }
  }
  return merged;
}

// Class body for a Python category escape (d, D, s, S, w, W).
std::string CategoryBody(char e, bool ascii) {
  static const std::vector<CodePointRange> kWord = WordRanges();
  static const std::vector<CodePointRange> kAsciiDigit = {{'0', '9'}};
  static const std::vector<CodePointRange> kAsciiSpace = {{'\t', '\r'}, {' ', ' '}};
  static const std::vector<CodePointRange> kAsciiWord = {
      {'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
  const bool neg = e == 'D' || e == 'S' || e == 'W';
  const char base = static_cast<char>(e | 0x20);
  const CodePointRange* r = nullptr;
  size_t n = 0;
  if (base == 'd') {
    r = ascii ? kAsciiDigit.data() : pystr_tables::kDecimal;
    n = ascii ? kAsciiDigit.size() : pystr_tables::kDecimalSize;
  } else if (base == 's') {
    r = ascii ? kAsciiSpace.data() : pystr_tables::kSpace;
    n = ascii ? kAsciiSpace.size() : pystr_tables::kSpaceSize;
  } else {
    r = ascii ? kAsciiWord.data() : kWord.data();
    n = ascii ? kAsciiWord.size() : kWord.size();
  }
  return ClassBody(r, n, neg);
}

bool IsHex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}
bool IsOct(char c) {
  return c >= '0' && c <= '7';
}

Status Unsupported(std::string_view pattern, const std::string& what) {
  return Status::InvalidArgument("regex pattern '" + std::string(pattern) + "': " + what +
                                 " is not supported (RE2 has no lookarounds or backreferences)");
}

Status Bad(std::string_view pattern, const std::string& what, size_t pos) {
  return Status::InvalidArgument("regex pattern '" + std::string(pattern) + "': " + what +
                                 " at position " + std::to_string(pos));
}

}  // namespace

namespace internal {

Result<TranslatedPattern> TranslatePyPattern(std::string_view p) {
  TranslatedPattern t;
  std::string& out = t.re2_pattern;
  size_t i = 0;
  const size_t n = p.size();
  bool ascii = false, multiline = false;
  std::string flags;  // RE2 flags to set globally

  // Global flags: only at the start (Python 3.11 rejects them elsewhere).
  while (i + 2 < n && p[i] == '(' && p[i + 1] == '?') {
    size_t j = i + 2;
    std::string f;
    while (j < n && std::string_view("aiLmsux").find(p[j]) != std::string_view::npos) f += p[j++];
    if (f.empty() || j >= n || p[j] != ')') break;
    for (char c : f) {
      if (c == 'a') ascii = true;
      if (c == 'm') multiline = true;
      if (c == 'x') return Unsupported(p, "the verbose flag (?x)");
      if (c == 'L') return Unsupported(p, "the locale flag (?L)");
      if ((c == 'i' || c == 'm' || c == 's') && flags.find(c) == std::string::npos) flags += c;
    }
    i = j + 1;
  }
  if (!flags.empty()) out += "(?" + flags + ")";

  int re2_groups = 0;
  bool in_class = false;
  size_t class_body_start = 0;  // index in p of the first character after "[" or "[^"

  auto escape = [&](size_t at) -> Status {  // p[at] == '\\'; appends, advances i
    if (at + 1 >= n) return Bad(p, "bad escape (end of pattern)", at);
    char e = p[at + 1];
    i = at + 2;
    switch (e) {
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        if (in_class) {
          out += CategoryBody(e, ascii);
        } else {
          out += "[";
          out += CategoryBody(e, ascii);
          out += "]";
        }
        return Status::Ok();
      case 'A':
      case 'Z':
      case 'b':
      case 'B':
        if (in_class) {
          if (e == 'b') {
            out += "\\x08";  // backspace inside a class
            return Status::Ok();
          }
          return Bad(p, std::string("bad escape \\") + e, at);
        }
        out += e == 'Z' ? std::string("\\z") : std::string("\\") + e;
        return Status::Ok();
      case 'a':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
        out += '\\';
        out += e;
        return Status::Ok();
      case 'x': {
        if (at + 3 >= n || !IsHex(p[at + 2]) || !IsHex(p[at + 3]))
          return Bad(p, "incomplete escape \\x", at);
        AppendCp(static_cast<uint32_t>(std::stoul(std::string(p.substr(at + 2, 2)), nullptr, 16)),
                 &out);
        i = at + 4;
        return Status::Ok();
      }
      case 'u':
      case 'U': {
        size_t len = e == 'u' ? 4 : 8;
        if (at + 2 + len > n) return Bad(p, std::string("incomplete escape \\") + e, at);
        for (size_t k = 0; k < len; ++k) {
          if (!IsHex(p[at + 2 + k])) return Bad(p, std::string("incomplete escape \\") + e, at);
        }
        unsigned long cp = std::stoul(std::string(p.substr(at + 2, len)), nullptr, 16);
        if (cp > 0x10FFFF) return Bad(p, "bad escape \\U", at);
        AppendCp(static_cast<uint32_t>(cp), &out);
        i = at + 2 + len;
        return Status::Ok();
      }
      case 'N':
        return Unsupported(p, "\\N{...}");
      default:
        break;
    }
    if (e >= '0' && e <= '9') {
      // Python: \0 and three octal digits are octal escapes; otherwise a backreference.
      size_t k = at + 1;
      if (e == '0') {
        size_t end = k + 1;
        while (end < n && end < k + 3 && IsOct(p[end])) ++end;
        AppendCp(static_cast<uint32_t>(std::stoul(std::string(p.substr(k, end - k)), nullptr, 8)),
                 &out);
        i = end;
        return Status::Ok();
      }
      if (k + 2 < n && IsOct(p[k]) && IsOct(p[k + 1]) && IsOct(p[k + 2])) {
        unsigned long v = std::stoul(std::string(p.substr(k, 3)), nullptr, 8);
        if (v > 0377) return Bad(p, "octal escape value outside of range 0-0o377", at);
        AppendCp(static_cast<uint32_t>(v), &out);
        i = k + 3;
        return Status::Ok();
      }
      if (in_class) return Bad(p, std::string("bad escape \\") + e, at);
      return Unsupported(p, "a backreference (\\" + std::string(1, e) + ")");
    }
    if (std::isalpha(static_cast<unsigned char>(e)))
      return Bad(p, std::string("bad escape \\") + e, at);
    if (e == '_') {
      out += '_';  // RE2 rejects escaped word characters
    } else if (static_cast<unsigned char>(e) < 0x80) {
      out += '\\';
      out += e;
    } else {
      // An escaped non-ASCII character is itself; copy its UTF-8 bytes unescaped.
      size_t end = at + 2;
      while (end < n && (static_cast<unsigned char>(p[end]) & 0xC0) == 0x80) ++end;
      out.append(p.substr(at + 1, end - at - 1));
      i = end;
    }
    return Status::Ok();
  };

  while (i < n) {
    char c = p[i];
    if (c == '\\') {
      MNEMO_RETURN_IF_ERROR(escape(i));
      continue;
    }
    if (in_class) {
      if (c == ']' && i != class_body_start) {
        in_class = false;
        out += ']';
      } else if (c == ']' || c == '[') {
        out += '\\';
        out += c;
      } else {
        out += c;
      }
      ++i;
      continue;
    }
    switch (c) {
      case '[':
        in_class = true;
        out += '[';
        ++i;
        if (i < n && p[i] == '^') out += '^', ++i;
        class_body_start = i;
        continue;
      case '(': {
        if (i + 1 < n && p[i + 1] == '?') {
          std::string_view rest = p.substr(i + 2);
          if (rest.substr(0, 1) == ":") {
            out += "(?:";
            i += 3;
          } else if (rest.substr(0, 2) == "P<") {
            size_t close = p.find('>', i);
            if (close == std::string_view::npos) return Bad(p, "missing >", i);
            out.append(p.substr(i, close + 1 - i));
            t.user_groups.push_back(++re2_groups);
            i = close + 1;
          } else if (rest.substr(0, 2) == "P=") {
            return Unsupported(p, "a named backreference (?P=...)");
          } else if (rest.substr(0, 1) == "#") {
            size_t close = p.find(')', i);
            if (close == std::string_view::npos)
              return Bad(p, "missing ), unterminated comment", i);
            i = close + 1;
          } else if (rest.substr(0, 1) == "=" || rest.substr(0, 1) == "!" ||
                     rest.substr(0, 2) == "<=" || rest.substr(0, 2) == "<!") {
            return Unsupported(p, "a lookaround assertion");
          } else if (rest.substr(0, 1) == ">") {
            return Unsupported(p, "an atomic group (?>...)");
          } else if (rest.substr(0, 1) == "(") {
            return Unsupported(p, "a conditional group (?(...)...)");
          } else {
            // Scoped flags (?ims-ims:...).
            size_t j = i + 2;
            std::string f;
            while (j < n && std::string_view("aiLmsux-").find(p[j]) != std::string_view::npos) {
              f += p[j++];
            }
            if (j >= n || p[j] != ':' || f.empty()) {
              return Bad(
                  p, j < n && p[j] == ')' ? "global flags not at the start" : "unknown extension",
                  i);
            }
            std::string kept;
            for (char fc : f) {
              if (fc == 'x' || fc == 'L') return Unsupported(p, std::string("the flag ") + fc);
              if (fc != 'a' && fc != 'u') kept += fc;
            }
            if (kept.empty() || kept == "-") {
              out += "(?:";
            } else {
              if (kept.back() == '-') kept.pop_back();
              out += "(?" + kept + ":";
            }
            i = j + 1;
          }
        } else {
          out += '(';
          t.user_groups.push_back(++re2_groups);
          ++i;
        }
        continue;
      }
      case '$':
        if (multiline) {
          out += '$';
        } else {
          // Python's `$`: end of text, or just before a final "\n" (the group marks that case
          // so the match can be cut back by one byte).
          t.sentinel_groups.push_back(++re2_groups);
          out += "(?:\\z|(\\n)\\z)";
        }
        ++i;
        continue;
      case '{': {
        // {,n} is {0,n} in Python; RE2 would read it literally.
        size_t j = i + 1;
        if (j < n && p[j] == ',') {
          size_t k = j + 1;
          while (k < n && std::isdigit(static_cast<unsigned char>(p[k]))) ++k;
          if (k > j + 1 && k < n && p[k] == '}') {
            out += "{0";
            out.append(p.substr(j, k + 1 - j));
            i = k + 1;
            continue;
          }
        }
        out += '{';
        ++i;
        continue;
      }
      default:
        out += c;
        ++i;
        continue;
    }
  }
  if (in_class) return Bad(p, "unterminated character set", class_body_start);
  return t;
}

}  // namespace internal

namespace {

// Python's lookaround openers, outside character classes and escapes. `pcre_pattern`, when
// non-null, receives the pattern with \Z (end of text in Python) spelled \z for PCRE2.
bool HasLookaround(std::string_view p, std::string* pcre_pattern) {
  bool found = false, in_class = false;
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out += c;
      out += (!in_class && p[i + 1] == 'Z') ? 'z' : p[i + 1];
      ++i;
      continue;
    }
    out += c;
    if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
      // A leading ']' (after an optional '^') is literal in Python.
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
    } else if (c == '(' && p.substr(i + 1, 2) == "?=") {
      found = true;
    } else if (c == '(' && p.substr(i + 1, 2) == "?!") {
      found = true;
    } else if (c == '(' && (p.substr(i + 1, 3) == "?<=" || p.substr(i + 1, 3) == "?<!")) {
      found = true;
    }
  }
  if (pcre_pattern != nullptr) *pcre_pattern = std::move(out);
  return found;
}

// An exact RE2 form of a lookaround pattern (tests/tasks/python/data/lookaround_cases.py checks
// each against python3.11). Python's match is the rewrite's group 1; `lookbehind`, when set, is
// the literal a consumed (?<=...) stood for.
struct Rewrite {
  std::string py_pattern;  // Python syntax, no lookaround
  std::string lookbehind;
};

std::optional<Rewrite> ExactRewrite(std::string_view p) {
  // (?<=L)(.*)(?=.) with L a literal: L(.*). finds the same matches in the same order, since
  // the greedy group ends one character before the end of its line, and the consumed L and
  // final character hold no start of another match; except that when the text before the
  // match end ends with L, Python also finds an empty match there (the Scan adds it).
  const std::string_view head = "(?<=", tail = ")(.*)(?=.)";
  if (p.size() > head.size() + tail.size() && p.substr(0, head.size()) == head &&
      p.substr(p.size() - tail.size()) == tail) {
    std::string_view lit = p.substr(head.size(), p.size() - head.size() - tail.size());
    if (lit.find_first_of("\\.^$*+?{}[]|()\n") == std::string_view::npos) {
      return Rewrite{std::string(lit) + "(.*).", std::string(lit)};
    }
  }
  // ^(.*?)(?=\n|$): the lazy group stops at the first "\n" or the end, where `.` stops too.
  if (p == "^(.*?)(?=\\n|$)") return Rewrite{"^(.*)", ""};
  // ([A-E])(?= şıkkıdır| şıkkı) (turkishmmlu): the consumed suffix holds no A-E.
  if (p == "([A-E])(?= \u015f\u0131kk\u0131d\u0131r| \u015f\u0131kk\u0131)") {
    return Rewrite{"([A-E])(?: \u015f\u0131kk\u0131d\u0131r| \u015f\u0131kk\u0131)", ""};
  }
  return std::nullopt;
}

constexpr uint32_t kPcreMatchLimit = 10'000'000;
constexpr uint32_t kPcreDepthLimit = 100'000;

}  // namespace

struct PyRegex::Impl {
  std::string pattern;
  std::unique_ptr<re2::RE2> re;
  internal::TranslatedPattern t;
  bool rewritten = false;  // re runs an ExactRewrite; Python's whole match is its group 1
  std::string lookbehind;  // the rewrite's consumed lookbehind literal, if any
  // PCRE2, for lookaround patterns without a rewrite (then re is null).
  pcre2_code* pcre = nullptr;
  pcre2_match_context* pcre_mctx = nullptr;
  int pcre_groups = 0;
  ~Impl() {
    if (pcre_mctx != nullptr) pcre2_match_context_free(pcre_mctx);
    if (pcre != nullptr) pcre2_code_free(pcre);
  }
};

namespace {

// Compiles `pcre_pattern` (for `pattern`) with Python's str-pattern options.
Result<pcre2_code*> CompilePcre(const std::string& pattern, const std::string& pcre_pattern);

}  // namespace

Result<PyRegex> PyRegex::Compile(std::string_view pattern) {
  auto impl = std::make_shared<Impl>();
  impl->pattern = std::string(pattern);
  std::string pcre_pattern;
  std::string_view source = pattern;
  std::optional<Rewrite> rewrite;
  if (HasLookaround(pattern, &pcre_pattern)) {
    rewrite = ExactRewrite(pattern);
    if (!rewrite) {
      auto code = CompilePcre(impl->pattern, pcre_pattern);
      if (!code.ok()) return code.status();
      impl->pcre = code.value();
      uint32_t groups = 0;
      pcre2_pattern_info(impl->pcre, PCRE2_INFO_CAPTURECOUNT, &groups);
      impl->pcre_groups = static_cast<int>(groups);
      impl->pcre_mctx = pcre2_match_context_create(nullptr);
      pcre2_set_match_limit(impl->pcre_mctx, kPcreMatchLimit);
      pcre2_set_depth_limit(impl->pcre_mctx, kPcreDepthLimit);
      return PyRegex(std::move(impl));
    }
    source = rewrite->py_pattern;
    impl->rewritten = true;
    impl->lookbehind = rewrite->lookbehind;
  }
  auto t = internal::TranslatePyPattern(source);
  if (!t.ok()) return t.status();
  impl->t = std::move(t).value();
  re2::RE2::Options opt;
  opt.set_log_errors(false);
  opt.set_max_mem(64 << 20);  // the Unicode classes for \w make large programs
  impl->re = std::make_unique<re2::RE2>(impl->t.re2_pattern, opt);
  if (!impl->re->ok()) {
    return Status::InvalidArgument("regex pattern '" + impl->pattern +
                                   "' cannot be compiled by RE2: " + impl->re->error());
  }
  return PyRegex(std::move(impl));
}

namespace {

Result<pcre2_code*> CompilePcre(const std::string& pattern, const std::string& pcre_pattern) {
  pcre2_compile_context* cctx = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);  // Python: only "\n" ends a line
  int err = 0;
  PCRE2_SIZE err_off = 0;
  // UCP: Unicode \d \w \s \b as in Python's str patterns; ALT_BSUX: \uXXXX and two-digit \xXX.
  const uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_ALT_BSUX | PCRE2_MATCH_INVALID_UTF;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pcre_pattern.data()),
                                   pcre_pattern.size(), options, &err, &err_off, cctx);
  pcre2_compile_context_free(cctx);
  if (code == nullptr) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    return Status::InvalidArgument(
        "regex pattern '" + pattern + "' (a lookaround, run on PCRE2) cannot be compiled: " +
        reinterpret_cast<const char*>(msg) + " at position " + std::to_string(err_off));
  }
  return code;
}

}  // namespace

const std::string& PyRegex::pattern() const {
  return impl_->pattern;
}
int PyRegex::num_groups() const {
  if (impl_->pcre != nullptr) return impl_->pcre_groups;
  return static_cast<int>(impl_->t.user_groups.size());
}

template <typename F>
void PyRegex::Scan(std::string_view text, F on_match) const {
  const size_t npos = std::string::npos;
  auto next_char = [&](size_t pos) {
    ++pos;
    while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    return pos;
  };
  if (impl_->pcre != nullptr) {
    // Python's scan: after an empty match the next search starts there, but may not match
    // empty there (PCRE2_NOTEMPTY_ATSTART).
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(impl_->pcre, nullptr);
    std::vector<Span> spans(impl_->pcre_groups + 1);
    size_t pos = 0;
    uint32_t flags = 0;
    while (pos <= text.size()) {
      int rc = pcre2_match(impl_->pcre, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), pos,
                           flags, md, impl_->pcre_mctx);
      if (rc <= 0) break;  // no match, or the match limit (the scan stops there)
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      for (size_t k = 0; k < spans.size(); ++k) {
        if (k < static_cast<size_t>(rc) && ov[2 * k] != PCRE2_UNSET) {
          spans[k] = {ov[2 * k], ov[2 * k + 1]};
        } else {
          spans[k] = {npos, npos};
        }
      }
      on_match(spans);
      pos = spans[0].end;
      flags = spans[0].begin == spans[0].end ? PCRE2_NOTEMPTY_ATSTART : 0;
    }
    pcre2_match_data_free(md);
    return;
  }
  const re2::RE2& re = *impl_->re;
  const int nsub = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sub(nsub);
  const re2::StringPiece whole(text.data(), text.size());
  // An ExactRewrite's group 1 is Python's group 1 and also its whole match.
  const bool rw = impl_->rewritten;
  const auto& user = impl_->t.user_groups;
  std::vector<Span> spans(user.size() + 1);
  size_t pos = 0;
  while (pos <= text.size()) {
    if (!re.Match(whole, pos, text.size(), re2::RE2::UNANCHORED, sub.data(), nsub)) break;
    auto span_of = [&](const re2::StringPiece& s) -> Span {
      if (s.data() == nullptr) return {npos, npos};
      size_t b = static_cast<size_t>(s.data() - text.data());
      return {b, b + s.size()};
    };
    bool cut = false;  // a Python `$` matched before the final "\n"
    for (int g : impl_->t.sentinel_groups) cut = cut || sub[g].data() != nullptr;
    const Span engine = span_of(sub[0]);
    spans[0] = rw ? span_of(sub[user[0]]) : engine;
    for (size_t k = 0; k < user.size(); ++k) spans[k + 1] = span_of(sub[user[k]]);
    if (cut) {
      for (Span& s : spans) {
        if (s.begin != npos && s.end == text.size() && s.end > s.begin) --s.end;
      }
    }
    on_match(spans);
    const std::string& lb = impl_->lookbehind;
    const size_t e = spans[0].end;
    if (!lb.empty() && spans[0].begin != e && e >= lb.size() &&
        text.substr(e - lb.size(), lb.size()) == lb) {
      // Python's empty match right after this one: its lookbehind sees L again.
      for (Span& s : spans) s = {e, e};
      on_match(spans);
    }
    size_t end = engine.end;
    if (engine.begin == end) {
      // Empty match: the next one must start further on (by one character).
      if (end >= text.size()) break;
      pos = next_char(end);
    } else {
      pos = end;
    }
  }
}

std::vector<std::vector<std::string>> PyRegex::FindAll(std::string_view text) const {
  std::vector<std::vector<std::string>> out;
  const size_t ng = static_cast<size_t>(num_groups());
  Scan(text, [&](const std::vector<Span>& spans) {
    std::vector<std::string> item;
    auto str = [&](const Span& s) {
      return s.begin == std::string::npos ? std::string()
                                          : std::string(text.substr(s.begin, s.end - s.begin));
    };
    if (ng == 0) {
      item.push_back(str(spans[0]));
    } else {
      for (size_t k = 1; k <= ng; ++k) item.push_back(str(spans[k]));
    }
    out.push_back(std::move(item));
  });
  return out;
}

std::string PyRegex::Sub(std::string_view text, std::string_view replacement) const {
  std::string out;
  size_t last = 0;
  Scan(text, [&](const std::vector<Span>& spans) {
    out.append(text.substr(last, spans[0].begin - last));
    out.append(replacement);
    last = spans[0].end;
  });
  out.append(text.substr(last));
  return out;
}

bool PyRegex::Search(std::string_view text) const {
  if (impl_->pcre != nullptr) {
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(impl_->pcre, nullptr);
    int rc = pcre2_match(impl_->pcre, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0,
                         md, impl_->pcre_mctx);
    pcre2_match_data_free(md);
    return rc > 0;
  }
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *impl_->re);
}

}  // namespace mnemo
