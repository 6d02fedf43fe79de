/**
 * Accepted aliases of a contract function, through the real harness (process sandbox): the
 * student's function is called under whichever accepted name the notebook defines, the
 * response says which, and the check's feedback names it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as reference from '../../reference/index.js';
import { loadConfig } from '../../src/config.js';
import { matchesReference } from '../../src/grading/checks/reference-match.js';
import { f64 } from '../../src/grading/inputs.js';
import { createLogger } from '../../src/logger.js';
import { ProcessSandbox } from '../../src/sandbox/process-sandbox.js';
import type { SandboxRun } from '../../src/sandbox/sandbox.js';
import type { Notebook } from '../../src/notebook/schema.js';

const config = loadConfig({});
const logger = createLogger('silent');

function notebookBytes(cells: string[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    nbformat: 4, nbformat_minor: 5, metadata: {},
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null })),
  }));
}

const check = matchesReference('softmax', reference.softmax, {
  signature: 'softmax(xx)',
  aliases: ['softmax_stable', 'soft_max'],
  arrayType: 'torch',
  cases: [
    { label: 'a 1-D tensor of 3 logits', inputs: [f64([1, 2, 3])] },
    { label: 'a 1-D tensor of 4 logits', inputs: [f64([0.5, -1, 2, 0])] },
  ],
  points: 2,
});

async function grade(cells: string[]): Promise<{ run: SandboxRun; points: number; feedback: string }> {
  const sandbox = new ProcessSandbox({ python: config.python, limits: config.sandboxLimits, logger });
  const run = await sandbox.run({
    notebook: notebookBytes(cells),
    files: [],
    gpu: false,
    request: { v: 1, notebook: 'submission.ipynb', calls: check.calls(), limits: { cellTimeoutS: 20, totalTimeoutS: 60, callTimeoutS: 10, maxReturnBytes: 1_000_000 } },
  });
  const calls = new Map((run.response?.calls ?? []).map((c) => [c.id, c]));
  const verdict = await check.grade({ notebook: { cells: [] } as unknown as Notebook, starter: undefined, run, calls });
  return { run, ...verdict };
}

describe('aliases', () => {
  let stableOnly: Awaited<ReturnType<typeof grade>>;
  let both: Awaited<ReturnType<typeof grade>>;
  let neither: Awaited<ReturnType<typeof grade>>;
  beforeAll(async () => {
    const stable = 'def softmax_stable(xx):\n    e = (xx - xx.max()).exp()\n    return e / e.sum()';
    [stableOnly, both, neither] = await Promise.all([
      grade(['import torch', stable]),
      grade(['import torch', stable, 'def softmax(xx):\n    return xx * 0']),
      grade(['import torch', 'def soft_max_typo(xx):\n    return xx']),
    ]);
  });
  afterAll(() => undefined);

  it('calls the alias the notebook defines and says so in the feedback', () => {
    expect(stableOnly.run.response?.calls.map((c) => c.status === 'ok' && c.name)).toEqual(['softmax_stable', 'softmax_stable']);
    expect(stableOnly.points).toBe(2);
    expect(stableOnly.feedback).toContain('Graded your `softmax_stable`, accepted in place of `softmax`.');
  });

  it('prefers the contract name when the notebook defines both', () => {
    expect(both.run.response?.calls.map((c) => c.status === 'ok' && c.name)).toEqual(['softmax', 'softmax']);
    expect(both.points).toBe(0);
    expect(both.feedback).not.toContain('accepted in place of');
  });

  it('names every accepted name when none is defined', () => {
    expect(neither.run.response?.calls.map((c) => c.status)).toEqual(['missing', 'missing']);
    expect(neither.points).toBe(0);
    expect(neither.feedback).toContain('no function `softmax` (or `softmax_stable`, `soft_max`)');
  });
});
