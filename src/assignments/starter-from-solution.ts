/**
 * The student starter made from an instructor's solution notebook, with the course's
 * markers (../shared/examples/course/README.md) and nbgrader's:
 *
 * - a commented starter line followed by the answer (`# return ...` then `return x / s`)
 *   becomes the starter line (`return ...`);
 * - `# your code here` followed by the answer: the answer is dropped, the marker stays (inside
 *   an indented block, the lines indented as deep as the marker; at top level, the rest of
 *   the cell);
 * - `#-out` at the end of a line: the text before it stays, the rest of the cell is dropped;
 * - `# your code here <<EOF` ... `# EOF`, `# FIXME <<END` ... `# END`: the body is dropped,
 *   the opening marker stays without its `<<EOF`;
 * - nbgrader's `### BEGIN SOLUTION` ... `### END SOLUTION`: replaced by
 *   `# YOUR CODE HERE` / `raise NotImplementedError()` (in Markdown, `YOUR ANSWER HERE`).
 *
 * Everything else (outputs, execution counts, metadata, Markdown) is kept as the instructor
 * saved it, as the course's own tool does.
 */

export interface RawCell {
  cell_type: string;
  source: string | string[];
  [key: string]: unknown;
}

export interface RawNotebook {
  cells: RawCell[];
  [key: string]: unknown;
}

export interface SolutionFunction {
  name: string;
  /** Parameters without a default value, in order. */
  params: string[];
  /** Index of the cell defining it. */
  cell: number;
}

export interface StarterResult {
  starter: RawNotebook;
  /** Top-level functions defined in the cells the markers changed: the contract candidates. */
  functions: SolutionFunction[];
  /** Indices of the cells whose source changed. */
  changedCells: number[];
}

const YOUR_CODE_HERE = /^#\s*your code here\b/i;
const OUT_MARKER = /\s*#-out\s*$/;
const BLOCK_OPEN = /^(\s*)(#.*?)\s*<<\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/;
const NBGRADER_BEGIN = /^(\s*)###\s*BEGIN SOLUTION\s*$/;
const NBGRADER_END = /^\s*###\s*END SOLUTION\s*$/;
const COMMENTED_STARTER = /^(\s*)#\s?(.*\.\.\..*)$/;

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** The first word of a line of code (`return`, `x`, `y_hat`), to pair a commented starter line with its answer. */
function leadingToken(code: string): string | undefined {
  return /^\s*([A-Za-z_][A-Za-z0-9_.]*)/.exec(code)?.[1];
}

function isCode(line: string): boolean {
  const t = line.trim();
  return t !== '' && !t.startsWith('#');
}

function starterCode(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const nb = NBGRADER_BEGIN.exec(line);
    if (nb) {
      const indent = nb[1]!;
      out.push(`${indent}# YOUR CODE HERE`, `${indent}raise NotImplementedError()`);
      while (i + 1 < lines.length && !NBGRADER_END.test(lines[i + 1]!)) i++;
      i++;
      continue;
    }
    const block = BLOCK_OPEN.exec(line);
    if (block) {
      const terminator = new RegExp(`^\\s*#\\s*${block[3]}\\s*$`);
      out.push(`${block[1]}${block[2]}`);
      while (i + 1 < lines.length && !terminator.test(lines[i + 1]!)) i++;
      i++;
      continue;
    }
    if (OUT_MARKER.test(line) && line.includes('#-out')) {
      const kept = line.replace(OUT_MARKER, '');
      if (kept.trim() !== '') out.push(kept);
      break;
    }
    const trimmed = line.trimStart();
    if (YOUR_CODE_HERE.test(trimmed)) {
      out.push(line);
      const depth = indentOf(line);
      // At top level the answer is the rest of the cell; in a block, what is indented as deep.
      while (i + 1 < lines.length && (depth === 0 || lines[i + 1]!.trim() === '' || indentOf(lines[i + 1]!) >= depth)) i++;
      continue;
    }
    const commented = COMMENTED_STARTER.exec(line);
    const next = lines[i + 1];
    if (commented && next !== undefined && isCode(next) && indentOf(next) === commented[1]!.length
      && leadingToken(commented[2]!) !== undefined && leadingToken(commented[2]!) === leadingToken(next)) {
      out.push(`${commented[1]}${commented[2]}`);
      i++;
      continue;
    }
    out.push(line);
  }
  return out;
}

function starterMarkdown(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (NBGRADER_BEGIN.test(lines[i]!)) {
      out.push('YOUR ANSWER HERE');
      while (i + 1 < lines.length && !NBGRADER_END.test(lines[i + 1]!)) i++;
      i++;
      continue;
    }
    out.push(lines[i]!);
  }
  return out;
}

function sourceText(source: string | string[]): string {
  return Array.isArray(source) ? source.join('') : source;
}

/** Back to the form the notebook stored it in (a list of lines keeps its newlines, the last without). */
function storedAs(original: string | string[], text: string): string | string[] {
  if (!Array.isArray(original)) return text;
  if (text === '') return [];
  const parts = text.split('\n');
  return parts.map((part, i) => (i < parts.length - 1 ? `${part}\n` : part)).filter((part) => part !== '');
}

/** Top-level `def name(params):` in a cell's code. */
export function definedFunctions(code: string): { name: string; params: string[] }[] {
  const found: { name: string; params: string[] }[] = [];
  for (const match of code.matchAll(/^def\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)/gm)) {
    const params = match[2]!.split(',').map((p) => p.trim()).filter((p) => p && !p.includes('=') && !p.startsWith('*') && p !== '/')
      .map((p) => p.split(':')[0]!.trim());
    found.push({ name: match[1]!, params });
  }
  return found;
}

export function starterFromSolution(solution: RawNotebook): StarterResult {
  const functions: SolutionFunction[] = [];
  const changedCells: number[] = [];
  const cells = solution.cells.map((cell, index) => {
    const text = sourceText(cell.source);
    const lines = text.split('\n');
    const transformed = (cell.cell_type === 'code' ? starterCode(lines) : starterMarkdown(lines)).join('\n');
    if (transformed === text) return cell;
    changedCells.push(index);
    if (cell.cell_type === 'code') {
      for (const fn of definedFunctions(text)) {
        if (!functions.some((f) => f.name === fn.name)) functions.push({ ...fn, cell: index });
      }
    }
    return { ...cell, source: storedAs(cell.source, transformed) };
  });
  return { starter: { ...solution, cells }, functions, changedCells };
}
