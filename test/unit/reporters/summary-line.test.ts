/**
 * The closing line of a test run, checked on a nested vitest run of small fixture files
 * (test/fixtures/reporter/): each kind of failure must reach the "failed" count.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPackageRoot } from '../../../src/package-root.js';

const root = findPackageRoot();

function nestedRun(...files: string[]): { status: number | null; line: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', join(root, 'test', 'fixtures', 'reporter', 'vitest.config.ts'), ...files],
    { cwd: root, encoding: 'utf8', env: { ...env, CI: 'true', NO_COLOR: '1' }, timeout: 120_000 },
  );
  const line = r.stdout.split('\n').filter((l) => l.startsWith('tests: ')).at(-1) ?? `no summary line in:\n${r.stdout}\n${r.stderr}`;
  return { status: r.status, line };
}

describe('the summary line', () => {
  it('counts a failing beforeAll as a failure, not only as skipped tests', () => {
    const run = nestedRun('before-all-fails');
    expect(run.line).toBe('tests: 0 passed, 1 failed (0 tests, 1 suite (hooks)), 2 skipped');
    expect(run.status).not.toBe(0);
  });

  it('counts failed tests, failed hooks (beforeAll and afterAll), files that did not load and unhandled errors', () => {
    const run = nestedRun();
    // passing: 2 passed; failing-test: 1 failed, 1 skipped; before-all-fails: 1 failed suite,
    // 2 skipped; after-all-fails: 1 passed, 1 failed module hook; load-error: 1 file;
    // unhandled: 1 passed, 1 run error.
    expect(run.line).toBe('tests: 4 passed, 5 failed (1 test, 2 suites (hooks), 1 file that did not load, 1 run error), 3 skipped');
    expect(run.status).not.toBe(0);
  });

  it('stays the plain line when only tests fail or pass', () => {
    expect(nestedRun('passing', 'failing-test').line).toBe('tests: 2 passed, 1 failed, 1 skipped');
  });
});
