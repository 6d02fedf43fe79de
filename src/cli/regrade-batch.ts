/**
 * `autograder regrade` for many submissions at once: one submission, a student's
 * submissions of an assignment, a whole assignment, or everything. With a live progress
 * bar on stderr and a summary of every score that changed.
 *
 * Publishing regrades goes through the service (POST .../regrade, then the workers), like
 * any other grade. `--dry-run` publishes nothing: it downloads each submission and grades
 * it here with the same engine and assignment definitions, applying the service's late
 * policy, and compares with the current score. (A draft result graded by the service's
 * workers would need a second kind of job and result through the queue and the worker
 * contract; grading locally needs neither, and the instructor running it has the graders.)
 */
import { SingleBar } from 'cli-progress';
import { setTimeout as sleep } from 'node:timers/promises';
import { getAssignment } from '../../graders/index.js';
import { applyLatePenalty } from '../api/deadlines.js';
import type { AssignmentView, SubmissionRowView } from '../api/schemas.js';
import type { Config } from '../config.js';
import { UsageError, coerceError } from '../errors.js';
import { gradeUpload } from '../grading/grade-upload.js';
import type { GradeReport } from '../grading/report.js';
import type { Logger } from '../logger.js';
import { createSandbox } from '../sandbox/select.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { ServiceClient } from './service-client.js';

export type RegradeScope =
  | { kind: 'submission'; submissionId: string }
  | { kind: 'student'; student: string; assignmentId: string }
  | { kind: 'assignment'; assignmentId: string }
  | { kind: 'all' };

export interface RegradeTarget {
  assignmentId: string;
  row: SubmissionRowView;
}

export interface RegradeOutcome {
  target: RegradeTarget;
  before: number | null;
  after: number | null;
  maxScore: number | null;
  status: 'graded' | 'failed' | 'timeout';
  error?: string;
}

export interface RegradeSummary {
  dryRun: boolean;
  outcomes: RegradeOutcome[];
  changed: RegradeOutcome[];
  failed: RegradeOutcome[];
}

export interface ProgressSink {
  start(total: number): void;
  update(done: number, failed: number): void;
  stop(): void;
}

/** A cli-progress bar on stderr (redrawn on a terminal, a line every few seconds elsewhere). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  const bar = new SingleBar({
    format: `${label} |{bar}| {value}/{total} · {failed} failed · {duration_formatted} elapsed, ETA {eta_formatted}`,
    stream,
    noTTYOutput: true,
    notTTYSchedule: 5000,
    hideCursor: true,
    barsize: 30,
  });
  return {
    start: (total) => bar.start(total, 0, { failed: 0 }),
    update: (done, failed) => bar.update(done, { failed }),
    stop: () => bar.stop(),
  };
}

/** The submissions a scope names, as the service lists them now (with their current score). */
export async function resolveTargets(client: ServiceClient, scope: RegradeScope): Promise<RegradeTarget[]> {
  switch (scope.kind) {
    case 'submission': {
      const submission = await client.submission(scope.submissionId);
      const row = (await client.assignmentSubmissions(submission.assignmentId)).find((r) => r.id === submission.id);
      if (row === undefined) throw new UsageError('SUBMISSION_NOT_FOUND', `submission ${scope.submissionId} is not in ${submission.assignmentId}'s list`);
      return [{ assignmentId: submission.assignmentId, row }];
    }
    case 'student': {
      const rows = (await client.assignmentSubmissions(scope.assignmentId)).filter((r) => r.studentId === scope.student || r.userId === scope.student);
      if (rows.length === 0) {
        throw new UsageError('NO_SUBMISSIONS', `student ${scope.student} has no submissions for ${scope.assignmentId}; pass their student number or user id`);
      }
      return rows.map((row) => ({ assignmentId: scope.assignmentId, row }));
    }
    case 'assignment':
      return (await client.assignmentSubmissions(scope.assignmentId)).map((row) => ({ assignmentId: scope.assignmentId, row }));
    case 'all': {
      const out: RegradeTarget[] = [];
      for (const a of await client.assignments()) {
        out.push(...(await client.assignmentSubmissions(a.id)).map((row) => ({ assignmentId: a.id, row })));
      }
      return out;
    }
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  });
  await Promise.all(runners);
  return out;
}

