/**
 * Uploading, reading and regrading submissions.
 *
 * An upload is checked before its body is read (assignment, deadline, hourly limit, and a
 * turn among the user's uploads in progress), then streamed to a temporary file, then
 * accepted by `acceptUpload` (validate, store, queue; see accept-upload.ts). The
 * temporary file is removed once the upload is answered, whatever the answer.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Assignment, Submission, User } from '../../store/rows.js';
import { QUEUE_DOWN_DETAIL, acceptUpload, checkMayUpload, tryEnqueue } from '../accept-upload.js';
import { STAFF_ROLES, UPLOAD_ROLES, currentUser, isStaff, requireRole } from '../auth.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { studentReport } from '../report-view.js';
import { AssignmentParamsSchema, SubmissionParamsSchema, type SubmissionView } from '../schemas.js';
import { removeUploadedFile, sweepStaleUploads, uploadParser, uploadedFile } from '../upload.js';
import { parseRequest } from '../validate.js';

// Where the LMS routes found them before they moved to accept-upload.ts.
export { QUEUE_DOWN_DETAIL, tryEnqueue } from '../accept-upload.js';

export function submissionRoutes(ctx: ApiContext): Router {
  const router = Router();
  const parseUpload = uploadParser({ maxUploadBytes: ctx.uploadLimits.maxUploadBytes, tempDir: ctx.uploadTempDir });
  sweepStaleUploads(ctx.uploadTempDir, ctx.logger).catch((e: unknown) => ctx.logger.error({ err: e }, 'could not sweep the temporary upload folder'));

  router.post(
    '/api/assignments/:id/submissions',
    requireRole(ctx.store, UPLOAD_ROLES),
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const { params } = parseRequest(req, { params: AssignmentParamsSchema });
        const { row } = await ctx.catalogue.get(params.id);
        const user = currentUser(res);
        await checkMayUpload(ctx, user, row);
        // 'close' comes once the answer is sent or the client is gone, whichever path led
        // there, also while this upload still waits for its turn below.
        let release: (() => void) | undefined;
        let closed = false;
        res.once('close', () => {
          closed = true;
          release?.();
          void removeUploadedFile(req, ctx.logger);
        });
        release = await ctx.uploadGate.enter(user.id);
        if (closed) {
          // The client left while waiting: give the turn back, read nothing.
          release();
          return;
        }
        res.locals.assignment = row;
        next();
      } catch (e) {
        ctx.metrics.upload(ctx.catalogue.has(String(req.params.id)) ? String(req.params.id) : 'unknown', 'refused');
        throw e;
      }
    },
    parseUpload,
    async (req: Request, res: Response) => {
      const assignment = res.locals.assignment as Assignment;
      const user = currentUser(res);
      let file;
      try {
        file = uploadedFile(req);
      } catch (e) {
        ctx.metrics.upload(assignment.id, 'refused');
        throw e;
      }
      try {
        const { submission, enqueued } = await acceptUpload(ctx, { assignment, user, file, source: 'upload' });
        res
          .status(202)
          .location(`/api/submissions/${submission.id}`)
          .json({
            id: submission.id,
            status: submission.status,
            enqueued,
            ...(enqueued ? {} : { detail: QUEUE_DOWN_DETAIL }),
          });
      } finally {
        // Removed before the answer, not only at 'close': a client that sees the answer
        // finds no temporary file left behind.
        await removeUploadedFile(req, ctx.logger);
      }
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
