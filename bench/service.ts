/**
 * bench/service: the grading service under load, on loopback only. Bounded: it stops by
 * itself (after the work, or at its deadline with exit status 1).
 *
 *   npm run build && node dist/bench/service.js [uploads=200] [graded=100]
 *
 * Redis: REDIS_URL (default 127.0.0.1:6379), or a redis-server of its own when none answers.
 * Store: SQLite in a temporary DATA_DIR (the embedded default). Sandbox: as configured
 * (AUTOGRADER_SANDBOX; auto = Docker when the image exists). Everything else: defaults, so
 * the worker grades as many at once as `worker/concurrency.ts` gives this machine.
 *
 * 1. `uploads` concurrent uploads of a ~100 KB notebook to the API (no worker running):
 *    all must be accepted (202); p50/p95 upload latency.
 * 2. The machine's ceiling: unpack + gradeSubmission of the same notebook in this process,
 *    as many at once as the service's worker runs, same sandbox and warm pool; notebooks/s.
 *    Measured before and after phase 3 (load on a shared machine drifts), and averaged.
 * 3. A burst: `graded` uploads at once, graded end to end by the service with its default
 *    settings (the in-process worker of `serve`): all must be graded, none lost; throughput
 *    from the first upload to the last result (the store's timestamps, so polling does not
 *    load the API) against the ceiling, target >= 80 %; p50/p95 upload-to-report latency.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAssignment } from '../graders/index.js';
import { startGradingService, type GradingService } from '../src/cli/grading-service.js';
import { progressLine } from '../src/cli/progress.js';
import { ServiceClient } from '../src/cli/service-client.js';
import { loadConfig, type Config } from '../src/config.js';
import { coerceError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { findPackageRoot } from '../src/package-root.js';
import { workerConcurrency } from '../worker/concurrency.js';
import { redisAnswers, startLocalRedis, type LocalRedis } from '../scripts/redis-server.js';
import { gradingCeiling, table } from './ceiling.js';
import { percentile } from './stats.js';

const UPLOADS = Number(process.argv[2] ?? 200);
const GRADED = Number(process.argv[3] ?? 100);
/** Notebooks per ceiling measurement (run before and again after the burst). */
const CEILING_JOBS = Number(process.env.BENCH_CEILING_JOBS ?? 12);
const NOTEBOOK_BYTES = 100 * 1024;
const ASSIGNMENT = 'u05-softmax';
/** The whole benchmark stops here, whatever state it is in. */
const DEADLINE_MS = 30 * 60 * 1000;

const logger = createLogger(process.env.LOG_LEVEL ?? 'silent');

/** The correct u05 notebook padded to ~100 KB with printed output, which grading ignores. */
function benchNotebook(): Buffer {
  const example = readFileSync(join(findPackageRoot(), 'graders', ASSIGNMENT, 'examples', 'correct.ipynb'), 'utf8');
  const notebook = JSON.parse(example) as { cells: Array<{ cell_type: string; outputs?: unknown[] }> };
  const base = Buffer.byteLength(JSON.stringify(notebook));
  const line = 'epoch 1  train_loss 0.6931  valid_loss 0.6929  accuracy 0.5012\n';
  const text = line.repeat(Math.max(0, Math.ceil((NOTEBOOK_BYTES - base) / line.length)));
  const codeCell = notebook.cells.find((c) => c.cell_type === 'code');
  if (!codeCell) throw new Error('the example notebook has no code cell to pad');
  codeCell.outputs = [...(codeCell.outputs ?? []), { output_type: 'stream', name: 'stdout', text }];
  return Buffer.from(JSON.stringify(notebook));
}

async function startService(config: Config, worker: boolean): Promise<{ service: GradingService; dataDir: string; prefix: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'autograder-bench-'));
  const prefix = `autograder-bench-${randomUUID().slice(0, 8)}`;
  const service = await startGradingService({
    config: { ...config, dataDir, databaseUrl: '', workerToken: '' },
    logger,
    port: 0,
    prefix,
    worker,
  });
  return { service, dataDir, prefix };
}

