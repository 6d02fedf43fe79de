/**
 * The worker's only way to the data: the API's worker endpoints, with the worker token.
 * Workers hold no database credentials (DESIGN.md principle 5).
 *
 * Errors, as the job processor needs them:
 * - the API is unreachable, slow, or answers 5xx/429 → `PlatformError` (the job is retried);
 * - 401/403 → `PlatformError` `WORKER_TOKEN_REJECTED` (an operator must fix the token; the
 *   job waits in retries meanwhile rather than being lost);
 * - 404 → `UsageError` `SUBMISSION_NOT_FOUND` (nothing left to grade);
 * - 409 `STALE_ATTEMPT` → `UsageError` `STALE_ATTEMPT` (a later attempt owns the submission);
 * - any other 4xx → `UsageError` with the API's code and message.
 *
 * Attempts: `/started` answers which attempt this is; results and failures carry it back,
 * so a retried POST records nothing twice and a late worker cannot replace a newer grade.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { PlatformError, UsageError, coerceError, isAutograderError } from '../src/errors.js';
import type { GradeReport } from '../src/grading/report.js';
import {
  WireErrorBodySchema,
  WorkerFailedRecordedSchema,
  WorkerResultRecordedSchema,
  WorkerStartedSchema,
  WorkerSubmissionSchema,
  type WorkerResultBody,
  type WorkerSubmission,
} from '../src/queue/worker-wire.js';

export { WorkerSubmissionSchema, type WorkerSubmission };

/** What a download must match: the size and sha256 the API gave for the submission. */
export interface ExpectedFile {
  size: number;
  sha256: string;
}

export interface WorkerApi {
  getSubmission(id: string, signal?: AbortSignal): Promise<WorkerSubmission>;
  /** The upload's bytes, checked against the size and sha256 the API gave; more bytes than that are never read. */
  downloadFile(id: string, expected: ExpectedFile, signal?: AbortSignal): Promise<Uint8Array>;
  /** Counts one more attempt at grading; returns its number. */
  markStarted(id: string): Promise<number>;
  /**
   * Stores the report as the submission's current result. The API records one result per
   * attempt, so a retried POST cannot add a second.
   */
  postResult(id: string, report: GradeReport, attempt: number): Promise<void>;
  /** Grading gave up for a reason that is not the student's (grader bug, retries spent). */
  postFailed(id: string, message: string, attempt: number | undefined): Promise<void>;
}

export interface HttpWorkerApiOptions {
  apiUrl: string;
  workerToken: string;
  /** Per request. @defaultValue 30000 ms */
  timeoutMs?: number;
  /** Tries per request on network errors and 5xx before giving up. @defaultValue 3 */
  tries?: number;
  fetch?: typeof fetch;
}

const ErrorBodySchema = WireErrorBodySchema;

