/**
 * The grading engine: notebook in, GradeReport out. It knows no HTTP and no queue.
 * Student code runs only inside the sandbox; everything that decides points runs here.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { initTensorBackend } from '../../reference/index.js';
import type { SandboxLimits } from '../config.js';
import { GraderError, NotGradableError, coerceError, isAutograderError } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseNotebook } from '../notebook/parse.js';
import type { Notebook } from '../notebook/schema.js';
import { HARNESS_PROTOCOL_VERSION, type CallResult, type FunctionCall, type HarnessRequest } from '../sandbox/protocol.js';
import type { Sandbox, SandboxFile, SandboxRun } from '../sandbox/sandbox.js';
import { graderVersion } from '../version.js';
import type { AssignmentDefinition, GradingContext } from './assignment.js';
import { GradeReportSchema, REPORT_SCHEMA_VERSION, statusFor, type CheckResult, type GradeReport } from './report.js';
import { clampPoints, maxScoreOf, objectiveTotals, totalPoints } from './score.js';
import { assignmentVersion } from './version.js';
import { wrongNotebook } from './wrong-notebook.js';

export interface GradeInput {
  assignment: AssignmentDefinition;
  /**
   * The notebook as uploaded. `path`: where it lies in the upload (a zip's folders); the
   * sandbox writes it there, so it cannot collide with the upload's other files and its
   * relative paths to them work. @defaultValue submission.ipynb
   */
  notebook: { name: string; path?: string; bytes: Uint8Array };
  /** Other files of the submission (model files). */
  files?: SandboxFile[];
  submissionId?: string;
  /** Required unless the assignment executes nothing. */
  sandbox: Sandbox | undefined;
  /** The configured limits; the assignment's own overrides are applied on top. */
  limits: SandboxLimits;
  logger?: Logger;
  signal?: AbortSignal;
}

const starterCache = new Map<string, Notebook>();

function loadStarter(assignment: AssignmentDefinition): Notebook | undefined {
  const path = assignment.starterPath;
  if (!path) return undefined;
  let starter = starterCache.get(path);
  if (!starter) {
    try {
      starter = parseNotebook(readFileSync(path), path);
    } catch (e) {
      throw new GraderError('BAD_STARTER', `assignment ${assignment.id}: its starter notebook ${path} cannot be read: ${coerceError(e).message}`, { cause: e });
    }
    starterCache.set(path, starter);
  }
  return starter;
}

export function effectiveLimits(assignment: AssignmentDefinition, limits: SandboxLimits): SandboxLimits {
  return { ...limits, ...assignment.limits };
}

/** Where the notebook is written in the sandbox when the upload gives it no path of its own. */
export const DEFAULT_NOTEBOOK_PATH = 'submission.ipynb';

export function harnessRequest(calls: FunctionCall[], limits: SandboxLimits, notebookPath = DEFAULT_NOTEBOOK_PATH): HarnessRequest {
  return {
    v: HARNESS_PROTOCOL_VERSION,
    notebook: notebookPath,
    calls,
    limits: {
      cellTimeoutS: limits.cellTimeoutS,
      totalTimeoutS: limits.totalTimeoutS,
      callTimeoutS: limits.callTimeoutS,
      maxReturnBytes: limits.maxReturnBytes,
    },
  };
}

/** The assignment's data files, then the submission's files of other paths (a student cannot swap the data). */
export function jobFiles(assignment: AssignmentDefinition, submitted: SandboxFile[]): SandboxFile[] {
  const data = assignment.dataFiles ?? [];
  const taken = new Set(data.map((f) => f.path));
  return [...data, ...submitted.filter((f) => !taken.has(f.path))];
}

/** One line for the report's `errors` when the sandbox did not complete. */
export function sandboxErrorText(run: SandboxRun, limits: SandboxLimits): string | undefined {
  switch (run.outcome) {
    case 'completed': return undefined;
    case 'timeout': return `The notebook did not finish within its ${limits.totalTimeoutS} s time limit. Make sure it runs top to bottom in well under that time (Restart and Run All).`;
    case 'oom': return `The notebook used more than its ${limits.memoryMb} MiB memory limit and was stopped. Use smaller arrays or batches.`;
    case 'output_limit': return 'The notebook produced more output than the grader accepts. Remove large prints.';
    case 'no_gpu': return run.detail ?? 'This assignment needs a GPU worker and none ran it; it will be retried on a GPU worker.';
    case 'crashed': return 'The grading sandbox stopped unexpectedly; your instructor has been told. This is not a problem with your notebook.';
  }
}

