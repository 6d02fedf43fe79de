/**
 * bench/regrade: regrading a class's stored submissions through the service, the way
 * `autograder regrade --assignment A` does it (publishRegrades: one regrade request per
 * submission, then following the assignment's list), on loopback only. Bounded: it stops
 * by itself (after the work, or at its deadline with exit status 1).
 *
 *   npm run build && node dist/bench/regrade.js [submissions=200]
 *
 * Redis: REDIS_URL (default 127.0.0.1:6379), or a redis-server of its own when none answers.
 * Store: SQLite in a temporary DATA_DIR. Sandbox and worker: the defaults, as in
 * bench/service (one in-process worker, `worker/concurrency.ts`'s concurrency).
 *
 * 1. Seeds `submissions` stored submissions of u05-softmax (the example notebooks that
 *    grade in seconds, cycled, over 20 students), each with a stored result from an "older
 *    grader" that scored every check 0, so a regrade changes every score above 0.
 * 2. The ceiling: unpack + gradeSubmission of the same notebooks in this process, as many
 *    at once as the worker runs, same sandbox; notebooks/s.
 * 3. Regrades them all through the API and workers; wall time from the first request to
 *    the summary (polled each second), throughput against the ceiling, scores changed.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAssignment } from '../graders/index.js';
import { startGradingService, type GradingService } from '../src/cli/grading-service.js';
import { progressBar, publishRegrades, resolveTargets } from '../src/cli/regrade-batch.js';
import { ServiceClient } from '../src/cli/service-client.js';
import { loadConfig, type Config } from '../src/config.js';
import { GradeReportSchema } from '../src/grading/report.js';
import { createLogger } from '../src/logger.js';
import { findPackageRoot } from '../src/package-root.js';
import { BlobStore } from '../src/store/blobs.js';
import { workerConcurrency } from '../worker/concurrency.js';
import { redisAnswers, startLocalRedis, type LocalRedis } from '../scripts/redis-server.js';
import { gradingCeiling, table } from './ceiling.js';

const SUBMISSIONS = Number(process.argv[2] ?? 200);
const CEILING_JOBS = Number(process.env.BENCH_CEILING_JOBS ?? 12);
const ASSIGNMENT = 'u05-softmax';
/** Examples that grade in a few seconds (no 30 s infinite loop, no crash). */
const EXAMPLES = ['correct.ipynb', 'wrong.ipynb', 'unstable.ipynb', 'float32.ipynb', 'returns-numpy.ipynb', 'missing-function.ipynb'];
const DEADLINE_MS = 40 * 60 * 1000;

const logger = createLogger(process.env.LOG_LEVEL ?? 'silent');

function example(file: string): Buffer {
  return readFileSync(join(findPackageRoot(), 'graders', ASSIGNMENT, 'examples', file));
}

/** Stored submissions, each with an older grader's all-zero result. */
async function seed(service: GradingService, dataDir: string): Promise<void> {
  const assignment = getAssignment(ASSIGNMENT);
  const blobs = BlobStore.forConfig({ dataDir });
  const { store } = service;
  const users = [];
  for (let i = 0; i < 20; i++) users.push(await store.createUser({ role: 'student', name: `bench ${i}`, studentId: `bench-${i}` }));
  const version = (await store.getAssignment(ASSIGNMENT))?.version ?? 'bench';
  for (let i = 0; i < SUBMISSIONS; i++) {
    const file = EXAMPLES[i % EXAMPLES.length]!;
    const blob = await blobs.put(example(file));
    const submission = await store.createSubmission({ assignmentId: ASSIGNMENT, userId: users[i % users.length]!.id, fileName: file, blob, source: 'upload' });
    const checks = assignment.checks.map((c) => ({ id: c.id, title: c.title, points: 0, maxPoints: c.maxPoints, status: 'failed' as const, feedback: 'older grader', visibility: c.visibility, objectives: c.objectives }));
    await store.recordResult(
      submission.id,
      GradeReportSchema.parse({
        schemaVersion: 1,
        assignment: { id: ASSIGNMENT, version },
        submission: { id: submission.id, file },
        gradable: true,
        score: 0,
        maxScore: checks.reduce((s, c) => s + c.maxPoints, 0),
        checks,
        objectives: [],
        errors: [],
        timings: { totalMs: 0, sandboxMs: 0 },
        environment: { sandbox: 'process', tensorBackend: 'none', graderVersion: 'older' },
      }),
    );
  }
}

