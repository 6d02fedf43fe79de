/**
 * Lost-job recovery by the reconciler, against the real Redis (a key prefix of this file's
 * own, obliterated afterwards) and a real SQLite store. Store and reconciler share a clock
 * the tests move by hand, so the grace period never depends on wall-clock time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enqueueSubmission } from '../../src/queue/enqueue-submission.js';
import { GPU_GRADING_QUEUE, createGradingQueues, gradeJobId, type GradingQueue, type GradingQueues } from '../../src/queue/grading.js';
import { reconcileOnce, type ReconcilerOptions } from '../../src/queue/reconciler.js';
import { sha256Hex } from '../../src/store/blobs.js';
import { openStore, type Store } from '../../src/store/store.js';
import { requireService } from '../helpers/services.js';
import { REDIS_URL, probeRedis } from '../helpers/api-service.js';
import { disposeTestQueues } from '../helpers/queues.js';

const redisProblem = await probeRedis();
const haveRedis = requireService('Redis', redisProblem === undefined, redisProblem ?? '');

const GRACE_MS = 5 * 60_000;

describe.skipIf(!haveRedis)('reconciler recovers jobs Redis lost', () => {
  const prefix = `test-reconciler-${randomBytes(4).toString('hex')}`;
  let current = new Date('2026-01-05T09:00:00.000Z').getTime();
  const clock = {
    now: () => new Date(current),
    advance(ms: number) {
      current += ms;
    },
  };
  let queues: GradingQueues;
  let store: Store;
  let dataDir: string;
  let worker: Worker | undefined;

  beforeAll(async () => {
    queues = createGradingQueues(REDIS_URL, { prefix });
    dataDir = mkdtempSync(join(tmpdir(), 'autograder-reconciler-'));
    store = await openStore({ dataDir, databaseUrl: '' }, { now: clock.now });
    await store.upsertAssignment({ id: 'u05-softmax', version: 'v1', title: 'Softmax' });
    await store.upsertAssignment({ id: 'u07-gpu', version: 'v1', title: 'On a GPU' });
    await store.upsertAssignment({ id: 'retired-one', version: 'v1', title: 'Retired' });
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
  });
  afterAll(async () => {
    if (queues) await disposeTestQueues(queues, prefix);
    await store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const options = (): ReconcilerOptions => ({
    store,
    queues,
    assignments: [
      { id: 'u05-softmax', gpu: false },
      { id: 'u07-gpu', gpu: true },
    ],
    graceMs: 0,
    recoverAfterMs: GRACE_MS,
    now: clock.now,
  });

  async function confirmedSubmission(assignmentId = 'u05-softmax', gpu = false) {
    const user = await store.createUser({ role: 'student', name: 'r' });
    const bytes = randomBytes(16);
    const submission = await store.createSubmission({ assignmentId, userId: user.id, fileName: 'hw.ipynb', blob: { hash: sha256Hex(bytes), size: 16 }, source: 'upload' });
    await enqueueSubmission(queues, store, submission, { gpu });
    return submission;
  }

  async function jobsOf(queue: GradingQueue, submissionId: string) {
    const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed']);
    return jobs.filter((j) => j.data.submissionId === submissionId);
  }

  /** Takes the GPU queue's next job as a worker would, without running a processor. */
  async function takeGpuJob(expectedJobId: string) {
    const url = new URL(REDIS_URL);
    worker = new Worker(GPU_GRADING_QUEUE, null, {
      connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null },
      prefix,
      autorun: false,
    });
    const token = `test-${randomBytes(4).toString('hex')}`;
    const job = await worker.getNextJob(token);
    expect(job?.id).toBe(expectedJobId);
    return { job: job!, token };
  }

  it('re-enqueues a confirmed submission whose job was removed from Redis after the grace, not before, and once', async () => {
    const lost = await confirmedSubmission();
    const jobId = gradeJobId(lost.id, 0);
    await (await queues.cpu.getJob(jobId))!.remove();

    clock.advance(GRACE_MS - 1000);
    expect((await reconcileOnce(options())).recovered).not.toContain(lost.id);
    expect(await queues.cpu.getJob(jobId)).toBeUndefined();

    clock.advance(2000);
    const report = await reconcileOnce(options());
    expect(report.recovered).toEqual([lost.id]);
    expect(await (await queues.cpu.getJob(jobId))!.getState()).toBe('waiting');
    expect(await store.getSubmission(lost.id)).toMatchObject({ status: 'queued', attempts: 0, enqueuedAt: clock.now(), updatedAt: clock.now() });

    // Again right away, and again after another grace period: the job now waits, so nothing more is queued.
    expect((await reconcileOnce(options())).recovered).toEqual([]);
    clock.advance(GRACE_MS + 1000);
    expect((await reconcileOnce(options())).recovered).toEqual([]);
    expect(await jobsOf(queues.cpu, lost.id)).toHaveLength(1);
  });

  it('re-enqueues submissions whose jobs were lost to a flush of the whole queue', async () => {
    const first = await confirmedSubmission();
    const second = await confirmedSubmission();
    await queues.cpu.obliterate({ force: true });
    clock.advance(GRACE_MS + 1000);

    const report = await reconcileOnce({ ...options(), batchSize: 1 });
    expect(report.recovered).toEqual(expect.arrayContaining([first.id, second.id]));
    for (const s of [first, second]) expect(await jobsOf(queues.cpu, s.id)).toHaveLength(1);
    // The first test's submission lost its job to the flush too; it is back, once.
    expect(new Set(report.recovered).size).toBe(report.recovered.length);
  });

  it('leaves a waiting job alone however old its submission is', async () => {
    const waiting = await confirmedSubmission();
    clock.advance(10 * GRACE_MS);
    expect((await reconcileOnce(options())).recovered).not.toContain(waiting.id);
    expect(await store.getSubmission(waiting.id)).toMatchObject({ status: 'queued', updatedAt: new Date(clock.now().getTime() - 10 * GRACE_MS) });
    expect(await jobsOf(queues.cpu, waiting.id)).toHaveLength(1);
  });

  it('leaves a running submission alone while its job is active or completed, and re-enqueues it once the job failed for good', async () => {
    const s = await confirmedSubmission('u07-gpu', true);
    const { job, token } = await takeGpuJob(gradeJobId(s.id, 0));
    await store.markRunning(s.id);
    clock.advance(GRACE_MS + 1000);
    expect(await job.getState()).toBe('active');
    expect((await reconcileOnce(options())).recovered).not.toContain(s.id);

    await job.moveToFailed(new UnrecoverableError('the worker lost its sandbox and could not tell the API'), token);
    expect(await job.getState()).toBe('failed');
    const report = await reconcileOnce(options());
    expect(report.recovered).toEqual([s.id]);
    // As a regrade: queued again under the attempt count the worker reached, as a new job.
    expect(await store.getSubmission(s.id)).toMatchObject({ status: 'queued', attempts: 1, enqueuedAt: clock.now() });
    expect(await (await queues.gpu.getJob(gradeJobId(s.id, 1)))!.getState()).toBe('waiting');

    // The new job is taken and completes, but its result is not recorded yet: left alone.
    await worker!.close();
    const next = await takeGpuJob(gradeJobId(s.id, 1));
    await store.markRunning(s.id);
    await next.job.moveToCompleted({ submissionId: s.id, outcome: 'graded', score: 1, maxScore: 1 }, next.token, false);
    clock.advance(GRACE_MS + 1000);
    expect((await reconcileOnce(options())).recovered).toEqual([]);
    expect(await jobsOf(queues.gpu, s.id)).toHaveLength(2);
  });

  it('re-enqueues a running submission whose job is missing, under its current attempt count, once', async () => {
    const s = await confirmedSubmission();
    await store.markRunning(s.id);
    await store.markRunning(s.id); // a BullMQ retry of the same job started it again
    await (await queues.cpu.getJob(gradeJobId(s.id, 0)))!.remove();
    clock.advance(GRACE_MS + 1000);

    expect((await reconcileOnce(options())).recovered).toEqual([s.id]);
    expect(await (await queues.cpu.getJob(gradeJobId(s.id, 2)))!.getState()).toBe('waiting');
    clock.advance(GRACE_MS + 1000);
    expect((await reconcileOnce(options())).recovered).toEqual([]);
    expect((await jobsOf(queues.cpu, s.id)).map((j) => j.id)).toEqual([gradeJobId(s.id, 2)]);
  });

  it('marks a submission failed instead of recovering it forever once its attempts run out', async () => {
    const s = await confirmedSubmission();
    for (let i = 0; i < 3; i++) await store.markRunning(s.id);
    for (const job of await jobsOf(queues.cpu, s.id)) await job.remove();
    clock.advance(GRACE_MS + 1000);

    const report = await reconcileOnce({ ...options(), maxAttempts: 3 });
    expect(report).toMatchObject({ recovered: [], exhausted: [s.id] });
    const stored = await store.getSubmission(s.id);
    expect(stored?.status).toBe('failed');
    expect(stored?.errorMessage).toMatch(/grading stopped after 3 attempts/);
    expect(await jobsOf(queues.cpu, s.id)).toEqual([]);
  });

  it('fails an in-flight submission of an assignment this deployment no longer has', async () => {
    const retired = await confirmedSubmission('retired-one');
    clock.advance(GRACE_MS + 1000);
    const report = await reconcileOnce(options());
    expect(report.unknownAssignment).toContain(retired.id);
    expect(report.recovered).not.toContain(retired.id);
    expect(await store.getSubmission(retired.id)).toMatchObject({ status: 'failed', errorMessage: expect.stringMatching(/retired-one is not installed/) });
  });
});
