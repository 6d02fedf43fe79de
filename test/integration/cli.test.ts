/**
 * The `autograder` command as an instructor runs it: the built CLI in a child process.
 * (`npm test` runs after `npm run build`; .ci/run builds first.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradescopeResultsSchema } from '../../src/grading/gradescope.js';
import { GradeReportSchema } from '../../src/grading/report.js';
import { findPackageRoot } from '../../src/package-root.js';
import { ensureBuilt } from '../helpers/build.js';

const root = findPackageRoot();
const bin = join(root, 'bin', 'autograder.js');
const example = (id: string, file: string) => join(root, 'graders', id, 'examples', file);

function autograder(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, AUTOGRADER_SANDBOX: 'process', LOG_LEVEL: 'warn' },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  ensureBuilt();
});

describe('a bad configuration', () => {
  it('exits 2 with one line naming the setting, not a stack trace', () => {
    const r = spawnSync(process.execPath, [bin, 'assignments'], {
      encoding: 'utf8',
      env: { ...process.env, WORKER_CONCURRENCY: 'many', LOG_LEVEL: 'warn' },
      timeout: 120_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^autograder: invalid configuration: workerConcurrency: .*\n$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});

describe('autograder grade', () => {
  it('--json prints exactly the GradeReport on stdout, logs on stderr, exit 0', () => {
    const r = autograder('grade', example('u05-softmax', 'correct.ipynb'), '--assignment', 'u05-softmax', '--json');
    expect(r.code).toBe(0);
    const report = GradeReportSchema.parse(JSON.parse(r.stdout));
    expect(report).toMatchObject({ gradable: true, score: report.maxScore, assignment: { id: 'u05-softmax' } });
    expect(report.environment).toMatchObject({ sandbox: 'process', tensorBackend: 'wasm' });
    expect(r.stderr).toMatch(/NOT ISOLATED|not isolation/i);
  });

  it('--format gradescope prints a results.json', () => {
    const r = autograder('grade', example('u05-softmax', 'unstable.ipynb'), '--assignment', 'u05-softmax', '--format', 'gradescope');
    expect(r.code).toBe(0);
    const results = GradescopeResultsSchema.parse(JSON.parse(r.stdout));
    const stability = results.tests.find((t) => t.tags.includes('softmax.stability'));
    expect(stability).toMatchObject({ status: 'failed', score: 0 });
    expect(stability?.output).toMatch(/Subtract the largest logit/);
  });

  it('prints a readable report by default', () => {
    const r = autograder('grade', example('u06-heads', 'wrong.ipynb'), '--assignment', 'u06-heads');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Score: [\d.]+ \/ \d+/);
    expect(r.stdout).toMatch(/mape\.reference/);
  });

  it('exits 2 for an unknown assignment, naming the known ones', () => {
    const r = autograder('grade', example('u05-softmax', 'correct.ipynb'), '--assignment', 'u99-nothing');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown assignment "u99-nothing"; known: u02-classifier-report, u05-softmax, .*u08-sampling/);
    expect(r.stdout).toBe('');
  });

  it('exits 2 for a missing file and for a missing --assignment', () => {
    expect(autograder('grade', '/nonexistent.ipynb', '--assignment', 'u05-softmax').code).toBe(2);
    expect(autograder('grade', example('u05-softmax', 'correct.ipynb')).code).toBe(2);
  });

  it('exits 3 for a file that is not a notebook, with one line and no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ag-cli-'));
    const file = join(dir, 'homework.ipynb');
    writeFileSync(file, 'import torch\nprint("hello")\n');
    const text = autograder('grade', file, '--assignment', 'u05-softmax');
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/Not gradable: "?homework\.ipynb"? is not a Jupyter notebook/);
    expect(text.stderr).not.toMatch(/\n\s+at /);
    const json = autograder('grade', file, '--assignment', 'u05-softmax', '--json');
    expect(json.code).toBe(3);
    expect(GradeReportSchema.parse(JSON.parse(json.stdout))).toMatchObject({ gradable: false, score: 0 });
  });
});

describe('autograder assignments', () => {
  it('lists the seven built-in assignments', () => {
    const r = autograder('assignments', '--json');
    expect(r.code).toBe(0);
    const ids = (JSON.parse(r.stdout) as { id: string }[]).map((a) => a.id);
    expect(ids).toEqual(['u02-classifier-report', 'u05-softmax', 'u05-classifier', 'u05-digits', 'u06-heads', 'u07-embeddings', 'u08-sampling']);
  });
});
