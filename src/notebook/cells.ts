/**
 * Small helpers over notebook cells that every static analysis shares: the source as one
 * string, and how a cell is named in feedback so a student can find it.
 */
import { joinSource, type Cell, type Notebook } from './schema.js';

export function cellSource(cell: Cell): string {
  return joinSource(cell.source);
}

export function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** The first non-blank line of a text, shortened to `max` characters. */
export function firstLine(text: string, max = 60): string {
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return shorten(line, max);
}

export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

/**
 * How feedback names a cell: Jupyter shows no cell numbers, so the 1-based position is
 * paired with the cell's first line, e.g. `cell 12 ("def softmax(xx):")`.
 */
export function describeCell(notebook: Notebook, cellIndex: number): string {
  const cell = notebook.cells[cellIndex];
  if (cell === undefined) return `cell ${cellIndex + 1}`;
  const line = firstLine(cellSource(cell), 50);
  return line === '' ? `cell ${cellIndex + 1} (empty)` : `cell ${cellIndex + 1} ("${line}")`;
}
