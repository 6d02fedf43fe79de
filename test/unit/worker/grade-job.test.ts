/**
 * The worker's per-job pipeline with hand-rolled fakes of the API and the sandbox:
 * which failures are retried, which fail for good, which become student reports.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { getAssignment } from '../../../graders/index.js';
import { loadConfig } from '../../../src/config.js';
import { GraderError, PlatformError, UsageError } from '../../../src/errors.js';
import type { GradeInput } from '../../../src/grading/engine.js';
import type { GradeReport } from '../../../src/grading/report.js';
import { createLogger } from '../../../src/logger.js';
import { findPackageRoot } from '../../../src/package-root.js';
import type { Sandbox, SandboxRun } from '../../../src/sandbox/sandbox.js';
import { resolveLimits, type UnpackLimitsInput } from '../../../src/submission/limits.js';
import type { ExpectedFile, WorkerApi, WorkerSubmission } from '../../../worker/api-client.js';
import { RELEASE_REASON, processGradeJob, type GradeJob } from '../../../worker/grade-job.js';

const ASSIGNMENT = 'u05-softmax';
const SUBMISSION = 'sub-1';
const notebookBytes = readFileSync(join(findPackageRoot(), 'graders', ASSIGNMENT, 'examples', 'correct.ipynb'));
const limits = loadConfig({}).sandboxLimits;
const logger = createLogger('silent');

class FakeApi implements WorkerApi {
  calls: string[] = [];
  results: Array<{ report: GradeReport; attempt: number }> = [];
  failures: string[] = [];
  failOn: Partial<Record<'getSubmission' | 'downloadFile' | 'markStarted' | 'postResult' | 'postFailed', Error>> = {};
  /** What the fake API says about the upload's limits (the API's own, on the wire). */
  uploadLimits: UnpackLimitsInput = {};
  downloads: ExpectedFile[] = [];
  constructor(private readonly file: Uint8Array = notebookBytes, private readonly fileName = 'correct.ipynb') {}

  private step(name: keyof FakeApi['failOn']): void {
    this.calls.push(name);
    const error = this.failOn[name];
    if (error) throw error;
  }
  async getSubmission(id: string): Promise<WorkerSubmission> {
    this.step('getSubmission');
    return {
      id,
      assignmentId: ASSIGNMENT,
      fileName: this.fileName,
      status: 'queued',
      attempts: 0,
      size: this.file.byteLength,
      sha256: createHash('sha256').update(this.file).digest('hex'),
      limits: resolveLimits(this.uploadLimits),
    };
  }
  async downloadFile(_id: string, expected: ExpectedFile): Promise<Uint8Array> {
    this.step('downloadFile');
    this.downloads.push(expected);
    return this.file;
  }
  async markStarted(): Promise<number> {
    this.step('markStarted');
    return 4;
  }
  async postResult(_id: string, report: GradeReport, attempt: number): Promise<void> {
    this.step('postResult');
    this.results.push({ report, attempt });
  }
  async postFailed(_id: string, message: string): Promise<void> {
    this.step('postFailed');
    this.failures.push(message);
  }
}

function fakeJob(data: unknown = { v: 1, submissionId: SUBMISSION, assignmentId: ASSIGNMENT }, attemptsMade = 0): GradeJob & { moveToWait: ReturnType<typeof vi.fn> } {
  return {
    id: `${SUBMISSION}.a0`,
    data,
    attemptsMade,
    attemptsStarted: attemptsMade + 1,
    opts: { attempts: 3 },
    moveToWait: vi.fn(async () => 0),
  };
}

function sandboxEnding(outcome: SandboxRun['outcome']): Sandbox {
  return {
    kind: 'process',
    close: async () => undefined,
    run: async () => ({ outcome, response: undefined, exitCode: null, stderrTail: 'boom', wallMs: 1 }),
  };
}

