/**
 * The process sandbox runs the harness (and so the kernel) with a minimal environment:
 * the system PATH only, none of the grading host's secrets, and a pip that installs nothing,
 * so a notebook's `!pip install` cannot change the host (issue 8 item 8).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { ProcessSandbox, resolveCommand, SANDBOX_PATH } from '../../src/sandbox/process-sandbox.js';
import type { SandboxRun } from '../../src/sandbox/sandbox.js';
import { jobFor, notebookJson, TEST_LIMITS } from '../helpers/sandbox-jobs.js';

const SECRETS = { DATABASE_URL: 'postgres://grader:hunter2@db/grades', REDIS_URL: 'redis://:hunter2@redis:6379', GITHUB_TOKEN: 'ghp_secret', AUTOGRADER_ADMIN_TOKEN: 'admin-secret' };

let scratch: string;
let marker: string;
const saved: Record<string, string | undefined> = {};
let run: SandboxRun;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'sandbox-env-test-'));
  marker = join(scratch, 'host-pip-ran');
  // A `pip` of the host user's tools, first on our PATH: if the notebook's `!pip` reaches it, the host changed.
  const tools = join(scratch, 'tools');
  mkdirSync(tools);
  writeFileSync(join(tools, 'pip'), `#!/bin/sh\ntouch ${marker}\n`);
  chmodSync(join(tools, 'pip'), 0o755);
  for (const [name, value] of Object.entries({ ...SECRETS, PATH: `${tools}:${process.env.PATH ?? ''}` })) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  const sandbox = new ProcessSandbox({ python: loadConfig({}).python, limits: TEST_LIMITS, logger: createLogger('silent') });
  run = await sandbox.run(jobFor(notebookJson([
    'import os, subprocess, sys',
    `leaked = [k for k in ${JSON.stringify(Object.keys(SECRETS))} if k in os.environ]\nassert not leaked, leaked`,
    `assert os.environ['PATH'] == ${JSON.stringify(SANDBOX_PATH)}, os.environ['PATH']`,
    '!pip install --quiet not-a-real-package-xyz',
    "r = subprocess.run(['pip', 'install', 'not-a-real-package-xyz'], capture_output=True, text=True)\nassert r.returncode != 0 and 'virtualenv' in r.stdout + r.stderr, r.stdout + r.stderr",
    "assert 'DATABASE_URL' in os.environ, 'a control: this cell must fail'",
  ]), { calls: [] }));
  await sandbox.close();
}, 120_000);

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe('the process sandbox environment', () => {
  it('passes none of our secrets and only the system PATH to the notebook', () => {
    expect(run.outcome).toBe('completed');
    const cells = run.response?.cells ?? [];
    expect(cells.slice(0, 3).map((c) => [c.status, c.evalue ?? ''])).toEqual([['ok', ''], ['ok', ''], ['ok', '']]);
    // The control cell shows the assertions run and fail when they should.
    expect(cells[5]).toMatchObject({ status: 'error', ename: 'AssertionError' });
  });

  it("keeps a notebook's pip from installing anything or reaching the host user's tools", () => {
    const cells = run.response?.cells ?? [];
    expect(cells[4]).toMatchObject({ status: 'ok' });
    expect(existsSync(marker)).toBe(false);
  });

  it('resolves a bare interpreter name on our PATH once, since the harness PATH may not hold it', () => {
    expect(resolveCommand('sh', '/nonexistent:/bin:/usr/bin')).toMatch(/^\/(usr\/)?bin\/sh$/);
    expect(resolveCommand('/opt/python/bin/python3')).toBe('/opt/python/bin/python3');
    expect(resolveCommand('no-such-command-xyz', '/bin')).toBe('no-such-command-xyz');
  });
});
