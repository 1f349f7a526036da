// Escaping for text from models, datasets and configs placed into HTML: element content and
// quoted attribute values. Invalid UTF-8 becomes U+FFFD and control characters other than
// tab/newline are dropped, so nothing a model wrote can open a tag, close an attribute or
// confuse the parser.
#ifndef MNEMO_REPORTS_HTML_HTML_ESCAPE_H_
#define MNEMO_REPORTS_HTML_HTML_ESCAPE_H_

#include <string>

namespace mnemo::reports {

// & < > " ' escaped; safe in element content and in double- or single-quoted attributes.
std::string HtmlEscape(const std::string& text);
void AppendHtmlEscaped(const std::string& text, std::string* out);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_HTML_HTML_ESCAPE_H_
