/**
 * bench/sandbox: what the Docker sandbox costs per submission, next to the process one.
 *
 *   npm run build && node dist/bench/sandbox.js [repeats=10]
 *
 * Needs the Docker engine and the sandbox image (`autograder sandbox build`, or
 * .ci/docker.sh). In one run, on the same 5-cell notebook with one softmax call:
 *   1. per-submission wall time, fresh Docker container vs process sandbox, interleaved;
 *   2. submit-to-result with a warm pool (container and kernel started ahead of time);
 *   3. throughput with 2 submissions at a time, Docker and process.
 * Medians over `repeats` runs; limits are the configured defaults.
 */
import { hostname } from 'node:os';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { DockerSandboxClient } from '../src/sandbox/docker/client.js';
import { DockerSandbox } from '../src/sandbox/docker/docker-sandbox.js';
import { encodeArray } from '../src/sandbox/arrays.js';
import { createProcessSandbox } from '../src/sandbox/process-sandbox.js';
import { HARNESS_PROTOCOL_VERSION } from '../src/sandbox/protocol.js';
import type { Sandbox, SandboxJob } from '../src/sandbox/sandbox.js';
import { dockerEngineStatus } from '../src/sandbox/select.js';
import { median, timeMs } from './stats.js';

const repeats = Math.max(1, Number(process.argv[2] ?? 10));
const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' });
const logger = createLogger(config.logLevel);

const CELLS = [
  'import numpy as np',
  'def softmax(x):\n    z = np.asarray(x, dtype=np.float64)\n    z = z - z.max(axis=-1, keepdims=True)\n    e = np.exp(z)\n    return e / e.sum(axis=-1, keepdims=True)',
  'def cross_entropy(logits, labels):\n    z = logits - logits.max(axis=-1, keepdims=True)\n    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))\n    return -logp[np.arange(len(labels)), labels].mean()',
  'rng = np.random.default_rng(0)\nx = rng.normal(size=(64, 10))\nprint(softmax(x).sum(axis=1)[:3])',
  'print(cross_entropy(x, rng.integers(0, 10, size=64)))',
];

function job(): SandboxJob {
  const notebook = {
    nbformat: 4, nbformat_minor: 5, metadata: {},
    cells: CELLS.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
  return {
    notebook: new TextEncoder().encode(JSON.stringify(notebook)),
    files: [],
    gpu: false,
    request: {
      v: HARNESS_PROTOCOL_VERSION,
      notebook: 'bench.ipynb',
      calls: [{ id: 'softmax#1', fn: 'softmax', arrayType: 'numpy', args: [{ kind: 'array', array: encodeArray('float64', [2, 3], [1, 2, 3, 4, 5, 6]) }] }],
      limits: { cellTimeoutS: 30, totalTimeoutS: 120, callTimeoutS: 20, maxReturnBytes: 1 << 20 },
    },
  };
}

async function timedRun(sandbox: Sandbox): Promise<number> {
  return timeMs(async () => {
    const run = await sandbox.run(job());
    if (run.outcome !== 'completed' || run.response?.calls[0]?.status !== 'ok') {
      throw new Error(`${sandbox.kind} run did not complete: ${run.outcome} ${run.detail ?? ''} ${JSON.stringify(run.response?.harnessErrors)}`);
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

async function waitWarm(sandbox: DockerSandbox, count: number): Promise<void> {
  const due = Date.now() + 60_000;
  while (sandbox.warmContainers < count) {
    if (Date.now() > due) throw new Error('the warm pool did not fill within 60 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  // The container is up; give its harness time to have the kernel ready too.
  await new Promise((r) => setTimeout(r, 3000));
}

async function main(): Promise<void> {
  const status = await dockerEngineStatus(config);
  if (!status.ok) throw new Error(status.why);
  const client = new DockerSandboxClient(config.dockerSocket, logger);
  const common = { client, log: logger, image: status.image, limits: config.sandboxLimits, gpuCount: config.gpuCount, workerId: `bench-${hostname()}` };
  const docker = await DockerSandbox.open({ ...common, poolSize: 0 });
  const processSandbox = createProcessSandbox({ ...config, allowProcessSandbox: true }, logger);

  console.error(`image ${status.image}; ${repeats} repeats; warming up`);
  await timedRun(docker);
  await timedRun(processSandbox);

  const dockerMs: number[] = [];
  const processMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    dockerMs.push(await timedRun(docker));
    processMs.push(await timedRun(processSandbox));
  }

  const pooled = await DockerSandbox.open({ ...common, workerId: `${common.workerId}-pool`, poolSize: 1 });
  const pooledMs: number[] = [];
  try {
    for (let i = 0; i < repeats; i++) {
      await waitWarm(pooled, 1);
      pooledMs.push(await timedRun(pooled));
    }
  } finally {
    await pooled.close();
  }

  const jobs = Math.max(6, repeats);
  const dockerRate = await throughput(docker, jobs, 2);
  const processRate = await throughput(processSandbox, jobs, 2);
  await docker.close();
  await processSandbox.close();

  const row = (name: string, value: string) => console.log(`${name.padEnd(52)} ${value}`);
  console.log(`\nsandbox bench: 5-cell notebook + 1 call, ${repeats} runs each (medians)`);
  row('per submission, Docker (fresh container)', `${median(dockerMs).toFixed(0)} ms`);
  row('per submission, process sandbox', `${median(processMs).toFixed(0)} ms`);
  row('Docker overhead over process', `${(median(dockerMs) - median(processMs)).toFixed(0)} ms`);
  row('submit-to-result, Docker warm pool', `${median(pooledMs).toFixed(0)} ms`);
  row(`throughput, Docker, 2 at a time (${jobs} jobs)`, `${dockerRate.toFixed(2)} notebooks/s`);
  row(`throughput, process, 2 at a time (${jobs} jobs)`, `${processRate.toFixed(2)} notebooks/s`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
