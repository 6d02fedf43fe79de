/**
 * Instructor pages: every assignment at a glance, and per assignment the class: a
 * sortable table of each student's latest submission, a histogram of scores (SVG drawn
 * here), each check's pass rate, each course objective's mean, and the CSV (the API's).
 */
import { Router, type Request, type Response } from 'express';
import type { ApiContext } from '../api/context.js';
import type { User } from '../store/rows.js';
import { summariseClass, type StudentRow } from './class-summary.js';
import { binScores, histogramSvg } from './histogram.js';
import { html, type Html } from './html.js';
import { formatPoints } from '../grading/score.js';
import { formatDate, formatScore, renderPage, setPageHeaders } from './layout.js';
import { requirePageUser, viewerOf } from './page-auth.js';

const SORT_KEYS = {
  student: { label: 'Student', type: 'text', value: (r: StudentRow) => r.studentName.toLowerCase() },
  score: { label: 'Latest score', type: 'number', value: (r: StudentRow) => (r.result === undefined ? -1 : r.result.score) },
  status: { label: 'Status', type: 'text', value: (r: StudentRow) => r.latest.status },
  late: { label: 'Days late', type: 'number', value: (r: StudentRow) => r.daysLate },
  attempts: { label: 'Attempts', type: 'number', value: (r: StudentRow) => r.attempts },
} as const;
type SortKey = keyof typeof SORT_KEYS;

function isSortKey(key: unknown): key is SortKey {
  return typeof key === 'string' && Object.hasOwn(SORT_KEYS, key);
}

async function loadClass(ctx: ApiContext, assignmentId: string) {
  const { definition, row } = await ctx.catalogue.get(assignmentId);
  const listed = await ctx.store.listSubmissionsWithResults(row.id);
  const users = new Map<string, User | undefined>();
  for (const { submission } of listed) {
    if (!users.has(submission.userId)) users.set(submission.userId, await ctx.store.getUser(submission.userId));
  }
  return { definition, row, listed, summary: summariseClass(definition, row.dueAt, listed, users) };
}

function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function rateBar(share: number): Html {
  const width = Math.round(Math.max(0, Math.min(1, share)) * 120);
  return html`<svg class="rate-bar" width="120" height="10" viewBox="0 0 120 10" aria-hidden="true"><rect x="0" y="0" width="120" height="10" fill="#f6f8fa" stroke="#d8dde4"/><rect x="0" y="0" width="${width}" height="10" fill="#0b5cad"/></svg>`;
}

