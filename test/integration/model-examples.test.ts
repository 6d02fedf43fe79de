/**
 * The model-grading assignments' examples (graders/<id>/examples/expected.json) get the
 * verdicts their names promise, graded end to end: in the process sandbox, and in the
 * Docker sandbox when the engine and image are there (required under CI), with the same
 * verdicts in both. The solution's measured accuracy matches the calibration written beside
 * the thresholds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAssignment } from '../../graders/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { AssignmentDefinition } from '../../src/grading/assignment.js';
import { gradeSubmission } from '../../src/grading/engine.js';
import type { GradeReport } from '../../src/grading/report.js';
import { createLogger } from '../../src/logger.js';
import { findPackageRoot } from '../../src/package-root.js';
import { createSandbox } from '../../src/sandbox/select.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { dockerSandboxAvailable } from '../helpers/docker.js';
import { ExpectedSchema } from '../helpers/examples.js';
import { requireService } from '../helpers/services.js';

const logger = createLogger('silent');
const ASSIGNMENTS: AssignmentDefinition[] = ['u05-classifier', 'u05-digits', 'u02-classifier-report'].map(getAssignment);

const cases = ASSIGNMENTS.flatMap((assignment) => {
  const dir = join(findPackageRoot(), 'graders', assignment.id, 'examples');
  const file = join(dir, 'expected.json');
  if (!existsSync(file)) return [];
  return Object.entries(ExpectedSchema.parse(JSON.parse(readFileSync(file, 'utf8'))))
    .map(([name, expected]) => ({ assignment, name, path: join(dir, name), expected }));
});
type Case = (typeof cases)[number];

const verdicts = (report: GradeReport) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));

function assertExpected(report: GradeReport, example: Case): void {
  expect(report.gradable).toBe(true);
  const got = verdicts(report);
  for (const [id, status] of Object.entries(example.expected.checks)) {
    expect({ check: id, status: got[id], feedback: report.checks.find((c) => c.id === id)?.feedback }).toMatchObject({ check: id, status });
  }
  const fraction = report.score / report.maxScore;
  if (example.expected.minScoreFraction !== undefined) expect(fraction).toBeGreaterThanOrEqual(example.expected.minScoreFraction);
  if (example.expected.maxScoreFraction !== undefined) expect(fraction).toBeLessThanOrEqual(example.expected.maxScoreFraction);
}

const grade = (example: Case, sandbox: Sandbox | undefined, config: Config) => gradeSubmission({
  assignment: example.assignment,
  notebook: { name: example.name, bytes: readFileSync(example.path) },
  sandbox,
  limits: config.sandboxLimits,
  logger,
});

const processReports = new Map<string, GradeReport>();

describe('model examples in the process sandbox', () => {
  const config = loadConfig({ ...process.env, AUTOGRADER_SANDBOX: 'process' });
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox(config, logger);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it.each(cases.map((c) => [`${c.assignment.id}/${c.name}`, c] as const))('%s', async (key, example) => {
    const report = await grade(example, sandbox, config);
    processReports.set(key, report);
    assertExpected(report, example);
  });

  it('u05-classifier: the solution measures what the calibration beside the thresholds says', () => {
    const report = processReports.get('u05-classifier/good-mlp.ipynb');
    expect(report).toBeDefined();
    const measured = (id: string) => Number(report!.checks.find((c) => c.id === id)!.feedback.match(/classified ([\d.]+)%/)![1]) / 100;
    expect(Math.abs(measured('mlp.accuracy') - 0.993)).toBeLessThan(0.02);
    expect(Math.abs(measured('logreg.accuracy') - 0.533)).toBeLessThan(0.03);
  });

  it('u05-classifier: probabilities are told, the overclaim is quoted against the measurement', () => {
    const probs = processReports.get('u05-classifier/probabilities.ipynb')!;
    expect(probs.checks.find((c) => c.id === 'mlp.accuracy')!.feedback).toMatch(/returns probabilities/);
    const over = processReports.get('u05-classifier/overclaimed.ipynb')!.checks.find((c) => c.id === 'claimed.accuracy')!;
    expect(over.feedback).toMatch(/99\.5%.*the grader measured \d+\.\d% on the hidden test split/s);
    const crash = processReports.get('u05-classifier/crashes-on-a-batch.ipynb')!.checks.find((c) => c.id === 'mlp.accuracy')!;
    expect(crash.feedback).toMatch(/on batch 3 of 3 \(input rows 512 to 599\)/);
  });
});

describe('model examples in the Docker sandbox give the same verdicts', async () => {
  const config = loadConfig({ ...process.env, AUTOGRADER_SANDBOX: 'docker' });
  const availability = await dockerSandboxAvailable(config);
  const run = requireService('Docker sandbox', availability.ok, availability.why);
  let sandbox: Sandbox;
  beforeAll(async () => {
    if (run) sandbox = await createSandbox(config, logger);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it.runIf(run).each(cases.filter((c) => c.assignment.execute).map((c) => [`${c.assignment.id}/${c.name}`, c] as const))('%s', async (key, example) => {
    const report = await grade(example, sandbox, config);
    assertExpected(report, example);
    const inProcess = processReports.get(key);
    if (inProcess) expect(verdicts(report)).toEqual(verdicts(inProcess));
  });
});
