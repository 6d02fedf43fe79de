/**
 * Workers as real processes (`autograder worker`, compiled) against a real API, Redis and
 * the process sandbox: one killed with SIGKILL mid-job, one stopped with SIGTERM, one
 * stopped with two signals. Every submission still ends graded with exactly one current
 * result. Redis is a redis-server of this file's own, so the workers (which use the
 * default queue prefix) never meet another test's or deployment's jobs.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGradingService, type GradingService } from '../../src/cli/grading-service.js';
import type { ServiceClient } from '../../src/cli/service-client.js';
import { createLogger } from '../../src/logger.js';
import { redisServerInstalled, startLocalRedis, type LocalRedis } from '../../scripts/redis-server.js';
import { FORCED_EXIT_CODE } from '../../worker/shutdown-signals.js';
import { EXAMPLE_ASSIGNMENT, clientAs, currentResultCount, slowNotebook, testConfig } from '../helpers/grading-service.js';
import { requireService } from '../helpers/services.js';
import { buildCli, startWorkerProcess, type LogLine, type WorkerProcess } from '../helpers/worker-process.js';

const python = testConfig({}).python;
const available =
  requireService('Python for the process sandbox', existsSync(python), `${python} does not exist`) &&
  requireService('redis-server (a Redis of this test file\'s own)', redisServerInstalled(), 'redis-server is not on PATH');

const GRADE_WAIT_MS = 120_000;
/** Short, so a dead worker's job is picked up within seconds; long enough for a busy test machine. */
const LOCK_MS = 5000;
const SLEEP_S = 8;

describe.skipIf(!available)('workers that die or are stopped mid-job', () => {
  let entry: string;
  let redis: LocalRedis;
  let service: GradingService;
  /** `worker: false` makes no worker token: the separate workers get one of their own, as an operator would make. */
  let workerToken: string;
  let dataDir: string;
  let student: ServiceClient;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    entry = buildCli();
    redis = await startLocalRedis();
    dataDir = mkdtempSync(join(tmpdir(), 'autograder-crash-'));
    service = await startGradingService({
      config: testConfig({ dataDir, databaseUrl: '', redisUrl: redis.url }),
      logger: createLogger('silent'),
      port: 0,
      worker: false,
    });
    student = await clientAs(service, 'student');
    workerToken = await service.store.createToken((await service.store.createUser({ role: 'worker', name: 'crash-test workers' })).id);
  }, 300_000);

  afterEach(async () => {
    for (const w of workers.splice(0)) {
      w.killHard();
      await w.exited;
    }
  });

  afterAll(async () => {
    await service?.close();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  function worker(id: string, extraEnv: Record<string, string> = {}): WorkerProcess {
    const w = startWorkerProcess(entry, {
      ...extraEnv,
      REDIS_URL: redis.url,
      API_URL: service.url,
      WORKER_TOKEN: workerToken,
      AUTOGRADER_SANDBOX: 'process',
      WORKER_ID: id,
      WORKER_LOCK_MS: String(LOCK_MS),
      WORKER_CONCURRENCY: '1',
    });
    workers.push(w);
    return w;
  }

  const jobFolders = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('autograder-job-'));

  /** Polls until `done` holds; the bound only keeps a broken run from hanging, nothing asserts on time. */
  async function eventually(done: () => boolean, boundMs = 60_000): Promise<boolean> {
    const until = Date.now() + boundMs;
    while (Date.now() < until && !done()) await new Promise((r) => setTimeout(r, 200));
    return done();
  }

  const startedGrading = (submissionId: string) => (l: LogLine) => l.msg === 'grading started' && l.submissionId === submissionId;

  /** The worker has told the API it started (an attempt is counted) and is in the sandbox. */
  async function untilRunning(id: string): Promise<void> {
    const deadline = Date.now() + GRADE_WAIT_MS;
    while ((await student.submission(id)).status !== 'running') {
      if (Date.now() > deadline) throw new Error(`submission ${id} never became running`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function uploadSlow(): Promise<string> {
    const accepted = await student.upload(EXAMPLE_ASSIGNMENT, 'slow.ipynb', slowNotebook(SLEEP_S));
    return accepted.id;
  }

  it('grades the submission of a worker killed with SIGKILL on another worker, with one current result, and nothing of the killed job is left', async () => {
    // The job folders and harness command lines of these two workers all lie under this folder.
    const jobsDir = mkdtempSync(join(tmpdir(), 'autograder-crash-jobs-'));
    const doomed = worker('crash-doomed', { TMPDIR: jobsDir });
    const id = await uploadSlow();
    await doomed.waitForLog(startedGrading(id));
    await untilRunning(id);
    const harnessRunning = () => spawnSync('pgrep', ['-f', `harness.py ${jobsDir}`]).stdout.toString().trim() !== '';
    expect(await eventually(harnessRunning)).toBe(true);
    doomed.killHard();
    expect(await doomed.exited).toBe('SIGKILL');
    // The harness (and its kernel) die with the worker: nothing keeps running the killed job.
    expect(await eventually(() => !harnessRunning())).toBe(true);
    expect(jobFolders(jobsDir)).toHaveLength(1);

    const rescuer = worker('crash-rescuer', { TMPDIR: jobsDir });
    await rescuer.waitForLog(startedGrading(id), GRADE_WAIT_MS);
    const graded = await student.waitUntilSettled(id, { timeoutMs: GRADE_WAIT_MS });
    expect(graded.status).toBe('graded');
    expect(graded.report?.gradable).toBe(true);
    expect(graded.attempts).toBe(2);
    expect(await currentResultCount(service.store, id)).toBe(1);
    expect(await service.store.listResults(id)).toHaveLength(1);
    // The rescuer swept the killed worker's job folder before its first job, and removed its own after it.
    expect(jobFolders(jobsDir)).toEqual([]);
    rmSync(jobsDir, { recursive: true, force: true });
  }, GRADE_WAIT_MS * 2);

  it('finishes the running job on SIGTERM, then exits 0', async () => {
    const w = worker('term-once');
    const id = await uploadSlow();
    await w.waitForLog(startedGrading(id));
    await untilRunning(id);
    w.signal('SIGTERM');
    expect(await w.exited).toBe(0);

    const submission = await student.submission(id);
    expect(submission.status).toBe('graded');
    expect(submission.attempts).toBe(1);
    expect(await currentResultCount(service.store, id)).toBe(1);
  }, GRADE_WAIT_MS);

  it('hands the running job back to the queue on a second signal, for the next worker', async () => {
    const w = worker('term-twice');
    const id = await uploadSlow();
    await w.waitForLog(startedGrading(id));
    await untilRunning(id);
    w.signal('SIGTERM');
    await w.waitForLog((l) => l.msg.startsWith('stopping:'));
    w.signal('SIGINT');
    expect(await w.exited).toBe(FORCED_EXIT_CODE);
    await w.waitForLog((l) => l.msg === 'job handed back to the queue for another worker' && l.submissionId === id);

    // Back in the queue at once, not left active until its lock runs out.
    const job = await service.queues.cpu.getJob(`${id}.a0`);
    expect(await job?.getState()).toBe('waiting');
    expect((await student.submission(id)).status).toBe('running');

    const next = worker('term-next');
    await next.waitForLog(startedGrading(id), GRADE_WAIT_MS);
    const graded = await student.waitUntilSettled(id, { timeoutMs: GRADE_WAIT_MS });
    expect(graded.status).toBe('graded');
    expect(graded.attempts).toBe(2);
    expect(await currentResultCount(service.store, id)).toBe(1);
  }, GRADE_WAIT_MS * 2);
});
