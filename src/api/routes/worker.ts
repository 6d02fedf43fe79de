/**
 * What workers call (role `worker`): they hold no database credentials, so they read the
 * upload and hand back results here.
 *
 * Attempts: `/started` counts one more attempt, records the worker token that started it
 * and answers its number; that token, and no other, sends it back with `/result` or
 * `/failed`. A result for the attempt already recorded is answered
 * as recorded and changes nothing (a retried request); one from an attempt that a later
 * attempt superseded is refused with 409, so a stalled worker that wakes up late cannot
 * replace a newer grade. Each submission keeps exactly one current result (the store's
 * transaction and unique index guarantee it).
 *
 * Results are claims: the score is recomputed from the assignment's own checks and a
 * report that does not add up is refused (worker-report.ts). Bodies follow the wire
 * contract in src/queue/worker-wire.ts, which the worker parses with too.
 */
import { stat } from 'node:fs/promises';
import { Router, json, type Request, type Response } from 'express';
import { PlatformError } from '../../errors.js';
import type { WorkerFailedRecorded, WorkerResultRecorded, WorkerStarted, WorkerSubmission } from '../../queue/worker-wire.js';
import type { Submission, SubmissionStatus } from '../../store/rows.js';
import { WORKER_ROLES, currentTokenId, requireRole } from '../auth.js';
import type { ApiContext } from '../context.js';
import { applyLatePenalty } from '../deadlines.js';
import { HttpError } from '../http-error.js';
import { SubmissionParamsSchema, WorkerFailedBodySchema, WorkerResultBodySchema, WorkerStartedBodySchema } from '../schemas.js';
import { parseRequest } from '../validate.js';
import { verifiedWorkerReport } from '../worker-report.js';

// The wire's status list and the store's must be the same list.
type SameStatuses = [SubmissionStatus] extends [WorkerSubmission['status']] ? ([WorkerSubmission['status']] extends [SubmissionStatus] ? true : never) : never;
const statusesAgree: SameStatuses = true;
void statusesAgree;

/** Reports carry per-check feedback and captured output; a few MiB is generous. */
const REPORT_BODY_LIMIT = '8mb';

export function workerRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.use('/api/worker', requireRole(ctx.store, WORKER_ROLES));

  router.get('/api/worker/submissions/:id', async (req: Request, res: Response) => {
    const submission = await load(ctx, req);
    const size = await blobSize(ctx, submission.blobHash);
    const body: WorkerSubmission = {
      id: submission.id,
      assignmentId: submission.assignmentId,
      fileName: submission.fileName,
      attempts: submission.attempts,
      status: submission.status,
      size,
      sha256: submission.blobHash,
      limits: ctx.uploadLimits,
    };
    res.json(body);
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
    const running = await ctx.store.attempts.start(submission.id, currentTokenId(res));
    if (running === undefined) throw new HttpError(404, 'SUBMISSION_NOT_FOUND', `there is no submission ${submission.id}`);
    res.json({ id: running.id, status: running.status, attempt: running.attempts } satisfies WorkerStarted);
  });

  router.post('/api/worker/submissions/:id/result', json({ limit: REPORT_BODY_LIMIT }), async (req: Request, res: Response) => {
    const { body } = parseRequest(req, { params: SubmissionParamsSchema, body: WorkerResultBodySchema });
    const submission = await load(ctx, req);
    checkAttempt(submission, body.attempt);
    await checkOwner(ctx, submission, res);
    if (submission.status === 'graded' && body.attempt === submission.attempts) {
      const current = await ctx.store.getCurrentResult(submission.id);
      if (current !== undefined) {
        // A retried request: the passback may not have been scheduled before the first answer was lost.
        await ctx.lms.resultRecorded(submission, current);
        res.json({ id: submission.id, status: submission.status, resultId: current.id, score: current.score, maxScore: current.maxScore, recorded: false } satisfies WorkerResultRecorded);
        return;
      }
    }
    const verified = verifiedWorkerReport(body.report, {
      assignmentId: submission.assignmentId,
      submissionId: submission.id,
      checks: ctx.catalogue.definition(submission.assignmentId).checks,
    });
    const assignment = await ctx.store.getAssignment(submission.assignmentId);
    const report =
      assignment === undefined ? verified : applyLatePenalty(verified, assignment.latePolicy, assignment.dueAt, submission.createdAt);
    const result = await ctx.store.recordResult(submission.id, report);
    await ctx.lms.resultRecorded(submission, result);
    ctx.metrics.outcome(submission.assignmentId, report.gradable ? 'graded' : 'not_gradable');
    ctx.metrics.gradingDuration(submission.assignmentId, report.timings.totalMs / 1000);
    ctx.metrics.turnaround(submission.assignmentId, Math.max(0, (ctx.now().getTime() - submission.createdAt.getTime()) / 1000));
    ctx.logger.info(
      { submissionId: submission.id, attempt: body.attempt, score: result.score, maxScore: result.maxScore, gradable: report.gradable },
      'result recorded',
    );
    res.json({ id: submission.id, status: 'graded', resultId: result.id, score: result.score, maxScore: result.maxScore, recorded: true } satisfies WorkerResultRecorded);
  });

  router.post('/api/worker/submissions/:id/failed', json({ limit: '64kb' }), async (req: Request, res: Response) => {
    const { body } = parseRequest(req, { params: SubmissionParamsSchema, body: WorkerFailedBodySchema });
    const submission = await load(ctx, req);
    checkAttempt(submission, body.attempt);
    // Without an attempt (grading failed before /started answered) only a submission no worker holds may be failed.
    if (body.attempt !== undefined || submission.status === 'running' || submission.status === 'graded') await checkOwner(ctx, submission, res);
    const failed = await ctx.store.markFailed(submission.id, body.message);
    ctx.metrics.outcome(submission.assignmentId, 'failed');
    ctx.logger.warn({ submissionId: submission.id, attempt: body.attempt, message: body.message }, 'grading failed for good');
    res.json({ id: failed.id, status: failed.status } satisfies WorkerFailedRecorded);
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

/** Only the worker token that started the current attempt may hand in its outcome. */
async function checkOwner(ctx: ApiContext, submission: Submission, res: Response): Promise<void> {
  const owner = await ctx.store.attempts.startedBy(submission.id);
  if (owner !== currentTokenId(res)) {
    throw new HttpError(
      409,
      'ATTEMPT_NOT_YOURS',
      `attempt ${submission.attempts} of submission ${submission.id} was not started by this worker token; call /started and send the attempt it returns`,
    );
  }
}

async function blobSize(ctx: ApiContext, hash: string): Promise<number> {
  try {
    return (await stat(ctx.blobs.pathOf(hash))).size;
  } catch (cause) {
    throw new PlatformError('BLOB_NOT_FOUND', `the upload's blob ${hash} is missing from ${ctx.blobs.root}`, { cause });
  }
}
