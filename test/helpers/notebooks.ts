/**
 * Notebooks for static-analysis tests: the real course notebooks copied into
 * test/fixtures/course/ (licences in its README), and small ones built in a test.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNotebook } from '../../src/notebook/parse.js';
import type { Cell, Notebook } from '../../src/notebook/schema.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Real course notebooks, unchanged copies (tests never read outside the repository). */
export const COURSE_DIR = resolve(repoRoot, 'test', 'fixtures', 'course');

export function courseBytes(name: string): Uint8Array {
  return readFileSync(resolve(COURSE_DIR, name));
}

export function courseNotebook(name: string): Notebook {
  return parseNotebook(courseBytes(name), name);
}

export function md(source: string, id?: string): Cell {
  return { cell_type: 'markdown', source, metadata: {}, ...(id === undefined ? {} : { id }) };
}

export function code(
  source: string,
  options: { count?: number | null; outputs?: Extract<Cell, { cell_type: 'code' }>['outputs']; id?: string } = {},
): Cell {
  return {
    cell_type: 'code',
    source,
    metadata: {},
    execution_count: options.count ?? null,
    outputs: options.outputs ?? [],
    ...(options.id === undefined ? {} : { id: options.id }),
  };
}

export function notebookOf(cells: Cell[]): Notebook {
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
}

/** A notebook with some cells' sources replaced (by index), as a student would edit a starter. */
export function edited(notebook: Notebook, changes: Record<number, string>, inserts: { after: number; cell: Cell }[] = []): Notebook {
  const cells: Cell[] = [];
  notebook.cells.forEach((cell, index) => {
    const source = changes[index];
    cells.push(source === undefined ? cell : { ...cell, source });
    for (const insert of inserts.filter((i) => i.after === index)) cells.push(insert.cell);
  });
  return { ...notebook, cells };
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
