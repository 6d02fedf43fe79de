/**
 * bench/passback: score passback through the BullMQ queue to an LMS that fails requests.
 *
 *   npm run build && node dist/bench/passback.js [scores=500] [failure share=0.2]
 *
 * A loopback LMS (test/helpers/fake-lms.ts: token endpoint checking our JWT assertion
 * against our JWKS, AGS scores endpoint checking the Score JSON) receives `scores` scores
 * by LTI AGS from the passback worker (concurrency 8, backoff from 100 ms), twice in one
 * run: once healthy, once answering 500 to the given share of requests (token and scores
 * alike) at random (seeded). Each run checks that every score arrived exactly once.
 * Store: SQLite in a temp dir; Redis at REDIS_URL (default 127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { GradeReportSchema } from '../src/grading/report.js';
import { createIntegration } from '../src/lms/integrations.js';
import { createPassbackQueue, schedulePassback, type PassbackRetry } from '../src/lms/passback.js';
import { startPassbackWorker } from '../src/lms/passback-worker.js';
import { SecretBox } from '../src/lms/secret-box.js';
import { SigningKeys } from '../src/lms/signing-keys.js';
import { createLogger } from '../src/logger.js';
import { BlobStore } from '../src/store/blobs.js';
import { openStore } from '../src/store/store.js';
import { startFakeLms } from '../test/helpers/fake-lms.js';
import { percentile } from './stats.js';

const scores = Math.max(1, Number(process.argv[2] ?? 500));
const failureShare = Number(process.argv[3] ?? 0.2);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RETRY: PassbackRetry = { attempts: 15, backoffMs: 100 };
const logger = createLogger('error');

const dataDir = mkdtempSync(join(tmpdir(), 'bench-passback-'));
const prefix = `bench-passback-${randomBytes(4).toString('hex')}`;
const store = await openStore({ dataDir, databaseUrl: '' });
const repo = store.lms;
const box = SecretBox.forConfig({ dataDir });
const keys = new SigningKeys(repo, box);
const jwksServer = createServer((_req, res) => {
  void keys.jwks().then((jwks) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
});
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
const lms = await startFakeLms({ jwksUrl: () => jwksUrl, seed: 42 });
const queueRedis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
const queue = createPassbackQueue(queueRedis, prefix);
const worker = startPassbackWorker({
  redisUrl,
  prefix,
  repo,
  results: store,
  box,
  keys,
  queue,
  publicUrl: 'http://127.0.0.1:3000',
  logger,
  retry: RETRY,
  concurrency: 8,
  sweepIntervalMs: 3_600_000,
});

const assignmentId = 'bench-passback';
await store.upsertAssignment({ id: assignmentId, version: 'v', title: 'passback bench' });
const blob = await BlobStore.forConfig({ dataDir }).put(Buffer.from('{"cells":[],"nbformat":4,"nbformat_minor":5,"metadata":{}}'));

interface Phase {
  label: string;
  share: number;
  seconds: number;
  throughput: number;
  p50: number;
  p95: number;
  received: number;
  duplicates: number;
  failuresInjected: number;
  attempts: number;
}

async function phase(label: string, share: number): Promise<Phase> {
  const { integration } = await createIntegration(repo, box, {
    name: `bench-${label}`,
    lti: { clientId: lms.clientId, tokenUrl: lms.tokenUrl, lineItems: { [assignmentId]: lms.lineItemUrl(label) } },
  });
  const results: Array<{ submission: { id: string; assignmentId: string }; result: { id: string; createdAt: Date } }> = [];
  for (let i = 0; i < scores; i++) {
    const lmsUser = `${label}-user-${i}`;
    const userId = await repo.studentFor(integration.id, lmsUser, lmsUser);
    const submission = await store.createSubmission({ assignmentId, userId, fileName: 'hw.ipynb', blob, source: 'lms' });
    await repo.claimSubmission({ integrationId: integration.id, lmsSubmissionId: `s-${i}`, lmsUserId: lmsUser, lineItem: null });
    await repo.completeClaim(integration.id, `s-${i}`, submission.id);
    const report = GradeReportSchema.parse({
      schemaVersion: 1,
      assignment: { id: assignmentId, version: 'v' },
      submission: { id: submission.id, file: 'hw.ipynb' },
      gradable: true,
      score: i % 11,
      maxScore: 10,
      checks: [],
      objectives: [],
      errors: [],
      timings: { totalMs: 1, sandboxMs: 1 },
      environment: { sandbox: 'process', tensorBackend: 'wasm', graderVersion: 'bench' },
    });
    results.push({ submission, result: await store.recordResult(submission.id, report) });
  }
  const before = { received: lms.scores.length, requests: lms.requests.length, stale: lms.stale.length };
  const failedBefore = lms.requests.filter((r) => r.status >= 500).length;
  lms.failRate(share, 500);
  const start = Date.now();
  for (const r of results) await schedulePassback({ repo, queue, logger, retry: RETRY }, r.submission, r.result);
  const deliveries = await waitForAll(results.map((r) => r.submission.id));
  const seconds = (Date.now() - start) / 1000;
  lms.failRate(0);
  const received = lms.scores.slice(before.received).filter((s) => s.lineItem === lms.lineItemUrl(label));
  const users = new Set(received.map((s) => s.score.userId));
  const latencies = deliveries.map((d) => d.deliveredAt!.getTime() - d.createdAt.getTime());
  return {
    label,
    share,
    seconds,
    throughput: scores / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    received: users.size,
    duplicates: received.length - users.size + (lms.stale.length - before.stale),
    failuresInjected: lms.requests.filter((r) => r.status >= 500).length - failedBefore,
    attempts: deliveries.reduce((n, d) => n + d.attempts, 0),
  };
}

async function waitForAll(submissionIds: string[]) {
  for (;;) {
    const all = (await Promise.all(submissionIds.map((id) => repo.deliveriesOf(id)))).flat();
    const failed = all.filter((d) => d.status === 'failed');
    if (failed.length > 0) throw new Error(`${failed.length} deliveries failed for good: ${failed[0]!.lastError}`);
    if (all.length === submissionIds.length && all.every((d) => d.status === 'delivered')) return all;
    await new Promise((r) => setTimeout(r, 200));
  }
}

try {
  // Made once at first use (an RSA key pair): outside the timed runs, as on a service that has served its JWKS.
  await keys.key();
  const healthy = await phase('healthy', 0);
  const failing = await phase('failing', failureShare);
  const row = (p: Phase) =>
    `| ${p.label === 'healthy' ? 'LMS healthy' : `LMS failing ${Math.round(p.share * 100)} % (500)`} | ${p.received}/${scores} | ${p.duplicates} | ${p.throughput.toFixed(0)} | ${p.p50.toFixed(0)} | ${p.p95.toFixed(0)} | ${p.attempts} | ${p.failuresInjected} |`;
  process.stdout.write(
    [
      `${scores} scores by LTI AGS, passback worker concurrency 8, retries from ${RETRY.backoffMs} ms doubling`,
      '',
      '| run | delivered once | duplicates | scores/s | p50 ms | p95 ms | attempts | failures injected |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      row(healthy),
      row(failing),
      '',
      `throughput failing/healthy: ${(failing.throughput / healthy.throughput).toFixed(2)}; p95 failing/healthy: ${(failing.p95 / healthy.p95).toFixed(2)}; token requests: ${lms.tokensIssued}; problems seen by the LMS: ${lms.problems.length}`,
      '',
    ].join('\n'),
  );
  if (healthy.received !== scores || failing.received !== scores || healthy.duplicates + failing.duplicates > 0) process.exitCode = 1;
} finally {
  await worker.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  queueRedis.disconnect();
  await lms.close();
  jwksServer.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
