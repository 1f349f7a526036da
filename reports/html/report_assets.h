// The report's inline stylesheet (screen, phone, print) and script (sortable tables, sample
// filters). The script only reads the DOM and never inserts markup built from strings, so
// escaped text stays text; when it finishes it sets data-report-ready="1" on <html>.
#ifndef MNEMO_REPORTS_HTML_REPORT_ASSETS_H_
#define MNEMO_REPORTS_HTML_REPORT_ASSETS_H_

namespace mnemo::reports {

const char* ReportCss();
const char* ReportJs();

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_HTML_REPORT_ASSETS_H_
