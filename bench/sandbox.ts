/**
 * bench/sandbox: what the Docker sandbox costs, next to the process one, and what a student
 * waits for through the whole service.
 *
 *   npm run build && node dist/bench/sandbox.js [repeats=10]
 *
 * Needs the Docker engine and the sandbox image (`autograder sandbox build`, or
 * .ci/docker.sh), and Redis (REDIS_URL, or a redis-server of its own). In one run, on
 * the same 5-cell notebook:
 *   1. per-submission wall time, fresh Docker container vs process sandbox, interleaved;
 *   2. where Docker's time goes two at a time: each engine call (create, attach, start,
 *      copy-in, request-to-exit, inspect, remove), fresh containers and warm ones;
 *   3. throughput two at a time: Docker as a worker runs it (a warm container per job slot,
 *      removal off the critical path) against the process sandbox, alternating rounds;
 *   4. submit-to-result through the API: `serve`'s API and in-process worker (Docker, warm
 *      pool), one student uploading back to back, each upload timed until its report is
 *      there (polled every 25 ms); p50 / p95.
 * Medians over `repeats`; limits are the configured defaults.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGradingService } from '../src/cli/grading-service.js';
import { ServiceClient } from '../src/cli/service-client.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { encodeArray } from '../src/sandbox/arrays.js';
import { DockerSandboxClient, type SandboxClient } from '../src/sandbox/docker/client.js';
import { DockerSandbox } from '../src/sandbox/docker/docker-sandbox.js';
import { createProcessSandbox } from '../src/sandbox/process-sandbox.js';
import { HARNESS_PROTOCOL_VERSION } from '../src/sandbox/protocol.js';
import type { Sandbox, SandboxJob } from '../src/sandbox/sandbox.js';
import { dockerEngineStatus } from '../src/sandbox/select.js';
import { redisAnswers, startLocalRedis, type LocalRedis } from '../scripts/redis-server.js';
import { median, percentile, timeMs } from './stats.js';

const repeats = Math.max(1, Number(process.argv[2] ?? 10));
const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' });
const logger = createLogger(config.logLevel);
/** Two at a time: the worker's concurrency on the 2-core machine these figures come from. */
const PARALLEL = 2;
/** The assignment the API grades the notebook against: u07 calls its functions on NumPy arrays. */
const API_ASSIGNMENT = 'u07-embeddings';

/** Five code cells: the four u07 functions and a use of them (what a short submission looks like). */
const CELLS = [
  'import numpy as np\nnp.random.seed(707)',
  'def cosine_similarity(a, b):\n    dots = np.sum(a * b, axis=-1)\n    return dots / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))',
  'def euclidean_distance(a, b):\n    return np.sqrt(np.sum((a - b) ** 2, axis=-1))',
  'def top_k(query, items, k):\n    sims = cosine_similarity(items, query)\n    return np.argsort(-sims, kind="stable")[:k]',
  'def predict_ratings(user_emb, item_emb):\n    return user_emb @ item_emb.T\n\nprint(predict_ratings(np.random.randn(3, 4), np.random.randn(6, 4)))',
];

function notebookBytes(): Uint8Array {
  const notebook = {
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: CELLS.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
  return new TextEncoder().encode(JSON.stringify(notebook));
}

function job(): SandboxJob {
  return {
    notebook: notebookBytes(),
    files: [],
    gpu: false,
    request: {
      v: HARNESS_PROTOCOL_VERSION,
      notebook: 'bench.ipynb',
      calls: [{
        id: 'cosine_similarity#1', fn: 'cosine_similarity', arrayType: 'numpy',
        args: [{ kind: 'array', array: encodeArray('float64', [2, 3], [1, 2, 3, 4, 5, 6]) }, { kind: 'array', array: encodeArray('float64', [2, 3], [6, 5, 4, 3, 2, 1]) }],
      }],
      limits: { cellTimeoutS: 30, totalTimeoutS: 120, callTimeoutS: 20, maxReturnBytes: 1 << 20 },
    },
  };
}

async function timedRun(sandbox: Sandbox): Promise<number> {
  return timeMs(async () => {
    const run = await sandbox.run(job());
    if (run.outcome !== 'completed' || run.response?.calls[0]?.status !== 'ok') {
      throw new Error(`${sandbox.kind} run did not complete: ${run.outcome} ${run.detail ?? ''} ${JSON.stringify(run.response?.harnessErrors)} ${run.stderrTail.slice(-500)}`);
    }
  });
}

/** Jobs per second with `parallel` submissions in flight at once. */
async function throughput(sandbox: Sandbox, jobs: number, parallel: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < jobs) {
      next += 1;
      await timedRun(sandbox);
    }
  }));
  return jobs / ((performance.now() - started) / 1000);
}

