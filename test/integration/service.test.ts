/**
 * The grading service end to end on real parts: uploads over HTTP, the store on SQLite
 * and on PostgreSQL, BullMQ on real Redis, an in-process worker grading the real u05
 * example in the process sandbox and handing the report back through the API.
 * With CI=true a missing Redis, PostgreSQL, redis-server or Python fails the file.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGradingService, type GradingService } from '../../src/cli/grading-service.js';
import type { ServiceClient } from '../../src/cli/service-client.js';
import { createLogger } from '../../src/logger.js';
import { redisServerInstalled, startLocalRedis, type LocalRedis } from '../../scripts/redis-server.js';
import { REDIS_URL, postgresBackend, probePostgres, probeRedis, sqliteBackend, type StoreBackend } from '../helpers/api-service.js';
import { EXAMPLE_ASSIGNMENT, clientAs, currentResultCount, exampleNotebook, testConfig, uniquePrefix } from '../helpers/grading-service.js';
import { requireService } from '../helpers/services.js';

const logger = createLogger('silent');
const python = testConfig({}).python;
const pythonOk = requireService('Python for the process sandbox', existsSync(python), `${python} does not exist`);
const redisWhy = await probeRedis();
const redisOk = requireService('Redis', redisWhy === undefined, redisWhy ?? '');
const postgresWhy = await probePostgres();
const postgresOk = requireService('PostgreSQL', postgresWhy === undefined, postgresWhy ?? '');
const redisServerOk = requireService('redis-server (to stop and restart Redis)', redisServerInstalled(), 'redis-server is not on PATH');

const GRADE_WAIT_MS = 120_000;

interface Running {
  service: GradingService;
  destroy(): Promise<void>;
}

async function startService(backend: StoreBackend, redisUrl: string, extra: { reconcileIntervalMs?: number } = {}): Promise<Running> {
  const db = await backend.create();
  const prefix = uniquePrefix(`service-${backend.name}`);
  const service = await startGradingService({
    config: testConfig({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, redisUrl, workerConcurrency: 2, workerId: prefix }),
    logger,
    port: 0,
    prefix,
    ...extra,
  });
  return {
    service,
    async destroy() {
      await service.worker?.close({ graceMs: 0 });
      if (service.queues.redis.status === 'ready') await Promise.all(service.queues.all().map((q) => q.obliterate({ force: true })));
      await service.close();
      await db.destroy();
    },
  };
}

for (const backend of [sqliteBackend, postgresBackend]) {
  const available = pythonOk && redisOk && (backend.name === 'sqlite' || postgresOk);
  describe.skipIf(!available)(`the grading service with ${backend.name}`, () => {
    let running: Running;
    let student: ServiceClient;
    let instructor: ServiceClient;
    let submissionId: string;

    beforeAll(async () => {
      running = await startService(backend, REDIS_URL);
      student = await clientAs(running.service, 'student');
      instructor = await clientAs(running.service, 'instructor');
    });
    afterAll(async () => {
      await running?.destroy();
    });

    it('grades an upload through the queue and a worker, and serves the report', async () => {
      const accepted = await student.upload(EXAMPLE_ASSIGNMENT, 'correct.ipynb', exampleNotebook());
      expect(accepted).toMatchObject({ status: 'queued', enqueued: true });
      submissionId = accepted.id;

      const graded = await student.waitUntilSettled(submissionId, { timeoutMs: GRADE_WAIT_MS });
      expect(graded.status).toBe('graded');
      expect(graded.report?.gradable).toBe(true);
      expect(graded.report?.score).toBe(graded.report?.maxScore);
      expect(graded.report?.environment.sandbox).toBe('process');
      expect(graded.attempts).toBe(1);
      expect(await currentResultCount(running.service.store, submissionId)).toBe(1);
      expect((await instructor.submission(submissionId)).report?.score).toBe(graded.report?.score);
    }, GRADE_WAIT_MS + 30_000);

    it('makes a new current result on regrade and keeps the old one as history', async () => {
      const before = await running.service.store.listResults(submissionId);
      expect(before).toHaveLength(1);

      const requested = await instructor.regrade(submissionId);
      expect(requested).toMatchObject({ status: 'queued', enqueued: true });
      const regraded = await instructor.waitUntilSettled(submissionId, { timeoutMs: GRADE_WAIT_MS });
      expect(regraded.status).toBe('graded');
      expect(regraded.attempts).toBe(2);

      const after = await running.service.store.listResults(submissionId);
      expect(after).toHaveLength(2);
      const current = after.filter((r) => r.isCurrent);
      expect(current).toHaveLength(1);
      expect(current[0]!.id).not.toBe(before[0]!.id);
    }, GRADE_WAIT_MS + 30_000);
  });
}

describe.skipIf(!(pythonOk && redisServerOk))('Redis stopped during an upload', () => {
  let redis: LocalRedis;
  let running: Running;

  beforeAll(async () => {
    redis = await startLocalRedis();
    running = await startService(sqliteBackend, redis.url, { reconcileIntervalMs: 500 });
  });
  afterAll(async () => {
    // A failed test may have left Redis stopped; the queues are removed through it.
    await redis?.start();
    await running?.destroy();
    await redis?.stop();
  });

  it('accepts the upload while Redis is down (durable, not enqueued) and grades it once Redis is back, never losing it', async () => {
    const student = await clientAs(running.service, 'student');
    await redis.stop();

    // The database is up, so the upload is stored and accepted; only the enqueue waits
    // for Redis (the reconciler enqueues it later). A 503 here would mean a lost upload.
    const accepted = await student.upload(EXAMPLE_ASSIGNMENT, 'correct.ipynb', exampleNotebook());
    expect(accepted).toMatchObject({ status: 'queued', enqueued: false });
    expect((await running.service.store.listSubmissions({})).map((s) => s.id)).toContain(accepted.id);

    await redis.start();
    const graded = await student.waitUntilSettled(accepted.id, { timeoutMs: GRADE_WAIT_MS });
    expect(graded.status).toBe('graded');
    expect(graded.report?.score).toBe(graded.report?.maxScore);
    expect(await currentResultCount(running.service.store, accepted.id)).toBe(1);
  }, GRADE_WAIT_MS + 60_000);
});