export class HttpWorkerApi implements WorkerApi {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly tries: number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: HttpWorkerApiOptions) {
    if (options.workerToken === '') {
      throw new UsageError(
        'NO_WORKER_TOKEN',
        'no worker token: create one with `autograder tokens create --role worker --name <machine>` and set WORKER_TOKEN',
      );
    }
    this.base = options.apiUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.tries = options.tries ?? 3;
    this.fetchFn = options.fetch ?? fetch;
  }

  /**
   * Fails fast with WORKER_TOKEN_REJECTED when the API refuses the token, so a misconfigured
   * worker stops at start instead of failing every job it takes. The API checks the token
   * before it looks for the submission, so a 404 for a made-up id means the token is good.
   */
  async checkToken(): Promise<void> {
    try {
      await this.request('GET', this.submissionPath('token-check'), { tries: 1 });
    } catch (e) {
      if (isAutograderError(e) && e.code === 'SUBMISSION_NOT_FOUND') return;
      throw e;
    }
  }

  async getSubmission(id: string, signal?: AbortSignal): Promise<WorkerSubmission> {
    const response = await this.request('GET', this.submissionPath(id), { signal });
    return parseWire(WorkerSubmissionSchema, await readJson(response), `the API's answer for submission ${id}`);
  }

  async downloadFile(id: string, expected: ExpectedFile, signal?: AbortSignal): Promise<Uint8Array> {
    const response = await this.request('GET', `${this.submissionPath(id)}/file`, { signal });
    const bytes = await readCapped(response, expected.size, id);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (bytes.byteLength !== expected.size || sha256 !== expected.sha256) {
      throw new PlatformError(
        'DOWNLOAD_MISMATCH',
        `the download of submission ${id} is ${bytes.byteLength} bytes with sha256 ${sha256}; the API announced ${expected.size} bytes with sha256 ${expected.sha256}`,
      );
    }
    return bytes;
  }

  async markStarted(id: string): Promise<number> {
    // Not retried: each call counts an attempt, and a lost answer would count two.
    const response = await this.request('POST', `${this.submissionPath(id)}/started`, { body: {}, tries: 1 });
    return parseWire(WorkerStartedSchema, await readJson(response), `the API's answer to /started for ${id}`).attempt;
  }

  async postResult(id: string, report: GradeReport, attempt: number): Promise<void> {
    const body: WorkerResultBody = { report, attempt };
    const response = await this.request('POST', `${this.submissionPath(id)}/result`, { body });
    parseWire(WorkerResultRecordedSchema, await readJson(response), `the API's answer to /result for ${id}`);
  }

  async postFailed(id: string, message: string, attempt: number | undefined): Promise<void> {
    const response = await this.request('POST', `${this.submissionPath(id)}/failed`, { body: { message, ...(attempt === undefined ? {} : { attempt }) } });
    parseWire(WorkerFailedRecordedSchema, await readJson(response), `the API's answer to /failed for ${id}`);
  }

  private submissionPath(id: string): string {
    return `/api/worker/submissions/${encodeURIComponent(id)}`;
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    init: { body?: unknown; signal?: AbortSignal; tries?: number },
  ): Promise<Response> {
    const url = `${this.base}${path}`;
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= (init.tries ?? this.tries); attempt++) {
      if (attempt > 1) await sleep(250 * 2 ** (attempt - 2), init.signal);
      let response: Response;
      try {
        const signals = [AbortSignal.timeout(this.timeoutMs), ...(init.signal ? [init.signal] : [])];
        response = await this.fetchFn(url, {
          method,
          headers: {
            authorization: `Bearer ${this.options.workerToken}`,
            ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
          signal: AbortSignal.any(signals),
        });
      } catch (e) {
        if (init.signal?.aborted) throw e;
        lastError = new PlatformError('API_UNREACHABLE', `cannot reach the API at ${this.base} (${method} ${path}): ${describeFetchError(e)}; is the API running and API_URL right?`, { cause: e });
        continue;
      }
      if (response.ok) return response;
      const { code, message } = await errorBody(response);
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        lastError = new PlatformError('API_ERROR', `the API answered ${response.status} to ${method} ${path}: ${message}`);
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        throw new PlatformError(
          'WORKER_TOKEN_REJECTED',
          `the API rejected the worker token (${response.status}: ${message}); create one with \`autograder tokens create --role worker --name <machine>\` and set WORKER_TOKEN`,
        );
      }
      if (response.status === 404) throw new UsageError('SUBMISSION_NOT_FOUND', `the API knows no such submission (${method} ${path}): ${message}`);
      throw new UsageError(code ?? 'API_REJECTED', `the API refused ${method} ${path} with ${response.status}: ${message}`);
    }
    throw lastError ?? new PlatformError('API_UNREACHABLE', `cannot reach the API at ${this.base}`);
  }
}

function parseWire<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PlatformError('API_BAD_RESPONSE', `${what} is not what this worker expects (${issue?.path.join('.') ?? ''}: ${issue?.message}); are API and worker the same version?`);
  }
  return parsed.data;
}

/** Reads at most `limit` bytes; one byte more and the download is refused without reading the rest. */
async function readCapped(response: Response, limit: number, id: string): Promise<Uint8Array> {
  const tooBig = () => new PlatformError('DOWNLOAD_TOO_LARGE', `the download of submission ${id} is larger than the ${limit} bytes the API announced`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel();
    throw tooBig();
  }
  if (response.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooBig();
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch (e) {
    throw new PlatformError('API_BAD_RESPONSE', `the API answered ${response.url} with something that is not JSON: ${coerceError(e).message}`);
  }
}

/** The API's `{error, detail}`, or the start of whatever else came back (a proxy's HTML page). */
async function errorBody(response: Response): Promise<{ code?: string; message: string }> {
  const text = await response.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: text.slice(0, 300) || response.statusText };
  }
  const body = ErrorBodySchema.safeParse(json);
  if (!body.success) return { message: text.slice(0, 300) };
  const detail = body.data.detail === undefined ? '' : `: ${typeof body.data.detail === 'string' ? body.data.detail : JSON.stringify(body.data.detail)}`;
  return { code: body.data.error, message: `${body.data.error}${detail}` };
}

/** Node's fetch hides the socket error in `cause`; that is the part worth reading. */
function describeFetchError(e: unknown): string {
  const error = coerceError(e);
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return `${cause.message}${(cause as NodeJS.ErrnoException).code ? ` (${(cause as NodeJS.ErrnoException).code})` : ''}`;
  return error.message;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
