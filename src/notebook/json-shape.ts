/**
 * A quick look at a notebook's JSON text before it is parsed: how deep it nests and how
 * many cells it has, stopping at the first limit crossed. JSON.parse and validation of a
 * notebook with a quarter of a million cells take seconds of the event loop; this scan
 * refuses it after reading the first few thousand cells.
 *
 * It is a fast path, not the rule: a key written with escapes (`"c\u0065lls"`) hides the
 * cell list from it, so the parser counts cells again after parsing.
 */

export interface JsonShapeLimits {
  maxDepth: number;
  maxCells: number;
}

export type JsonShapeProblem = { kind: 'depth'; offset: number } | { kind: 'cells'; count: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The first limit the text crosses, or undefined (also for text that is not JSON: the parser says why). */
export function findJsonShapeProblem(text: string, limits: JsonShapeLimits): JsonShapeProblem | undefined {
  let depth = 0;
  let keyStart = 0;
  let keyEnd = 0;
  let valueIsCells = false;
  let inCells = false;
  let cells = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (end === -1) return undefined;
      if (depth === 1) {
        keyStart = i + 1;
        keyEnd = end;
      }
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > limits.maxDepth) return { kind: 'depth', offset: i };
      if (depth === 2 && c === OPEN_BRACKET && valueIsCells) {
        inCells = true;
      } else if (depth === 3 && c === OPEN_BRACE && inCells) {
        cells++;
        if (cells > limits.maxCells) return { kind: 'cells', count: cells };
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 2) inCells = false;
      depth--;
    } else if (c === COLON && depth === 1) {
      valueIsCells = keyEnd - keyStart === 5 && text.startsWith('cells', keyStart);
    }
  }
  return undefined;
}

/** Index of the quote closing the string that opens at `start`; -1 when it never closes. */
function closingQuote(text: string, start: number): number {
  let j = start + 1;
  for (;;) {
    j = text.indexOf('"', j);
    if (j === -1) return -1;
    let backslashes = 0;
    for (let k = j - 1; text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return j;
    j++;
  }
}