/** The machine's ceiling with the service's worker count, over the same examples the regrade grades. */
function ceiling(config: Config, concurrency: number): Promise<number> {
  return gradingCeiling({
    config,
    logger,
    assignment: getAssignment(ASSIGNMENT),
    uploads: EXAMPLES.map((file) => ({ name: file, bytes: example(file) })),
    concurrency,
    jobs: CEILING_JOBS,
  });
}

let local: LocalRedis | undefined;

async function main(): Promise<number> {
  const base = loadConfig();
  if (!(await redisAnswers(base.redisUrl))) local = await startLocalRedis();
  const dataDir = await mkdtemp(join(tmpdir(), 'autograder-bench-regrade-'));
  const config: Config = { ...base, redisUrl: local?.url ?? base.redisUrl, dataDir, databaseUrl: '', workerToken: '' };
  const concurrency = workerConcurrency(config);
  const service = await startGradingService({ config, logger, port: 0, prefix: `autograder-bench-regrade-${randomUUID().slice(0, 8)}` });
  try {
    const instructor = await service.store.createUser({ role: 'instructor', name: 'bench instructor' });
    const client = new ServiceClient({ apiUrl: service.url, token: await service.store.createToken(instructor.id) });
    // Listing the assignments creates their rows, as the first request to a new service does.
    await client.assignments();
    process.stderr.write(`seeding ${SUBMISSIONS} stored submissions...\n`);
    await seed(service, dataDir);
    process.stderr.write(`ceiling: ${CEILING_JOBS} x gradeSubmission, ${concurrency} at a time...\n`);
    const ceilingBefore = await ceiling(config, concurrency);
    const targets = await resolveTargets(client, { kind: 'assignment', assignmentId: ASSIGNMENT });
    const t0 = performance.now();
    const summary = await publishRegrades(client, targets, { progress: progressBar('regrading'), pollMs: 1000 });
    const wallMs = performance.now() - t0;
    process.stderr.write('ceiling again...\n');
    const ceilingAfter = await ceiling(config, concurrency);
    const ceilingRate = (ceilingBefore + ceilingAfter) / 2;
    const graded = summary.outcomes.filter((o) => o.status === 'graded').length;
    const rate = graded / (wallMs / 1000);
    process.stdout.write(
      `${table([
        ['submissions', `${SUBMISSIONS} stored (${ASSIGNMENT}, ${EXAMPLES.length} example notebooks cycled, 20 students)`],
        ['sandbox / worker', `${config.sandbox}; one in-process worker, concurrency ${concurrency} (default)`],
        ['regraded', `${graded}/${SUBMISSIONS}, ${summary.failed.length} failed, ${summary.changed.length} scores changed`],
        ['wall time (first request to summary)', `${(wallMs / 1000).toFixed(1)} s`],
        ['throughput', `${rate.toFixed(2)} submissions/s (${(wallMs / graded).toFixed(0)} ms each)`],
        [`ceiling: direct gradeUpload, ${concurrency} at a time`, `${ceilingRate.toFixed(2)} notebooks/s (before ${ceilingBefore.toFixed(2)}, after ${ceilingAfter.toFixed(2)})`],
        ['regrade / ceiling', `${((rate / ceilingRate) * 100).toFixed(0)} %`],
      ])}\n`,
    );
    return graded === SUBMISSIONS ? 0 : 1;
  } finally {
    await service.worker?.close({ graceMs: 0 });
    await Promise.all(service.queues.all().map((q) => q.obliterate({ force: true })));
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
    await local?.stop();
  }
}

const deadline = setTimeout(() => {
  process.stderr.write(`bench/regrade: not done after ${DEADLINE_MS / 60000} min; stopping\n`);
  void (local?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
}, DEADLINE_MS);
deadline.unref();

process.exitCode = await main();
clearTimeout(deadline);