export interface PublishOptions {
  progress?: ProgressSink;
  /** Give up when no target settled for this long (a stalled queue, no worker). @defaultValue 600000 ms */
  stallTimeoutMs?: number;
  /** @defaultValue 1000 ms */
  pollMs?: number;
}

/**
 * Asks the service to regrade every target, then follows the assignments' lists until
 * each target is graded or failed again. Any list read after a regrade was accepted shows
 * the submission queued or later, so "graded or failed" then means the new grade is in.
 */
export async function publishRegrades(client: ServiceClient, targets: readonly RegradeTarget[], options: PublishOptions = {}): Promise<RegradeSummary> {
  const progress = options.progress;
  progress?.start(targets.length);
  try {
    await mapLimit(targets, 8, (t) => client.regrade(t.row.id));
    const pending = new Map(targets.map((t) => [t.row.id, t]));
    const settled = new Map<string, SubmissionRowView>();
    const stallMs = options.stallTimeoutMs ?? 600_000;
    let deadline = Date.now() + stallMs;
    const assignments = [...new Set(targets.map((t) => t.assignmentId))];
    for (;;) {
      for (const assignmentId of assignments) {
        for (const row of await client.assignmentSubmissions(assignmentId)) {
          if (pending.has(row.id) && (row.status === 'graded' || row.status === 'failed')) {
            pending.delete(row.id);
            settled.set(row.id, row);
            deadline = Date.now() + stallMs;
          }
        }
      }
      progress?.update(settled.size, [...settled.values()].filter((r) => r.status === 'failed').length);
      if (pending.size === 0 || Date.now() > deadline) break;
      await sleep(options.pollMs ?? 1000);
    }
    const outcomes = targets.map((t): RegradeOutcome => {
      const now = settled.get(t.row.id);
      if (now === undefined) return { target: t, before: t.row.score, after: null, maxScore: t.row.maxScore, status: 'timeout' };
      return {
        target: t,
        before: t.row.score,
        after: now.status === 'graded' ? now.score : null,
        maxScore: now.maxScore ?? t.row.maxScore,
        status: now.status === 'graded' ? 'graded' : 'failed',
      };
    });
    return summarise(false, outcomes);
  } finally {
    progress?.stop();
  }
}

export interface DryRunOptions {
  config: Config;
  logger: Logger;
  progress?: ProgressSink;
  /** Submissions graded at once. @defaultValue config.workerConcurrency */
  concurrency?: number;
}

/** Grades every target here, publishing nothing; see the module comment. */
export async function dryRunRegrades(client: ServiceClient, targets: readonly RegradeTarget[], options: DryRunOptions): Promise<RegradeSummary> {
  const policies = new Map<string, AssignmentView>((await client.assignments()).map((a) => [a.id, a]));
  const definitions = new Map([...new Set(targets.map((t) => t.assignmentId))].map((id) => [id, getAssignment(id)]));
  const needsSandbox = [...definitions.values()].some((d) => d.execute);
  const sandbox: Sandbox | undefined = needsSandbox ? await createSandbox(options.config, options.logger, { fallBackToProcess: true }) : undefined;
  const progress = options.progress;
  let done = 0;
  let failed = 0;
  progress?.start(targets.length);
  try {
    const outcomes = await mapLimit(targets, Math.max(1, options.concurrency ?? options.config.workerConcurrency), async (t): Promise<RegradeOutcome> => {
      let outcome: RegradeOutcome;
      try {
        const report = await gradeLocally(client, t, definitions.get(t.assignmentId)!, sandbox, options);
        const policy = policies.get(t.assignmentId);
        const scored =
          policy === undefined
            ? report
            : applyLatePenalty(report, policy.latePolicy, policy.dueAt === null ? null : new Date(policy.dueAt), new Date(t.row.createdAt));
        outcome = { target: t, before: t.row.score, after: scored.score, maxScore: scored.maxScore, status: 'graded' };
      } catch (e) {
        failed += 1;
        outcome = { target: t, before: t.row.score, after: null, maxScore: t.row.maxScore, status: 'failed', error: coerceError(e).message };
      }
      done += 1;
      progress?.update(done, failed);
      return outcome;
    });
    return summarise(true, outcomes);
  } finally {
    progress?.stop();
    await sandbox?.close();
  }
}

