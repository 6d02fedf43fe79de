/**
 * Caps on a notebook's shape: cells and JSON nesting. A notebook built to be huge (a
 * quarter of a million empty cells) is refused with a 4xx-worthy NotGradableError before
 * the expensive parse and validation; deep nesting never reaches JSON.parse.
 */
import { describe, expect, it } from 'vitest';
import { NotGradableError } from '../../../src/errors.js';
import { findJsonShapeProblem } from '../../../src/notebook/json-shape.js';
import { DEFAULT_MAX_NOTEBOOK_CELLS, parseNotebook, type ParseNotebookOptions } from '../../../src/notebook/parse.js';

function notebookText(cellCount: number, cellsKey = '"cells"'): string {
  const cell = '{"cell_type":"code","metadata":{},"execution_count":null,"outputs":[],"source":""}';
  return `{"nbformat":4,"nbformat_minor":5,"metadata":{},${cellsKey}:[${Array.from({ length: cellCount }, () => cell).join(',')}]}`;
}

function refusalCode(text: string, options: ParseNotebookOptions = {}): string {
  try {
    parseNotebook(Buffer.from(text), 'hw.ipynb', options);
  } catch (e) {
    expect(e).toBeInstanceOf(NotGradableError);
    expect((e as NotGradableError).message).toMatch(/^hw\.ipynb /);
    return (e as NotGradableError).code;
  }
  throw new Error('parseNotebook accepted what it should refuse');
}

describe('notebook shape limits', () => {
  it('refuses a 19 MB notebook of 250,000 empty cells as TOO_MANY_CELLS', () => {
    const text = notebookText(250_000);
    expect(text.length).toBeGreaterThan(19_000_000);
    expect(refusalCode(text)).toBe('TOO_MANY_CELLS');
  });

  it('finds too many cells in the scan before parsing, stopping at the limit', () => {
    expect(findJsonShapeProblem(notebookText(250_000), { maxCells: DEFAULT_MAX_NOTEBOOK_CELLS, maxDepth: 64 })).toEqual({
      kind: 'cells',
      count: DEFAULT_MAX_NOTEBOOK_CELLS + 1,
    });
  });

  it('accepts a notebook at the cell limit and refuses one over it', () => {
    expect(parseNotebook(Buffer.from(notebookText(5)), 'hw.ipynb', { maxCells: 5 }).cells).toHaveLength(5);
    expect(refusalCode(notebookText(6), { maxCells: 5 })).toBe('TOO_MANY_CELLS');
  });

  it('still counts cells when an escaped key hides them from the scan', () => {
    const text = notebookText(6, '"c\\u0065lls"');
    expect(findJsonShapeProblem(text, { maxCells: 5, maxDepth: 64 })).toBeUndefined();
    expect(refusalCode(text, { maxCells: 5 })).toBe('TOO_MANY_CELLS');
  });

  it('refuses JSON nested deeper than the limit before parsing it', () => {
    const deep = `{"nbformat":4,"metadata":{"x":${'['.repeat(200_000)}${']'.repeat(200_000)}},"cells":[]}`;
    expect(refusalCode(deep)).toBe('TOO_DEEP');
    const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    // The notebook object and "metadata" are two levels.
    const at = `{"nbformat":4,"nbformat_minor":5,"metadata":${nested(8)},"cells":[{"cell_type":"markdown","metadata":{},"source":""}]}`;
    expect(parseNotebook(Buffer.from(at), 'hw.ipynb', { maxDepth: 9 }).cells).toHaveLength(1);
    expect(refusalCode(at, { maxDepth: 8 })).toBe('TOO_DEEP');
  });

  it('is not fooled by brackets, braces and escaped quotes inside strings', () => {
    const source = JSON.stringify('x = [[[{{{ "\\"]]]}}} cells: [');
    const text = `{"nbformat":4,"nbformat_minor":5,"metadata":{"cells":[{},{}]},"cells":[{"cell_type":"markdown","metadata":{},"source":${source}}]}`;
    expect(findJsonShapeProblem(text, { maxCells: 1, maxDepth: 4 })).toBeUndefined();
    expect(parseNotebook(Buffer.from(text), 'hw.ipynb', { maxCells: 1, maxDepth: 4 }).cells).toHaveLength(1);
  });
});
