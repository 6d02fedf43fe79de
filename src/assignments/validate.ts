/**
 * `autograder validate DIR`: an assignment folder holds together before students see it.
 * The solution earns full marks (when the spec names one); the unchanged starter earns no code credit (only the
 * notebook checks may give it points); every example in DIR/examples gets the verdicts in
 * examples/expected.json. Each difference is one line; any makes the command exit 1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { SandboxLimits } from '../config.js';
import type { AssignmentDefinition } from '../grading/assignment.js';
import { gradeSubmission } from '../grading/engine.js';
import type { GradeReport } from '../grading/report.js';
import type { Logger } from '../logger.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { forgetCompiledAssignments, loadAssignmentDir, prepareSolutionValues } from './load.js';

/** The notebook-level checks: the only ones an unchanged starter may earn points on. */
const NOTEBOOK_CHECKS: ReadonlySet<string> = new Set(['narrative', 'placeholders', 'execution']);

export const EXPECTED_FILE = 'expected.json';

export const ExpectedVerdictsSchema = z.record(z.string(), z.object({
  description: z.string(),
  checks: z.record(z.string(), z.enum(['passed', 'partial', 'failed'])),
  minScoreFraction: z.number().optional(),
  maxScoreFraction: z.number().optional(),
}));

export interface ValidationResult {
  id: string;
  dir: string;
  /** One line per difference; empty when the folder is valid. */
  problems: string[];
  /** What was checked, for the summary line. */
  checked: string[];
}

export interface ValidateOptions {
  sandbox: Sandbox;
  limits: SandboxLimits;
  logger?: Logger;
  /** Notebooks graded at once. @defaultValue 2 */
  concurrency?: number;
}

const points = (x: number) => Math.round(x * 1000) / 1000;

async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function solutionProblems(report: GradeReport): string[] {
  if (!report.gradable) return [`solution: not gradable: ${report.errors.join('; ')}`];
  return report.checks
    .filter((c) => c.points < c.maxPoints)
    .map((c) => `solution: ${c.id} earned ${points(c.points)} of ${c.maxPoints}: ${c.feedback.split('\n').slice(0, 3).join(' ')}`);
}

function starterProblems(report: GradeReport): string[] {
  if (!report.gradable) return [`starter: not gradable: ${report.errors.join('; ')}`];
  return report.checks
    .filter((c) => !NOTEBOOK_CHECKS.has(c.id) && c.points > 0)
    .map((c) => `starter: the unchanged starter earned ${points(c.points)} of ${c.maxPoints} on ${c.id}; a check must give the starter's stubs no credit`);
}

function exampleProblems(file: string, report: GradeReport, expected: z.infer<typeof ExpectedVerdictsSchema>[string]): string[] {
  if (!report.gradable) return [`examples/${file}: not gradable: ${report.errors.join('; ')}`];
  const problems: string[] = [];
  for (const [id, status] of Object.entries(expected.checks)) {
    const got = report.checks.find((c) => c.id === id);
    if (!got) problems.push(`examples/${file}: ${id}: expected ${status}, but the assignment has no such check`);
    else if (got.status !== status) problems.push(`examples/${file}: ${id}: expected ${status}, got ${got.status} (${points(got.points)} of ${got.maxPoints}): ${got.feedback.split('\n')[0]}`);
  }
  const fraction = report.maxScore ? report.score / report.maxScore : 0;
  if (expected.minScoreFraction !== undefined && fraction < expected.minScoreFraction) {
    problems.push(`examples/${file}: score ${points(report.score)} of ${report.maxScore} is below the expected fraction ${expected.minScoreFraction}`);
  }
  if (expected.maxScoreFraction !== undefined && fraction > expected.maxScoreFraction) {
    problems.push(`examples/${file}: score ${points(report.score)} of ${report.maxScore} is above the expected fraction ${expected.maxScoreFraction}`);
  }
  return problems;
}

export async function validateAssignmentDir(dir: string, options: ValidateOptions): Promise<ValidationResult> {
  // A folder being edited is read afresh, not from this process's cache.
  forgetCompiledAssignments();
  const compiled = loadAssignmentDir(dir);
  const { definition, source } = compiled;
  const result: ValidationResult = { id: definition.id, dir: source.dir, problems: [], checked: [] };
  await prepareSolutionValues(definition, options.sandbox, options.limits);

  const grade = (assignment: AssignmentDefinition, path: string) => gradeSubmission({
    assignment,
    notebook: { name: basename(path), bytes: readFileSync(path) },
    sandbox: options.sandbox,
    limits: options.limits,
    ...(options.logger ? { logger: options.logger } : {}),
  });

  type Job = { kind: 'solution' | 'starter' } | { kind: 'example'; file: string; expected: z.infer<typeof ExpectedVerdictsSchema>[string] };
  const jobs: Job[] = [];
  if (source.spec.solution) jobs.push({ kind: 'solution' });
  // The spec's solution is optional (a report-only assignment may have none): said in the summary, not a failure.
  else result.checked.push('no solution named, full marks not checked');
  if (definition.starterPath) jobs.push({ kind: 'starter' });
  const examplesDir = join(source.dir, 'examples');
  const expectedPath = join(examplesDir, EXPECTED_FILE);
  if (existsSync(expectedPath)) {
    const parsed = ExpectedVerdictsSchema.safeParse(JSON.parse(readFileSync(expectedPath, 'utf8')));
    if (!parsed.success) {
      result.problems.push(`${expectedPath}: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
    } else {
      for (const [file, expected] of Object.entries(parsed.data)) {
        if (!existsSync(join(examplesDir, file))) result.problems.push(`examples/${file}: listed in ${EXPECTED_FILE} but missing`);
        else jobs.push({ kind: 'example', file, expected });
      }
    }
  }

  const outcomes = await mapLimited(jobs, options.concurrency ?? 2, async (job) => {
    switch (job.kind) {
      case 'solution': {
        const report = await grade(definition, source.resolvePath(source.spec.solution!));
        return { problems: solutionProblems(report), checked: `solution ${points(report.score)}/${report.maxScore}` };
      }
      case 'starter': {
        const report = await grade(definition, definition.starterPath!);
        const code = report.checks.filter((c) => !NOTEBOOK_CHECKS.has(c.id)).reduce((s, c) => s + c.points, 0);
        return { problems: starterProblems(report), checked: `starter ${points(code)} code points` };
      }
      case 'example': {
        const report = await grade(definition, join(examplesDir, job.file));
        return { problems: exampleProblems(job.file, report, job.expected), checked: undefined };
      }
    }
  });
  for (const outcome of outcomes) {
    result.problems.push(...outcome.problems);
    if (outcome.checked) result.checked.push(outcome.checked);
  }
  const examples = jobs.filter((j) => j.kind === 'example').length;
  if (examples) result.checked.push(`${examples} example${examples === 1 ? '' : 's'}`);
  return result;
}
