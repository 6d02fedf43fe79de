/**
 * What the stored execution state of a notebook says about how it was run: execution
 * counts increasing top to bottom (gaps are fine), every code cell run, no error outputs.
 * This reads the saved notebook only; it never runs anything. Stored outputs prove
 * nothing about correctness (starters ship with the instructor's outputs), so scores
 * come from a fresh run in the sandbox; this analysis explains what the student saved.
 */
import { cellSource, describeCell, isBlank, shorten } from './cells.js';
import type { CodeCell, Notebook } from './schema.js';

/**
 * - `numbered`: at least one code cell has an execution count;
 * - `unnumbered`: no counts, but outputs are present (some exporters write notebooks so);
 * - `never-run`: no counts and no outputs;
 * - `no-code`: the notebook has no non-blank code cell.
 */
export type StoredExecutionState = 'numbered' | 'unnumbered' | 'never-run' | 'no-code';

export interface OutOfOrderRun {
  cellIndex: number;
  count: number;
  /** The nearest code cell above with a count at least as high. */
  previousCellIndex: number;
  previousCount: number;
}

export interface UnrunCell {
  cellIndex: number;
  /** Outputs but no count: the cell was still running (or interrupted) when saved. */
  hasOutputs: boolean;
}

export interface StoredError {
  cellIndex: number;
  cellId?: string;
  ename: string;
  evalue: string;
}

export interface StoredExecution {
  state: StoredExecutionState;
  /** Code cells whose count is not higher than the one of the code cell above them. */
  outOfOrder: OutOfOrderRun[];
  /** Non-blank code cells without a count while other cells have one. */
  unrun: UnrunCell[];
  errors: StoredError[];
  /** One readable sentence per problem, in cell order; empty when the notebook looks run top to bottom. */
  problems: string[];
}

const ANSI_ESCAPE = /\u001b\[[0-9;]*[A-Za-z]/g;

export interface StoredExecutionOptions {
  /**
   * Cells as the starter carries them (same source, same execution count): their saved
   * state is the instructor's, so they are left out of the order, unrun and error findings.
   */
  carried?: ReadonlySet<number>;
}

/** Analyses execution counts and error outputs of the code cells as saved. */
export function analyzeStoredExecution(notebook: Notebook, options: StoredExecutionOptions = {}): StoredExecution {
  const all = notebook.cells
    .map((cell, cellIndex) => ({ cell, cellIndex }))
    .filter((c): c is { cell: CodeCell; cellIndex: number } => c.cell.cell_type === 'code' && !isBlank(cellSource(c.cell)));
  const code = all.filter((c) => !options.carried?.has(c.cellIndex));

  const errors: StoredError[] = [];
  for (const { cell, cellIndex } of code) {
    for (const output of cell.outputs) {
      if (output.output_type !== 'error') continue;
      errors.push({
        cellIndex,
        ...(cell.id !== undefined ? { cellId: cell.id } : {}),
        ename: output.ename,
        evalue: output.evalue.replace(ANSI_ESCAPE, ''),
      });
    }
  }

  const numbered = code.filter((c) => typeof c.cell.execution_count === 'number');
  const anyNumbered = all.some((c) => typeof c.cell.execution_count === 'number');
  const anyOutputs = all.some((c) => c.cell.outputs.length > 0);
  const state: StoredExecutionState =
    all.length === 0 ? 'no-code' : anyNumbered ? 'numbered' : anyOutputs ? 'unnumbered' : 'never-run';

  const outOfOrder: OutOfOrderRun[] = [];
  let highest: { cellIndex: number; count: number } | undefined;
  for (const { cell, cellIndex } of numbered) {
    const count = cell.execution_count as number;
    if (highest !== undefined && count <= highest.count) {
      outOfOrder.push({ cellIndex, count, previousCellIndex: highest.cellIndex, previousCount: highest.count });
    }
    if (highest === undefined || count > highest.count) highest = { cellIndex, count };
  }

  const unrun: UnrunCell[] =
    state === 'numbered'
      ? code
          .filter((c) => c.cell.execution_count === null || c.cell.execution_count === undefined)
          .map((c) => ({ cellIndex: c.cellIndex, hasOutputs: c.cell.outputs.length > 0 }))
      : [];

  return { state, outOfOrder, unrun, errors, problems: describeProblems(notebook, state, outOfOrder, unrun, errors) };
}

function describeProblems(
  notebook: Notebook,
  state: StoredExecutionState,
  outOfOrder: OutOfOrderRun[],
  unrun: UnrunCell[],
  errors: StoredError[],
): string[] {
  const byCell: { cellIndex: number; text: string }[] = [];
  const cell = (i: number) => describeCell(notebook, i);
  for (const o of outOfOrder) {
    byCell.push({
      cellIndex: o.cellIndex,
      text: `${cell(o.cellIndex)} ran as In [${o.count}], before ${cell(o.previousCellIndex)} above it (In [${o.previousCount}]): the notebook was run out of order`,
    });
  }
  for (const u of unrun) {
    byCell.push({
      cellIndex: u.cellIndex,
      text: u.hasOutputs
        ? `${cell(u.cellIndex)} has outputs but no execution count: it was still running or interrupted when the notebook was saved`
        : `${cell(u.cellIndex)} was never run`,
    });
  }
  for (const e of errors) {
    const detail = e.evalue.trim() === '' ? e.ename : `${e.ename}: ${shorten(e.evalue.split('\n')[0]?.trim() ?? '', 120)}`;
    byCell.push({ cellIndex: e.cellIndex, text: `${cell(e.cellIndex)} stopped with an error (${detail})` });
  }
  byCell.sort((a, b) => a.cellIndex - b.cellIndex);
  const problems = byCell.map((p) => p.text.charAt(0).toUpperCase() + p.text.slice(1));
  if (state === 'never-run') {
    problems.unshift('The notebook was saved without being run (no execution counts, no outputs): use Restart and Run All, then save');
  }
  return problems;
}