/** The engine client with the time of each call recorded, by method. */
function timedClient(client: SandboxClient): { client: SandboxClient; calls: Map<string, number[]>; reset: () => void } {
  const calls = new Map<string, number[]>();
  const wrapped = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          const list = calls.get(String(prop)) ?? [];
          list.push(performance.now() - t0);
          calls.set(String(prop), list);
        }
      };
    },
  });
  return { client: wrapped, calls, reset: () => calls.clear() };
}

async function waitWarm(sandbox: DockerSandbox, count: number): Promise<void> {
  const due = Date.now() + 120_000;
  while (sandbox.warmContainers < count) {
    if (Date.now() > due) throw new Error(`the warm pool did not fill to ${count} within 120 s`);
    await sleep(20);
  }
}

const ENGINE_CALLS = ['create', 'attach', 'start', 'putArchive', 'wait', 'inspect', 'remove'] as const;
const CALL_NAMES: Record<(typeof ENGINE_CALLS)[number], string> = {
  create: 'create', attach: 'attach', start: 'start', putArchive: 'copy-in (put archive)',
  wait: 'request to exit (kernel + cells + call)', inspect: 'inspect', remove: 'remove',
};

/** Runs `jobs` two at a time on a sandbox built over a timed client; mean ms per call. */
async function engineBreakdown(open: (client: SandboxClient) => Promise<DockerSandbox>, jobs: number, warm: boolean): Promise<{ perCall: Map<string, number>; rate: number }> {
  const timed = timedClient(new DockerSandboxClient(config.dockerSocket, logger));
  const sandbox = await open(timed.client);
  try {
    if (warm) await waitWarm(sandbox, PARALLEL);
    await timedRun(sandbox);
    if (warm) await waitWarm(sandbox, PARALLEL);
    timed.reset();
    const rate = await throughput(sandbox, jobs, PARALLEL);
    await sandbox.close();
    const perCall = new Map<string, number>();
    for (const name of ENGINE_CALLS) {
      const ms = timed.calls.get(name) ?? [];
      perCall.set(name, ms.length ? median(ms) : Number.NaN);
    }
    return { perCall, rate };
  } finally {
    await sandbox.close();
  }
}

