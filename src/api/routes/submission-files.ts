/**
 * The file a submission was uploaded as: for its student (their own only) and for staff,
 * who need it to grade a submission again on their own machine (`autograder regrade
 * --dry-run`) or to read it outside the pages.
 */
import { Router, type Request, type Response } from 'express';
import { UPLOAD_ROLES, currentUser, isStaff, requireRole } from '../auth.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { SubmissionParamsSchema } from '../schemas.js';
import { parseRequest } from '../validate.js';

export function submissionFileRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.get('/api/submissions/:id/file', requireRole(ctx.store, UPLOAD_ROLES), async (req: Request, res: Response) => {
    const { params } = parseRequest(req, { params: SubmissionParamsSchema });
    const user = currentUser(res);
    const submission = await ctx.store.getSubmission(params.id);
    if (submission === undefined || (!isStaff(user) && submission.userId !== user.id)) {
      throw new HttpError(404, 'SUBMISSION_NOT_FOUND', `there is no submission ${params.id} of yours; check the id you were given at upload`);
    }
    const bytes = await ctx.blobs.get(submission.blobHash);
    res.type('application/octet-stream').attachment(submission.fileName).set('X-Content-SHA256', submission.blobHash).send(bytes);
  });
  return router;
}
