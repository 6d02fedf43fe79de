/**
 * bench/warm-preload: what importing NumPy into a warm container's kernel ahead of its job
 * (AUTOGRADER_KERNEL_PRELOAD, container-spec.ts) saves per submission. Two warm pools of
 * one container, one with the preload taken out of its containers' environment; runs
 * interleaved, one at a time, each after its container has had time to get ready.
 *
 *   npm run build && node dist/bench/warm-preload.js [pairs=10]
 */
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { encodeArray } from '../src/sandbox/arrays.js';
import { DockerSandboxClient, type ContainerSpec, type SandboxClient } from '../src/sandbox/docker/client.js';
import { DockerSandbox } from '../src/sandbox/docker/docker-sandbox.js';
import { resolveSandboxImage } from '../src/sandbox/image.js';
import { HARNESS_PROTOCOL_VERSION } from '../src/sandbox/protocol.js';
import type { SandboxJob } from '../src/sandbox/sandbox.js';
import { median, timeMs } from './stats.js';

const pairs = Math.max(1, Number(process.argv[2] ?? 10));
const config = loadConfig();
const log = createLogger('error');
const CELLS = [
  'import numpy as np\nnp.random.seed(707)',
  'def cosine_similarity(a, b):\n    return np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))',
  'x = 1', 'y = 2', 'print(cosine_similarity(np.ones(3), np.ones(3)))',
];

function job(): SandboxJob {
  const notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: CELLS.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })) };
  return {
    notebook: new TextEncoder().encode(JSON.stringify(notebook)), files: [], gpu: false,
    request: {
      v: HARNESS_PROTOCOL_VERSION, notebook: 'bench.ipynb',
      calls: [{ id: 'cos#1', fn: 'cosine_similarity', arrayType: 'numpy', args: [{ kind: 'array', array: encodeArray('float64', [3], [1, 2, 3]) }, { kind: 'array', array: encodeArray('float64', [3], [3, 2, 1]) }] }],
      limits: { cellTimeoutS: 30, totalTimeoutS: 120, callTimeoutS: 20, maxReturnBytes: 1 << 20 },
    },
  };
}

/** The engine client, with the preload taken out of created containers when `preload` is false. */
function client(preload: boolean): SandboxClient {
  const base = new DockerSandboxClient(config.dockerSocket, log);
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop === 'create' && !preload) {
        return (spec: ContainerSpec) => target.create({ ...spec, Env: (spec.Env ?? []).filter((e) => !e.startsWith('AUTOGRADER_KERNEL_PRELOAD=')) });
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function main(): Promise<void> {
  const image = await resolveSandboxImage(config);
  const open = (preload: boolean) => DockerSandbox.open({ client: client(preload), log, image, limits: config.sandboxLimits, gpuCount: config.gpuCount, poolSize: 1, workerId: `bench-preload-${preload}` });
  const sandboxes = { with: await open(true), without: await open(false) };
  const ms = { with: [] as number[], without: [] as number[] };
  try {
    for (let i = 0; i < pairs; i++) {
      for (const kind of ['with', 'without'] as const) {
        const sandbox = sandboxes[kind];
        while (sandbox.warmContainers < 1) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 2500)); // kernel up, preload done
        ms[kind].push(await timeMs(async () => {
          const run = await sandbox.run(job());
          if (run.outcome !== 'completed') throw new Error(`run ended ${run.outcome}: ${run.stderrTail.slice(-500)}`);
        }));
      }
    }
  } finally {
    await sandboxes.with.close();
    await sandboxes.without.close();
  }
  console.log(`warm container, one at a time, ${pairs} interleaved pairs (median ms per run)`);
  console.log(`with NumPy preloaded     ${median(ms.with).toFixed(0)} ms`);
  console.log(`without                  ${median(ms.without).toFixed(0)} ms`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
