/**
 * bench/model-eval: what evaluating a trained model on a hidden set costs.
 *
 *   npm run build && node dist/bench/model-eval.js [repeats=5]
 *
 * An MLP (2 -> 64 -> 64 -> 3, PyTorch) on 10,000 hidden spiral points, in one run:
 * (a) the sandbox run of its notebook with no call and (b) with the model-evaluation call
 * (inputs in, batches of 256 in eval mode under no_grad, logits back), whose difference is the
 * in-sandbox forward pass with its transfer; (c) the grader-side scoring of those logits
 * (shape and probability checks, accuracy and cross-entropy by the references, confusion
 * matrix) and (d) the same MLP as an uploaded TensorFlow.js model predicted in the worker,
 * each on the WASM and CPU tensor backends side by side. Process sandbox; medians.
 */
import * as tf from '@tensorflow/tfjs';
import { initTensorBackend, mulberry32 } from '../reference/index.js';
import { loadConfig } from '../src/config.js';
import { defineAssignment } from '../src/grading/assignment.js';
import { modelAccuracy } from '../src/grading/checks/model-accuracy.js';
import { gradeSubmission } from '../src/grading/engine.js';
import type { HiddenSet } from '../src/grading/model/hidden-set.js';
import { scoreOutputs } from '../src/grading/model/scores.js';
import { predictTfjs } from '../src/grading/model/tfjs-model.js';
import { createLogger } from '../src/logger.js';
import { decodeArray, type NdArray } from '../src/sandbox/arrays.js';
import type { Sandbox, SandboxJob, SandboxRun } from '../src/sandbox/sandbox.js';
import { createSandbox } from '../src/sandbox/select.js';
import { median } from './stats.js';

const repeats = Number(process.argv[2] ?? 5);
const ROWS = 10_000;
const config = loadConfig({ ...process.env, AUTOGRADER_SANDBOX: 'process' });
const logger = createLogger('silent');

function spiral(rows: number): HiddenSet {
  const next = mulberry32(9);
  const values = new Float32Array(rows * 2);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const k = i % 3;
    const r = next();
    const t = 4 * (k + r) + 0.2 * (next() - 0.5);
    values[2 * i] = r * Math.sin(t);
    values[2 * i + 1] = r * Math.cos(t);
    labels[i] = k;
  }
  return { name: 'the benchmark split', inputs: { shape: [rows, 2], values }, labels, classes: 3 };
}

const hidden = spiral(ROWS);
const NOTEBOOK = new TextEncoder().encode(JSON.stringify({
  nbformat: 4, nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [{
    cell_type: 'code', id: 'mlp', metadata: {}, execution_count: null, outputs: [],
    source: 'import torch\nfrom torch import nn\ntorch.manual_seed(0)\nmlp = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))',
  }],
}));
const calibration = { solution: 1, note: 'benchmark' };
const withCall = defineAssignment({
  id: 'bench-model-eval', title: 'bench', checks: [modelAccuracy({ model: 'mlp', hidden, points: 1, scale: { kind: 'threshold', steps: [{ at: 0.9, fraction: 1 }] }, calibration })],
});
const withoutCall = defineAssignment({ id: 'bench-model-none', title: 'bench', checks: [] });

/** Keeps the last run, to score its logits on each backend. */
class Keeping implements Sandbox {
  last: SandboxRun | undefined;
  constructor(private readonly inner: Sandbox) {}
  get kind() { return this.inner.kind; }
  async run(job: SandboxJob, signal?: AbortSignal) { this.last = await this.inner.run(job, signal); return this.last; }
  close() { return this.inner.close(); }
}

async function timed(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function main(): Promise<void> {
  await initTensorBackend();
  const sandbox = new Keeping(await createSandbox(config, logger));
  const none: number[] = [];
  const call: number[] = [];
  let outputs: NdArray | undefined;
  try {
    for (let i = 0; i < repeats; i++) {
      for (const [assignment, into] of [[withoutCall, none], [withCall, call]] as const) {
        await gradeSubmission({ assignment, notebook: { name: 'bench.ipynb', bytes: NOTEBOOK }, sandbox, limits: config.sandboxLimits, logger });
        into.push(sandbox.last!.wallMs);
        const result = sandbox.last!.response?.calls[0];
        if (result?.status === 'ok') outputs = decodeArray(result.value);
      }
    }
  } finally {
    await sandbox.close();
  }
  if (!outputs) throw new Error('the model call returned no outputs');

  // The same architecture as a TF.js model (random weights; the cost is the same).
  const tfjsModel = tf.sequential({ layers: [
    tf.layers.dense({ units: 64, activation: 'relu', inputShape: [2] }),
    tf.layers.dense({ units: 64, activation: 'relu' }),
    tf.layers.dense({ units: 3 }),
  ] });
  const rows: string[] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
    const score: number[] = [];
    const predict: number[] = [];
    for (let i = 0; i < repeats + 1; i++) {
      const s = await timed(() => scoreOutputs(outputs!, hidden));
      const p = await timed(() => predictTfjs(tfjsModel, hidden, 256));
      if (i > 0) { score.push(s); predict.push(p); } // the first warms the kernels
    }
    rows.push(`| ${backend} | ${median(score).toFixed(1)} | ${median(predict).toFixed(1)} |`);
  }
  tfjsModel.dispose();

  const forward = median(call) - median(none);
  console.log(`model-eval: ${ROWS} hidden examples, MLP 2-64-64-3, ${repeats} repeats, process sandbox, medians`);
  console.log(`sandbox run without the call: ${median(none).toFixed(0)} ms; with the model-evaluation call: ${median(call).toFixed(0)} ms; `
    + `in-sandbox forward pass + transfer: ${forward.toFixed(0)} ms`);
  console.log('| tensor backend | grader-side accuracy + loss + confusion (ms) | TF.js upload forward pass in the worker (ms) |');
  console.log('|---|---|---|');
  for (const row of rows) console.log(row);
}

await main();