async function stopService(s: { service: GradingService; dataDir: string }): Promise<void> {
  await s.service.worker?.close({ graceMs: 0 });
  await Promise.all(s.service.queues.all().map((q) => q.obliterate({ force: true })));
  await s.service.close();
  await rm(s.dataDir, { recursive: true, force: true });
}

async function students(service: GradingService, n: number): Promise<ServiceClient[]> {
  const clients: ServiceClient[] = [];
  for (let i = 0; i < n; i++) {
    const user = await service.store.createUser({ role: 'student', name: `bench ${i}`, studentId: `bench-${i}` });
    clients.push(new ServiceClient({ apiUrl: service.url, token: await service.store.createToken(user.id) }));
  }
  return clients;
}

async function uploadPhase(config: Config, notebook: Buffer): Promise<{ accepted: number; p50: number; p95: number; wallMs: number }> {
  const s = await startService(config, false);
  try {
    const clients = await students(s.service, 20);
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: UPLOADS }, async (_, i) => {
        const t0 = performance.now();
        try {
          await clients[i % clients.length]!.upload(ASSIGNMENT, 'bench.ipynb', notebook);
          return { ok: true, ms: performance.now() - t0 };
        } catch (e) {
          process.stderr.write(`upload ${i} refused: ${coerceError(e).message}\n`);
          return { ok: false, ms: performance.now() - t0 };
        }
      }),
    );
    const wallMs = performance.now() - started;
    const ms = outcomes.filter((o) => o.ok).map((o) => o.ms);
    return { accepted: ms.length, p50: percentile(ms, 50), p95: percentile(ms, 95), wallMs };
  } finally {
    await stopService(s);
  }
}

interface GradedPhase {
  graded: number;
  lost: number;
  wallMs: number;
  perSubmissionMs: number;
  /** gradeSubmission's own time inside the worker (the report's timings.totalMs), mean. */
  meanGradingMs: number;
  p50: number;
  p95: number;
  sandbox: string;
  concurrency: number;
}

