/**
 * A student's pages: their assignments (due date, best and latest score) and one
 * assignment (upload by drag and drop or file picker, their submissions). Scores are
 * what the student may see (`submissionView`: visible checks only).
 */
import { Router, type Request, type Response } from 'express';
import { isStaff } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { submissionView } from '../api/routes/submissions.js';
import type { SubmissionView } from '../api/schemas.js';
import type { LatePolicy, User } from '../store/rows.js';
import { html, type Html } from './html.js';
import { formatDate, formatScore, renderPage, setPageHeaders } from './layout.js';
import { requirePageUser, viewerOf } from './page-auth.js';

async function mySubmissions(ctx: ApiContext, user: User, assignmentId: string): Promise<SubmissionView[]> {
  const submissions = await ctx.store.listSubmissions({ assignmentId, userId: user.id, limit: 200 });
  return Promise.all(submissions.map((s) => submissionView(ctx, s, user)));
}

function statusBadge(status: string): Html {
  return html`<span class="status status-${status}">${status}</span>`;
}

function latePolicyText(policy: LatePolicy): string {
  switch (policy.kind) {
    case 'accept':
      return 'Late submissions are accepted without penalty.';
    case 'reject':
      return 'Submissions after the due date are refused.';
    case 'penalty':
      return `Late submissions lose ${policy.percentPerDay}% per started day, and are refused after ${policy.maxDaysLate} days.`;
  }
}

export function studentPageRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/', requirePageUser(ctx), async (_req: Request, res: Response) => {
    const { user, csrf } = viewerOf(res);
    if (isStaff(user)) {
      res.redirect(303, '/instructor');
      return;
    }
    const rows: Html[] = [];
    for (const definition of ctx.catalogue.definitions) {
      const { row } = await ctx.catalogue.get(definition.id);
      const views = await mySubmissions(ctx, user, definition.id);
      const latest = views[0];
      const scored = views.filter((v) => v.report !== null);
      const best = scored.reduce<SubmissionView | undefined>((b, v) => (b === undefined || v.report!.score > b.report!.score ? v : b), undefined);
      rows.push(html`<tr data-assignment="${definition.id}">
<td><a href="/assignments/${definition.id}">${definition.title}</a></td>
<td>${formatDate(row.dueAt)}</td>
<td class="num" data-best>${best === undefined ? '—' : formatScore(best.report!.score, best.report!.maxScore)}</td>
<td class="num" data-latest>${latest === undefined ? '—' : latest.report === null ? statusBadge(latest.status) : formatScore(latest.report.score, latest.report.maxScore)}</td>
<td class="num">${views.length}</td>
</tr>`);
    }
    setPageHeaders(res);
    res.type('html').send(
      renderPage({
        title: 'My assignments',
        user,
        csrf,
        body: html`<table>
<thead><tr><th>Assignment</th><th>Due</th><th class="num">Best score</th><th class="num">Latest</th><th class="num">Submissions</th></tr></thead>
<tbody>${rows}</tbody></table>`,
      }),
    );
  });

  router.get('/assignments/:id', requirePageUser(ctx), async (req: Request, res: Response) => {
    const { user, csrf } = viewerOf(res);
    const { definition, row } = await ctx.catalogue.get(String(req.params.id));
    const views = await mySubmissions(ctx, user, definition.id);
    const uploadAction = `/api/assignments/${encodeURIComponent(definition.id)}/submissions?csrf=${encodeURIComponent(csrf)}`;
    setPageHeaders(res);
    res.type('html').send(
      renderPage({
        title: definition.title,
        user,
        csrf,
        body: html`<p>Due ${formatDate(row.dueAt)}. ${latePolicyText(row.latePolicy)}
${row.maxSubmissionsPerHour === null ? '' : ` At most ${row.maxSubmissionsPerHour} submissions per hour.`}</p>
${isStaff(user) ? html`<p><a href="/instructor/assignments/${definition.id}">Class results for this assignment</a></p>` : ''}
<h2>Upload</h2>
<form method="post" enctype="multipart/form-data" action="${uploadAction}" class="upload">
  <input type="hidden" name="_csrf" value="${csrf}">
  <div class="dropzone" data-dropzone>
    <p>Drop your notebook (<code>.ipynb</code>, or a <code>.zip</code> with the notebook and its model files) here, or choose it:</p>
    <input type="file" name="file" id="file" accept=".ipynb,.zip" required>
  </div>
  <button type="submit">Upload and grade</button>
</form>
<h2>My submissions</h2>
${views.length === 0
  ? html`<p class="muted">Nothing uploaded yet.</p>`
  : html`<table class="submissions"><thead><tr><th>Submitted</th><th>File</th><th>Status</th><th class="num">Score</th></tr></thead><tbody>
${views.map((v) => html`<tr><td><a href="/submissions/${v.id}">${formatDate(new Date(v.createdAt))}</a></td><td>${v.fileName}</td><td>${statusBadge(v.status)}</td>
<td class="num">${v.report === null ? '—' : formatScore(v.report.score, v.report.maxScore)}</td></tr>`)}
</tbody></table>`}`,
      }),
    );
  });

  return router;
}