/** A grade function that returns a plausible report for whatever it is given. */
function gradeOk(score = 7): (input: GradeInput) => Promise<GradeReport> {
  return async (input) => ({
    schemaVersion: 1,
    assignment: { id: input.assignment.id, version: 'v' },
    submission: { id: input.submissionId!, file: input.notebook.name },
    gradable: true,
    score,
    maxScore: 10,
    checks: [],
    objectives: [],
    errors: [],
    timings: { totalMs: 1, sandboxMs: 1 },
    environment: { sandbox: 'process', tensorBackend: 'wasm', graderVersion: '0' },
  });
}

describe('processGradeJob', () => {
  it('fetches, grades and posts the report once, with the attempt /started gave', async () => {
    const api = new FakeApi();
    const result = await processGradeJob(fakeJob(), 'token', undefined, { api, sandbox: sandboxEnding('completed'), limits, logger, grade: gradeOk() });
    expect(result).toEqual({ submissionId: SUBMISSION, outcome: 'graded', score: 7, maxScore: 10 });
    expect(api.calls).toEqual(['getSubmission', 'markStarted', 'downloadFile', 'postResult']);
    expect(api.results).toHaveLength(1);
    expect(api.results[0]!.attempt).toBe(4);
    expect(api.results[0]!.report.submission.id).toBe(SUBMISSION);
  });

  it('fails a job of an unknown version for good without touching the API', async () => {
    const api = new FakeApi();
    const job = fakeJob({ v: 2, submissionId: SUBMISSION, assignmentId: ASSIGNMENT });
    await expect(processGradeJob(job, 'token', undefined, { api, sandbox: undefined, limits, logger })).rejects.toBeInstanceOf(UnrecoverableError);
    expect(api.calls).toEqual([]);
  });

  it('turns an upload that is not a notebook into a gradable:false report, not an error', async () => {
    const api = new FakeApi(new TextEncoder().encode('print("hello")'), 'homework.ipynb');
    const grade = vi.fn(gradeOk());
    const result = await processGradeJob(fakeJob(), 'token', undefined, { api, sandbox: sandboxEnding('completed'), limits, logger, grade });
    expect(result.outcome).toBe('not_gradable');
    expect(grade).not.toHaveBeenCalled();
    const report = api.results[0]!.report;
    expect(report.gradable).toBe(false);
    expect(report.errors.join(' ')).toMatch(/notebook/i);
    expect(api.failures).toEqual([]);
  });

  it('reports a grader bug to the API and fails the job for good', async () => {
    const api = new FakeApi();
    const grade = async () => {
      throw new GraderError('CHECK_FAILED', 'check softmax.reference broke');
    };
    await expect(processGradeJob(fakeJob(), 'token', undefined, { api, sandbox: sandboxEnding('completed'), limits, logger, grade })).rejects.toBeInstanceOf(UnrecoverableError);
    expect(api.failures).toHaveLength(1);
    expect(api.failures[0]).toMatch(/CHECK_FAILED.*softmax\.reference broke/);
    expect(api.results).toEqual([]);
  });

  it('treats an unexpected exception (a bug) as permanent too', async () => {
    const api = new FakeApi();
    const grade = async (): Promise<GradeReport> => {
      throw new TypeError("Cannot read properties of undefined (reading 'shape')");
    };
    await expect(processGradeJob(fakeJob(), 'token', undefined, { api, sandbox: sandboxEnding('completed'), limits, logger, grade })).rejects.toBeInstanceOf(UnrecoverableError);
    expect(api.failures).toHaveLength(1);
  });

  it('rethrows a platform error so BullMQ retries, telling the API nothing yet', async () => {
    const api = new FakeApi();
    api.failOn.downloadFile = new PlatformError('API_UNREACHABLE', 'cannot reach the API');
    const error = await processGradeJob(fakeJob(), 'token', undefined, { api, sandbox: sandboxEnding('completed'), limits, logger, grade: gradeOk() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    expect(api.failures).toEqual([]);
  });

  it('tells the API on the last attempt of a platform error', async () => {
    const api = new FakeApi();
    const grade = async (): Promise<GradeReport> => {
      throw new PlatformError('DOCKER_UNAVAILABLE', 'the Docker engine does not answer');
    };
    const error = await processGradeJob(fakeJob(undefined, 2), 'token', undefined, { api, sandbox: sandboxEnding('completed'), limits, logger, grade }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(api.failures).toHaveLength(1);
    expect(api.failures[0]).toMatch(/last retry.*Docker engine/);
  });

  it('retries a grader bug whose failure the API could not hear', async () => {
    const api = new FakeApi();
    api.failOn.postFailed = new PlatformError('API_UNREACHABLE', 'cannot reach the API');
    const grade = async (): Promise<GradeReport> => {
      throw new GraderError('BAD_STARTER', 'starter unreadable');
    };
    const error = await processGradeJob(fakeJob(), 'token', undefined, { api, sandbox: sandboxEnding('completed'), limits, logger, grade }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
  });

  it('retries a crashed sandbox, and reports it on the last attempt', async () => {
    const deps = { sandbox: sandboxEnding('crashed'), limits, logger, assignmentFor: getAssignment };
    const early = new FakeApi();
    await expect(processGradeJob(fakeJob(), 'token', undefined, { ...deps, api: early })).rejects.toMatchObject({ code: 'SANDBOX_CRASHED' });
    expect(early.results).toEqual([]);

    const last = new FakeApi();
    const result = await processGradeJob(fakeJob(undefined, 2), 'token', undefined, { ...deps, api: last });
    expect(result.outcome).toBe('graded');
    expect(last.results[0]!.report.errors.join(' ')).toMatch(/sandbox stopped unexpectedly/);
  });

  it('drops its result quietly when a newer attempt owns the submission', async () => {
    const api = new FakeApi();
    api.failOn.postResult = new UsageError('STALE_ATTEMPT', 'attempt 4 was superseded by attempt 5');
    const result = await processGradeJob(fakeJob(), 'token', undefined, { api, sandbox: sandboxEnding('completed'), limits, logger, grade: gradeOk() });
    expect(result.outcome).toBe('graded');
    expect(api.failures).toEqual([]);
  });

  it('hands the job back to the queue when the worker releases it', async () => {
    const api = new FakeApi();
    const controller = new AbortController();
    const grade = async (input: GradeInput): Promise<GradeReport> => {
      controller.abort(RELEASE_REASON);
      input.signal?.throwIfAborted();
      throw new Error('unreachable');
    };
    const job = fakeJob();
    const error = await processGradeJob(job, 'token', controller.signal, { api, sandbox: sandboxEnding('completed'), limits, logger, grade }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('WaitingError');
    expect(job.moveToWait).toHaveBeenCalledWith('token');
    expect(api.results).toEqual([]);
    expect(api.failures).toEqual([]);
  });
});

describe('processGradeJob: the upload as the API accepted it', () => {
  it('asks the download to match the size and sha256 the API announced', async () => {
    const api = new FakeApi();
    await processGradeJob(fakeJob(), 'token', undefined, { api, sandbox: sandboxEnding('completed'), limits, logger, grade: gradeOk() });
    expect(api.downloads).toEqual([{ size: notebookBytes.byteLength, sha256: createHash('sha256').update(notebookBytes).digest('hex') }]);
  });

  it('does not download an upload larger than the API accepts, and fails the job for good', async () => {
    const api = new FakeApi();
    api.uploadLimits = { maxUploadBytes: 100 };
    await expect(processGradeJob(fakeJob(), 'token', undefined, { api, sandbox: sandboxEnding('completed'), limits, logger, grade: gradeOk() })).rejects.toBeInstanceOf(UnrecoverableError);
    expect(api.calls).not.toContain('downloadFile');
    expect(api.failures[0]).toMatch(/UPLOAD_TOO_LARGE/);
  });

  it("unpacks with the API's limits, not the unpacker's defaults", async () => {
    // The notebook is below the default 64 MiB but above this API's limit on unpacked bytes.
    const api = new FakeApi();
    api.uploadLimits = { maxUploadBytes: notebookBytes.byteLength, maxTotalBytes: 100 };
    const grade = vi.fn(gradeOk());
    const result = await processGradeJob(fakeJob(), 'token', undefined, { api, sandbox: sandboxEnding('completed'), limits, logger, grade });
    expect(result.outcome).toBe('not_gradable');
    expect(grade).not.toHaveBeenCalled();
  });
});