export function instructorPageRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/instructor', requirePageUser(ctx, 'staff'), async (_req: Request, res: Response) => {
    const { user, csrf } = viewerOf(res);
    const rows: Html[] = [];
    for (const definition of ctx.catalogue.definitions) {
      const { row, listed, summary } = await loadClass(ctx, definition.id);
      const mean = summary.scores.length === 0 ? undefined : summary.scores.reduce((s, x) => s + x.score, 0) / summary.scores.length;
      const max = summary.scores[0]?.maxScore;
      rows.push(html`<tr data-assignment="${definition.id}"><td><a href="/instructor/assignments/${definition.id}">${definition.title}</a> <span class="muted">${definition.id}</span></td>
<td>${formatDate(row.dueAt)}</td><td class="num">${summary.rows.length}</td><td class="num">${listed.length}</td>
<td class="num">${summary.scores.length}</td><td class="num">${mean === undefined ? '—' : formatScore(mean, max)}</td></tr>`);
    }
    setPageHeaders(res);
    res.type('html').send(
      renderPage({
        title: 'Class overview',
        user,
        csrf,
        body: html`<table><thead><tr><th>Assignment</th><th>Due</th><th class="num">Students</th><th class="num">Submissions</th><th class="num">Graded</th><th class="num">Mean latest score</th></tr></thead>
<tbody>${rows}</tbody></table>`,
      }),
    );
  });

  router.get('/instructor/assignments/:id', requirePageUser(ctx, 'staff'), async (req: Request, res: Response) => {
    const { user, csrf } = viewerOf(res);
    const { definition, row, summary } = await loadClass(ctx, String(req.params.id));
    const sort: SortKey = isSortKey(req.query.sort) ? req.query.sort : 'student';
    const descending = req.query.dir === 'desc';
    const key = SORT_KEYS[sort];
    const sorted = [...summary.rows].sort((a, b) => {
      const x = key.value(a);
      const y = key.value(b);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return descending ? -c : c;
    });
    const base = `/instructor/assignments/${encodeURIComponent(definition.id)}`;
    const header = (k: SortKey) => {
      const nextDir = sort === k && !descending ? 'desc' : 'asc';
      const aria = sort === k ? (descending ? 'descending' : 'ascending') : undefined;
      return html`<th data-sort-key="${k}" data-type="${SORT_KEYS[k].type}"${aria === undefined ? '' : html` aria-sort="${aria}"`}${SORT_KEYS[k].type === 'number' ? html` class="num"` : ''}><a href="${base}?sort=${k}&amp;dir=${nextDir}">${SORT_KEYS[k].label}</a></th>`;
    };
    const maxScore = definition.checks.reduce((s, c) => s + c.maxPoints, 0);
    const passMean = summary.scores.length === 0 ? undefined : summary.scores.reduce((s, x) => s + x.score, 0) / summary.scores.length;
    const body = html`<p>${definition.id} · due ${formatDate(row.dueAt)} · ${summary.rows.length} students · ${summary.scores.length} graded
${passMean === undefined ? '' : html` · mean ${formatScore(passMean, maxScore)}`}
· <a href="/api/assignments/${definition.id}/submissions?format=csv" data-csv>Download CSV</a></p>
<div class="two-col">
<section><h2>Scores</h2>
${summary.scores.length === 0 ? html`<p class="muted">No graded submissions yet.</p>` : histogramSvg(binScores(summary.scores), `Latest scores of ${summary.scores.length} students`)}
</section>
<section><h2>Objectives</h2>
<table class="objectives"><thead><tr><th>Objective</th><th>Class mean</th><th class="num">Students</th></tr></thead><tbody>
${summary.objectives.map((o) => html`<tr data-objective="${o.id}"><td>${o.id}</td><td>${rateBar(o.meanShare)} ${percent(o.meanShare)}</td><td class="num">${o.students}</td></tr>`)}
</tbody></table></section>
</div>
<h2>Checks</h2>
<table class="check-rates"><thead><tr><th>Check</th><th>Passed</th><th class="num">Mean points</th></tr></thead><tbody>
${summary.checks.map((c) => html`<tr data-check-rate="${c.id}"><td>${c.title} <span class="muted">${c.id}</span></td>
<td data-pass-rate="${c.graded === 0 ? '' : Math.round((c.passed / c.graded) * 100) / 100}">${rateBar(c.graded === 0 ? 0 : c.passed / c.graded)} ${c.graded === 0 ? '—' : `${percent(c.passed / c.graded)} (${c.passed} of ${c.graded})`}</td>
<td class="num">${formatPoints(c.meanPoints)} / ${formatPoints(c.maxPoints)}</td></tr>`)}
</tbody></table>
<h2>Students</h2>
<table class="class-table" data-sortable><thead><tr>${(Object.keys(SORT_KEYS) as SortKey[]).map(header)}<th>Submission</th></tr></thead><tbody>
${sorted.map((r) => html`<tr data-student="${r.studentId ?? r.userId}">
<td data-value="${r.studentName.toLowerCase()}">${r.studentName}${r.studentId === null ? '' : html` <span class="muted">${r.studentId}</span>`}</td>
<td class="num" data-value="${r.result === undefined ? '' : r.result.score}">${r.result === undefined ? '—' : formatScore(r.result.score, r.result.maxScore)}</td>
<td data-value="${r.latest.status}"><span class="status status-${r.latest.status}">${r.latest.status}</span></td>
<td class="num" data-value="${r.daysLate}">${r.daysLate === 0 ? '—' : r.daysLate}</td>
<td class="num" data-value="${r.attempts}">${r.attempts}</td>
<td><a href="/submissions/${r.latest.id}">open</a></td></tr>`)}
</tbody></table>`;
    setPageHeaders(res);
    res.type('html').send(renderPage({ title: definition.title, user, csrf, body }));
  });

  return router;
}
