/**
 * The narrative analysis's reading of a notebook: which Markdown lines are answer
 * placeholders or question headings, which lines the student wrote, runs of code.
 */
import { cellSource, isBlank } from '../cells.js';
import { markdownWords, paragraphKey, plainText } from '../markdown.js';
import type { Notebook } from '../schema.js';
import type { CodeRun, MarkdownCellInfo, OwnLine } from './types.js';

export function placeholderMatcher(patterns: (string | RegExp)[]): (line: string) => boolean {
  const prefixes = patterns.filter((p): p is string => typeof p === 'string').map((p) => markdownWords(p).join(' ')).filter((p) => p !== '');
  const regexes = patterns.filter((p): p is RegExp => p instanceof RegExp).map((r) => new RegExp(r.source, r.flags.replace(/[gy]/g, '')));
  return (line) => {
    const key = markdownWords(line).join(' ');
    if (key === '') return false;
    return prefixes.some((p) => key === p || key.startsWith(`${p} `)) || regexes.some((r) => r.test(line.trim()) || r.test(plainText(line).trim()));
  };
}

export function describeMarkdown(
  notebook: Notebook,
  isPlaceholder: (line: string) => boolean,
  questionHeading: (line: string) => boolean,
): Map<number, MarkdownCellInfo> {
  const cells = new Map<number, MarkdownCellInfo>();
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'markdown') return;
    const text = cellSource(cell);
    const lines = text.split('\n');
    const placeholderLines = lines.filter(isPlaceholder);
    const rest = lines.filter((l) => !isPlaceholder(l)).join('\n');
    cells.set(index, {
      index,
      text,
      placeholderLines,
      rest,
      restWords: markdownWords(rest),
      questionHeading: lines.some(questionHeading),
    });
  });
  return cells;
}

/** Anchors: Markdown cells with text besides placeholders (questions, instructions, headings). */
export function isAnchor(info: MarkdownCellInfo | undefined): info is MarkdownCellInfo {
  return info !== undefined && info.restWords.length > 0;
}

export function precedingAnchor(cells: Map<number, MarkdownCellInfo>, before: number): number | undefined {
  for (let i = before - 1; i >= 0; i -= 1) {
    if (isAnchor(cells.get(i))) return i;
  }
  return undefined;
}

export function markdownLineKeys(notebook: Notebook): Set<string> {
  const keys = new Set<string>();
  for (const cell of notebook.cells) {
    if (cell.cell_type !== 'markdown') continue;
    for (const line of cellSource(cell).split('\n')) keys.add(paragraphKey(line));
  }
  return keys;
}

/** Markdown lines the student wrote: not in the starter, not placeholders, with words in them. */
export function ownMarkdownLines(notebook: Notebook, starterKeys: Set<string> | undefined, isPlaceholder: (line: string) => boolean): OwnLine[] {
  const lines: OwnLine[] = [];
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== 'markdown') return;
    for (const text of cellSource(cell).split('\n')) {
      const key = paragraphKey(text);
      if (key === '' || isPlaceholder(text) || starterKeys?.has(key)) continue;
      lines.push({ cellIndex, text });
    }
  });
  return lines;
}

/** Runs of non-blank code cells with no non-blank Markdown between them (raw cells are ignored). */
export function codeRuns(notebook: Notebook): CodeRun[] {
  const runs: CodeRun[] = [];
  let current: CodeRun | undefined;
  notebook.cells.forEach((cell, index) => {
    if (isBlank(cellSource(cell)) || cell.cell_type === 'raw') return;
    if (cell.cell_type === 'code') {
      if (current === undefined) current = { firstCellIndex: index, lastCellIndex: index, length: 1 };
      else current = { ...current, lastCellIndex: index, length: current.length + 1 };
    } else if (current !== undefined) {
      runs.push(current);
      current = undefined;
    }
  });
  if (current !== undefined) runs.push(current);
  return runs;
}
