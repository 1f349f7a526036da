#include "tasks/jinja/lexer.h"

#include <charconv>
#include <optional>

#include "tasks/jinja/py_string_literal.h"
#include "tasks/jinja/pyvalue.h"

namespace mnemo::jinja {
namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || IsDigit(c);
}

std::string At(size_t offset) {
  return " at offset " + std::to_string(offset);
}

std::string NormalizeNewlines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Leading whitespace removed by a preceding `-%}`, `-}}` or `-#}`.
std::string_view LstripSpace(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (!py::IsSpace(c)) break;
      ++i;
      continue;
    }
    // Multi-byte whitespace (U+0085, U+00A0, U+2000...): decode just this code point.
    size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    if (i + n > s.size()) break;
    const std::vector<uint32_t> cp = py::Decode(s.substr(i, n));
    if (cp.size() != 1 || !py::IsSpace(cp[0])) break;
    i += n;
  }
  return s.substr(i);
}

class Lexer {
 public:
  Lexer(std::string_view src, const LexOptions& options) : src_(src), options_(options) {}

  Result<std::vector<Token>> Run() {
    size_t pos = 0;
    bool lstrip_next = false;
    while (true) {
      const size_t open = FindOpener(pos);
      std::string_view text = src_.substr(pos, (open == npos ? src_.size() : open) - pos);
      // Jinja2's `line_starting`: the previous tag ended a line (or this is the start).
      bool line_starting = pos == 0 || src_[pos - 1] == '\n';
      if (trim_newline_) {
        // trim_blocks: the first newline after a block or comment tag is removed.
        if (!text.empty() && text[0] == '\n') {
          text.remove_prefix(1);
          line_starting = true;
        } else if (text.size() >= 2 && text[0] == '\r' && text[1] == '\n') {
          text.remove_prefix(2);
          line_starting = true;
        }
        trim_newline_ = false;
      }
      if (lstrip_next) text = LstripSpace(text);
      const bool rstrip = open != npos && open + 2 < src_.size() && src_[open + 2] == '-';
      if (!rstrip && open != npos && options_.lstrip_blocks && src_[open + 1] != '{' &&
          !(open + 2 < src_.size() && src_[open + 2] == '+')) {
        // lstrip_blocks: spaces and tabs between the line start and a block or comment tag go.
        const size_t nl = text.rfind('\n');
        const size_t line = nl == npos ? 0 : nl + 1;
        if ((line > 0 || line_starting) && line < text.size() &&
            text.find_first_not_of(" \t", line) == npos) {
          text = text.substr(0, line);
        }
      }
      EmitText(text, rstrip);
      if (open == npos) break;
      const char kind = src_[open + 1];
      Status st;
      if (kind == '#') {
        st = Comment(open, &pos, &lstrip_next);
      } else if (kind == '%' && IsRaw(open)) {
        st = Raw(open, &pos, &lstrip_next);
      } else {
        st = Tag(open, kind == '%', &pos, &lstrip_next);
      }
      if (!st.ok()) return st;
    }
    tokens_.push_back(Token{TokenKind::kEnd, src_.size(), "", 0, 0});
    return std::move(tokens_);
  }

 private:
  static constexpr size_t npos = std::string_view::npos;

