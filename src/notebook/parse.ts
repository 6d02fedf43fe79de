/**
 * Bytes of an uploaded file → a validated nbformat 4 notebook, or a NotGradableError whose
 * one-line message tells the student what to fix.
 */
import type { z } from 'zod';
import { NotGradableError } from '../errors.js';
import { jsonErrorOffset } from './json-error.js';
import { findJsonShapeProblem } from './json-shape.js';
import { NotebookSchema, type Notebook } from './schema.js';

/** @defaultValue 20 MiB: notebooks with many plots reach a few MiB; more is almost always data saved into outputs. */
export const DEFAULT_MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024;

/** @defaultValue 5000: course notebooks have a few hundred cells at most. */
export const DEFAULT_MAX_NOTEBOOK_CELLS = 5000;

/** @defaultValue 64: nbformat itself nests about 6 deep; outputs holding JSON add some. */
export const DEFAULT_MAX_NOTEBOOK_DEPTH = 64;

export interface ParseNotebookOptions {
  /** Largest file accepted. @defaultValue {@link DEFAULT_MAX_NOTEBOOK_BYTES} */
  maxBytes?: number;
  /** Most cells accepted. @defaultValue {@link DEFAULT_MAX_NOTEBOOK_CELLS} */
  maxCells?: number;
  /** Deepest nesting of JSON objects and arrays accepted. @defaultValue {@link DEFAULT_MAX_NOTEBOOK_DEPTH} */
  maxDepth?: number;
}

/**
 * Error codes: `TOO_LARGE`, `EMPTY_FILE`, `NOT_UTF8` (binary or another text encoding),
 * `NOT_JSON`, `TOO_DEEP` (JSON nested deeper than `maxDepth`), `TOO_MANY_CELLS`,
 * `BAD_NOTEBOOK` (JSON but not nbformat), `OLD_NBFORMAT` (nbformat 1-3),
 * `UNSUPPORTED_NBFORMAT` (newer than 4), `EMPTY_NOTEBOOK` (no cells).
 */
export function parseNotebook(bytes: Uint8Array, fileName: string, options: ParseNotebookOptions = {}): Notebook {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_NOTEBOOK_BYTES;
  if (bytes.byteLength > maxBytes) {
    throw new NotGradableError(
      'TOO_LARGE',
      `${fileName} is ${formatSize(bytes.byteLength)}, over the ${formatSize(maxBytes)} limit; clear large outputs (Edit > Clear All Outputs, then Restart and Run All) and save again`,
    );
  }
  const text = decodeText(bytes, fileName);
  if (text.trim() === '') {
    throw new NotGradableError('EMPTY_FILE', `${fileName} is empty; upload the .ipynb file saved from Jupyter`);
  }
  const maxCells = options.maxCells ?? DEFAULT_MAX_NOTEBOOK_CELLS;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_NOTEBOOK_DEPTH;
  // Before JSON.parse: parsing and validating a notebook built to be huge is what costs.
  const problem = findJsonShapeProblem(text, { maxCells, maxDepth });
  if (problem?.kind === 'depth') throw tooDeep(fileName, maxDepth, lineAt(text, problem.offset));
  if (problem?.kind === 'cells') throw tooManyCells(fileName, maxCells);
  const json = parseJson(text, fileName);
  const cells = typeof json === 'object' && json !== null ? (json as { cells?: unknown }).cells : undefined;
  if (Array.isArray(cells) && cells.length > maxCells) throw tooManyCells(fileName, maxCells, cells.length);
  return validate(json, fileName);
}

function tooManyCells(fileName: string, maxCells: number, count?: number): NotGradableError {
  const has = count === undefined ? `more than ${maxCells} cells` : `${count} cells`;
  return new NotGradableError('TOO_MANY_CELLS', `${fileName} has ${has}; the limit is ${maxCells}: merge or delete empty cells and save again`);
}

function tooDeep(fileName: string, maxDepth: number, line: number): NotGradableError {
  return new NotGradableError(
    'TOO_DEEP',
    `${fileName} nests JSON more than ${maxDepth} levels deep (line ${line}), which Jupyter does not write; clear the outputs of that cell and save again`,
  );
}

