/**
 * Accepting one upload: the steps every way in shares (the upload route, the LMS webhook).
 *
 * Order (DESIGN.md section 3, "nothing is lost"): validate the file exactly as a worker
 * will unpack it (a few at a time, holding only the notebook in memory), store the blob,
 * store the submission (the hourly limit is checked in that same transaction), then
 * enqueue. When Redis is down at that point the upload is still accepted (`enqueued:
 * false`): the submission is durable and `queued`, and the reconciler queues it later.
 *
 * The file stays where the caller put it; the caller removes it, whatever happens here.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { coerceError, isAutograderError } from '../errors.js';
import { parseNotebook } from '../notebook/parse.js';
import { enqueueSubmission } from '../queue/enqueue-submission.js';
import { stripControlCharacters } from '../safe-text.js';
import type { Assignment, Submission, SubmissionSource, User } from '../store/rows.js';
import { SubmissionLimitError } from '../store/store.js';
import { inspectUploadFile, type InspectedUpload } from '../submission/unpack.js';
import { isStaff } from './auth.js';
import type { ApiContext } from './context.js';
import { HOUR_MS, lateDecision, retryAfterSeconds } from './deadlines.js';
import { HttpError } from './http-error.js';

/** An upload's bytes in a file on disk, and the name the client gave it. */
export interface ReceivedFile {
  /** Display name only (control characters already removed), never a path on disk. */
  name: string;
  path: string;
}

export interface AcceptUploadInput {
  assignment: Assignment;
  user: User;
  file: ReceivedFile;
  source: SubmissionSource;
}

export interface AcceptedUpload {
  submission: Submission;
  /** False when the queue was unreachable: the reconciler queues the submission later. */
  enqueued: boolean;
}

export const QUEUE_DOWN_DETAIL =
  'accepted and stored; the grading queue is unreachable right now, so grading starts automatically once it is back';

/**
 * Validates, stores and queues one upload. Throws the unpacker's and parser's
 * NotGradableErrors (413/415/422 with what to fix), 429 over the hourly limit, 503 when
 * storage fails; nothing is recorded then.
 */
export async function acceptUpload(ctx: ApiContext, input: AcceptUploadInput): Promise<AcceptedUpload> {
  const { assignment, user, file } = input;
  let submission: Submission;
  try {
    await validateUploadFile(ctx, file);
    const blob = await ctx.blobs.putFile(file.path);
    submission = await ctx.store.createSubmission({
      assignmentId: assignment.id,
      userId: user.id,
      fileName: file.name,
      blob,
      source: input.source,
      ...hourlyLimit(ctx, user, assignment),
    });
  } catch (e) {
    ctx.metrics.upload(assignment.id, 'refused');
    if (e instanceof SubmissionLimitError) throw await tooManySubmissions(ctx, user, assignment, e.max);
    throw e;
  }
  ctx.metrics.upload(assignment.id, 'accepted');
  const enqueued = await tryEnqueue(ctx, submission);
  ctx.logger.info({ submissionId: submission.id, assignmentId: assignment.id, userId: user.id, enqueued }, 'upload accepted');
  return { submission, enqueued };
}

/**
 * `acceptUpload` for bytes already in memory (a webhook whose signature covers the whole
 * body): they are written to a temporary file first, removed again whatever happens.
 */
export async function acceptUploadBytes(
  ctx: ApiContext,
  input: Omit<AcceptUploadInput, 'file'> & { file: { name: string; bytes: Uint8Array } },
): Promise<AcceptedUpload> {
  await mkdir(ctx.uploadTempDir, { recursive: true, mode: 0o700 });
  const path = join(ctx.uploadTempDir, `upload-${randomUUID()}`);
  try {
    await writeFile(path, input.file.bytes, { flag: 'wx', mode: 0o600 });
    return await acceptUpload(ctx, { ...input, file: { name: stripControlCharacters(input.file.name), path } });
  } finally {
    await unlink(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') ctx.logger.error({ err: e, path }, "could not remove an upload's temporary file");
    });
  }
}

/**
 * Unpacks and parses the file exactly as a worker will, so what is accepted can be graded;
 * a few at a time service-wide (see UploadGate).
 */
export async function validateUploadFile(ctx: ApiContext, file: ReceivedFile): Promise<InspectedUpload> {
  return ctx.uploadGate.validate(async () => {
    const inspected = await inspectUploadFile(file.path, file.name, ctx.uploadLimits);
    parseNotebook(inspected.notebook.bytes, inspected.notebook.name, { maxBytes: ctx.uploadLimits.maxNotebookBytes });
    return inspected;
  });
}

/**
 * Before the body is read: 403 past the deadline (when refused), 429 at the hourly limit.
 * The limit is checked again, atomically, when the submission is stored. Staff are exempt:
 * instructors try their own solutions after the deadline and many times an hour.
 */
export async function checkMayUpload(ctx: ApiContext, user: User, assignment: Assignment): Promise<void> {
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
  const count = await ctx.store.countRecentSubmissions(user.id, assignment.id, new Date(now.getTime() - HOUR_MS));
  if (count >= max) throw await tooManySubmissions(ctx, user, assignment, max);
}

function hourlyLimit(ctx: ApiContext, user: User, assignment: Assignment): { limit?: { max: number; since: Date } } {
  const max = assignment.maxSubmissionsPerHour;
  if (max === null || isStaff(user)) return {};
  return { limit: { max, since: new Date(ctx.now().getTime() - HOUR_MS) } };
}

async function tooManySubmissions(ctx: ApiContext, user: User, assignment: Assignment, max: number): Promise<HttpError> {
  const now = ctx.now();
  const recent = await ctx.store.listSubmissions({ assignmentId: assignment.id, userId: user.id, limit: max });
  const wait = retryAfterSeconds(
    recent.map((s) => s.createdAt),
    max,
    now,
  );
  return new HttpError(
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
export async function tryEnqueue(ctx: ApiContext, submission: Submission): Promise<boolean> {
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