  size_t FindOpener(size_t from) const {
    for (size_t i = src_.find('{', from); i != npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) {
        return i;
      }
    }
    return npos;
  }

  void EmitText(std::string_view text, bool rstrip) {
    std::string t = rstrip ? py::Strip(text, std::nullopt, false, true) : std::string(text);
    if (t.empty()) return;
    tokens_.push_back(Token{TokenKind::kText, static_cast<size_t>(text.data() - src_.data()),
                            NormalizeNewlines(t), 0, 0});
  }

  // Matches `{%[-+]? *WORD *(-%}|%})` at `at`; returns the end offset and whether it was "-%}".
  bool MatchSimpleTag(size_t at, std::string_view word, size_t* end, bool* minus_end) const {
    if (src_.compare(at, 2, "{%") != 0) return false;
    size_t i = at + 2;
    if (i < src_.size() && (src_[i] == '-' || src_[i] == '+')) ++i;
    while (i < src_.size() && IsAsciiSpace(src_[i])) ++i;
    if (src_.compare(i, word.size(), word) != 0) return false;
    i += word.size();
    while (i < src_.size() && IsAsciiSpace(src_[i])) ++i;
    if (src_.compare(i, 3, "-%}") == 0) {
      *minus_end = true;
      *end = i + 3;
      return true;
    }
    if (src_.compare(i, 2, "%}") == 0) {
      *minus_end = false;
      *end = i + 2;
      return true;
    }
    return false;
  }

  bool IsRaw(size_t open) const {
    size_t end;
    bool minus;
    return MatchSimpleTag(open, "raw", &end, &minus);
  }

  Status Raw(size_t open, size_t* pos, bool* lstrip_next) {
    size_t body_start;
    bool lstrip_body;
    MatchSimpleTag(open, "raw", &body_start, &lstrip_body);
    for (size_t i = src_.find("{%", body_start); i != npos; i = src_.find("{%", i + 2)) {
      size_t end;
      bool minus_end;
      if (!MatchSimpleTag(i, "endraw", &end, &minus_end)) continue;
      std::string_view body = src_.substr(body_start, i - body_start);
      if (lstrip_body) body = LstripSpace(body);
      EmitText(body, src_[i + 2] == '-');
      *pos = end;
      *lstrip_next = minus_end;
      trim_newline_ = options_.trim_blocks && !minus_end;
      return Status::Ok();
    }
    return Status::InvalidArgument("unclosed '{% raw' at offset " + std::to_string(open) +
                                   ": expected '{% endraw %}'");
  }

  Status Comment(size_t open, size_t* pos, bool* lstrip_next) {
    const size_t close = src_.find("#}", open + 2);
    if (close == npos) return Status::InvalidArgument("unclosed comment '{#'" + At(open));
    *lstrip_next = close > open + 2 && src_[close - 1] == '-';
    trim_newline_ =
        options_.trim_blocks && !*lstrip_next && !(close > open + 2 && src_[close - 1] == '+');
    *pos = close + 2;
    return Status::Ok();
  }

  // Lexes the inside of `{{ ... }}` or `{% ... %}` starting at `open`.
  Status Tag(size_t open, bool block, size_t* pos, bool* lstrip_next) {
    tokens_.push_back(Token{block ? TokenKind::kBlockBegin : TokenKind::kVarBegin, open, "", 0, 0});
    size_t i = open + 2;
    if (i < src_.size() && (src_[i] == '-' || (block && src_[i] == '+'))) ++i;
    std::vector<char> brackets;
    while (true) {
      while (i < src_.size() && IsAsciiSpace(src_[i])) ++i;
      if (i >= src_.size()) {
        return Status::InvalidArgument(std::string("unclosed '") + (block ? "{%" : "{{") +
                                       "' opened" + At(open));
      }
      if (brackets.empty()) {
        size_t end = 0;
        bool minus = false;
        if (block) {
          if (src_.compare(i, 3, "-%}") == 0) {
            end = i + 3;
            minus = true;
          } else if (src_.compare(i, 3, "+%}") == 0) {
            end = i + 3;
          } else if (src_.compare(i, 2, "%}") == 0) {
            end = i + 2;
          }
        } else {
          if (src_.compare(i, 3, "-}}") == 0) {
            end = i + 3;
            minus = true;
          } else if (src_.compare(i, 2, "}}") == 0) {
            end = i + 2;
          }
        }
        if (end != 0) {
          tokens_.push_back(Token{block ? TokenKind::kBlockEnd : TokenKind::kVarEnd, i, "", 0, 0});
          *pos = end;
          *lstrip_next = minus;
          trim_newline_ = block && options_.trim_blocks && end == i + 2;
          return Status::Ok();
        }
      }
      const char c = src_[i];
      if (IsNameStart(c)) {
        size_t j = i;
        while (j < src_.size() && IsNameChar(src_[j])) ++j;
        tokens_.push_back(Token{TokenKind::kName, i, std::string(src_.substr(i, j - i)), 0, 0});
        i = j;
      } else if (IsDigit(c)) {
        auto st = Number(&i);
        if (!st.ok()) return st;
      } else if (c == '\'' || c == '"') {
        auto st = String(&i);
        if (!st.ok()) return st;
      } else {
        auto st = Operator(&i, &brackets);
        if (!st.ok()) return st;
      }
    }
  }

  // Digits with single underscores between them; returns the end offset (== i if none).
  size_t ScanDigits(size_t i, bool (*is_digit)(char)) const {
    size_t j = i;
    while (j < src_.size()) {
      if (is_digit(src_[j])) {
        ++j;
      } else if (src_[j] == '_' && j > i && j + 1 < src_.size() && is_digit(src_[j + 1])) {
        ++j;
      } else {
        break;
      }
    }
    return j;
  }

  Status Number(size_t* pos) {
    const size_t start = *pos;
    auto strip_underscores = [](std::string_view s) {
      std::string out;
      for (char c : s) {
        if (c != '_') out += c;
      }
      return out;
    };
    // 0x / 0o / 0b integers.
    if (src_[start] == '0' && start + 2 < src_.size()) {
      const char p = static_cast<char>(src_[start + 1] | 0x20);
      const int base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
      if (base != 0) {
        size_t j = start + 2;
        if (j < src_.size() && src_[j] == '_') ++j;
        const size_t digits_start = j;
        while (j < src_.size() && (IsNameChar(src_[j]))) ++j;
        const std::string digits = strip_underscores(src_.substr(digits_start, j - digits_start));
        int64_t v = 0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
        if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size()) {
          return Status::InvalidArgument("invalid integer literal '" +
                                         std::string(src_.substr(start, j - start)) + "'" +
                                         At(start));
        }
        tokens_.push_back(Token{TokenKind::kInt, start, "", v, 0});
        *pos = j;
        return Status::Ok();
      }
    }
    size_t j = ScanDigits(start, IsDigit);
    bool is_float = false;
    // No float right after a dot: `a.0.1` is a.0 then .1 (Jinja's lookbehind rule).
    const bool after_dot = start > 0 && src_[start - 1] == '.';
    if (!after_dot) {
      if (j + 1 < src_.size() && src_[j] == '.' && IsDigit(src_[j + 1])) {
        j = ScanDigits(j + 1, IsDigit);
        is_float = true;
      }
      if (j < src_.size() && (src_[j] == 'e' || src_[j] == 'E')) {
        size_t k = j + 1;
        if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) ++k;
        if (k < src_.size() && IsDigit(src_[k])) {
          j = ScanDigits(k, IsDigit);
          is_float = true;
        }
      }
    }
    const std::string text = strip_underscores(src_.substr(start, j - start));
    if (is_float) {
      double d = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
      if (r.ec == std::errc::result_out_of_range) {
        d = text.find_first_of("123456789") == std::string::npos ? 0.0 : HUGE_VAL;
      }
      tokens_.push_back(Token{TokenKind::kFloat, start, "", 0, d});
    } else {
      int64_t v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc()) {
        return Status::InvalidArgument("integer literal '" + text +
                                       "' is out of range (ints are limited to 64 bits)" +
                                       At(start));
      }
      tokens_.push_back(Token{TokenKind::kInt, start, "", v, 0});
    }
    *pos = j;
    return Status::Ok();
  }

  // A quoted literal with Python's escapes (Jinja decodes them with "unicode-escape").
  Status String(size_t* pos) {
    const size_t start = *pos;
    std::string raw;
    size_t i = start + 1, error_at = start;
    Status s = py::ReadStringLiteralBody(src_, src_[start], /*raw=*/false, &i, &raw, &error_at);
    if (!s.ok()) {
      if (s.code() == StatusCode::kUnsupported)
        return Status::Unsupported("unsupported Jinja construct '\\N{...}' escape" + At(error_at));
      return Status::InvalidArgument(s.message() + At(error_at));
    }
    tokens_.push_back(Token{TokenKind::kString, start, NormalizeNewlines(raw), 0, 0});
    *pos = i + 1;
    return Status::Ok();
  }

  Status Operator(size_t* pos, std::vector<char>* brackets) {
    const size_t i = *pos;
    static const char* const kTwo[] = {"**", "//", "==", "!=", "<=", ">="};
    for (const char* op : kTwo) {
      if (src_.compare(i, 2, op) == 0) {
        tokens_.push_back(Token{TokenKind::kOp, i, op, 0, 0});
        *pos = i + 2;
        return Status::Ok();
      }
    }
    const char c = src_[i];
    static constexpr std::string_view kOne = "+-*/%~<>=.:|,;()[]{}";
    if (kOne.find(c) == std::string_view::npos) {
      const std::string shown =
          static_cast<unsigned char>(c) < 0x80 ? std::string(1, c) : "non-ASCII";
      return Status::InvalidArgument("unexpected character '" + shown + "' in Jinja tag" + At(i));
    }
    if (c == '(' || c == '[' || c == '{') {
      brackets->push_back(c);
    } else if (c == ')' || c == ']' || c == '}') {
      const char want = c == ')' ? '(' : c == ']' ? '[' : '{';
      if (brackets->empty() || brackets->back() != want) {
        return Status::InvalidArgument(std::string("unexpected '") + c + "'" + At(i));
      }
      brackets->pop_back();
    }
    tokens_.push_back(Token{TokenKind::kOp, i, std::string(1, c), 0, 0});
    *pos = i + 1;
    return Status::Ok();
  }

  std::string_view src_;
  LexOptions options_;
  std::vector<Token> tokens_;
  bool trim_newline_ = false;  // the last tag asks trim_blocks to drop one newline
};

}  // namespace

Result<std::vector<Token>> Lex(std::string_view source, const LexOptions& options) {
  return Lexer(source, options).Run();
}

std::string Describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kText:
      return "template text";
    case TokenKind::kVarBegin:
      return "'{{'";
    case TokenKind::kVarEnd:
      return "'}}'";
    case TokenKind::kBlockBegin:
      return "'{%'";
    case TokenKind::kBlockEnd:
      return "'%}'";
    case TokenKind::kName:
    case TokenKind::kOp:
      return "'" + token.text + "'";
    case TokenKind::kString:
      return "string literal";
    case TokenKind::kInt:
      return "integer " + std::to_string(token.int_value);
    case TokenKind::kFloat:
      return "float literal";
    case TokenKind::kEnd:
      return "end of template";
  }
  return "token";
}

}  // namespace mnemo::jinja