/** Upload → report through the API, back to back; ms per submission. */
async function submitToResult(redisUrl: string, count: number): Promise<{ ms: number[]; concurrency: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'autograder-bench-'));
  const prefix = `autograder-bench-${randomUUID().slice(0, 8)}`;
  const workerId = `bench-${hostname()}-api`.replace(/[^A-Za-z0-9._-]/g, '-');
  const serviceConfig = { ...config, dataDir, databaseUrl: '', redisUrl, workerToken: '', workerId, sandbox: 'docker' as const };
  const service = await startGradingService({ config: serviceConfig, logger, port: 0, prefix });
  try {
    const worker = service.worker;
    if (worker?.sandboxKind !== 'docker') throw new Error(`the service's worker runs the ${worker?.sandboxKind ?? 'no'} sandbox, not docker`);
    const user = await service.store.createUser({ role: 'student', name: 'bench', studentId: 'bench-1' });
    const student = new ServiceClient({ apiUrl: service.url, token: await service.store.createToken(user.id) });
    const bytes = notebookBytes();
    const once = async (): Promise<number> => {
      const t0 = performance.now();
      const { id } = await student.upload(API_ASSIGNMENT, 'bench.ipynb', bytes);
      for (;;) {
        const submission = await student.submission(id);
        if (submission.status === 'graded') {
          const ms = performance.now() - t0;
          if (!submission.report?.gradable) throw new Error(`the bench notebook was not gradable: ${JSON.stringify(submission.report?.errors)}`);
          return ms;
        }
        if (submission.status === 'failed') throw new Error(`grading failed: ${JSON.stringify(submission)}`);
        await sleep(25);
      }
    };
    // Warm: references and tensor backend loaded, the pool full after its first use.
    await once();
    await once();
    await sleep(5_000);
    const ms: number[] = [];
    for (let i = 0; i < count; i++) ms.push(await once());
    return { ms, concurrency: worker.concurrency };
  } finally {
    await service.worker?.close({ graceMs: 0 });
    await Promise.all(service.queues.all().map((q) => q.obliterate({ force: true })));
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

let localRedis: LocalRedis | undefined;

async function main(): Promise<void> {
  const status = await dockerEngineStatus(config);
  if (!status.ok) throw new Error(status.why);
  const workerId = `bench-${hostname()}`.replace(/[^A-Za-z0-9._-]/g, '-');
  const common = { log: logger, image: status.image, limits: config.sandboxLimits, gpuCount: config.gpuCount };
  const fresh = await DockerSandbox.open({ ...common, client: new DockerSandboxClient(config.dockerSocket, logger), poolSize: 0, workerId });
  const processSandbox = createProcessSandbox({ ...config, allowProcessSandbox: true }, logger);

  console.error(`image ${status.image}; ${repeats} repeats; 1. per submission`);
  await timedRun(fresh);
  await timedRun(processSandbox);
  const dockerMs: number[] = [];
  const processMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    dockerMs.push(await timedRun(fresh));
    processMs.push(await timedRun(processSandbox));
  }
  await fresh.close();

  const jobs = Math.max(8, repeats);
  console.error(`2. where Docker's time goes, ${PARALLEL} at a time`);
  const freshBreakdown = await engineBreakdown((client) => DockerSandbox.open({ ...common, client, poolSize: 0, workerId: `${workerId}-fresh` }), jobs, false);
  const warmBreakdown = await engineBreakdown((client) => DockerSandbox.open({ ...common, client, poolSize: PARALLEL, workerId: `${workerId}-warm` }), jobs, true);

  console.error(`3. throughput, ${PARALLEL} at a time, alternating rounds`);
  const pooled = await DockerSandbox.open({ ...common, client: new DockerSandboxClient(config.dockerSocket, logger), poolSize: PARALLEL, workerId: `${workerId}-pool` });
  const dockerRates: number[] = [];
  const processRates: number[] = [];
  try {
    await waitWarm(pooled, PARALLEL);
    await timedRun(pooled);
    for (let round = 0; round < 2; round++) {
      await waitWarm(pooled, PARALLEL);
      dockerRates.push(await throughput(pooled, jobs, PARALLEL));
      processRates.push(await throughput(processSandbox, jobs, PARALLEL));
    }
  } finally {
    await pooled.close();
    await processSandbox.close();
  }

  console.error('4. submit-to-result through the API');
  if (!(await redisAnswers(config.redisUrl))) localRedis = await startLocalRedis();
  const api = await submitToResult(localRedis?.url ?? config.redisUrl, Math.max(10, repeats * 2));

  const row = (name: string, value: string) => console.log(`${name.padEnd(60)} ${value}`);
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  console.log(`\nsandbox bench: 5-cell notebook, ${repeats} repeats (medians)`);
  row('per submission, Docker (fresh container)', ms(median(dockerMs)));
  row('per submission, process sandbox', ms(median(processMs)));
  row('Docker overhead over process', ms(median(dockerMs) - median(processMs)));
  console.log(`\nengine calls, ${PARALLEL} at a time, ${jobs} jobs (median ms per call): fresh containers | warm pool`);
  for (const name of ENGINE_CALLS) {
    row(`  ${CALL_NAMES[name]}`, `${ms(freshBreakdown.perCall.get(name)!)} | ${ms(warmBreakdown.perCall.get(name)!)}`);
  }
  row('  throughput', `${freshBreakdown.rate.toFixed(2)} | ${warmBreakdown.rate.toFixed(2)} notebooks/s`);
  console.log(`\nthroughput, ${PARALLEL} at a time, ${jobs} jobs per round, 2 rounds`);
  row('Docker (warm container per slot, background removal)', `${dockerRates.map((r) => r.toFixed(2)).join(', ')} notebooks/s`);
  row('process sandbox', `${processRates.map((r) => r.toFixed(2)).join(', ')} notebooks/s`);
  row('Docker / process (target >= 90 %)', `${((sum(dockerRates) / sum(processRates)) * 100).toFixed(0)} % (rounds: ${dockerRates.map((d, i) => `${((d / processRates[i]!) * 100).toFixed(0)} %`).join(', ')})`);
  console.log(`\nsubmit-to-result through the API (${API_ASSIGNMENT}, Docker, warm pool, worker concurrency ${api.concurrency}), ${api.ms.length} back to back`);
  row('upload → report p50 / p95 (target p50 <= 600 ms)', `${ms(percentile(api.ms, 50))} / ${ms(percentile(api.ms, 95))}`);
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => localRedis?.stop());
