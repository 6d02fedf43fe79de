/**
 * Reading Markdown cells as prose: plain text without markup, words, paragraphs, and the
 * course's bold micro-headings (`**Question**: ...`).
 */

/** Markdown reduced to its words: no HTML tags, link targets, emphasis, heading or quote marks. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>\n]+>/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    // Emphasis first, so that `*2. a choice*` and `2. a choice` read the same.
    .replace(/(\*\*|__|\*|~~)/g, '')
    .replace(/(^|\s)_+|_+(?=\s|[.,;:!?)]|$)/gm, '$1')
    .split('\n')
    .map((line) => line.replace(/^\s*(?:#{1,6}\s+|>\s?)+/, '').replace(/^\s*(?:[-+]|\d+[.)])\s+/, ''))
    .join('\n')
    .replace(/`+/g, '');
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’_%-]*/gu;

/** The words of a text (letters and digits), lower-cased. */
export function words(text: string): string[] {
  return (text.match(WORD) ?? []).map((w) => w.toLowerCase());
}

/** Words of a Markdown text's prose. */
export function markdownWords(markdown: string): string[] {
  return words(plainText(markdown));
}

/** Paragraphs: runs of non-blank lines. */
export function paragraphs(markdown: string): string[] {
  return markdown
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** A paragraph's identity for comparing a submission with its starter: its words, in order. */
export function paragraphKey(paragraph: string): string {
  return markdownWords(paragraph).join(' ');
}

/**
 * The micro-heading a line opens with, e.g. `Question` for `**Question**: why?`,
 * `- **accuracy:** 93%` or `__Why__:`; undefined when it opens with none.
 */
export function microHeadingOf(line: string): string | undefined {
  const match = /^\s*(?:>\s*)*(?:(?:[-*+]|\d+[.)])\s+)?(\*\*|__)\s*([^*_\n:]{1,40}?)\s*(?::\s*\1|\1\s*:)/.exec(line);
  return match?.[2]?.trim();
}

/** A configured heading (`Question`, `**Question**:` or `**Question:**`) as its bare name. */
export function headingName(heading: string): string {
  return heading.replace(/[*_:]/g, '').trim();
}

/**
 * Whether a heading as written (`Question 2`, `question`) is the configured one (`Question`):
 * the same name, ignoring case, optionally numbered (`Question 2`, `Question 3b`, `Task (a)`).
 */
export function sameHeading(configured: string, written: string): boolean {
  const name = headingName(configured).toLowerCase();
  const actual = headingName(written).toLowerCase();
  if (actual === name) return true;
  return actual.startsWith(name) && /^\s+(?:\d+[a-z]?|[a-z]|\(\w+\))$/.test(actual.slice(name.length));
}

/** Multiset difference: the items of `a` left after removing one occurrence per item of `b`. */
export function wordsAdded(after: string[], before: string[]): string[] {
  const remaining = new Map<string, number>();
  for (const w of before) remaining.set(w, (remaining.get(w) ?? 0) + 1);
  const added: string[] = [];
  for (const w of after) {
    const left = remaining.get(w) ?? 0;
    if (left > 0) remaining.set(w, left - 1);
    else added.push(w);
  }
  return added;
}

/** Dice similarity of two word lists (as multisets), 0..1. */
export function similarity(a: string[], b: string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const common = a.length - wordsAdded(a, b).length;
  return (2 * common) / (a.length + b.length);
}
