#include "tasks/jinja/py_string_literal.h"

#include <cstdint>

#include "tasks/jinja/pyvalue.h"

namespace mnemo::jinja::py {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Status ReadStringLiteralBody(std::string_view src, char quote, bool raw, size_t* pos,
                             std::string* out, size_t* error_at) {
  const size_t start = *pos;
  size_t i = start;
  while (true) {
    if (i >= src.size() || (src[i] == '\\' && i + 1 >= src.size())) {
      *error_at = start - 1;
      return Status::InvalidArgument("unterminated string literal");
    }
    const char c = src[i];
    if (c == quote) break;
    if (c != '\\') {
      *out += c;
      ++i;
      continue;
    }
    const char e = src[i + 1];
    const size_t escape_at = i;
    i += 2;
    if (raw) {
      *out += '\\';
      *out += e;
      continue;
    }
    switch (e) {
      case '\\':
      case '\'':
      case '"':
        *out += e;
        break;
      case 'a':
        *out += '\a';
        break;
      case 'b':
        *out += '\b';
        break;
      case 'f':
        *out += '\f';
        break;
      case 'n':
        *out += '\n';
        break;
      case 'r':
        *out += '\r';
        break;
      case 't':
        *out += '\t';
        break;
      case 'v':
        *out += '\v';
        break;
      case '\n':
        break;  // line continuation
      case 'x':
      case 'u':
      case 'U': {
        const int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int k = 0; k < n; ++k) {
          const int h = i + k < src.size() ? HexValue(src[i + k]) : -1;
          if (h < 0) {
            *error_at = escape_at;
            return Status::InvalidArgument(std::string("truncated \\") + e + " escape");
          }
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        if (cp > 0x10FFFF) {
          *error_at = escape_at;
          return Status::InvalidArgument("invalid \\U escape");
        }
        i += n;
        AppendUtf8(cp, *out);
        break;
      }
      case 'N':
        *error_at = escape_at;
        return Status::Unsupported("\\N{...} escapes are not supported");
      default:
        if (e >= '0' && e <= '7') {
          uint32_t cp = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2 && i < src.size() && src[i] >= '0' && src[i] <= '7'; ++k) {
            cp = cp * 8 + static_cast<uint32_t>(src[i++] - '0');
          }
          AppendUtf8(cp, *out);
        } else {
          *out += '\\';  // unknown escapes stay as written
          *out += e;
        }
    }
  }
  *pos = i;
  return Status::Ok();
}

}  // namespace mnemo::jinja::py
