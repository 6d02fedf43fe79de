import { describe, expect, it } from 'vitest';
import { execution } from '../../../src/grading/checks/execution.js';
import type { Notebook } from '../../../src/notebook/schema.js';
import { contextWith } from '../../helpers/context.js';

const ranCleanly: Notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    { cell_type: 'markdown', source: '# Softmax', metadata: {} },
    { cell_type: 'code', source: 'x = 1', metadata: {}, execution_count: 1, outputs: [] },
    { cell_type: 'code', source: 'print(x)', metadata: {}, execution_count: 2, outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }] },
  ],
};
const ranOutOfOrder: Notebook = {
  ...ranCleanly,
  cells: ranCleanly.cells.map((c, i) => (c.cell_type === 'code' ? { ...c, execution_count: 5 - i } : c)),
};

const check = execution({ points: 2 });

describe('execution check', () => {
  it('gives full points when the stored and the fresh run are both clean', async () => {
    const verdict = await check.grade(contextWith([], [{ index: 1, status: 'ok', ms: 1 }, { index: 2, status: 'ok', ms: 1 }], ranCleanly));
    expect(verdict).toMatchObject({ points: 2 });
  });

  it('gives nothing for clean stale outputs when the fresh run fails', async () => {
    const verdict = await check.grade(contextWith([], [
      { index: 1, status: 'ok', ms: 1 },
      { index: 2, status: 'error', ename: 'TypeError', evalue: "unsupported operand type(s) for /: 'ellipsis' and 'int'", ms: 1 },
    ], ranCleanly));
    expect(verdict.points).toBe(0);
    expect(verdict.feedback).toMatch(/Cell 3 raised TypeError/);
    expect(verdict.feedback).toMatch(/Restart and Run All/);
  });

  it('names interrupted and crashed cells', async () => {
    const verdict = await check.grade(contextWith([], [
      { index: 1, status: 'timeout', ms: 3000 },
      { index: 2, status: 'kernel_died', ms: 1 },
    ], ranCleanly));
    expect(verdict.feedback).toMatch(/Cell 2 ran past the per-cell time limit/);
    expect(verdict.feedback).toMatch(/Cell 3 stopped the Python kernel/);
    expect(verdict.cells).toEqual([1, 2]);
  });

  it('keeps part of the points when only the stored run was out of order', async () => {
    const verdict = await check.grade(contextWith([], [{ index: 1, status: 'ok', ms: 1 }, { index: 2, status: 'ok', ms: 1 }], ranOutOfOrder));
    expect(verdict.points).toBeCloseTo(1.2);
    expect(verdict.feedback).toMatch(/as submitted/);
  });

  it('asks to fix errors only when there are errors', async () => {
    const outOfOrder = await check.grade(contextWith([], [{ index: 1, status: 'ok', ms: 1 }, { index: 2, status: 'ok', ms: 1 }], ranOutOfOrder));
    expect(outOfOrder.feedback).not.toMatch(/Fix the errors/);
    expect(outOfOrder.feedback).toMatch(/Use Kernel > Restart and Run All/);
    const failed = await check.grade(contextWith([], [
      { index: 1, status: 'ok', ms: 1 },
      { index: 2, status: 'error', ename: 'NameError', evalue: "name 'y' is not defined", ms: 1 },
    ], ranCleanly));
    expect(failed.feedback).toMatch(/Fix the errors, then use Kernel > Restart and Run All/);
  });
});
