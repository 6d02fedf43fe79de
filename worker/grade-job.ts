/**
 * One grading job, start to end: validate the job, fetch the upload from the API, unpack,
 * grade in the sandbox, hand the report back to the API.
 *
 * Where each kind of failure goes (STYLE.md practice 4):
 * - platform (the API, Docker or Redis unreachable; the sandbox crashed) → thrown as is, so
 *   BullMQ retries with backoff; on the last attempt the API is told the grading failed;
 * - grader (our assignment code or a reference broke) → the API is told, then
 *   `UnrecoverableError`: retrying the same code on the same file fails the same way;
 * - student (not a notebook, a broken zip) → a normal report with `gradable: false`;
 * - shutdown (the worker was asked to hand its jobs back) → the job returns to the queue.
 */
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { getAssignment } from '../graders/index.js';
import type { SandboxLimits } from '../src/config.js';
import { GraderError, PlatformError, coerceError, isAutograderError } from '../src/errors.js';
import type { AssignmentDefinition } from '../src/grading/assignment.js';
import type { GradeInput } from '../src/grading/engine.js';
import { gradeUpload } from '../src/grading/grade-upload.js';
import type { GradeReport } from '../src/grading/report.js';
import type { Logger } from '../src/logger.js';
import { parseGradeJobData, type GradeJobData, type GradeJobResult } from '../src/queue/grading.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import type { WorkerApi } from './api-client.js';
import { classifyError } from './classify-error.js';
import { platformOutcomesThrow } from './platform-outcomes.js';

/** The reason a worker gives `Worker.cancelAllJobs` when it hands its jobs back on shutdown. */
export const RELEASE_REASON = 'worker shutting down';

export interface GradeJobDeps {
  api: WorkerApi;
  /** Undefined only when this worker serves no assignment that executes notebooks. */
  sandbox: Sandbox | undefined;
  limits: SandboxLimits;
  logger: Logger;
  /** @defaultValue the built-in catalogue */
  assignmentFor?: (id: string) => AssignmentDefinition;
  /** @defaultValue the engine's gradeSubmission */
  grade?: (input: GradeInput) => Promise<GradeReport>;
}

/** The fields of a BullMQ job this processor reads (a real `Job` fits). */
export type GradeJob = Pick<Job<unknown, GradeJobResult>, 'id' | 'data' | 'attemptsMade' | 'attemptsStarted' | 'opts' | 'moveToWait'>;

export async function processGradeJob(job: GradeJob, token: string | undefined, signal: AbortSignal | undefined, deps: GradeJobDeps): Promise<GradeJobResult> {
  const started = Date.now();
  let data: GradeJobData;
  try {
    data = parseGradeJobData(job.data);
  } catch (e) {
    deps.logger.error({ jobId: job.id, err: coerceError(e).message }, 'grading job has data this worker cannot read; failing it for good');
    throw new UnrecoverableError(coerceError(e).message);
  }
  const log = deps.logger.child({ jobId: job.id, submissionId: data.submissionId, attempt: Math.max(job.attemptsStarted, 1) });
  const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  log.info({ assignment: data.assignmentId }, 'grading started');

  const attempt: { number?: number } = {};
  try {
    const report = await gradeOne(data, { ...deps, logger: log }, signal, finalAttempt, attempt);
    const result: GradeJobResult = {
      submissionId: data.submissionId,
      outcome: report.gradable ? 'graded' : 'not_gradable',
      score: report.score,
      maxScore: report.maxScore,
    };
    try {
      await deps.api.postResult(data.submissionId, report, attempt.number!);
    } catch (e) {
      if (!isStaleAttempt(e)) throw e;
      // A regrade or a worker that took over after this one stalled started a newer attempt;
      // its result is the one that counts.
      log.warn({ durationMs: Date.now() - started }, 'a newer attempt owns this submission; this result is dropped');
      return result;
    }
    log.info({ outcome: result.outcome, score: result.score, maxScore: result.maxScore, durationMs: Date.now() - started }, 'grading finished');
    return result;
  } catch (e) {
    if (signal?.aborted && signal.reason === RELEASE_REASON) {
      await job.moveToWait(token);
      log.info({ durationMs: Date.now() - started }, 'job handed back to the queue for another worker');
      throw new WaitingError();
    }
    throw await failure(e, data, attempt.number, deps.api, log, finalAttempt, Date.now() - started);
  }
}

async function gradeOne(
  data: GradeJobData,
  deps: GradeJobDeps,
  signal: AbortSignal | undefined,
  finalAttempt: boolean,
  attempt: { number?: number },
): Promise<GradeReport> {
  const assignment = (deps.assignmentFor ?? getAssignment)(data.assignmentId);
  const submission = await deps.api.getSubmission(data.submissionId, signal);
  if (submission.assignmentId !== data.assignmentId) {
    throw new GraderError(
      'JOB_MISMATCH',
      `the job says submission ${data.submissionId} is for ${data.assignmentId}, the API says ${submission.assignmentId}`,
    );
  }
  attempt.number = await deps.api.markStarted(data.submissionId);
  if (submission.size > submission.limits.maxUploadBytes) {
    throw new GraderError('UPLOAD_TOO_LARGE', `submission ${data.submissionId} is ${submission.size} bytes, above the ${submission.limits.maxUploadBytes} the API accepts`);
  }
  const bytes = await deps.api.downloadFile(data.submissionId, { size: submission.size, sha256: submission.sha256 }, signal);
  const sandbox = assignment.execute ? deps.sandbox : undefined;
  if (assignment.execute && !sandbox) {
    throw new PlatformError('NO_SANDBOX', `this worker has no sandbox, but assignment ${assignment.id} runs notebooks`);
  }
  const { report } = await gradeUpload({
    assignment,
    file: { name: submission.fileName, bytes },
    // The API's own limits, so the worker never unpacks more than the API accepted.
    unpackLimits: submission.limits,
    submissionId: data.submissionId,
    sandbox: sandbox && platformOutcomesThrow(sandbox, finalAttempt),
    limits: deps.limits,
    logger: deps.logger,
    signal,
    grade: deps.grade,
  });
  return report;
}

function isStaleAttempt(e: unknown): boolean {
  return isAutograderError(e) && e.code === 'STALE_ATTEMPT';
}

/** Tells the API where that is right, and returns what the processor should throw. */
async function failure(
  thrown: unknown,
  data: GradeJobData,
  attempt: number | undefined,
  api: WorkerApi,
  log: Logger,
  finalAttempt: boolean,
  durationMs: number,
): Promise<Error> {
  const error = coerceError(thrown);
  const kind = classifyError(error);
  const code = isAutograderError(error) ? error.code : undefined;
  if (kind === 'platform' && !finalAttempt) {
    log.warn({ err: error.message, code, durationMs }, 'grading failed for a platform reason; BullMQ will retry');
    return error;
  }
  const message = kind === 'platform'
    ? `grading gave up after its last retry: ${error.message}`
    : `the grader failed on this submission (${code ?? error.name}): ${error.message}`;
  log.error({ err: error, code, kind, durationMs }, kind === 'platform' ? 'grading failed on its last attempt' : 'grading failed: grader bug');
  try {
    await api.postFailed(data.submissionId, message, attempt);
  } catch (e) {
    log.warn({ err: coerceError(e).message }, 'could not tell the API that grading failed');
    // The API is not there to hear it: retry the whole job later rather than lose the verdict.
    if (kind === 'permanent' && classifyError(coerceError(e)) === 'platform') return coerceError(e);
  }
  return kind === 'platform' ? error : new UnrecoverableError(message);
}
