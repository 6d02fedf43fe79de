/**
 * How the narrative analysis words a question for the student: its label (the first
 * sentence of the question) and one sentence per answer status.
 */
import { shorten } from '../cells.js';
import { microHeadingOf, paragraphs, sameHeading } from '../markdown.js';
import { LABEL_MAX_CHARS, LABEL_SHORTENED_CHARS } from './options.js';
import type { AnswerStatus } from './types.js';

export function messageFor(
  number: number,
  label: string,
  status: AnswerStatus,
  detail: { placeholder?: string; answer?: string; comment?: { cellIndex: number; text: string } },
): string {
  const name = label === '' ? `Question ${number}` : `Question ${number} ("${label}")`;
  switch (status) {
    case 'answered':
      return '';
    case 'answered-placeholder-left':
      return `${name} has an answer, but the placeholder "${detail.placeholder}" is still there; delete it.`;
    case 'placeholder-left':
      return `${name} is unanswered: the placeholder "${detail.placeholder}" is still there; replace it with your answer in Markdown.`;
    case 'trivial':
      return `${name} has only a very short answer ("${shorten(detail.answer ?? '', 40)}"); explain your answer in a sentence or more.`;
    case 'code-comment': {
      const where = detail.comment === undefined ? '' : ` (cell ${detail.comment.cellIndex + 1}: "${shorten(detail.comment.text, 50)}")`;
      return `${name} is answered in a code comment${where}; answers count in a Markdown cell: move it into one below the question.`;
    }
    case 'missing':
      return `${name} is unanswered; add a Markdown cell with your answer below it.`;
    case 'not-found':
      return `${name} is not in your notebook any more; keep the question cells of the starter notebook and answer below each.`;
  }
}

/**
 * The first words of a question: the paragraph a question micro-heading opens (without the
 * heading), else the cell's last paragraph; of it, the first sentence, shortened when long.
 */
export function questionLabel(markdown: string, questionHeadings: string[]): string {
  const paras = paragraphs(markdown);
  const headed = paras.find((p) => {
    const h = microHeadingOf(p);
    return h !== undefined && questionHeadings.some((q) => sameHeading(q, h));
  });
  const chosen = headed ?? paras[paras.length - 1] ?? '';
  const withoutHeading = headed === undefined ? chosen : chosen.replace(/^\s*(?:>\s*)*(?:(?:[-*+]|\d+[.)])\s+)?(\*\*|__)[^*_\n]*?(?::\s*\1|\1\s*:)\s*/, '');
  const text = withoutHeading
    .split('\n')
    .map((l) => l.replace(/^\s*(?:#{1,6}\s+|>\s?)+/, '').replace(/^\s*(?:[-*+]|\d+[.)])\s+/, ''))
    .join(' ')
    .replace(/\*\*|__|(?<![\w`])[*_]|[*_](?![\w`])/g, '')
    .replace(/\\([#*_`])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  const sentence = splitSentences(text)[0] ?? '';
  return sentence.length <= LABEL_MAX_CHARS ? sentence : shorten(sentence, LABEL_SHORTENED_CHARS);
}

/** Sentences ending in `?`, `.` or `!` followed by a space, ignoring those inside inline code. */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let inCode = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '`') inCode = !inCode;
    else if (!inCode && (ch === '?' || ch === '.' || ch === '!') && (i + 1 === text.length || text[i + 1] === ' ')) {
      sentences.push(text.slice(start, i + 1).trim());
      start = i + 1;
    }
  }
  const rest = text.slice(start).trim();
  if (rest !== '') sentences.push(rest);
  return sentences;
}
