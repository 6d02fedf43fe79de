/**
 * Judging one question's answer: the Markdown the student wrote in the question's region
 * (and into the question cell itself), or, failing that, prose in code comments there.
 */
import { cellSource } from '../cells.js';
import { markdownWords, wordsAdded } from '../markdown.js';
import { readPythonLines } from '../python-lines.js';
import type { Notebook } from '../schema.js';
import { PLACEHOLDER_LEFT_CREDIT, type NarrativeOptions } from './options.js';
import type { AnswerStatus, MarkdownCellInfo, QuestionResult, Site } from './types.js';
import { messageFor } from './wording.js';

export interface JudgingContext {
  /** Submission cells that are the starter's anchors: their text is the instructor's. */
  anchorsClaimed: Set<number>;
  /** Comments of the starter's code (never the student's answer); undefined without a starter. */
  starterComments: Set<string> | undefined;
}

/** A comment that only points at where code goes (`# your code here`) is no answer. */
const CODE_MARKER = /\by(?:ou|o|u)?r\s+code\b/;

export function judgeSite(
  notebook: Notebook,
  sub: Map<number, MarkdownCellInfo>,
  site: Site,
  opts: NarrativeOptions,
  context: JudgingContext,
): QuestionResult {
  const base = { number: site.number, label: site.label, starterCellIndex: site.starterCellIndex, cellIndex: site.questionCell, matchedBy: site.matchedBy };
  if (site.region === undefined) {
    return { ...base, status: 'not-found', credit: 0, message: messageFor(site.number, site.label, 'not-found', {}), answerFirstLine: undefined };
  }
  let answerWords: string[] = [];
  let placeholder: string | undefined;
  const commentWords: string[] = [];
  let comment: { cellIndex: number; text: string } | undefined;
  let marked = false;
  let answerFirstLine: { cellIndex: number; text: string } | undefined;

  if (site.questionCell !== undefined && site.starterText !== undefined) {
    const info = sub.get(site.questionCell);
    if (info !== undefined) {
      placeholder ??= info.placeholderLines[0]?.trim();
      const added = wordsAdded(info.restWords, markdownWords(site.starterText));
      answerWords.push(...added);
      marked = added.length === 0 && emphasisAdded(info.text, site.starterText);
    }
  }
  for (let k = site.region[0]; k < site.region[1]; k += 1) {
    const cell = notebook.cells[k];
    if (cell === undefined) continue;
    const info = sub.get(k);
    if (info !== undefined) {
      if (context.anchorsClaimed.has(k)) continue;
      placeholder ??= info.placeholderLines[0]?.trim();
      answerWords = answerWords.concat(info.restWords);
      const first = info.rest.split('\n').find((l) => markdownWords(l).length > 0);
      if (answerFirstLine === undefined && first !== undefined) answerFirstLine = { cellIndex: k, text: first.trim() };
    } else if (cell.cell_type === 'code') {
      const lines = readPythonLines(cellSource(cell));
      const commentOnly = lines.every((l) => l.code.trim() === '' || l.magic);
      if (context.starterComments === undefined && !commentOnly) continue;
      for (const line of lines) {
        if (line.comment === undefined) continue;
        const key = markdownWords(line.comment).join(' ');
        if (key === '' || context.starterComments?.has(key) || CODE_MARKER.test(key)) continue;
        commentWords.push(...key.split(' '));
        comment ??= { cellIndex: k, text: line.comment.trim() };
      }
    }
  }

  let status: AnswerStatus;
  if (answerWords.length >= opts.minAnswerWords || marked) status = placeholder === undefined ? 'answered' : 'answered-placeholder-left';
  else if (commentWords.length >= opts.minAnswerWords) status = 'code-comment';
  else if (answerWords.length > 0) status = 'trivial';
  else if (placeholder !== undefined) status = 'placeholder-left';
  else status = 'missing';
  const credit = status === 'answered' ? 1 : status === 'answered-placeholder-left' ? PLACEHOLDER_LEFT_CREDIT : 0;
  return {
    ...base,
    status,
    credit,
    message: messageFor(site.number, site.label, status, { placeholder: placeholder ?? '', answer: answerWords.join(' '), comment }),
    answerFirstLine: status === 'answered' || status === 'answered-placeholder-left' ? answerFirstLine : undefined,
    ...(status === 'code-comment' && comment !== undefined ? { commentCellIndex: comment.cellIndex } : {}),
  };
}

/** A question left with its placeholder, read from the submission alone (no starter). */
export function placeholderLeft(site: Site, placeholder: string): QuestionResult {
  return {
    number: site.number,
    label: site.label,
    status: 'placeholder-left',
    credit: 0,
    starterCellIndex: site.starterCellIndex,
    cellIndex: site.questionCell,
    matchedBy: site.matchedBy,
    message: messageFor(site.number, site.label, 'placeholder-left', { placeholder }),
    answerFirstLine: undefined,
  };
}

/** The student bolded or italicised part of the question (a choice in a multiple-choice list). */
function emphasisAdded(after: string, before: string): boolean {
  const tokens = (s: string) => s.split(/\s+/).filter((t) => t !== '');
  return wordsAdded(tokens(after), tokens(before)).some((t) => /[*_]/.test(t));
}

export function commentKeys(notebook: Notebook): Set<string> {
  const keys = new Set<string>();
  for (const cell of notebook.cells) {
    if (cell.cell_type !== 'code') continue;
    for (const line of readPythonLines(cellSource(cell))) {
      if (line.comment !== undefined) keys.add(markdownWords(line.comment).join(' '));
    }
  }
  return keys;
}
