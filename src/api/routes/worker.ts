/**
 * What workers call (role `worker`): they hold no database credentials, so they read the
 * upload and hand back results here.
 *
 * Attempts: `/started` counts one more attempt and answers its number; a worker sends it
 * back with `/result` or `/failed`. A result for the attempt already recorded is answered
 * as recorded and changes nothing (a retried request); one from an attempt that a later
 * attempt superseded is refused with 409, so a stalled worker that wakes up late cannot
 * replace a newer grade. Each submission keeps exactly one current result (the store's
 * transaction and unique index guarantee it).
 */
import { stat } from 'node:fs/promises';
import { Router, json, type Request, type Response } from 'express';
import { PlatformError } from '../../errors.js';
import type { Submission } from '../../store/rows.js';
import { WORKER_ROLES, requireRole } from '../auth.js';
import type { ApiContext } from '../context.js';
import { applyLatePenalty } from '../deadlines.js';
import { HttpError } from '../http-error.js';
import { SubmissionParamsSchema, WorkerFailedBodySchema, WorkerResultBodySchema, WorkerStartedBodySchema } from '../schemas.js';
import { parseRequest } from '../validate.js';

/** Reports carry per-check feedback and captured output; a few MiB is generous. */
const REPORT_BODY_LIMIT = '8mb';

export function workerRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.use('/api/worker', requireRole(ctx.store, WORKER_ROLES));

  router.get('/api/worker/submissions/:id', async (req: Request, res: Response) => {
    const submission = await load(ctx, req);
    const size = await blobSize(ctx, submission.blobHash);
    res.json({
      id: submission.id,
      assignmentId: submission.assignmentId,
      fileName: submission.fileName,
      attempts: submission.attempts,
      status: submission.status,
      size,
      sha256: submission.blobHash,
    });
  });

  router.get('/api/worker/submissions/:id/file', async (req: Request, res: Response) => {
    const submission = await load(ctx, req);
    const bytes = await ctx.blobs.get(submission.blobHash);
    res
      .type('application/octet-stream')
      .attachment(submission.fileName)
      .set('X-Content-SHA256', submission.blobHash)
      .send(bytes);
  });

  router.post('/api/worker/submissions/:id/started', json({ limit: '16kb' }), async (req: Request, res: Response) => {
    parseRequest(req, { body: WorkerStartedBodySchema });
    const submission = await load(ctx, req);
    const running = await ctx.store.markRunning(submission.id);
    res.json({ id: running.id, status: running.status, attempt: running.attempts });
  });

  router.post('/api/worker/submissions/:id/result', json({ limit: REPORT_BODY_LIMIT }), async (req: Request, res: Response) => {
    const { body } = parseRequest(req, { params: SubmissionParamsSchema, body: WorkerResultBodySchema });
    const submission = await load(ctx, req);
    checkAttempt(submission, body.attempt);
    if (submission.status === 'graded' && (body.attempt === undefined || body.attempt === submission.attempts)) {
      const current = await ctx.store.getCurrentResult(submission.id);
      if (current !== undefined) {
        res.json({ id: submission.id, status: submission.status, resultId: current.id, score: current.score, maxScore: current.maxScore, recorded: false });
        return;
      }
    }
    const assignment = await ctx.store.getAssignment(submission.assignmentId);
    const report =
      assignment === undefined ? body.report : applyLatePenalty(body.report, assignment.latePolicy, assignment.dueAt, submission.createdAt);
    const result = await ctx.store.recordResult(submission.id, report);
    ctx.metrics.outcome(submission.assignmentId, report.gradable ? 'graded' : 'not_gradable');
    ctx.metrics.gradingDuration(submission.assignmentId, report.timings.totalMs / 1000);
    ctx.metrics.turnaround(submission.assignmentId, Math.max(0, (ctx.now().getTime() - submission.createdAt.getTime()) / 1000));
    ctx.logger.info(
      { submissionId: submission.id, attempt: body.attempt, score: result.score, maxScore: result.maxScore, gradable: report.gradable },
      'result recorded',
    );
    res.json({ id: submission.id, status: 'graded', resultId: result.id, score: result.score, maxScore: result.maxScore, recorded: true });
  });

  router.post('/api/worker/submissions/:id/failed', json({ limit: '64kb' }), async (req: Request, res: Response) => {
    const { body } = parseRequest(req, { params: SubmissionParamsSchema, body: WorkerFailedBodySchema });
    const submission = await load(ctx, req);
    checkAttempt(submission, body.attempt);
    const failed = await ctx.store.markFailed(submission.id, body.message);
    ctx.metrics.outcome(submission.assignmentId, 'failed');
    ctx.logger.warn({ submissionId: submission.id, attempt: body.attempt, message: body.message }, 'grading failed for good');
    res.json({ id: failed.id, status: failed.status });
  });

  return router;
}

async function load(ctx: ApiContext, req: Request): Promise<Submission> {
  const { params } = parseRequest(req, { params: SubmissionParamsSchema });
  const submission = await ctx.store.getSubmission(params.id);
  if (submission === undefined) throw new HttpError(404, 'SUBMISSION_NOT_FOUND', `there is no submission ${params.id}`);
  return submission;
}

function checkAttempt(submission: Submission, attempt: number | undefined): void {
  if (attempt === undefined) return;
  if (attempt < submission.attempts) {
    throw new HttpError(
      409,
      'STALE_ATTEMPT',
      `attempt ${attempt} of submission ${submission.id} was superseded by attempt ${submission.attempts}; drop this job's outcome`,
    );
  }
  if (attempt > submission.attempts) {
    throw new HttpError(409, 'ATTEMPT_NOT_STARTED', `submission ${submission.id} has had ${submission.attempts} attempt(s); call /started first and send the attempt it returns`);
  }
}

async function blobSize(ctx: ApiContext, hash: string): Promise<number> {
  try {
    return (await stat(ctx.blobs.pathOf(hash))).size;
  } catch (cause) {
    throw new PlatformError('BLOB_NOT_FOUND', `the upload's blob ${hash} is missing from ${ctx.blobs.root}`, { cause });
  }
}