async function gradeLocally(
  client: ServiceClient,
  target: RegradeTarget,
  assignment: ReturnType<typeof getAssignment>,
  sandbox: Sandbox | undefined,
  options: DryRunOptions,
): Promise<GradeReport> {
  const bytes = await client.submissionFile(target.row.id);
  const { report } = await gradeUpload({
    assignment,
    file: { name: target.row.fileName, bytes },
    sandbox,
    limits: options.config.sandboxLimits,
    logger: options.logger,
  });
  return report;
}

function summarise(dryRun: boolean, outcomes: RegradeOutcome[]): RegradeSummary {
  const changed = outcomes.filter((o) => o.status === 'graded' && (o.before === null || Math.abs((o.after ?? 0) - o.before) > 1e-9));
  const failed = outcomes.filter((o) => o.status !== 'graded');
  return { dryRun, outcomes, changed, failed };
}

function who(o: RegradeOutcome): string {
  return o.target.row.studentId === null ? o.target.row.studentName : `${o.target.row.studentName} (${o.target.row.studentId})`;
}

function score(x: number | null): string {
  return x === null ? '—' : String(Math.round(x * 1000) / 1000);
}

/** The summary printed on stdout: every changed score, then failures, then the totals. */
export function formatRegradeSummary(summary: RegradeSummary): string {
  const lines: string[] = [];
  const verb = summary.dryRun ? 'would change' : 'changed';
  if (summary.changed.length === 0) lines.push(`No score ${verb}.`);
  else {
    lines.push(`${summary.changed.length} score${summary.changed.length === 1 ? '' : 's'} ${verb}:`);
    for (const o of summary.changed) {
      const delta = o.before === null ? '' : ` (${(o.after ?? 0) - o.before >= 0 ? '+' : ''}${score((o.after ?? 0) - o.before)})`;
      lines.push(`  ${o.target.assignmentId}  ${o.target.row.id}  ${who(o)}: ${score(o.before)} -> ${score(o.after)} / ${score(o.maxScore)}${delta}`);
    }
  }
  for (const o of summary.failed) {
    lines.push(`  ${o.status === 'timeout' ? 'still not graded' : 'FAILED'}: ${o.target.assignmentId}  ${o.target.row.id}  ${who(o)}${o.error === undefined ? '' : `: ${o.error}`}`);
  }
  const unchanged = summary.outcomes.length - summary.changed.length - summary.failed.length;
  lines.push(
    `${summary.dryRun ? 'Dry run, nothing published: ' : ''}${summary.outcomes.length} submission${summary.outcomes.length === 1 ? '' : 's'} regraded, ${summary.changed.length} changed, ${unchanged} unchanged, ${summary.failed.length} failed.`,
  );
  return `${lines.join('\n')}\n`;
}

export function parseScope(options: { submission?: string; student?: string; assignment?: string; all?: boolean }, positional?: string): RegradeScope {
  const submission = options.submission ?? positional;
  const given = [submission !== undefined, options.assignment !== undefined, options.all === true].filter(Boolean).length;
  if (given !== 1 || (options.student !== undefined && options.assignment === undefined)) {
    throw new UsageError(
      'BAD_SCOPE',
      'say what to regrade with exactly one of: --submission ID, --student S --assignment A, --assignment A, --all',
    );
  }
  if (submission !== undefined) return { kind: 'submission', submissionId: submission };
  if (options.all === true) return { kind: 'all' };
  if (options.student !== undefined) return { kind: 'student', student: options.student, assignmentId: options.assignment! };
  return { kind: 'assignment', assignmentId: options.assignment! };
}

export function ensureSomething(targets: readonly RegradeTarget[]): void {
  if (targets.length === 0) throw new UsageError('NO_SUBMISSIONS', 'there is nothing to regrade: no submissions match');
}