const BINARY_SIGNATURES: { magic: number[]; what: string }[] = [
  { magic: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive' },
  { magic: [0x25, 0x50, 0x44, 0x46], what: 'a PDF file' },
  { magic: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { magic: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { magic: [0x1f, 0x8b], what: 'a gzip archive' },
];

function decodeText(bytes: Uint8Array, fileName: string): string {
  const signature = BINARY_SIGNATURES.find((s) => s.magic.every((b, i) => bytes[i] === b));
  if (signature !== undefined) {
    throw new NotGradableError('NOT_UTF8', `${fileName} is ${signature.what}, not a Jupyter notebook; upload the .ipynb file (in Jupyter: File > Download)`);
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new NotGradableError('NOT_UTF8', `${fileName} is saved as UTF-16 text; save it from Jupyter again (notebooks are UTF-8)`);
  }
  if (bytes.includes(0)) {
    throw new NotGradableError('NOT_UTF8', `${fileName} is a binary file, not a Jupyter notebook; upload the .ipynb file (in Jupyter: File > Download)`);
  }
  try {
    // ignoreBOM false: a UTF-8 byte order mark is stripped, as editors on Windows write one.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new NotGradableError('NOT_UTF8', `${fileName} is not UTF-8 text, so it is not a Jupyter notebook; save it from Jupyter again`, { cause });
  }
}

function parseJson(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const line = jsonErrorLine(text, cause);
    const where = line === undefined ? '' : ` (line ${line})`;
    const hint = text.trimStart().startsWith('{') ? '; if you edited it in a text editor, download it again from Jupyter' : '';
    throw new NotGradableError('NOT_JSON', `${fileName} is not a Jupyter notebook: it is not valid JSON${where}${hint}`, { cause });
  }
}

/** The 1-based line where the JSON goes wrong: our own validator, else V8's "at position N". */
function jsonErrorLine(text: string, error: unknown): number | undefined {
  const offset = jsonErrorOffset(text);
  if (offset !== undefined) return lineAt(text, offset);
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message);
  return position?.[1] === undefined ? undefined : lineAt(text, Number(position[1]));
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

function validate(json: unknown, fileName: string): Notebook {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new NotGradableError('BAD_NOTEBOOK', `${fileName} is JSON but not a Jupyter notebook (it is not a JSON object); upload the .ipynb file saved from Jupyter`);
  }
  const version = (json as Record<string, unknown>).nbformat;
  if (version === undefined) {
    throw new NotGradableError('BAD_NOTEBOOK', `${fileName} is JSON but not a Jupyter notebook (it has no "nbformat" field); upload the .ipynb file saved from Jupyter`);
  }
  if (typeof version === 'number' && Number.isInteger(version) && version < 4) {
    throw new NotGradableError('OLD_NBFORMAT', `${fileName} is saved as nbformat ${version}; open it in Jupyter and save it again (File > Save) to convert to nbformat 4`);
  }
  if (typeof version === 'number' && Number.isInteger(version) && version > 4) {
    throw new NotGradableError('UNSUPPORTED_NBFORMAT', `${fileName} is saved as nbformat ${version}, which this grader cannot read yet; save it as nbformat 4 (File > Save in current Jupyter)`);
  }
  const parsed = NotebookSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    throw new NotGradableError('BAD_NOTEBOOK', `${fileName} is not a valid Jupyter notebook: ${describeIssue(issue, json)}; save it from Jupyter again`);
  }
  if (parsed.data.cells.length === 0) {
    throw new NotGradableError('EMPTY_NOTEBOOK', `${fileName} has no cells; upload the notebook with your work in it`);
  }
  return parsed.data;
}

/** `cell 4, output 1: field "name" is missing` from a zod issue. */
function describeIssue(issue: z.core.$ZodIssue, json: unknown): string {
  const path = issue.path;
  const location: string[] = [];
  const fields: string[] = [];
  for (let i = 0; i < path.length; i += 1) {
    const key = path[i];
    const next = path[i + 1];
    if ((key === 'cells' || key === 'outputs') && typeof next === 'number') {
      location.push(`${key === 'cells' ? 'cell' : 'output'} ${next + 1}`);
      i += 1;
    } else {
      fields.push(String(key));
    }
  }
  const value = valueAt(json, path);
  const field = fields.length > 0 ? `field "${fields.join('.')}"` : 'the notebook';
  let problem: string;
  if (issue.code === 'invalid_union' && 'discriminator' in issue && typeof issue.discriminator === 'string') {
    const allowed = 'options' in issue && Array.isArray(issue.options) ? issue.options.join(', ') : '';
    problem = value === undefined ? `has no "${issue.discriminator}"` : `has ${issue.discriminator} ${JSON.stringify(value)}, which nbformat 4 does not have (it has ${allowed})`;
    return `${[...location].join(', ')} ${problem}`.trim();
  }
  if (value === undefined && issue.code === 'invalid_type') {
    problem = `${field} is missing`;
  } else if (issue.code === 'invalid_type') {
    problem = `${field} should be ${article(issue.expected)}, not ${kindOf(value)}`;
  } else if (issue.code === 'invalid_union') {
    problem = `${field} should be text or a list of lines, not ${kindOf(value)}`;
  } else {
    problem = `${field}: ${issue.message}`;
  }
  return location.length > 0 ? `${location.join(', ')}: ${problem}` : problem;
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = json;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function article(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object' || expected === 'record') return 'an object';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