async function baseReport(input: GradeInput, started: number): Promise<Omit<GradeReport, 'gradable' | 'score' | 'checks' | 'objectives' | 'errors'>> {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    assignment: { id: input.assignment.id, version: assignmentVersion(input.assignment) },
    submission: { id: input.submissionId ?? randomUUID(), file: input.notebook.name },
    maxScore: maxScoreOf(input.assignment.checks),
    timings: { totalMs: Date.now() - started, sandboxMs: 0 },
    environment: {
      sandbox: input.assignment.execute ? (input.sandbox?.kind ?? 'none') : 'none',
      tensorBackend: await initTensorBackend(),
      graderVersion: graderVersion(),
    },
  };
}

/** A report for a submission we cannot read: no score, the reason in `errors`. */
export async function notGradableReport(input: GradeInput, error: NotGradableError, started = Date.now()): Promise<GradeReport> {
  const base = await baseReport(input, started);
  return GradeReportSchema.parse({ ...base, gradable: false, score: 0, checks: [], objectives: [], errors: [error.message] });
}

export async function gradeSubmission(input: GradeInput): Promise<GradeReport> {
  const started = Date.now();
  // Before any tensor exists: tensors made earlier land on the slow pure-JS backend.
  await initTensorBackend();
  const { assignment } = input;
  const log = input.logger?.child({ assignment: assignment.id, submission: input.submissionId });

  let notebook: Notebook;
  try {
    notebook = parseNotebook(input.notebook.bytes, input.notebook.name);
  } catch (e) {
    if (e instanceof NotGradableError) return notGradableReport(input, e, started);
    throw e;
  }
  const starter = loadStarter(assignment);
  // Another assignment's notebook earns nothing here, and is not run.
  const wrong = wrongNotebook(notebook, starter, assignment);
  if (wrong) return notGradableReport(input, wrong, started);
  const limits = effectiveLimits(assignment, input.limits);
  const calls = assignment.checks.flatMap((c) => c.calls());

  let run: SandboxRun | undefined;
  const errors: string[] = [];
  if (assignment.execute) {
    if (!input.sandbox) throw new GraderError('NO_SANDBOX', `assignment ${assignment.id} executes notebooks but no sandbox was given`);
    run = await input.sandbox.run(
      { notebook: input.notebook.bytes, files: jobFiles(assignment, input.files ?? []), request: harnessRequest(calls, limits, input.notebook.path), gpu: assignment.gpu, limits },
      input.signal,
    );
    log?.debug({ outcome: run.outcome, wallMs: run.wallMs }, 'sandbox run finished');
    const text = sandboxErrorText(run, limits);
    if (text) errors.push(text);
    // The harness's own problems (it could not load the notebook, an internal error) are
    // not the student's, but the instructor must see them: a silent one once scored 1/1.
    for (const problem of run.response?.harnessErrors ?? []) errors.push(`Grader harness: ${problem}`);
    if (run.outcome === 'crashed') log?.error({ detail: run.detail, stderr: run.stderrTail }, 'sandbox crashed');
  }

  const callResults = new Map<string, CallResult>((run?.response?.calls ?? []).map((c) => [c.id, c]));
  const ctx: GradingContext = { notebook, starter, run, calls: callResults, files: input.files ?? [] };
  const checks: CheckResult[] = [];
  const warnings: string[] = [];
  for (const check of assignment.checks) {
    let verdict;
    try {
      verdict = await check.grade(ctx);
    } catch (e) {
      if (isAutograderError(e)) throw e;
      throw new GraderError('CHECK_FAILED', `check ${check.id} of assignment ${assignment.id} failed: ${coerceError(e).message}`, { cause: e });
    }
    const points = clampPoints(verdict.points, check.maxPoints);
    for (const warning of verdict.warnings ?? []) if (!warnings.includes(warning)) warnings.push(warning);
    checks.push({
      id: check.id,
      title: check.title,
      points,
      maxPoints: check.maxPoints,
      status: statusFor(points, check.maxPoints),
      feedback: verdict.feedback,
      ...(verdict.instructorFeedback !== undefined ? { instructorFeedback: verdict.instructorFeedback } : {}),
      visibility: check.visibility,
      objectives: check.objectives,
      ...(verdict.cells !== undefined && verdict.cells.length > 0 ? { cells: [...new Set(verdict.cells)].sort((a, b) => a - b) } : {}),
    });
  }

  const base = await baseReport(input, started);
  return GradeReportSchema.parse({
    ...base,
    gradable: true,
    score: totalPoints(checks),
    checks,
    objectives: objectiveTotals(checks),
    errors,
    ...(warnings.length > 0 ? { warnings } : {}),
    timings: { totalMs: Date.now() - started, sandboxMs: run?.wallMs ?? 0 },
  });
}
