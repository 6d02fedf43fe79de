/**
 * Uploading, reading and regrading submissions.
 *
 * Upload order (DESIGN.md section 3, "nothing is lost"): check the request (assignment,
 * deadline, hourly limit), read and validate the file, store the blob, store the
 * submission, then enqueue, then answer 202. When Redis is down at that point the upload
 * is still accepted (202, `enqueued: false`): the submission is durable and `queued`,
 * and the reconciler puts it on the queue once Redis is back. Only a failing store or
 * blob storage refuses an upload that was valid (503), and then nothing was recorded.
 */
import { Router, type Request, type Response } from 'express';
import { coerceError, isAutograderError } from '../../errors.js';
import { enqueueSubmission } from '../../queue/enqueue-submission.js';
import type { Assignment, Submission, User } from '../../store/rows.js';
import { STAFF_ROLES, UPLOAD_ROLES, currentUser, isStaff, requireRole } from '../auth.js';
import type { ApiContext } from '../context.js';
import { HOUR_MS, lateDecision, retryAfterSeconds } from '../deadlines.js';
import { HttpError } from '../http-error.js';
import { studentReport } from '../report-view.js';
import { AssignmentParamsSchema, SubmissionParamsSchema, type SubmissionView } from '../schemas.js';
import { uploadParser, uploadedFile, validateUpload } from '../upload.js';
import { parseRequest } from '../validate.js';

export function submissionRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.post(
    '/api/assignments/:id/submissions',
    requireRole(ctx.store, UPLOAD_ROLES),
    async (req: Request, res: Response, next) => {
      try {
        const { params } = parseRequest(req, { params: AssignmentParamsSchema });
        const { row } = await ctx.catalogue.get(params.id);
        await checkMayUpload(ctx, currentUser(res), row);
        res.locals.assignment = row;
        next();
      } catch (e) {
        ctx.metrics.upload(ctx.catalogue.has(String(req.params.id)) ? String(req.params.id) : 'unknown', 'refused');
        throw e;
      }
    },
    uploadParser(ctx.uploadLimits.maxUploadBytes),
    async (req: Request, res: Response) => {
      const assignment = res.locals.assignment as Assignment;
      const user = currentUser(res);
      let submission: Submission;
      try {
        const file = uploadedFile(req);
        await validateUpload(file, ctx.uploadLimits);
        const blob = await ctx.blobs.put(file.bytes);
        submission = await ctx.store.createSubmission({
          assignmentId: assignment.id,
          userId: user.id,
          fileName: file.name,
          blob,
          source: 'upload',
        });
      } catch (e) {
        ctx.metrics.upload(assignment.id, 'refused');
        throw e;
      }
      ctx.metrics.upload(assignment.id, 'accepted');
      const enqueued = await tryEnqueue(ctx, submission);
      ctx.logger.info({ submissionId: submission.id, assignmentId: assignment.id, userId: user.id, enqueued }, 'upload accepted');
      res
        .status(202)
        .location(`/api/submissions/${submission.id}`)
        .json({
          id: submission.id,
          status: submission.status,
          enqueued,
          ...(enqueued ? {} : { detail: QUEUE_DOWN_DETAIL }),
        });
    },
  );

  router.get('/api/submissions/:id', requireRole(ctx.store, UPLOAD_ROLES), async (req: Request, res: Response) => {
    const { params } = parseRequest(req, { params: SubmissionParamsSchema });
    const user = currentUser(res);
    const submission = await ctx.store.getSubmission(params.id);
    // Another student's submission is "not found": its existence is not theirs to learn.
    if (submission === undefined || (!isStaff(user) && submission.userId !== user.id)) {
      throw new HttpError(404, 'SUBMISSION_NOT_FOUND', `there is no submission ${params.id} of yours; check the id you were given at upload`);
    }
    res.json(await submissionView(ctx, submission, user));
  });

  router.post('/api/submissions/:id/regrade', requireRole(ctx.store, STAFF_ROLES), async (req: Request, res: Response) => {
    const { params } = parseRequest(req, { params: SubmissionParamsSchema });
    const existing = await ctx.store.getSubmission(params.id);
    if (existing === undefined) throw new HttpError(404, 'SUBMISSION_NOT_FOUND', `there is no submission ${params.id}`);
    // 404 before anything changes when the assignment is no longer installed.
    ctx.catalogue.definition(existing.assignmentId);
    const submission = await ctx.store.requeueSubmission(existing.id);
    const enqueued = await tryEnqueue(ctx, submission);
    res.status(202).json({ id: submission.id, status: submission.status, enqueued, ...(enqueued ? {} : { detail: QUEUE_DOWN_DETAIL }) });
  });

  return router;
}

