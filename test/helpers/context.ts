import type { GradingContext } from '../../src/grading/assignment.js';
import type { Notebook } from '../../src/notebook/schema.js';
import { encodeArray } from '../../src/sandbox/arrays.js';
import type { CallResult, CellReport } from '../../src/sandbox/protocol.js';
import type { SandboxRun } from '../../src/sandbox/sandbox.js';

export const emptyNotebook: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] };

export function okArray(id: string, values: number[], shape: number[] = [values.length], dtype: 'float64' | 'float32' | 'int64' = 'float64'): CallResult {
  return { id, status: 'ok', value: encodeArray(dtype, shape, values) };
}

/** A context as if the sandbox completed with these cells and call results. */
export function contextWith(calls: CallResult[], cells: CellReport[] = [], notebook: Notebook = emptyNotebook): GradingContext {
  const run: SandboxRun = {
    outcome: 'completed',
    response: { v: 1, cells, kernelRestarts: 0, calls, totalTimeout: false, harnessErrors: [] },
    exitCode: 0,
    stderrTail: '',
    wallMs: 10,
  };
  return { notebook, starter: undefined, run, calls: new Map(calls.map((c) => [c.id, c])) };
}
