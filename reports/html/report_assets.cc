#include "reports/html/report_assets.h"

namespace mnemo::reports {

const char* ReportCss() {
  return R"css(
:root{--fg:#1d2330;--muted:#5f6b7a;--line:#d9dee5;--bg:#fff;--band:#f5f7fa;--bad:#b3261e;--good:#1e7d3a;--accent:#3366cc}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:1360px;margin:0 auto;padding:0 16px}
header{padding-top:18px;border-bottom:1px solid var(--line)}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 8px;padding-top:8px;border-top:2px solid var(--band)}
h3{font-size:15px;margin:18px 0 6px}
.meta{color:var(--muted);margin:0 0 10px;word-break:break-all}
nav{display:flex;flex-wrap:wrap;gap:6px 14px;padding:6px 0 10px}
nav a{color:var(--accent);text-decoration:none}
.note{color:var(--muted);font-size:13px}
.warning{color:var(--bad);font-weight:600}
.table-wrap{overflow-x:auto;margin:6px 0 12px;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--band);position:sticky;top:0;white-space:nowrap}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[aria-sort=ascending]::after{content:" \25B2";font-size:10px}
table.sortable th[aria-sort=descending]::after{content:" \25BC";font-size:10px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.text{white-space:pre-wrap;word-break:break-word;max-width:420px}
tr.regression td{background:#fdecea}
tr.improvement td{background:#eaf6ed}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px}
.badge.bad{background:var(--bad);color:#fff}
.badge.good{background:var(--good);color:#fff}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:4px 0 10px}
.kv dt{color:var(--muted)}
.kv dd{margin:0;word-break:break-all}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.charts figure{margin:0;flex:0 1 auto;min-width:0;max-width:100%;overflow-x:auto}
svg.chart{display:block;max-width:none;font-size:11px}
svg .tick.few{font-style:italic}
.summary{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:10px 14px;margin:10px 0 4px}
.card{border:1px solid var(--line);border-radius:8px;padding:6px 12px 4px;min-width:0;overflow-x:auto}
.card h2{font-size:15px;margin:2px 0 6px;padding:0;border:0}
.card p{margin:4px 0}
.card .note{font-size:12px}
.card .ci{color:var(--muted);font-size:11.5px}
table.compact{font-size:12.5px;width:auto;min-width:60%}
table.compact th,table.compact td{padding:2px 8px}
tr.few td:first-child{font-style:italic}
.badge.big{font-size:14px;padding:2px 10px;font-weight:600}
details{margin:6px 0}
details>summary{cursor:pointer;color:var(--accent)}
details>summary h3{display:inline;color:var(--fg)}
.print-only{display:none}
.banner.partial{background:#fff4e5;border:1px solid #e0a040;border-radius:6px;padding:6px 12px;margin:10px 0 0;font-weight:600}
svg .grid{stroke:#e6e9ee}
svg .axis{stroke:#8a94a3}
svg .tick{fill:#5f6b7a}
svg .chart-title{font-weight:600;fill:var(--fg);font-size:13px}
svg .axis-label,svg .legend{fill:var(--fg)}
svg .whisker{stroke:#222;stroke-width:1.2;fill:none}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:6px 0}
.filters input,.filters select{font:inherit;padding:4px 6px;border:1px solid var(--line);border-radius:4px}
.filters input{flex:1 1 220px}
.example{border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:8px 0}
.example .text{white-space:pre-wrap;word-break:break-word;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
ins{background:#d7f5dd;text-decoration:none}
del{background:#fbdcdc}
@media (max-width:640px){body{font-size:13px}th,td{padding:3px 5px}td.text{max-width:240px}.kv{grid-template-columns:1fr}}
@media print{@page{size:A4 landscape;margin:10mm}nav,.filters,#samples,#runs details:not([open]),#audit-metrics details:not([open]){display:none}.print-only{display:block}header,main{max-width:none;padding:0}th{position:static}h2{break-after:avoid}tr,figure,.example,.card{break-inside:avoid}.table-wrap,.card,.charts figure{overflow:visible}svg.chart{max-width:100%;height:auto}body{font-size:10px}table{font-size:9.5px}td.text{max-width:none}a{color:inherit}.summary{grid-template-columns:repeat(2,minmax(0,1fr))}}
)css";
}

const char* ReportJs() {
  return R"js(
(function () {
  'use strict';
  function key(cell, type) {
    var v = cell.getAttribute('data-sort');
    if (v === null) v = cell.textContent;
    if (type === 'num') {
      var f = parseFloat(v);
      return isNaN(f) ? -Infinity : f;
    }
    return v.toLowerCase();
  }
  function sortTable(table, index, th) {
    var type = th.getAttribute('data-type') || 'text';
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (r, i) { return { r: r, k: key(r.cells[index], type), i: i }; });
    keyed.sort(function (a, b) {
      if (a.k < b.k) return asc ? -1 : 1;
      if (a.k > b.k) return asc ? 1 : -1;
      return a.i - b.i;
    });
    var frag = document.createDocumentFragment();
    keyed.forEach(function (e) { frag.appendChild(e.r); });
    body.appendChild(frag);
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.tabIndex = 0;
      th.addEventListener('click', function () { sortTable(table, i, th); });
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortTable(table, i, th); }
      });
    });
  });
  var table = document.getElementById('samples-table');
  if (table) {
    var q = document.getElementById('sample-filter');
    var model = document.getElementById('sample-model');
    var task = document.getElementById('sample-task');
    var count = document.getElementById('sample-count');
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var apply = function () {
      var needle = q.value.toLowerCase();
      var m = model.value, t = task.value, shown = 0;
      rows.forEach(function (r, i) {
        var ok = (!m || r.getAttribute('data-model') === m) &&
                 (!t || r.getAttribute('data-task') === t) &&
                 (!needle || texts[i].indexOf(needle) >= 0);
        r.hidden = !ok;
        if (ok) shown++;
      });
      count.textContent = String(shown);
      table.setAttribute('data-shown', String(shown));
    };
    q.addEventListener('input', apply);
    model.addEventListener('change', apply);
    task.addEventListener('change', apply);
    apply();
  }
  document.documentElement.setAttribute('data-report-ready', '1');
})();
)js";
}

}  // namespace mnemo::reports