async function gradedPhase(config: Config, notebook: Buffer): Promise<GradedPhase> {
  const s = await startService(config, true);
  try {
    const clients = await students(s.service, 20);
    const ids = await Promise.all(Array.from({ length: GRADED }, async (_, i) => (await clients[i % clients.length]!.upload(ASSIGNMENT, 'bench.ipynb', notebook)).id));
    const store = s.service.store;
    const progress = progressLine();
    for (;;) {
      const graded = (await store.listSubmissions({ assignmentId: ASSIGNMENT, status: 'graded', limit: 10_000 })).length;
      const failed = (await store.listSubmissions({ assignmentId: ASSIGNMENT, status: 'failed', limit: 10_000 })).length;
      progress.update(`graded ${graded}/${GRADED}${failed ? `, failed ${failed}` : ''}`);
      if (graded + failed >= GRADED) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    progress.done();
    const latencies: number[] = [];
    const gradingMs: number[] = [];
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    let graded = 0;
    for (const id of ids) {
      const submission = await store.getSubmission(id);
      const result = await store.getCurrentResult(id);
      if (!submission || !result || submission.status !== 'graded') continue;
      graded++;
      latencies.push(result.createdAt.getTime() - submission.createdAt.getTime());
      gradingMs.push(result.report.timings.totalMs);
      first = Math.min(first, submission.createdAt.getTime());
      last = Math.max(last, result.createdAt.getTime());
    }
    const wallMs = last - first;
    return {
      graded,
      lost: GRADED - graded,
      wallMs,
      perSubmissionMs: wallMs / Math.max(graded, 1),
      meanGradingMs: gradingMs.reduce((a, b) => a + b, 0) / Math.max(gradingMs.length, 1),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      sandbox: s.service.worker?.sandboxKind ?? '?',
      concurrency: s.service.worker?.concurrency ?? Number.NaN,
    };
  } finally {
    await stopService(s);
  }
}

/** The machine's ceiling with the service's worker count, on the bench notebook, which must earn full marks. */
function ceilingPhase(config: Config, notebook: Buffer, concurrency: number): Promise<number> {
  return gradingCeiling({
    config,
    logger,
    assignment: getAssignment(ASSIGNMENT),
    uploads: [{ name: 'bench.ipynb', bytes: notebook }],
    concurrency,
    jobs: CEILING_JOBS,
    check: (report) => {
      if (!report.gradable || report.score !== report.maxScore) throw new Error(`the bench notebook graded ${report.score}/${report.maxScore}; expected full marks`);
    },
  });
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const fmtMs = (ms: number) => `${ms.toFixed(0)} ms`;

/** A redis-server this benchmark started, stopped however it ends. */
let local: LocalRedis | undefined;

async function main(): Promise<number> {
  const base = loadConfig();
  if (!(await redisAnswers(base.redisUrl))) local = await startLocalRedis();
  const config: Config = { ...base, redisUrl: local?.url ?? base.redisUrl };
  try {
    const notebook = benchNotebook();
    process.stderr.write(`notebook: ${(notebook.byteLength / 1024).toFixed(0)} KB; ${UPLOADS} concurrent uploads...\n`);
    const uploads = await uploadPhase(config, notebook);
    const concurrency = workerConcurrency(config);
    process.stderr.write(`ceiling: ${CEILING_JOBS} x unpack + gradeSubmission, ${concurrency} at a time...\n`);
    const ceilingBefore = await ceilingPhase(config, notebook, concurrency);
    process.stderr.write(`burst: ${GRADED} uploads at once, graded end to end by the service (defaults)...\n`);
    const graded = await gradedPhase(config, notebook);
    process.stderr.write(`ceiling again...\n`);
    const ceilingAfter = await ceilingPhase(config, notebook, concurrency);
    const ceiling = (ceilingBefore + ceilingAfter) / 2;
    const rate = graded.graded / (graded.wallMs / 1000);
    process.stdout.write(
      `${table([
        ['notebook', `${(notebook.byteLength / 1024).toFixed(0)} KB, ${ASSIGNMENT}, ${graded.sandbox} sandbox`],
        [`uploads accepted`, `${uploads.accepted}/${UPLOADS} (${UPLOADS} at once, ${fmt(uploads.wallMs)} in all)`],
        ['upload latency p50 / p95', `${fmtMs(uploads.p50)} / ${fmtMs(uploads.p95)}`],
        [`ceiling: direct grading, ${concurrency} at a time`, `${ceiling.toFixed(2)} notebooks/s (before ${ceilingBefore.toFixed(2)}, after ${ceilingAfter.toFixed(2)})`],
        ['burst graded end to end', `${graded.graded}/${GRADED} (lost ${graded.lost}), one worker, concurrency ${graded.concurrency} (default)`],
        ['service burst throughput', `${rate.toFixed(2)} notebooks/s (${fmt(graded.wallMs)} for ${graded.graded})`],
        ['service / ceiling (target >= 80 %)', `${((rate / ceiling) * 100).toFixed(0)} %`],
        ['upload-to-report p50 / p95', `${fmt(graded.p50)} / ${fmt(graded.p95)} (all ${GRADED} queued at once)`],
        ['gradeSubmission inside the worker (mean)', fmtMs(graded.meanGradingMs)],
      ])}\n`,
    );
    return uploads.accepted === UPLOADS && graded.lost === 0 ? 0 : 1;
  } finally {
    await local?.stop();
  }
}

const deadline = setTimeout(() => {
  process.stderr.write(`bench/service: not done after ${DEADLINE_MS / 60000} min; stopping\n`);
  void (local?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
}, DEADLINE_MS);
deadline.unref();
process.exitCode = await main().catch((e: unknown) => {
  process.stderr.write(`bench/service: ${coerceError(e).stack ?? e}\n`);
  return 1;
});
