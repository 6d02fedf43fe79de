/**
 * What a submission carries unchanged from the assignment's starter: never the student's
 * work, so never held against them (a starter cell saved without an execution count) nor
 * credited to them (running the instructor's code unchanged).
 */
import { cellSource, isBlank } from '../notebook/cells.js';
import type { Notebook } from '../notebook/schema.js';

function codeKey(source: string): string {
  return source.split('\n').map((l) => l.trimEnd()).join('\n').trim();
}

/** Submission code cells with a starter code cell of the same source and execution count. */
export function carriedCells(notebook: Notebook, starter: Notebook | undefined): Set<number> {
  const carried = new Set<number>();
  if (starter === undefined) return carried;
  const starterCells = new Set(
    starter.cells.filter((c) => c.cell_type === 'code').map((c) => `${c.execution_count ?? 'none'}\u0000${codeKey(cellSource(c))}`),
  );
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code' || isBlank(cellSource(cell))) return;
    if (starterCells.has(`${cell.execution_count ?? 'none'}\u0000${codeKey(cellSource(cell))}`)) carried.add(index);
  });
  return carried;
}

/** True when every non-blank code cell of the submission is a starter code cell, unchanged: no code of the student's own. */
export function codeIsStarters(notebook: Notebook, starter: Notebook | undefined): boolean {
  if (starter === undefined) return false;
  const starterCode = new Set(starter.cells.filter((c) => c.cell_type === 'code').map((c) => codeKey(cellSource(c))));
  const own = notebook.cells.filter((c) => c.cell_type === 'code' && !isBlank(cellSource(c)));
  return own.length > 0 && own.every((c) => starterCode.has(codeKey(cellSource(c))));
}