const QUEUE_DOWN_DETAIL =
  'accepted and stored; the grading queue is unreachable right now, so grading starts automatically once it is back';

/**
 * 403 past the deadline (when refused), 429 over the hourly limit. Staff are exempt:
 * instructors try their own solutions after the deadline and many times an hour.
 */
async function checkMayUpload(ctx: ApiContext, user: User, assignment: Assignment): Promise<void> {
  if (isStaff(user)) return;
  const now = ctx.now();
  const late = lateDecision(assignment.latePolicy, assignment.dueAt, now);
  if (late.kind === 'refused') {
    throw new HttpError(403, 'PAST_DUE', `${assignment.id}: ${late.reason}`, {
      body: { dueAt: assignment.dueAt?.toISOString() ?? null },
    });
  }
  const max = assignment.maxSubmissionsPerHour;
  if (max === null) return;
  const since = new Date(now.getTime() - HOUR_MS);
  const count = await ctx.store.countRecentSubmissions(user.id, assignment.id, since);
  if (count < max) return;
  const recent = await ctx.store.listSubmissions({ assignmentId: assignment.id, userId: user.id, limit: max });
  const wait = retryAfterSeconds(
    recent.map((s) => s.createdAt),
    max,
    now,
  );
  throw new HttpError(
    429,
    'TOO_MANY_SUBMISSIONS',
    `${assignment.id} accepts at most ${max} submission${max === 1 ? '' : 's'} per hour from each student; try again in ${Math.ceil(wait / 60)} minute${wait > 60 ? 's' : ''}`,
    { headers: { 'Retry-After': String(wait) }, body: { retryAfterSeconds: wait } },
  );
}

/**
 * Enqueues and confirms; false (logged) when Redis is unreachable. The submission stays
 * `queued` with no enqueue confirmation, which is exactly what the reconciler picks up.
 */
async function tryEnqueue(ctx: ApiContext, submission: Submission): Promise<boolean> {
  const definition = ctx.catalogue.definition(submission.assignmentId);
  try {
    await enqueueSubmission(ctx.queues, ctx.store, submission, definition);
    return true;
  } catch (e) {
    if (!isAutograderError(e) || e.kind !== 'platform') throw e;
    ctx.logger.warn(
      { submissionId: submission.id, code: e.code, err: coerceError(e).message },
      'submission stored but not queued; the reconciler will queue it',
    );
    return false;
  }
}

/** The submission as `viewer` may see it. */
export async function submissionView(ctx: ApiContext, submission: Submission, viewer: User): Promise<SubmissionView> {
  const result = await ctx.store.getCurrentResult(submission.id);
  let report = result?.report ?? null;
  let error = submission.status === 'failed' ? submission.errorMessage : null;
  if (!isStaff(viewer)) {
    const assignment = await ctx.store.getAssignment(submission.assignmentId);
    if (report !== null) report = studentReport(report, assignment?.dueAt ?? null, ctx.now());
    // Failure messages are written for instructors and may name the platform's insides.
    if (error !== null) error = 'grading failed for a reason on our side, not in your notebook; your instructor has been told and can regrade it';
  }
  return {
    id: submission.id,
    status: submission.status,
    assignmentId: submission.assignmentId,
    createdAt: submission.createdAt.toISOString(),
    updatedAt: submission.updatedAt.toISOString(),
    fileName: submission.fileName,
    attempts: submission.attempts,
    report,
    error,
  };
}
