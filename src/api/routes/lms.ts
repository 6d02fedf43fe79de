/**
 * The LMS face of the API:
 * - `POST /api/lms/:integration/submissions`: a signed webhook (src/lms/signature.ts) with a
 *   multipart body (`assignment`, `user`, `submission`, `file` or `file_url`, optional
 *   `lineitem` and `name`), accepted like an upload (202 {id, status}). Nothing is read or
 *   stored before the signature holds; an unknown integration, a missing or bad signature
 *   and a stale timestamp are all 401. Idempotent on (integration, LMS submission id).
 * - `GET /.well-known/jwks.json`: our public key, for platforms checking our LTI client assertions.
 * - `GET /api/submissions/:id/lms-deliveries`: the score passback log (instructors).
 */
import { Router, raw, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { UsageError } from '../../errors.js';
import { fetchFileUrl, FileUrlError } from '../../lms/fetch.js';
import { integrationSecret } from '../../lms/integrations.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, checkTimestamp, signatureMatches } from '../../lms/signature.js';
import type { IntegrationRow } from '../../store/lms-repository.js';
import type { Submission } from '../../store/rows.js';
import { STAFF_ROLES, requireRole } from '../auth.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { SubmissionParamsSchema } from '../schemas.js';
import { parseRequest } from '../validate.js';
import { QUEUE_DOWN_DETAIL, acceptUploadBytes } from '../accept-upload.js';

/** The file of a webhook: held in memory, since the signature covers the whole body. */
interface UploadedFile {
  name: string;
  bytes: Buffer;
}

const LmsId = z.string().trim().min(1).max(200);

/** The webhook's fields, as the LMS sends them (multipart text fields). */
export const LmsWebhookFieldsSchema = z
  .object({
    assignment: LmsId,
    /** The LMS's user id; the AGS `userId` of the score sent back. */
    user: LmsId,
    /** The LMS's submission id: the idempotency key. */
    submission: LmsId,
    file_url: z.url({ protocol: /^https?$/ }).optional(),
    /** The AGS line item URL the score goes to; else the one configured for the assignment. */
    lineitem: z.url({ protocol: /^https?$/ }).optional(),
    /** The student's display name, used when the user is first seen. */
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const LmsIntegrationParamsSchema = z.object({ integration: LmsId.describe('The id `autograder lms add` printed') });

/** Multipart overhead (boundaries, part headers, text fields) allowed over the upload limit. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

export function lmsRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/.well-known/jwks.json', async (_req: Request, res: Response) => {
    res.set('Cache-Control', 'public, max-age=300').json(await ctx.lms.keys.jwks());
  });

  router.post(
    '/api/lms/:integration/submissions',
    // Before the body is read: the integration and the timestamp.
    async (req: Request, res: Response, next: NextFunction) => {
      const params = LmsIntegrationParamsSchema.safeParse(req.params);
      const integration = params.success ? await ctx.lms.repo.getIntegration(params.data.integration) : undefined;
      if (integration === undefined) throw unauthorized('UNKNOWN_INTEGRATION', 'there is no LMS integration with this id; use the id `autograder lms add` printed');
      const check = checkTimestamp(req.get(TIMESTAMP_HEADER), ctx.now());
      if (!check.ok) throw unauthorized(check.code, check.detail);
      // The body is held in memory until its signature is checked: a few at a time per integration, like a user's uploads.
      const release = await ctx.uploadGate.enter(`lms:${integration.id}`);
      res.once('close', release);
      res.locals.integration = integration;
      next();
    },
    raw({ type: () => true, limit: ctx.uploadLimits.maxUploadBytes + MULTIPART_OVERHEAD_BYTES }),
    async (req: Request, res: Response) => {
      const integration = res.locals.integration as IntegrationRow;
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const timestamp = req.get(TIMESTAMP_HEADER)!;
      if (!signatureMatches(integrationSecret(ctx.lms.box, integration), timestamp, body, req.get(SIGNATURE_HEADER))) {
        throw unauthorized('SIGNATURE_INVALID', `${SIGNATURE_HEADER} is not sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>"> under this integration's secret`);
      }
      const { fields, file } = await readForm(req, body);
      const existing = await ctx.lms.repo.getLmsSubmission(integration.id, fields.submission);
      if (existing !== undefined) {
        res.status(202).json(await repeatAnswer(ctx, existing.submissionId, fields.submission));
        return;
      }
      const { row: assignment } = await ctx.catalogue.get(fields.assignment);
      const claim = await ctx.lms.repo.claimSubmission({
        integrationId: integration.id,
        lmsSubmissionId: fields.submission,
        lmsUserId: fields.user,
        lineItem: fields.lineitem ?? null,
      });
      if (!claim.claimed) {
        res.status(202).json(await repeatAnswer(ctx, claim.existing.submissionId, fields.submission));
        return;
      }
      let accepted: { submission: Submission; enqueued: boolean };
      try {
        const upload = file ?? (await fetchUpload(ctx, integration, fields.file_url!));
        const userId = await ctx.lms.repo.studentFor(integration.id, fields.user, fields.name ?? `${integration.name} user ${fields.user}`);
        const user = await ctx.store.getUser(userId);
        if (user === undefined) throw new UsageError('USER_NOT_FOUND', `the student of LMS user ${fields.user} is gone; ask an administrator`);
        accepted = await acceptUploadBytes(ctx, { assignment, user, file: upload, source: 'lms' });
        await ctx.lms.repo.completeClaim(integration.id, fields.submission, accepted.submission.id);
      } catch (e) {
        // Refused or failed: the LMS may send this submission id again.
        await ctx.lms.repo.releaseClaim(integration.id, fields.submission);
        throw e;
      }
      const { submission, enqueued } = accepted;
      ctx.logger.info({ submissionId: submission.id, integration: integration.name, lmsSubmission: fields.submission, enqueued }, 'LMS submission accepted');
      res
        .status(202)
        .location(`/api/submissions/${submission.id}`)
        .json({ id: submission.id, status: submission.status, enqueued, ...(enqueued ? {} : { detail: QUEUE_DOWN_DETAIL }) });
    },
  );

  router.get('/api/submissions/:id/lms-deliveries', requireRole(ctx.store, STAFF_ROLES), async (req: Request, res: Response) => {
    const { params } = parseRequest(req, { params: SubmissionParamsSchema });
    if ((await ctx.store.getSubmission(params.id)) === undefined) throw new HttpError(404, 'SUBMISSION_NOT_FOUND', `there is no submission ${params.id}`);
    const deliveries = await ctx.lms.repo.deliveriesOf(params.id);
    res.json({
      submissionId: params.id,
      deliveries: deliveries.map((d) => ({
        id: d.id,
        resultId: d.resultId,
        channel: d.channel,
        target: d.target,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError,
        scoreTimestamp: d.scoreTimestamp.toISOString(),
        createdAt: d.createdAt.toISOString(),
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
        log: d.events.map((e) => ({ at: e.at.toISOString(), outcome: e.outcome, httpStatus: e.httpStatus, detail: e.detail })),
      })),
    });
  });

  return router;
}

function unauthorized(code: string, detail: string): HttpError {
  return new HttpError(401, code, detail, { headers: { 'WWW-Authenticate': 'HMAC-SHA256' } });
}

/** The multipart body, parsed from the bytes the signature covered. */
async function readForm(req: Request, body: Buffer): Promise<{ fields: z.output<typeof LmsWebhookFieldsSchema>; file: UploadedFile | undefined }> {
  const contentType = req.get('content-type') ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    throw new HttpError(415, 'NOT_MULTIPART', 'send the webhook as multipart/form-data with the fields assignment, user, submission and file (or file_url)');
  }
  let form: FormData;
  try {
    form = await new Response(new Blob([new Uint8Array(body)]), { headers: { 'content-type': contentType } }).formData();
  } catch (e) {
    throw new HttpError(400, 'BAD_MULTIPART', `the multipart body could not be read (${(e as Error).message}); send it again`);
  }
  const text: Record<string, string> = {};
  const files: File[] = [];
  for (const [key, value] of form.entries()) {
    if (typeof value === 'string') {
      if (key in text) throw new HttpError(400, 'BAD_REQUEST', `the field ${key} is sent twice`);
      text[key] = value;
    } else if (key === 'file') {
      files.push(value);
    } else {
      throw new HttpError(400, 'WRONG_FIELD', `send the file in the multipart field "file", not "${key}"`);
    }
  }
  const parsed = LmsWebhookFieldsSchema.safeParse(text);
  if (!parsed.success) {
    throw new HttpError(400, 'BAD_REQUEST', parsed.error.issues.map((i) => `body.${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  if (files.length > 1) throw new HttpError(400, 'TOO_MANY_FILES', 'send exactly one file in the field "file"; put a notebook and its model files in one .zip');
  if ((files.length === 1) === (parsed.data.file_url !== undefined)) {
    throw new HttpError(400, 'BAD_REQUEST', 'send the notebook either in the field "file" or as "file_url", exactly one of them');
  }
  const [only] = files;
  const file = only === undefined ? undefined : { name: only.name.split(/[\\/]/).at(-1)?.trim().slice(-255) || 'upload', bytes: Buffer.from(await only.arrayBuffer()) };
  return { fields: parsed.data, file };
}

async function fetchUpload(ctx: ApiContext, integration: IntegrationRow, url: string): Promise<UploadedFile> {
  try {
    return await fetchFileUrl(url, {
      allowHosts: integration.allowHosts,
      allowPrivate: integration.allowPrivate,
      maxBytes: ctx.uploadLimits.maxUploadBytes,
      timeoutMs: ctx.lms.fileUrlTimeoutMs,
    });
  } catch (e) {
    if (e instanceof FileUrlError) throw new HttpError(e.status, e.code, e.message, {}, { cause: e });
    throw e;
  }
}

/** The answer to a webhook the LMS sent before: the same submission, nothing new stored. */
async function repeatAnswer(ctx: ApiContext, submissionId: string | null, lmsSubmissionId: string): Promise<Record<string, unknown>> {
  if (submissionId === null) {
    throw new HttpError(409, 'LMS_SUBMISSION_IN_PROGRESS', `LMS submission ${lmsSubmissionId} is being stored by an earlier request; send it again in a few seconds`, {
      headers: { 'Retry-After': '5' },
    });
  }
  const submission = await ctx.store.getSubmission(submissionId);
  if (submission === undefined) throw new UsageError('SUBMISSION_NOT_FOUND', `LMS submission ${lmsSubmissionId} maps to submission ${submissionId}, which no longer exists`);
  return { id: submission.id, status: submission.status, duplicate: true };
}
