/**
 * Code placeholders a student left in: `...` used as a value, a "your code here" marker
 * with no code after it, `raise NotImplementedError()`, `FIXME`, `XXX`. Static only: the
 * code is read, never run.
 */
import { cellSource } from './cells.js';
import { readPythonLines, type PythonLine } from './python-lines.js';
import type { Notebook } from './schema.js';

/** A custom placeholder: a regular expression tested on one part of each line. */
export interface PlaceholderPattern {
  /** How feedback names it, e.g. `TODO`. */
  label: string;
  /** `code`: the line without strings and comment; `comment`: the comment; `any`: either. */
  in: 'code' | 'comment' | 'any';
  regex: RegExp;
}

/**
 * Built-in placeholder kinds:
 * - `ellipsis`: `...` as a value (`return ...`, `x = ...`, `f(...)`), not in strings,
 *   comments or subscripts (`a[..., 0]`, `Callable[..., int]`);
 * - `your-code-here`: a `# your code here` comment (any case, `# YOUR CODE HERE`,
 *   `# your code goes here`, the typo `# yor code here`) with no code after it in its block,
 *   or only `pass`; a marker left above code the student wrote is not a placeholder;
 * - `not-implemented`: `raise NotImplementedError` (with or without a message);
 * - `fixme`: the word FIXME in code or a comment, any case;
 * - `xxx`: the word XXX (upper case) in code or a comment.
 */
export type BuiltinPlaceholder = 'ellipsis' | 'your-code-here' | 'not-implemented' | 'fixme' | 'xxx';

export type PlaceholderSpec = BuiltinPlaceholder | PlaceholderPattern;

export const DEFAULT_PLACEHOLDER_PATTERNS: readonly PlaceholderSpec[] = Object.freeze([
  'ellipsis',
  'your-code-here',
  'not-implemented',
  'fixme',
  'xxx',
] as const);

export interface PlaceholderFinding {
  /** 0-based index of the cell in the notebook. */
  cellIndex: number;
  cellId?: string;
  /** 1-based line within the cell. */
  line: number;
  /** The line as written, trimmed. */
  text: string;
  /** Which placeholder it is: a built-in kind or a custom pattern's label. */
  kind: string;
}

const YOUR_CODE_HERE = /\by(?:ou|o|u)?r\s+(?:own\s+)?(?:code|solution|implementation)\s+(?:goes\s+)?here\b/i;

const LINE_PATTERNS: Record<Exclude<BuiltinPlaceholder, 'ellipsis' | 'your-code-here'>, PlaceholderPattern> = {
  'not-implemented': { label: 'not-implemented', in: 'code', regex: /\braise\s+NotImplementedError\b/ },
  fixme: { label: 'fixme', in: 'any', regex: /\bFIXME\b/i },
  xxx: { label: 'xxx', in: 'any', regex: /\bXXX\b/ },
};

/** A line whose code part only stands in for an answer: `pass`, `x = None`, `return None`. */
const STAND_IN_CODE = /^\s*(?:pass|(?:[\w.[\]'", ]+=|return)\s*None)\s*$/;

/** Finds the placeholders left in a notebook's code cells, in cell and line order. */
export function findPlaceholders(
  notebook: Notebook,
  patterns: readonly PlaceholderSpec[] = DEFAULT_PLACEHOLDER_PATTERNS,
): PlaceholderFinding[] {
  const findings: PlaceholderFinding[] = [];
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== 'code') return;
    for (const hit of findInCode(cellSource(cell), patterns)) {
      findings.push({ cellIndex, ...(cell.id !== undefined ? { cellId: cell.id } : {}), ...hit });
    }
  });
  return findings;
}

/** Placeholders in one cell's Python source. */
export function findInCode(
  source: string,
  patterns: readonly PlaceholderSpec[] = DEFAULT_PLACEHOLDER_PATTERNS,
): { line: number; text: string; kind: string }[] {
  const lines = readPythonLines(source);
  const kinds = new Set(patterns.filter((p): p is BuiltinPlaceholder => typeof p === 'string'));
  const custom = patterns.filter((p): p is PlaceholderPattern => typeof p !== 'string');
  const linePatterns = [
    ...[...kinds].flatMap((k) => (k in LINE_PATTERNS ? [LINE_PATTERNS[k as keyof typeof LINE_PATTERNS]] : [])),
    // A global or sticky flag would make a shared RegExp stateful between lines.
    ...custom.map((p) => ({ ...p, regex: new RegExp(p.regex.source, p.regex.flags.replace(/[gy]/g, '')) })),
  ];

  const kindOfLine = (entry: PythonLine): string | undefined => {
    if (entry.magic) return undefined;
    if (kinds.has('ellipsis') && entry.valueEllipses.length > 0) return 'ellipsis';
    for (const pattern of linePatterns) {
      if (matchesPattern(entry, pattern)) return pattern.label;
    }
    return undefined;
  };

  const found: { line: number; text: string; kind: string }[] = [];
  lines.forEach((entry, index) => {
    const kind = kindOfLine(entry);
    if (kind !== undefined) {
      found.push({ line: entry.line, text: entry.text.trim(), kind });
      return;
    }
    if (kinds.has('your-code-here') && entry.comment !== undefined && YOUR_CODE_HERE.test(entry.comment)) {
      if (markerIsUnfilled(lines, index, kindOfLine)) found.push({ line: entry.line, text: entry.text.trim(), kind: 'your-code-here' });
    }
  });
  return found;
}

function matchesPattern(entry: PythonLine, pattern: PlaceholderPattern): boolean {
  const parts = pattern.in === 'code' ? [entry.code] : pattern.in === 'comment' ? [entry.comment] : [entry.code, entry.comment];
  return parts.some((part) => part !== undefined && pattern.regex.test(part));
}

/**
 * A marker is unfilled when its block holds no code after it: the next code line is
 * missing, dedented below the marker, or only a stand-in (`pass`). When the next code line
 * is itself a placeholder (`raise NotImplementedError()`), that line is the one reported.
 */
function markerIsUnfilled(
  lines: PythonLine[],
  markerIndex: number,
  kindOfLine: (entry: PythonLine) => string | undefined,
): boolean {
  const marker = lines[markerIndex] as PythonLine;
  if (marker.code.trim() !== '') return STAND_IN_CODE.test(marker.code);
  const next = lines.slice(markerIndex + 1).find((l) => !l.magic && l.code.trim() !== '');
  if (next === undefined) return true;
  if (kindOfLine(next) !== undefined) return false;
  if (next.indent >= 0 && marker.indent >= 0 && next.indent < marker.indent) return true;
  return STAND_IN_CODE.test(next.code);
}
