/**
 * The grading service as a student or instructor reaches it over HTTP: upload, read a
 * submission, request a regrade, wait for the grade. Used by `submit`, `status`,
 * `regrade`, the demo and the service benchmark.
 *
 * Errors map onto exit codes (exit-codes.ts): the API unreachable or answering 5xx →
 * `PlatformError`; an upload that is not a notebook (413/415/422) → `NotGradableError`;
 * any other refusal (401, 403, 404, 429, ...) → `UsageError` carrying the API's message.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import {
  AssignmentListSchema,
  ErrorBodySchema,
  SubmissionListSchema,
  SubmissionViewSchema,
  UploadAcceptedSchema,
  type AssignmentView,
  type SubmissionRowView,
  type SubmissionView,
} from '../api/schemas.js';
import { NotGradableError, PlatformError, UsageError, coerceError } from '../errors.js';

export type UploadAccepted = z.infer<typeof UploadAcceptedSchema>;

export interface ServiceClientOptions {
  apiUrl: string;
  token: string;
  /** Per request. @defaultValue 60000 ms */
  timeoutMs?: number;
}

export interface WaitOptions {
  /** Give up after this long. @defaultValue 600000 ms */
  timeoutMs?: number;
  /** Called on every poll with the submission as it is now. */
  onPoll?: (submission: SubmissionView) => void;
  signal?: AbortSignal;
}

/** A submission is done when it has been graded or grading gave up. */
export function isSettled(submission: SubmissionView): boolean {
  return submission.status === 'graded' || submission.status === 'failed';
}

export class ServiceClient {
  private readonly base: string;

  constructor(private readonly options: ServiceClientOptions) {
    if (options.token === '') {
      throw new UsageError('NO_TOKEN', 'no API token: pass --token or set AUTOGRADER_TOKEN (an instructor creates one with `autograder tokens create`)');
    }
    this.base = options.apiUrl.replace(/\/+$/, '');
  }

  /** Uploads one file (.ipynb or .zip) as the token's user. */
  async upload(assignmentId: string, fileName: string, bytes: Uint8Array): Promise<UploadAccepted> {
    const form = new FormData();
    // Copied into a fresh ArrayBuffer: Blob takes no view over a possibly shared buffer.
    form.append('file', new Blob([new Uint8Array(bytes)]), fileName);
    const response = await this.request('POST', `/api/assignments/${encodeURIComponent(assignmentId)}/submissions`, form);
    return parse(UploadAcceptedSchema, await response.json(), 'upload answer');
  }

  async submission(id: string): Promise<SubmissionView> {
    const response = await this.request('GET', `/api/submissions/${encodeURIComponent(id)}`);
    return parse(SubmissionViewSchema, await response.json(), 'submission');
  }

  async regrade(id: string): Promise<UploadAccepted> {
    const response = await this.request('POST', `/api/submissions/${encodeURIComponent(id)}/regrade`);
    return parse(UploadAcceptedSchema, await response.json(), 'regrade answer');
  }

  /** Staff: every submission of the assignment with its current score (newest first). */
  async assignmentSubmissions(assignmentId: string): Promise<SubmissionRowView[]> {
    const response = await this.request('GET', `/api/assignments/${encodeURIComponent(assignmentId)}/submissions`);
    return parse(SubmissionListSchema, await response.json(), 'submission list').submissions;
  }

  /** Staff: the same list as the service's CSV. */
  async assignmentSubmissionsCsv(assignmentId: string): Promise<string> {
    return (await this.request('GET', `/api/assignments/${encodeURIComponent(assignmentId)}/submissions?format=csv`)).text();
  }

  async assignments(): Promise<AssignmentView[]> {
    const response = await this.request('GET', '/api/assignments');
    return parse(AssignmentListSchema, await response.json(), 'assignment list').assignments;
  }

  /** The file the submission was uploaded as (staff, or its own student). */
  async submissionFile(id: string): Promise<Buffer> {
    return Buffer.from(await (await this.request('GET', `/api/submissions/${encodeURIComponent(id)}/file`)).arrayBuffer());
  }

  /** Polls until the submission is graded or failed (a regrade sets it back to queued first). */
  async waitUntilSettled(id: string, options: WaitOptions = {}): Promise<SubmissionView> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    let delayMs = 200;
    for (;;) {
      const submission = await this.submission(id);
      options.onPoll?.(submission);
      if (isSettled(submission)) return submission;
      if (Date.now() > deadline) {
        throw new PlatformError(
          'GRADING_TIMEOUT',
          `submission ${id} is still ${submission.status} after ${Math.round((options.timeoutMs ?? 600_000) / 1000)} s; is a worker running? Check later with \`autograder status ${id}\``,
        );
      }
      await sleep(delayMs, undefined, { signal: options.signal });
      delayMs = Math.min(delayMs * 1.5, 2000);
    }
  }

  private async request(method: 'GET' | 'POST', path: string, body?: FormData): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.token}` },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
    } catch (e) {
      const cause = (coerceError(e) as { cause?: unknown }).cause;
      const why = cause instanceof Error ? cause.message : coerceError(e).message;
      throw new PlatformError('API_UNREACHABLE', `cannot reach the grading service at ${this.base}: ${why}; is it running (autograder serve), and is --api / API_URL right?`, { cause: e });
    }
    if (response.ok) return response;
    const { code, detail } = await errorOf(response);
    const message = `${detail} (HTTP ${response.status} ${code})`;
    if (response.status >= 500) throw new PlatformError(code, message);
    if (response.status === 413 || response.status === 415 || response.status === 422) throw new NotGradableError(code, message);
    throw new UsageError(code, message);
  }
}

async function errorOf(response: Response): Promise<{ code: string; detail: string }> {
  const text = await response.text().catch(() => '');
  try {
    const body = ErrorBodySchema.safeParse(JSON.parse(text));
    if (body.success) return { code: body.data.error, detail: body.data.detail };
  } catch {
    // Not JSON: a proxy's error page, say. Its first line says enough.
  }
  return { code: `HTTP_${response.status}`, detail: text.split('\n')[0]?.slice(0, 300) || response.statusText };
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new PlatformError('API_BAD_RESPONSE', `the service's ${what} is not what this client expects (${parsed.error.issues[0]?.message}); are client and server the same version?`);
  }
  return parsed.data;
}
