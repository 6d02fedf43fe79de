/**
 * The hostile notebooks graded end to end in the Docker sandbox, as a student's
 * submission would be: every attack costs the execution check, with feedback naming the
 * cell, and the `softmax` defined before the attack keeps its credit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as reference from '../../reference/index.js';
import { defineAssignment } from '../../src/grading/assignment.js';
import { execution } from '../../src/grading/checks/execution.js';
import { matchesReference } from '../../src/grading/checks/reference-match.js';
import { gradeSubmission } from '../../src/grading/engine.js';
import { f64 } from '../../src/grading/inputs.js';
import type { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.js';
import type { DockerSandboxClient } from '../../src/sandbox/docker/client.js';
import { dockerEngineAnswers, openTestSandbox, silent, testImage } from '../helpers/docker-sandbox.js';
import { labelledContainers, TEST_LIMITS } from '../helpers/sandbox-jobs.js';

const available = await dockerEngineAnswers();
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'hostile');
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.ipynb')).sort();

const assignment = defineAssignment({
  id: 'hostile-softmax',
  title: 'softmax, attacked',
  checks: [
    execution({ points: 1 }),
    matchesReference('softmax', reference.softmax, {
      signature: 'softmax(logits)',
      points: 2,
      cases: [
        { label: 'a vector', inputs: [f64([1, 2, 3])] },
        { label: 'a batch', inputs: [f64([[1, 2, 3], [1000, 1000, 999]])] },
      ],
    }),
  ],
});

describe.skipIf(!available)('hostile notebooks graded in the Docker sandbox', () => {
  let sandbox: DockerSandbox;
  let client: DockerSandboxClient;
  let workerId: string;

  beforeAll(async () => {
    ({ sandbox, client, workerId } = await openTestSandbox({ image: await testImage() }));
  }, 600_000);

  afterAll(async () => {
    await sandbox?.close();
    await client?.ping();
    expect(labelledContainers(workerId)).toEqual([]);
  });

  it.each(fixtures)('%s', async (file) => {
    const report = await gradeSubmission({
      assignment,
      notebook: { name: file, bytes: readFileSync(join(FIXTURES, file)) },
      sandbox,
      limits: TEST_LIMITS,
      logger: silent,
    });
    const checks = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    const context = JSON.stringify(report.checks.map((c) => [c.id, c.status, c.feedback]), null, 1) + report.errors.join('\n');
    expect(report.gradable).toBe(true);
    expect(checks.execution!.status, context).not.toBe('passed');
    expect(checks.execution!.feedback, context).toMatch(/Cell 2 |time limit|memory/);
    expect(checks['softmax.reference']!.status, context).toBe('passed');
  });
});
