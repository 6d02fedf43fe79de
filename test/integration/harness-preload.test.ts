/**
 * A warm sandbox container's kernel imports NumPy while it waits for its job
 * (AUTOGRADER_KERNEL_PRELOAD, set by container-spec.ts for pooled containers), and binds
 * no name doing so: a notebook that uses `np` without importing it must still fail.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harnessDir } from '../../src/sandbox/harness-path.js';
import { parseHarnessResponse } from '../../src/sandbox/harness-response.js';
import { requireService } from '../helpers/services.js';
import { jobFor, notebookJson } from '../helpers/sandbox-jobs.js';

const PYTHON = '/usr/bin/python3';
const run = requireService('Debian python3 (nbclient, ipykernel, numpy)', existsSync(PYTHON), `${PYTHON} is missing`);

function runHarness(cells: string[], preload: string | undefined) {
  const work = mkdtempSync(join(tmpdir(), 'ag-preload-'));
  const job = jobFor(notebookJson(cells), { calls: [] });
  writeFileSync(join(work, job.request.notebook), job.notebook);
  const r = spawnSync(PYTHON, [join(harnessDir(), 'harness.py'), work], {
    cwd: work,
    input: JSON.stringify(job.request),
    env: {
      PATH: '/usr/bin:/bin',
      HOME: work,
      AUTOGRADER_KERNEL_PYTHON: PYTHON,
      ...(preload === undefined ? {} : { AUTOGRADER_KERNEL_PRELOAD: preload }),
    },
    timeout: 120_000,
  });
  const parsed = parseHarnessResponse(new Uint8Array(r.stdout), 16 * 1024 * 1024);
  if (!parsed.ok) throw new Error(`no harness response: ${parsed.detail}\n${r.stderr.toString().slice(-2000)}`);
  return { response: parsed.response, stderr: r.stderr.toString() };
}

describe.runIf(run)('harness AUTOGRADER_KERNEL_PRELOAD', () => {
  it('imports the module into the kernel before the notebook runs, binding no name', () => {
    const { response } = runHarness(['import sys\nassert "numpy" in sys.modules', 'np.zeros(1)'], 'numpy');
    expect(response.cells.map((c) => c.status)).toEqual(['ok', 'error']);
    expect(response.harnessErrors).toEqual([]);
  }, 150_000);

  it('imports nothing without it', () => {
    const { response } = runHarness(['import sys\nassert "numpy" not in sys.modules'], undefined);
    expect(response.cells.map((c) => c.status)).toEqual(['ok']);
  }, 150_000);

  it('logs, and goes on, when a preload is not a module name or does not import', () => {
    const { response, stderr } = runHarness(['x = 1'], 'os; import shutil, no_such_module_here');
    expect(response.cells.map((c) => c.status)).toEqual(['ok']);
    expect(stderr).toMatch(/preload: 'os; import shutil' is not a module name; skipped/);
    expect(stderr).toMatch(/preload: import no_such_module_here ended error/);
  }, 150_000);
});
