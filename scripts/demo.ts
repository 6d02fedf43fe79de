/**
 * `npm run demo`: starts the grading service on embedded defaults (a temporary DATA_DIR
 * with SQLite, a free port, an in-process worker), submits every example submission under
 * graders/<id>/examples/ over HTTP the way students do (one student token each), waits
 * for the grades and prints them as a table. Exit 0 when every example was graded.
 *
 * Redis: the one at REDIS_URL (default 127.0.0.1:6379); if none answers and redis-server is
 * installed, one is started on a free loopback port for the demo and stopped afterwards.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { listAssignments } from '../graders/index.js';
import type { SubmissionView } from '../src/api/schemas.js';
import { ExitCode } from '../src/cli/exit-codes.js';
import { startGradingService } from '../src/cli/grading-service.js';
import { progressLine } from '../src/cli/progress.js';
import { ServiceClient } from '../src/cli/service-client.js';
import { loadConfig } from '../src/config.js';
import { coerceError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { findPackageRoot } from '../src/package-root.js';
import { describeRedisUrl } from '../src/queue/connection.js';
import { createSandbox } from '../src/sandbox/select.js';
import { redisAnswers, redisServerInstalled, startLocalRedis, type LocalRedis } from './redis-server.js';

interface Example {
  assignment: string;
  file: string;
  path: string;
}

/** The demo's worker grades this many notebooks at once (each is one Python kernel). */
const DEMO_CONCURRENCY = Math.max(1, Math.min(4, availableParallelism()));
/** The slowest example (an infinite loop) runs into its cell time limit; this covers it with room. */
const WAIT_MS = 15 * 60 * 1000;

async function examples(): Promise<Example[]> {
  const root = join(findPackageRoot(), 'graders');
  const found: Example[] = [];
  for (const assignment of listAssignments().map((a) => a.id).sort()) {
    const dir = join(root, assignment, 'examples');
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const file of files.filter((f) => f.endsWith('.ipynb')).sort()) found.push({ assignment, file, path: join(dir, file) });
  }
  return found;
}

async function redisForDemo(url: string): Promise<{ url: string; local?: LocalRedis } | undefined> {
  if (await redisAnswers(url)) return { url };
  if (!redisServerInstalled()) return undefined;
  const local = await startLocalRedis();
  process.stderr.write(`No Redis at ${describeRedisUrl(url)}; started redis-server on ${local.url} for the demo.\n`);
  return { url: local.url, local };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function scoreCell(s: SubmissionView | undefined): string {
  const r = s?.report;
  if (!r) return '-';
  return r.gradable ? `${r.score}/${r.maxScore}` : `-/${r.maxScore}`;
}

function statusCell(s: SubmissionView | undefined, error: string | undefined): string {
  if (error) return `error: ${error}`;
  if (!s) return 'not submitted';
  if (s.status === 'graded' && s.report && !s.report.gradable) return 'graded (not gradable)';
  if (s.status === 'failed') return `failed: ${s.error ?? ''}`;
  return s.status;
}

async function main(): Promise<number> {
  const base = loadConfig();
  const redis = await redisForDemo(base.redisUrl);
  if (!redis) {
    process.stderr.write(`demo: no Redis answers at ${describeRedisUrl(base.redisUrl)} and redis-server is not installed; install it (apt-get install redis-server) or point REDIS_URL at one.\n`);
    return ExitCode.platform;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'autograder-demo-'));
  const config = { ...base, dataDir, databaseUrl: '', redisUrl: redis.url, workerConcurrency: DEMO_CONCURRENCY, workerToken: '' };
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  // Its own queue prefix: the demo never takes or leaves jobs on a real deployment's queues.
  const prefix = `autograder-demo-${randomUUID().slice(0, 8)}`;
  // A local run on the developer's machine, like `grade`: without Docker it may fall back to
  // the process sandbox (saying so), which the service itself never does.
  const sandbox = await createSandbox(config, logger, { fallBackToProcess: true, workerId: config.workerId, defaultPoolSize: DEMO_CONCURRENCY });
  const service = await startGradingService({ config, logger, port: 0, prefix, sandbox });
  const stopping = () => {
    process.stderr.write('\ndemo: stopping\n');
    void service.release().finally(() => sandbox.close()).finally(() => redis.local?.stop()).finally(() => process.exit(ExitCode.platform));
  };
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);
  try {
    const cases = await examples();
    process.stderr.write(`Grading service on ${service.url} (${service.worker?.sandboxKind} sandbox, ${DEMO_CONCURRENCY} at once, data in ${dataDir}).\n`);
    process.stderr.write(`Submitting ${cases.length} example notebooks as ${cases.length} students...\n`);
    const progress = progressLine();
    let settled = 0;
    const outcomes = await Promise.all(
      cases.map(async (example, i) => {
        try {
          const student = await service.store.createUser({ role: 'student', name: `Demo student ${i + 1}`, studentId: `demo-${i + 1}` });
          const client = new ServiceClient({ apiUrl: service.url, token: await service.store.createToken(student.id) });
          const accepted = await client.upload(example.assignment, basename(example.path), await readFile(example.path));
          const submission = await client.waitUntilSettled(accepted.id, { timeoutMs: WAIT_MS });
          return { example, submission, error: undefined };
        } catch (e) {
          return { example, submission: undefined, error: coerceError(e).message };
        } finally {
          progress.update(`graded ${++settled}/${cases.length}`);
        }
      }),
    );
    progress.done();
    const rows = [['assignment', 'file', 'score', 'status'], ...outcomes.map((o) => [o.example.assignment, o.example.file, scoreCell(o.submission), statusCell(o.submission, o.error)])];
    process.stdout.write(`${table(rows)}\n`);
    const graded = outcomes.filter((o) => o.submission?.status === 'graded').length;
    process.stdout.write(`\n${graded} of ${cases.length} examples graded through the service.\n`);
    return graded === cases.length && cases.length > 0 ? ExitCode.ok : ExitCode.internal;
  } finally {
    await service.worker?.close({ graceMs: 0 });
    await Promise.all(service.queues.all().map((q) => q.obliterate({ force: true }))).catch((e: unknown) => {
      process.stderr.write(`demo: could not remove the demo's queues (${coerceError(e).message}); they expire with their jobs\n`);
    });
    await service.close();
    await sandbox.close();
    await redis.local?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main().catch((e: unknown) => {
  process.stderr.write(`demo: ${coerceError(e).message}\n`);
  return ExitCode.internal;
});
