/**
 * The grading queues, the reconciler and worker heartbeats against the real Redis
 * (a key prefix of this file's own, obliterated afterwards) and a real SQLite store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAutograderError } from '../../src/errors.js';
import { enqueueSubmission } from '../../src/queue/enqueue-submission.js';
import {
  GPU_GRADING_QUEUE,
  GRADING_QUEUE,
  createGradingQueues,
  enqueueGrade,
  gradeJobId,
  parseGradeJobData,
  queueNameFor,
  type GradingQueues,
} from '../../src/queue/grading.js';
import { heartbeatKey, readWorkerHeartbeats, writeWorkerHeartbeat } from '../../src/queue/heartbeats.js';
import { reconcileOnce, startReconciler } from '../../src/queue/reconciler.js';
import { sha256Hex } from '../../src/store/blobs.js';
import { openStore, type Store } from '../../src/store/store.js';
import { requireService } from '../helpers/services.js';
import { CLOSED_REDIS_URL, REDIS_URL, probeRedis } from '../helpers/api-service.js';
import { disposeTestQueues } from '../helpers/queues.js';

const redisProblem = await probeRedis();
const haveRedis = requireService('Redis', redisProblem === undefined, redisProblem ?? '');

async function expectCode(work: Promise<unknown>, code: string): Promise<Error> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAutograderError(error) ? error.code : error).toBe(code);
  return error as Error;
}

describe('job schema', () => {
  it('accepts v1 jobs of ids only and refuses anything else as BAD_JOB_DATA', () => {
    expect(parseGradeJobData({ v: 1, submissionId: 's1', assignmentId: 'u05-softmax' })).toEqual({ v: 1, submissionId: 's1', assignmentId: 'u05-softmax' });
    for (const bad of [{ v: 2, submissionId: 's1', assignmentId: 'a' }, { submissionId: 's1' }, 'grade s1', null]) {
      expect(() => parseGradeJobData(bad)).toThrow(expect.objectContaining({ code: 'BAD_JOB_DATA' }));
    }
  });

  it('picks the queue from the GPU flag and names jobs per attempt', () => {
    expect(queueNameFor({ gpu: false })).toBe(GRADING_QUEUE);
    expect(queueNameFor({ gpu: true })).toBe(GPU_GRADING_QUEUE);
    expect(gradeJobId('0b0c-11', 0)).toBe('0b0c-11.a0');
    expect(gradeJobId('0b0c-11', 3)).toBe('0b0c-11.a3');
  });
});

describe.skipIf(!haveRedis)('queues on Redis', () => {
  const prefix = `test-queue-${randomBytes(4).toString('hex')}`;
  let queues: GradingQueues;
  let store: Store;
  let dataDir: string;

  beforeAll(async () => {
    queues = createGradingQueues(REDIS_URL, { prefix });
    dataDir = mkdtempSync(join(tmpdir(), 'autograder-queue-'));
    store = await openStore({ dataDir, databaseUrl: '' });
    await store.upsertAssignment({ id: 'u05-softmax', version: 'v1', title: 'Softmax' });
    await store.upsertAssignment({ id: 'retired-one', version: 'v1', title: 'Retired' });
  });
  afterAll(async () => {
    if (queues) await disposeTestQueues(queues, prefix);
    await store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function storedSubmission(assignmentId = 'u05-softmax') {
    const user = await store.createUser({ role: 'student', name: 'q' });
    const bytes = randomBytes(16);
    return store.createSubmission({ assignmentId, userId: user.id, fileName: 'hw.ipynb', blob: { hash: sha256Hex(bytes), size: 16 }, source: 'upload' });
  }

  it('queues one submission once per attempt, with retry and retention options', async () => {
    const data = { v: 1 as const, submissionId: `sub-${randomBytes(3).toString('hex')}`, assignmentId: 'u05-softmax' };
    const first = await enqueueGrade(queues.cpu, data, { attempts: 0 });
    const second = await enqueueGrade(queues.cpu, data, { attempts: 0 });
    expect(second.jobId).toBe(first.jobId);
    const jobs = (await queues.cpu.getJobs(['waiting'])).filter((j) => j.data.submissionId === data.submissionId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 10_000 } });
    expect(jobs[0]!.opts.removeOnComplete).toEqual({ age: 7 * 24 * 3600, count: 10_000 });

    await enqueueGrade(queues.cpu, data, { attempts: 1 });
    expect((await queues.cpu.getJobs(['waiting'])).filter((j) => j.data.submissionId === data.submissionId)).toHaveLength(2);
  });

  it('refuses malformed job data before it reaches Redis', async () => {
    const before = await queues.cpu.count();
    await expectCode(enqueueGrade(queues.cpu, { v: 1, submissionId: '', assignmentId: 'x' }, { attempts: 0 }), 'BAD_JOB_DATA');
    expect(await queues.cpu.count()).toBe(before);
  });

  it('retries a job that already failed for good when the store still says it needs grading', async () => {
    const data = { v: 1 as const, submissionId: `dead-${randomBytes(3).toString('hex')}`, assignmentId: 'u05-softmax' };
    const { jobId } = await enqueueGrade(queues.gpu, data, { attempts: 0 });
    const url = new URL(REDIS_URL);
    const worker = new Worker(
      GPU_GRADING_QUEUE,
      async () => {
        throw new UnrecoverableError('a grader bug');
      },
      { connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null }, prefix },
    );
    try {
      await new Promise<void>((resolve) => worker.on('failed', (job) => job?.id === jobId && resolve()));
    } finally {
      await worker.close();
    }
    expect(await (await queues.gpu.getJob(jobId))!.getState()).toBe('failed');

    await enqueueGrade(queues.gpu, data, { attempts: 0 });
    const revived = await queues.gpu.getJob(jobId);
    expect(await revived!.getState()).toBe('waiting');
    expect(revived!.attemptsMade).toBe(0);
  });

  it('fails fast with QUEUE_UNAVAILABLE when Redis is down', async () => {
    const down = createGradingQueues(CLOSED_REDIS_URL, { prefix, connectTimeoutMs: 300 });
    try {
      const error = await expectCode(enqueueGrade(down.cpu, { v: 1, submissionId: 's', assignmentId: 'a' }, { attempts: 0, timeoutMs: 300 }), 'QUEUE_UNAVAILABLE');
      expect(error.message).toMatch(/on the grading queue/);
    } finally {
      await down.close();
    }
  });

  it('reconciles: queues what the store holds as not yet enqueued, once, and fails submissions of removed assignments', async () => {
    const pending = await storedSubmission();
    const retired = await storedSubmission('retired-one');
    const confirmed = await storedSubmission();
    await enqueueSubmission(queues, store, confirmed, { gpu: false });
    const options = { store, queues, assignments: [{ id: 'u05-softmax', gpu: false }], graceMs: 0 };

    const report = await reconcileOnce(options);
    expect(report.enqueued).toEqual([pending.id]);
    expect(report.unknownAssignment).toEqual([retired.id]);
    expect((await store.getSubmission(retired.id))).toMatchObject({ status: 'failed', errorMessage: expect.stringMatching(/retired-one is not installed/) });
    expect(await queues.cpu.getJob(gradeJobId(pending.id, 0))).toBeDefined();
    expect((await store.getSubmission(pending.id))?.enqueuedAt).not.toBeNull();

    expect(await reconcileOnce(options)).toEqual({ enqueued: [], unknownAssignment: [], recovered: [], exhausted: [] });
    const jobs = (await queues.cpu.getJobs(['waiting'])).filter((j) => j.data.submissionId === pending.id);
    expect(jobs).toHaveLength(1);
  });

  it('leaves submissions younger than the grace period to the API', async () => {
    const young = await storedSubmission();
    const report = await reconcileOnce({ store, queues, assignments: [{ id: 'u05-softmax', gpu: false }], graceMs: 60_000 });
    expect(report.enqueued).not.toContain(young.id);
    await reconcileOnce({ store, queues, assignments: [{ id: 'u05-softmax', gpu: false }], graceMs: 0 });
  });

  it('runs passes on a timer and on demand, and stops cleanly', async () => {
    const pending = await storedSubmission();
    const running = startReconciler({ store, queues, assignments: [{ id: 'u05-softmax', gpu: false }], graceMs: 0, intervalMs: 60_000 });
    try {
      const report = await running.runNow();
      // The first timed pass may have taken it already; either way it is queued exactly once.
      expect((await store.getSubmission(pending.id))?.enqueuedAt).not.toBeNull();
      expect(report.unknownAssignment).toEqual([]);
    } finally {
      await running.stop();
    }
    expect((await queues.cpu.getJobs(['waiting'])).filter((j) => j.data.submissionId === pending.id)).toHaveLength(1);
  });

  it('keeps pending submissions when Redis is down, for the next pass', async () => {
    const pending = await storedSubmission();
    const down = createGradingQueues(CLOSED_REDIS_URL, { prefix, connectTimeoutMs: 300 });
    try {
      await expectCode(reconcileOnce({ store, queues: down, assignments: [{ id: 'u05-softmax', gpu: false }], graceMs: 0 }), 'QUEUE_UNAVAILABLE');
      expect((await store.getSubmission(pending.id))).toMatchObject({ status: 'queued', enqueuedAt: null });
    } finally {
      await down.close();
    }
    expect((await reconcileOnce({ store, queues, assignments: [{ id: 'u05-softmax', gpu: false }], graceMs: 0 })).enqueued).toEqual([pending.id]);
  });

  it('reads the heartbeats workers write, and reports malformed ones separately', async () => {
    const at = new Date().toISOString();
    await writeWorkerHeartbeat(queues.redis, { id: 'w-b', sandbox: { backend: 'process', ok: true }, gpu: false, concurrency: 1, startedAt: at, at }, { prefix });
    await writeWorkerHeartbeat(queues.redis, { id: 'w-a', sandbox: { backend: 'docker', ok: true }, gpu: true, concurrency: 4, startedAt: at, at }, { prefix });
    await queues.redis.set(heartbeatKey('w-bad', prefix), '{"id": 3}', 'EX', 30);

    const reading = await readWorkerHeartbeats(queues.redis, { prefix });
    expect(reading.workers.map((w) => w.id)).toEqual(['w-a', 'w-b']);
    expect(reading.workers[0]).toMatchObject({ gpu: true, concurrency: 4, sandbox: { backend: 'docker', ok: true } });
    expect(reading.malformed).toEqual([{ key: `${prefix}:worker:w-bad`, reason: expect.stringMatching(/^id: /) }]);
    const ttl = await queues.redis.ttl(heartbeatKey('w-a', prefix));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);

    expect(() => heartbeatKey('bad id with spaces', prefix)).toThrow();
    await expect(
      writeWorkerHeartbeat(queues.redis, { id: 'w-c', sandbox: { backend: 'docker', ok: true }, gpu: false, concurrency: 0, startedAt: at, at }, { prefix }),
    ).rejects.toThrow(/concurrency/);
  });

  it('says REDIS_UNAVAILABLE when heartbeats cannot be read', async () => {
    const down = createGradingQueues(CLOSED_REDIS_URL, { prefix, connectTimeoutMs: 300 });
    try {
      await expectCode(readWorkerHeartbeats(down.redis, { prefix }), 'REDIS_UNAVAILABLE');
    } finally {
      await down.close();
    }
  });
});
