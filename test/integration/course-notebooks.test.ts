/**
 * The course's own notebooks (test/fixtures/course/, MIT, see its README) graded end to end
 * through the real harness in the process sandbox, against assignments made from the
 * course's own starters: what an instructor must be able to sign (issue 8).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardChecks } from '../../graders/common/standard-checks.js';
import { loadConfig } from '../../src/config.js';
import { defineAssignment, type AssignmentDefinition } from '../../src/grading/assignment.js';
import { gradeSubmission } from '../../src/grading/engine.js';
import type { GradeReport } from '../../src/grading/report.js';
import { createLogger } from '../../src/logger.js';
import { createSandbox } from '../../src/sandbox/select.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { courseFixture, courseSoftmaxAssignment } from '../helpers/course-assignment.js';

const config = loadConfig({ ...process.env, AUTOGRADER_SANDBOX: 'process' });
const logger = createLogger('silent');
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await createSandbox(config, logger);
});
afterAll(async () => {
  await sandbox?.close();
});

function grade(assignment: AssignmentDefinition, file: string): Promise<GradeReport> {
  return gradeSubmission({ assignment, notebook: { name: file, bytes: readFileSync(courseFixture(file)) }, sandbox, limits: config.sandboxLimits, logger });
}

const points = (report: GradeReport) => Object.fromEntries(report.checks.map((c) => [c.id, c.points]));
const feedback = (report: GradeReport, id: string) => report.checks.find((c) => c.id === id)?.feedback ?? '';

describe('Softmax, part 1 (u05n1) with its own starter', () => {
  const assignment = courseSoftmaxAssignment();

  it('gives the unchanged starter 0', async () => {
    const report = await grade(assignment, 'u05n1-softmax.ipynb');
    expect(report).toMatchObject({ gradable: true, score: 0 });
    expect(feedback(report, 'execution')).toContain("code is the starter's, unchanged");
    expect(report.warnings).toBeUndefined();
  }, 120_000);

  it('gives the solution its code and execution points, and no narrative points while its questions are unanswered', async () => {
    const report = await grade(assignment, 'u05n1-softmax_soln.ipynb');
    // The starter saved cell 10 without an execution count: that costs nothing.
    expect(points(report)).toEqual({ narrative: 0, placeholders: 1, execution: 1, 'softmax.reference': 3 });
    expect(feedback(report, 'narrative')).toContain('0 of 5 questions answered in Markdown.');
  }, 120_000);

  it('gives the solution with every question answered in Markdown, with micro-headings, 100%', async () => {
    const report = await grade(assignment, 'u05n1-softmax_soln-answered.ipynb');
    expect(report.score).toBe(report.maxScore);
    expect(report.errors).toEqual([]);
  }, 120_000);

  it("gives the course's MNIST notebook 0 and one line: it is another unit's notebook", async () => {
    const report = await grade(assignment, 'u05n3-mnist-clf_soln.ipynb');
    expect(report).toMatchObject({ gradable: false, score: 0, checks: [] });
    expect(report.errors).toEqual([expect.stringMatching(/^This does not look like Softmax, part 1's notebook: /)]);
  }, 120_000);
});

describe('Lab 1 (fastai) with its own starter, which imports a library the grader lacks', () => {
  const lab1: AssignmentDefinition = defineAssignment({
    id: 'lab1-fastai',
    title: 'Lab 1: image classifier',
    starterPath: courseFixture('Lab1.ipynb'),
    checks: standardChecks({ narrative: 2, placeholders: 1, execution: 1 }),
  });

  it("costs the student nothing for fastai, warns the instructor, and names the answers written as code comments", async () => {
    const report = await grade(lab1, 'Example_Lab1.ipynb');
    expect(report.gradable).toBe(true);
    const execution = report.checks.find((c) => c.id === 'execution');
    expect(execution?.feedback).not.toContain('fastai');
    expect(execution?.feedback).not.toContain('NameError');
    // Fresh run clean once fastai is excused; the student's own saved cell 35 has no count.
    expect(execution?.points).toBe(0.6);
    expect(report.warnings).toEqual([expect.stringMatching(/^The grader's sandbox has no module 'fastai' \(the starter imports it\): cell 11 failed; 5 later cells failed because of it \(cells 26, 27, 31, 33 and 35\)/)]);
    expect(feedback(report, 'narrative')).toContain('is answered in a code comment (cell 14: "Abc.jpg would be labeled as a cat because it…")');
  }, 180_000);
});
