/**
 * The pages' one stylesheet and one script, served by us (no external assets, no inline
 * code under the CSP). The script only enhances: pages work without it except for live
 * status and sorting in place.
 */
import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';

export const PAGES_CSS_PATH = '/static/pages.css';
export const PAGES_JS_PATH = '/static/pages.js';

const CSS = `
:root { --fg:#1d232b; --muted:#5b6675; --line:#d8dde4; --ok:#1a7f37; --partial:#9a6700; --bad:#cf222e; --accent:#0b5cad; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fff; }
header.top { display:flex; gap:1.5rem; align-items:center; padding:.6rem 1.5rem; border-bottom:1px solid var(--line); background: var(--bg); }
header.top .brand { font-weight:700; color: var(--fg); text-decoration:none; }
header.top nav { flex:1; }
.sign-out { display:flex; gap:.6rem; align-items:center; margin:0; }
.who { color: var(--muted); }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .6rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .6rem; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align:left; padding:.35rem .6rem; border-bottom:1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight:600; }
th a, th button { color: inherit; font: inherit; background:none; border:0; padding:0; cursor:pointer; text-decoration:none; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
.status { display:inline-block; padding:0 .5rem; border-radius:1rem; font-size:.85rem; border:1px solid var(--line); }
.status-graded, .status-passed { color: var(--ok); border-color: var(--ok); }
.status-partial, .status-running, .status-queued { color: var(--partial); border-color: var(--partial); }
.status-failed { color: var(--bad); border-color: var(--bad); }
.score { font-size: 1.8rem; font-weight:700; }
.notice { padding:.6rem .9rem; border:1px solid var(--line); border-radius:.4rem; background: var(--bg); margin: .8rem 0; }
.error { border-color: var(--bad); color: var(--bad); }
.dropzone { border:2px dashed var(--line); border-radius:.6rem; padding:1.5rem; text-align:center; margin:.6rem 0; }
.dropzone.over { border-color: var(--accent); background:#eef5fd; }
.check { border:1px solid var(--line); border-radius:.4rem; padding:.5rem .8rem; margin:.5rem 0; background:#fff; }
.check h3 { font-size: 1rem; margin: 0 0 .3rem; display:flex; gap:.6rem; justify-content: space-between; }
.feedback { white-space: pre-wrap; margin:0; font: inherit; }
.notebook-row { display:grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; border-top:1px solid var(--line); padding:.5rem 0; }
.cell-index { color: var(--muted); font-size:.8rem; }
.cell pre, .output pre { background: var(--bg); padding:.5rem; overflow-x:auto; margin:.2rem 0; font-size: .85rem; }
.output { border-left: 3px solid var(--line); padding-left:.5rem; margin-top:.3rem; }
.output img { max-width: 100%; }
.output-error pre { color: var(--bad); }
.truncated { color: var(--muted); font-style: italic; }
.markdown img { max-width: 100%; }
.histogram { max-width: 640px; }
.histogram rect.bar { fill: var(--accent); }
.histogram text { font-size: 11px; fill: var(--fg); }
.histogram line { stroke: var(--muted); }
.rate { display:inline-block; height:.7rem; background: var(--accent); vertical-align: middle; }
.rate-track { display:inline-block; width: 120px; height:.7rem; background: var(--bg); border:1px solid var(--line); vertical-align: middle; margin-right:.5rem; }
.two-col { display:grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
button, input[type=submit] { font: inherit; padding:.3rem .9rem; border-radius:.3rem; border:1px solid var(--accent); background: var(--accent); color:#fff; cursor:pointer; }
input[type=password], input[type=text] { font: inherit; padding:.3rem .5rem; width: 100%; max-width: 32rem; }
.muted { color: var(--muted); }
`;

const JS = `
'use strict';
(function () {
  // Live status: poll the JSON API until the submission is graded or failed, then reload.
  var live = document.querySelector('[data-live-submission]');
  if (live) {
    var id = live.getAttribute('data-live-submission');
    var label = live.querySelector('[data-live-status]');
    var delay = 500;
    var poll = function () {
      fetch('/api/submissions/' + encodeURIComponent(id), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status)); })
        .then(function (s) {
          if (label) { label.textContent = s.status; label.className = 'status status-' + s.status; }
          if (s.status === 'graded' || s.status === 'failed') { window.location.reload(); return; }
          delay = Math.min(delay * 1.3, 3000);
          setTimeout(poll, delay);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, delay);
  }

  // Upload: drop a file on the zone, or pick one; either submits the ordinary form.
  var zone = document.querySelector('[data-dropzone]');
  if (zone) {
    var form = zone.closest('form');
    var input = form.querySelector('input[type=file]');
    ['dragenter', 'dragover'].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      zone.addEventListener(t, function () { zone.classList.remove('over'); });
    });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      if (!e.dataTransfer || e.dataTransfer.files.length === 0) return;
      input.files = e.dataTransfer.files;
      form.requestSubmit();
    });
  }

  // Sorting in place; without the script the column headers are links that sort on the server.
  Array.prototype.forEach.call(document.querySelectorAll('table[data-sortable]'), function (table) {
    var headers = table.querySelectorAll('th[data-sort-key]');
    Array.prototype.forEach.call(headers, function (th, column) {
      var link = th.querySelector('a');
      if (!link) return;
      link.addEventListener('click', function (e) {
        e.preventDefault();
        var descending = th.getAttribute('aria-sort') !== 'descending';
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
        var numeric = th.getAttribute('data-type') === 'number';
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var index = Array.prototype.indexOf.call(th.parentNode.children, th);
        rows.sort(function (a, b) {
          var x = a.cells[index].getAttribute('data-value') || '';
          var y = b.cells[index].getAttribute('data-value') || '';
          var c = numeric ? (parseFloat(x || '-1') - parseFloat(y || '-1')) : x.localeCompare(y);
          return descending ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
`;

function etag(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 16)}"`;
}

export function staticAssetRoutes(): Router {
  const router = Router();
  const serve = (type: string, body: string) => {
    const tag = etag(body);
    return (req: Request, res: Response) => {
      res.set({ 'Content-Type': type, ETag: tag, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
      if (req.get('if-none-match') === tag) {
        res.status(304).end();
        return;
      }
      res.send(body);
    };
  };
  router.get(PAGES_CSS_PATH, serve('text/css; charset=utf-8', CSS));
  router.get(PAGES_JS_PATH, serve('text/javascript; charset=utf-8', JS));
  return router;
}
