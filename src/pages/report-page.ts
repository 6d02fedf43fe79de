/**
 * One submission: its status (updated live while grading), score, each check with its
 * feedback, and the notebook's cells with the feedback of checks that name a cell beside
 * it. A student sees only their own submissions (another's is "not found", as in the
 * API) and only what `submissionView` lets them see; staff also see whose it is, its
 * history of results and a regrade button.
 */
import { Router, type Request, type Response } from 'express';
import { isStaff } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { HttpError } from '../api/http-error.js';
import { submissionView } from '../api/routes/submissions.js';
import type { SubmissionView } from '../api/schemas.js';
import { coerceError } from '../errors.js';
import type { CheckResult, GradeReport } from '../grading/report.js';
import { formatPoints } from '../grading/score.js';
import { parseNotebook } from '../notebook/parse.js';
import type { Notebook } from '../notebook/schema.js';
import type { Submission } from '../store/rows.js';
import { unpackUpload } from '../submission/unpack.js';
import { html, type Html } from './html.js';
import { formatDate, formatScore, renderPage, setPageHeaders } from './layout.js';
import { renderNotebook } from './notebook-view.js';
import { requirePageUser, viewerOf } from './page-auth.js';

function checkBlock(check: CheckResult, withCellLinks: boolean): Html {
  return html`<section class="check check-${check.status}" data-check="${check.id}">
<h3><span>${check.title} <span class="muted">(${check.id})</span></span>
<span><span class="status status-${check.status}">${check.status}</span> ${formatPoints(check.points)} / ${formatPoints(check.maxPoints)}</span></h3>
<pre class="feedback">${check.feedback}</pre>
${withCellLinks && check.cells !== undefined && check.cells.length > 0
    ? html`<p class="muted">About ${check.cells.map((c, i) => html`${i > 0 ? ', ' : ''}<a href="#cell-${c + 1}">cell ${c + 1}</a>`)}</p>`
    : ''}
</section>`;
}

/** Feedback per cell index, for the checks that name cells the notebook has. */
function feedbackByCell(report: GradeReport, cellCount: number): Map<number, Html> {
  const byCell = new Map<number, CheckResult[]>();
  for (const check of report.checks) {
    for (const index of check.cells ?? []) {
      if (index >= cellCount) continue;
      byCell.set(index, [...(byCell.get(index) ?? []), check]);
    }
  }
  return new Map([...byCell].map(([i, checks]) => [i, html`${checks.map((c) => checkBlock(c, false))}`]));
}

async function loadNotebook(ctx: ApiContext, submission: Submission): Promise<{ notebook?: Notebook; problem?: string }> {
  try {
    const bytes = await ctx.blobs.get(submission.blobHash);
    const unpacked = await unpackUpload(submission.fileName, bytes, ctx.uploadLimits);
    return { notebook: parseNotebook(unpacked.notebook.bytes, unpacked.notebook.name) };
  } catch (e) {
    return { problem: coerceError(e).message };
  }
}

function statusSection(view: SubmissionView): Html {
  const settled = view.status === 'graded' || view.status === 'failed';
  if (settled) return html`<p>Status: <span class="status status-${view.status}" data-status>${view.status}</span></p>`;
  return html`<p class="notice" data-live-submission="${view.id}">Status: <span class="status status-${view.status}" data-live-status>${view.status}</span>
— this page shows the report as soon as it is graded.<noscript> Reload the page to see whether it is graded.</noscript></p>`;
}

function reportSection(report: GradeReport): Html {
  return html`<section class="report" data-report>
<p class="score" data-score>${formatScore(report.score, report.maxScore)}</p>
${report.late === undefined ? '' : html`<p class="notice">${report.late.message}</p>`}
${report.gradable ? '' : html`<p class="notice error">This upload could not be graded as a notebook.</p>`}
${report.errors.length === 0 ? '' : html`<ul class="errors">${report.errors.map((e) => html`<li>${e}</li>`)}</ul>`}
${report.objectives.length === 0
    ? ''
    : html`<p class="muted">Objectives: ${report.objectives.map((o, i) => html`${i > 0 ? ' · ' : ''}${o.id} ${formatPoints(o.points)}/${formatPoints(o.maxPoints)}`)}</p>`}
${report.checks.length === 0 ? '' : html`<h2>Checks</h2>
${report.checks.map((c) => checkBlock(c, true))}`}
</section>`;
}

export function reportPageRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/submissions/:id', requirePageUser(ctx), async (req: Request, res: Response) => {
    const { user, csrf } = viewerOf(res);
    const id = String(req.params.id);
    const submission = await ctx.store.getSubmission(id);
    if (submission === undefined || (!isStaff(user) && submission.userId !== user.id)) {
      throw new HttpError(404, 'SUBMISSION_NOT_FOUND', `there is no submission ${id} of yours; open it from your assignment's page`);
    }
    const view = await submissionView(ctx, submission, user);
    const definition = ctx.catalogue.definitions.find((d) => d.id === submission.assignmentId);
    const { notebook, problem } = await loadNotebook(ctx, submission);
    const staff = isStaff(user);
    const owner = staff ? await ctx.store.getUser(submission.userId) : undefined;
    const history = staff ? await ctx.store.listResults(submission.id) : [];
    const regradeAction = `/api/submissions/${encodeURIComponent(submission.id)}/regrade?csrf=${encodeURIComponent(csrf)}`;

    const body = html`<p class="muted">${definition?.title ?? submission.assignmentId} · <span data-file>${submission.fileName}</span> · submitted ${formatDate(submission.createdAt)}
${owner === undefined ? '' : html` · by <strong data-owner>${owner.name}</strong>${owner.studentId === null ? '' : ` (${owner.studentId})`}`}
· <a href="${staff ? `/instructor/assignments/${submission.assignmentId}` : `/assignments/${submission.assignmentId}`}">back to the assignment</a></p>
${statusSection(view)}
${view.error === null ? '' : html`<p class="notice error">${view.error}</p>`}
${staff
    ? html`<form method="post" action="${regradeAction}" class="regrade"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" data-regrade>Regrade</button></form>
<h2>History of results</h2>
${history.length === 0
    ? html`<p class="muted">No results yet.</p>`
    : html`<table class="history"><thead><tr><th>Graded</th><th class="num">Score</th><th>Grader version</th><th></th></tr></thead><tbody>
${history.map((r) => html`<tr${r.isCurrent ? html` class="current"` : ''}><td>${formatDate(r.createdAt)}</td><td class="num">${formatScore(r.score, r.maxScore)}</td><td>${r.graderVersion}</td><td>${r.isCurrent ? 'current' : ''}</td></tr>`)}
</tbody></table>`}`
    : ''}
${view.report === null ? '' : reportSection(view.report)}
<h2>Notebook</h2>
${notebook === undefined
    ? html`<p class="notice">The notebook cannot be shown: ${problem ?? 'unknown reason'}</p>`
    : renderNotebook(notebook, view.report === null ? new Map() : feedbackByCell(view.report, notebook.cells.length))}`;
    setPageHeaders(res);
    res.type('html').send(renderPage({ title: `Submission ${submission.id.slice(0, 8)}`, user, csrf, body }));
  });

  return router;
}
