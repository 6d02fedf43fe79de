/**
 * Every example submission gets the verdict its name promises (graders/<id>/examples/expected.json),
 * graded end to end through the real harness: in the process sandbox, and in the Docker
 * sandbox when the engine and image are there (required under CI).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAssignment } from '../../graders/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import { gradeSubmission } from '../../src/grading/engine.js';
import type { GradeReport } from '../../src/grading/report.js';
import { createLogger } from '../../src/logger.js';
import { createSandbox } from '../../src/sandbox/select.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { exampleCases } from '../helpers/examples.js';
import { dockerSandboxAvailable } from '../helpers/docker.js';
import { requireService } from '../helpers/services.js';

const cases = exampleCases();
const logger = createLogger('silent');

function verdicts(report: GradeReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

function assertExpected(report: GradeReport, expected: (typeof cases)[number]['expected']): void {
  expect(report.gradable).toBe(true);
  const got = verdicts(report);
  for (const [id, status] of Object.entries(expected.checks)) {
    expect({ check: id, status: got[id], feedback: report.checks.find((c) => c.id === id)?.feedback }).toMatchObject({ check: id, status });
  }
  const fraction = report.score / report.maxScore;
  if (expected.minScoreFraction !== undefined) expect(fraction).toBeGreaterThanOrEqual(expected.minScoreFraction);
  if (expected.maxScoreFraction !== undefined) expect(fraction).toBeLessThanOrEqual(expected.maxScoreFraction);
}

it('has example submissions for every built-in assignment', () => {
  const assignments = new Set(cases.map((c) => c.assignment));
  expect([...assignments].sort()).toEqual(['u02-classifier-report', 'u05-classifier', 'u05-digits', 'u05-softmax', 'u06-heads', 'u07-embeddings', 'u08-sampling']);
});

const processReports = new Map<string, GradeReport>();

function gradeExample(example: (typeof cases)[number], sandbox: Sandbox, config: Config): Promise<GradeReport> {
  return gradeSubmission({
    assignment: getAssignment(example.assignment),
    notebook: { name: example.file, bytes: readFileSync(example.path) },
    sandbox,
    limits: config.sandboxLimits,
    logger,
  });
}

describe('examples in the process sandbox', () => {
  let sandbox: Sandbox;
  const config = loadConfig({ ...process.env, AUTOGRADER_SANDBOX: 'process' });
  beforeAll(async () => {
    sandbox = await createSandbox(config, logger);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it.each(cases.map((c) => [`${c.assignment}/${c.file}`, c] as const))('%s', async (_name, example) => {
    const report = await gradeExample(example, sandbox, config);
    processReports.set(`${example.assignment}/${example.file}`, report);
    assertExpected(report, example.expected);
  });
});

describe('examples in the Docker sandbox give the same verdicts', async () => {
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

  it.runIf(run).each(cases.map((c) => [`${c.assignment}/${c.file}`, c] as const))('%s', async (name, example) => {
    const report = await gradeExample(example, sandbox, config);
    assertExpected(report, example.expected);
    const inProcess = processReports.get(name);
    if (inProcess) expect(verdicts(report)).toEqual(verdicts(inProcess));
  });
});
