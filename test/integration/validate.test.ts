/**
 * `autograder validate` passes for every built-in assignment and for the course's unit 5
 * softmax folder (made with `autograder assign`), in the process sandbox; a folder whose
 * expected verdicts are wrong exits 1 and lists each difference.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_ASSIGNMENTS } from '../../graders/catalogue-dirs.js';
import { graderDir } from '../../graders/common/paths.js';
import { findPackageRoot } from '../../src/package-root.js';
import { ensureBuilt } from '../helpers/build.js';

const root = findPackageRoot();
const bin = join(root, 'bin', 'autograder.js');
const courseFolder = join(root, 'test', 'fixtures', 'assignments', 'u05n1-softmax');
const scratch = mkdtempSync(join(tmpdir(), 'validate-test-'));

function autograder(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, AUTOGRADER_SANDBOX: 'process', LOG_LEVEL: 'error' },
    timeout: 900_000,
  });
}

beforeAll(() => ensureBuilt());
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('autograder validate', () => {
  it('passes for every built-in assignment and the course folder', () => {
    const run = autograder(['validate', ...BUILT_IN_ASSIGNMENTS.map(graderDir), courseFolder, '--sandbox', 'process', '--jobs', '2']);
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr.slice(-2000) }).toMatchObject({ status: 0 });
    for (const id of [...BUILT_IN_ASSIGNMENTS, 'u05n1-softmax']) {
      expect(run.stdout).toMatch(new RegExp(`^${id}: ok \\((solution [\\d.]+/[\\d.]+|no solution named, full marks not checked), starter 0 code points, \\d+ examples?\\)$`, 'm'));
    }
    // Every built-in assignment that has a solution gets full marks checked.
    expect(run.stdout.match(/: ok \(solution /g)?.length).toBeGreaterThanOrEqual(5);
  }, 900_000);

  it('exits 1 and lists each difference when an example does not get its expected verdict', () => {
    const dir = join(scratch, 'u05n1-softmax');
    cpSync(courseFolder, dir, { recursive: true });
    const expectedPath = join(dir, 'examples', 'expected.json');
    const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
    expected['unstable.ipynb'].checks['softmax_stable.stability'] = 'passed';
    writeFileSync(expectedPath, JSON.stringify(expected));
    const run = autograder(['validate', dir, '--sandbox', 'process']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('u05n1-softmax: 1 difference(s)');
    expect(run.stdout).toMatch(/- examples\/unstable\.ipynb: softmax_stable\.stability: expected passed, got failed/);
  }, 300_000);
});

describe('autograder grade --assignment DIR', () => {
  it('grades against a folder, computing the solution values it needs first, and names the alias it graded', () => {
    const dir = join(scratch, 'fresh-u05n1-softmax');
    cpSync(courseFolder, dir, { recursive: true, filter: (path) => !path.includes('.autograder') });
    const run = autograder(['grade', join(dir, 'examples', 'renamed-stable.ipynb'), '--assignment', dir, '--sandbox', 'process', '--json']);
    expect({ status: run.status, stderr: run.stderr.slice(-2000) }).toMatchObject({ status: 0 });
    const report = JSON.parse(run.stdout) as { assignment: { id: string }; checks: { id: string; status: string; feedback: string }[] };
    expect(report.assignment.id).toBe('u05n1-softmax');
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    expect(byId.get('softmax.reference')).toMatchObject({ status: 'passed' });
    expect(byId.get('softmax.reference')!.feedback).toContain('Graded your `softmax_stable`, accepted in place of `softmax`.');
    expect(byId.get('softmax_stable.reference')).toMatchObject({ status: 'passed' });
    expect(readFileSync(join(dir, '.autograder', 'solution-values.json'), 'utf8')).toContain('softmax_stable.reference#0');
  }, 300_000);
});
