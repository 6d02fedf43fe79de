/**
 * A line-by-line reading of Python cell source that knows where strings and comments are,
 * so static checks look only at code (a `...` inside a docstring or a `# return ...`
 * comment is not code). It is a lexer, not a parser: enough to separate code, strings and
 * comments, track brackets, and tell a subscript `a[..., 0]` from a value `...`.
 */

export interface PythonLine {
  /** 1-based line number within the cell. */
  line: number;
  /** The line as written. */
  text: string;
  /** The line's code with every string literal reduced to `""` and the comment removed. */
  code: string;
  /** The comment's text after `#`, when the line has one. */
  comment: string | undefined;
  /** Leading spaces (a tab counts as 4), or -1 when the line continues an open bracket or string. */
  indent: number;
  /** An IPython magic or shell line (`%matplotlib inline`, `!pip install ...`). */
  magic: boolean;
  /** 0-based columns of `...` used as a value: outside strings, comments and subscripts. */
  valueEllipses: number[];
}

type Bracket = 'paren' | 'brace' | 'list' | 'subscript';

/** Words after which `[` opens a list literal, not a subscript. */
const KEYWORDS_BEFORE_VALUE = new Set([
  'return', 'in', 'yield', 'and', 'or', 'not', 'if', 'elif', 'else', 'is', 'lambda', 'await',
  'assert', 'del', 'for', 'while', 'with', 'from', 'import', 'print', 'raise', 'case', 'match',
]);

const STRING_PREFIX = /(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])?(?:'''|"""|'|")/y;
const WORD = /\w+/y;

interface OpenString {
  quote: string;
  triple: boolean;
}

function measureIndent(text: string): number {
  let width = 0;
  for (const ch of text) {
    if (ch === ' ') width += 1;
    else if (ch === '\t') width += 4;
    else break;
  }
  return width;
}

/** Reads a Python cell into lines; tolerant of syntax errors (it never throws). */
export function readPythonLines(source: string): PythonLine[] {
  const lines = source.split(/\r?\n/);
  const result: PythonLine[] = [];
  const brackets: Bracket[] = [];
  let open: OpenString | undefined;
  /** The previous significant code token, to tell a subscript from a list literal. */
  let previous = '';
  let continued = false;

  lines.forEach((text, index) => {
    const startsInside = open !== undefined || brackets.length > 0 || continued;
    const trimmed = text.trimStart();
    const magic = !startsInside && /^[%!]/.test(trimmed);
    const entry: PythonLine = {
      line: index + 1,
      text,
      code: '',
      comment: undefined,
      indent: startsInside ? -1 : measureIndent(text),
      magic,
      valueEllipses: [],
    };
    result.push(entry);
    continued = false;
    if (magic) return;

    let code = '';
    let i = 0;
    if (open !== undefined) {
      const end = findStringEnd(text, 0, open);
      if (end < 0) {
        if (!open.triple && !text.endsWith('\\')) open = undefined;
        return;
      }
      code += '""';
      previous = '"';
      open = undefined;
      i = end;
    }
    while (i < text.length) {
      const ch = text[i] as string;
      if (ch === '#') {
        entry.comment = text.slice(i + 1);
        break;
      }
      STRING_PREFIX.lastIndex = i;
      const prefix = STRING_PREFIX.exec(text);
      if (prefix !== null) {
        const quoteText = prefix[0].replace(/^[rRbBuUfF]+/, '');
        const string: OpenString = { quote: quoteText[0] as string, triple: quoteText.length === 3 };
        const end = findStringEnd(text, i + prefix[0].length, string);
        code += '""';
        previous = '"';
        if (end < 0) {
          if (string.triple || text.endsWith('\\')) open = string;
          i = text.length;
          break;
        }
        i = end;
        continue;
      }
      if (text.startsWith('...', i)) {
        if (brackets[brackets.length - 1] !== 'subscript') entry.valueEllipses.push(i);
        code += '...';
        previous = '...';
        i += 3;
        continue;
      }
      if (ch === '(' || ch === '{' || ch === '[') {
        brackets.push(ch === '(' ? 'paren' : ch === '{' ? 'brace' : opensSubscript(previous) ? 'subscript' : 'list');
      } else if (ch === ')' || ch === '}' || ch === ']') {
        brackets.pop();
      }
      WORD.lastIndex = i;
      const word = WORD.exec(text);
      if (word !== null) {
        code += word[0];
        previous = word[0];
        i += word[0].length;
        continue;
      }
      code += ch;
      if (ch.trim() !== '') previous = ch;
      i += 1;
    }
    entry.code = code;
    if (entry.comment === undefined && /\\\s*$/.test(code)) continued = true;
  });
  return result;
}

function opensSubscript(previous: string): boolean {
  if (previous === '') return false;
  if (previous === ')' || previous === ']' || previous === '}' || previous === '"') return true;
  return /^\w+$/.test(previous) && !KEYWORDS_BEFORE_VALUE.has(previous);
}

/** Index just past the closing quote, or -1 when the string does not close on this line. */
function findStringEnd(text: string, from: number, string: OpenString): number {
  const closing = string.triple ? string.quote.repeat(3) : string.quote;
  let i = from;
  while (i < text.length) {
    if (text[i] === '\\') {
      i += 2;
      continue;
    }
    if (text.startsWith(closing, i)) return i + closing.length;
    i += 1;
  }
  return -1;
}
