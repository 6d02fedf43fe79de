/**
 * Building sandbox jobs in tests: notebooks from cell sources, a softmax call with
 * known inputs, and the check that its answer is right.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { SandboxLimitsSchema, type SandboxLimits } from '../../src/config.js';
import { decodeArray, encodeArray } from '../../src/sandbox/arrays.js';
import { HARNESS_PROTOCOL_VERSION, type FunctionCall, type HarnessLimits } from '../../src/sandbox/protocol.js';
import type { SandboxJob, SandboxRun } from '../../src/sandbox/sandbox.js';

export const SOFTMAX_SOURCE = [
  'import numpy as np',
  'def softmax(x):',
  '    z = np.asarray(x, dtype=np.float64)',
  '    z = z - z.max(axis=-1, keepdims=True)',
  '    e = np.exp(z)',
  '    return e / e.sum(axis=-1, keepdims=True)',
].join('\n');

const LOGITS = [[1, 2, 3], [1000, 1000, -1000]];

export function notebookJson(cells: string[]): Uint8Array {
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((source, i) => ({
      cell_type: 'code', id: `cell-${i}`, metadata: {}, execution_count: null, outputs: [], source,
    })),
  };
  return new TextEncoder().encode(JSON.stringify(notebook));
}

export function softmaxCall(id = 'softmax#1'): FunctionCall {
  return {
    id,
    fn: 'softmax',
    arrayType: 'numpy',
    args: [{ kind: 'array', array: encodeArray('float64', [2, 3], LOGITS.flat()) }],
  };
}

/** Small limits keep the suites fast; the harness's own limits are kept well under the sandbox's. */
export const TEST_LIMITS: SandboxLimits = SandboxLimitsSchema.parse({
  memoryMb: 512,
  cpus: 1,
  pids: 128,
  cellTimeoutS: 4,
  totalTimeoutS: 40,
  callTimeoutS: 5,
  maxReturnBytes: 1024 * 1024,
  maxResponseBytes: 4 * 1024 * 1024,
  workDirMb: 32,
});

export function harnessLimits(overrides: Partial<HarnessLimits> = {}): HarnessLimits {
  return {
    cellTimeoutS: TEST_LIMITS.cellTimeoutS,
    totalTimeoutS: TEST_LIMITS.totalTimeoutS,
    callTimeoutS: TEST_LIMITS.callTimeoutS,
    maxReturnBytes: TEST_LIMITS.maxReturnBytes,
    ...overrides,
  };
}

export function jobFor(notebook: Uint8Array, options: { calls?: FunctionCall[]; limits?: Partial<HarnessLimits>; gpu?: boolean } = {}): SandboxJob {
  return {
    notebook,
    files: [],
    gpu: options.gpu ?? false,
    request: {
      v: HARNESS_PROTOCOL_VERSION,
      notebook: 'submission.ipynb',
      calls: options.calls ?? [softmaxCall()],
      limits: harnessLimits(options.limits),
    },
  };
}

export function jobFromFile(path: string, options: Parameters<typeof jobFor>[1] = {}): SandboxJob {
  return jobFor(readFileSync(path), options);
}

function expectedSoftmax(): number[] {
  return LOGITS.flatMap((row) => {
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

/** The run completed and the softmax call returned the right values. */
export function expectSoftmaxCorrect(run: SandboxRun, id = 'softmax#1'): void {
  expect(run.outcome, run.detail ?? run.stderrTail).toBe('completed');
  const call = run.response?.calls.find((c) => c.id === id);
  expect(call?.status, JSON.stringify(call)).toBe('ok');
  if (call?.status !== 'ok') return;
  const got = decodeArray(call.value);
  expect(got.shape).toEqual([2, 3]);
  const want = expectedSoftmax();
  [...got.values].forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 9));
}

/** Ids of containers (any state) with our sandbox label and this worker's id, straight from the CLI. */
export function labelledContainers(workerId: string): string[] {
  const out = execFileSync('docker', [
    'ps', '-a', '-q', '--filter', 'label=autograder.sandbox=1', '--filter', `label=autograder.worker=${workerId}`,
  ]).toString();
  return out.split('\n').filter(Boolean);
}

/** Volumes with our sandbox label and this worker's id. */
export function labelledVolumes(workerId: string): string[] {
  const out = execFileSync('docker', [
    'volume', 'ls', '-q', '--filter', 'label=autograder.sandbox=1', '--filter', `label=autograder.worker=${workerId}`,
  ]).toString();
  return out.split('\n').filter(Boolean);
}
