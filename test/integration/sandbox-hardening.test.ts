/**
 * The process sandbox and its harness, for real (Debian's python3, ipykernel): a harness
 * dies with the process that started it, stale job folders are swept, the notebook keeps
 * its own path beside a folder named submission.ipynb/, and an exception on hidden inputs
 * comes back with the student's own line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { harnessDir } from '../../src/sandbox/harness-path.js';
import { sweepStaleJobDirs } from '../../src/sandbox/job-dir.js';
import { ProcessSandbox } from '../../src/sandbox/process-sandbox.js';
import { TEST_LIMITS, harnessLimits, jobFor, notebookJson, softmaxCall } from '../helpers/sandbox-jobs.js';

const python = loadConfig({}).python;
const logger = createLogger('silent');

let scratch: string;
const savedTmpdir = process.env.TMPDIR;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'sandbox-hardening-'));
  process.env.TMPDIR = scratch;
});
afterAll(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  rmSync(scratch, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `done` holds; the bound only keeps a broken test from hanging, nothing asserts on time. */
async function eventually(done: () => boolean, boundMs = 60_000): Promise<boolean> {
  const until = Date.now() + boundMs;
  while (Date.now() < until) {
    if (done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return done();
}

/** A pid that certainly belongs to no process any more. */
function deadPid(): number {
  const child = spawnSync('/bin/sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

describe('process sandbox hardening', () => {
  it('the harness (and with it the kernel) stops when the process that started it is SIGKILLed', async () => {
    const work = mkdtempSync(join(scratch, 'orphan-'));
    writeFileSync(join(work, 'submission.ipynb'), notebookJson(['import time\ntime.sleep(300)']));
    const request = JSON.stringify({ ...jobFor(new Uint8Array()).request, calls: [], limits: harnessLimits({ cellTimeoutS: 300, totalTimeoutS: 400 }) });
    writeFileSync(join(work, 'request.json'), request);
    // Stands in for a worker: starts the harness as the process sandbox does, says its pid, then waits to be killed.
    const parentScript = [
      'import os, subprocess, sys, time',
      `env = dict(os.environ, AUTOGRADER_PARENT_PID=str(os.getpid()), HOME=${JSON.stringify(work)}, TMPDIR=${JSON.stringify(work)})`,
      `h = subprocess.Popen([sys.executable, ${JSON.stringify(join(harnessDir(), 'harness.py'))}, ${JSON.stringify(work)}], stdin=open(${JSON.stringify(join(work, 'request.json'))}), stdout=subprocess.DEVNULL, stderr=open(${JSON.stringify(join(work, 'harness.log'))}, 'w'), env=env, cwd=${JSON.stringify(work)}, start_new_session=True)`,
      'print(h.pid, flush=True)',
      'time.sleep(600)',
    ].join('\n');
    const parent = spawn(python, ['-c', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const harnessPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      parent.once('error', reject);
    });
    expect(alive(harnessPid)).toBe(true);
    // Wait until the harness is running the notebook's cell, so its kernel exists.
    expect(await eventually(() => readFileSync(join(work, 'harness.log'), 'utf8').includes('kernel start'))).toBe(true);
    parent.kill('SIGKILL');
    expect(await eventually(() => !alive(harnessPid))).toBe(true);
    // The kernel dies with the harness (kernel_launch.py): nothing of the job is left running.
    expect(await eventually(() => spawnSync('pgrep', ['-f', work]).stdout.toString().trim() === '')).toBe(true);
  }, 120_000);

  it('removes job folders whose owner is gone and keeps those of live processes', async () => {
    const parent = mkdtempSync(join(scratch, 'sweep-'));
    const stale = join(parent, 'autograder-job-stale');
    const live = join(parent, 'autograder-job-live');
    const unrelated = join(parent, 'someone-else');
    for (const dir of [stale, live, unrelated]) mkdirSync(join(dir, 'work'), { recursive: true });
    writeFileSync(join(stale, 'owner.pid'), String(deadPid()));
    writeFileSync(join(live, 'owner.pid'), String(process.pid));
    expect(await sweepStaleJobDirs(parent)).toEqual([stale]);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
  });

  it('writes the notebook at its own path, beside a folder named submission.ipynb/', async () => {
    const sandbox = new ProcessSandbox({ python, limits: TEST_LIMITS, logger });
    const job = jobFor(notebookJson(['print(open("submission.ipynb/notes.txt").read())']), { calls: [] });
    job.request.notebook = 'lab.ipynb';
    job.files = [{ path: 'submission.ipynb/notes.txt', data: Buffer.from('my notes') }];
    const run = await sandbox.run(job);
    await sandbox.close();
    expect(run.outcome).toBe('completed');
    expect(run.response?.harnessErrors).toEqual([]);
    expect(run.response?.cells).toEqual([expect.objectContaining({ status: 'ok' })]);
  }, 120_000);

  it("returns the line of the student's own code that raised on hidden inputs, beside the message", async () => {
    const sandbox = new ProcessSandbox({ python, limits: TEST_LIMITS, logger });
    const source = ['def softmax(x):', '    y = x * 2', '    raise ValueError(repr(x))'].join('\n');
    const run = await sandbox.run(jobFor(notebookJson([source]), { calls: [softmaxCall()] }));
    await sandbox.close();
    const call = run.response?.calls[0];
    expect(call).toMatchObject({ status: 'error', ename: 'ValueError', line: { lineno: 3, text: 'raise ValueError(repr(x))' } });
    expect(call?.status === 'error' ? call.evalue : '').toMatch(/1000/);
  }, 120_000);
});
