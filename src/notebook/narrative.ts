/**
 * The narrative analysis (DESIGN.md section 4, check kind "narrative"): does the notebook
 * answer its questions in Markdown and tell its story between the code?
 *
 * With the starter notebook, the questions are the starter's: every answer placeholder
 * (`*your answer here*`) and every paragraph opening with a question micro-heading
 * (`**Question**:`). Each is found again in the submission by nbformat cell id, falling
 * back to the text of the question cell, and the cells after it (up to the next starter
 * cell) hold the answer. Text the starter already had never counts as the student's.
 * Without a starter the submission's own placeholders and question headings are used.
 */
import { cellSource, isBlank, shorten } from './cells.js';
import {
  headingName,
  markdownWords,
  microHeadingOf,
  paragraphKey,
  paragraphs,
  plainText,
  sameHeading,
  similarity,
  wordsAdded,
} from './markdown.js';
import { readPythonLines } from './python-lines.js';
import type { Notebook } from './schema.js';

export interface NarrativeOptions {
  /** Markdown cells with text of the student's own. 0 turns the requirement off. @defaultValue 3 */
  minMarkdownCells: number;
  /** Longest run of non-blank code cells without Markdown between. 0 turns it off. @defaultValue 4 */
  maxCodeCellsInARow: number;
  /** The course's micro-headings, by name (`Task`) or as written (`**Task**:`). */
  microHeadings: string[];
  /**
   * `true`: every response (each question's Markdown answer; without questions, each
   * Markdown cell of the student's own) opens with one of `microHeadings`. A list: each of
   * these headings opens at least one line of the student's own Markdown (e.g. `['accuracy']`
   * for a report that must state `**accuracy**: ...`). `false` or `[]`: not required.
   * @defaultValue false
   */
  requireMicroHeadings: boolean | string[];
  /** Micro-headings that mark a question needing a Markdown answer. @defaultValue ['Question'] */
  questionHeadings: string[];
  /**
   * Answer placeholders. A string matches a Markdown line whose text starts with it, ignoring
   * case and emphasis (`your answer here` matches `*Your answer here*` and `YOUR ANSWER HERE`);
   * a RegExp is tested on the trimmed line as written and on its plain text (no emphasis).
   */
  answerPlaceholders: (string | RegExp)[];
  /** The value of a random seed set in code must not appear in the narrative. @defaultValue true */
  seedNotInNarrative: boolean;
  /** Fewer words than this is a trivial answer. @defaultValue 3 */
  minAnswerWords: number;
}

export const DEFAULT_MICRO_HEADINGS: readonly string[] = Object.freeze(['Task', 'Question', 'Exercise', 'Your turn', 'Why']);
export const DEFAULT_ANSWER_PLACEHOLDERS: readonly string[] = Object.freeze(['your answer here', 'your response here', 'your answer goes here']);

export const DEFAULT_NARRATIVE_OPTIONS: Readonly<NarrativeOptions> = Object.freeze({
  minMarkdownCells: 3,
  maxCodeCellsInARow: 4,
  microHeadings: [...DEFAULT_MICRO_HEADINGS],
  requireMicroHeadings: false,
  questionHeadings: ['Question'],
  answerPlaceholders: [...DEFAULT_ANSWER_PLACEHOLDERS],
  seedNotInNarrative: true,
  minAnswerWords: 3,
});

/**
 * - `answered`: a Markdown answer of at least `minAnswerWords` words (or a choice marked in
 *   a multiple-choice question);
 * - `answered-placeholder-left`: answered, but the placeholder is still there (half credit);
 * - `placeholder-left`: the placeholder is there and nothing else;
 * - `trivial`: a Markdown answer shorter than `minAnswerWords` words;
 * - `code-comment`: no Markdown answer, but prose in code comments after the question;
 * - `missing`: nothing after the question;
 * - `not-found`: the question's cell is gone from the submission.
 */
export type AnswerStatus = 'answered' | 'answered-placeholder-left' | 'placeholder-left' | 'trivial' | 'code-comment' | 'missing' | 'not-found';

export interface QuestionResult {
  /** 1-based, in notebook order. */
  number: number;
  /** The first words of the question. */
  label: string;
  status: AnswerStatus;
  /** 1 answered, 0.5 answered with the placeholder left, else 0. */
  credit: number;
  /** The question's cell in the starter (or the submission, without a starter). */
  starterCellIndex: number;
  /** Where the question is in the submission, when found. */
  cellIndex: number | undefined;
  /** One sentence for the student; empty when answered. */
  message: string;
  /** The first line of its Markdown answer, when it has one in a cell of its own. */
  answerFirstLine: { cellIndex: number; text: string } | undefined;
}

export interface CodeRun {
  firstCellIndex: number;
  lastCellIndex: number;
  length: number;
}

export interface SeedSetting {
  value: string;
  cellIndex: number;
  /** The line of code that sets it. */
  text: string;
}

export interface SeedMention {
  value: string;
  cellIndex: number;
  /** The Markdown line that mentions it. */
  text: string;
}

export interface NarrativeAnalysis {
  usedStarter: boolean;
  questions: QuestionResult[];
  /** Markdown cells holding text of the student's own (with a starter), or all non-blank Markdown cells. */
  studentMarkdownCells: number;
  codeRunsTooLong: CodeRun[];
  /** Micro-headings opening a line of the student's own Markdown, as written. */
  microHeadingsFound: string[];
  /** Required micro-headings not found; `unbolded` when written without the bold (`accuracy: 93%`). */
  missingMicroHeadings: { heading: string; unbolded: boolean }[];
  /**
   * With `requireMicroHeadings: true`: the responses checked, and those that do not open
   * with one of the micro-headings (the question's number, when it answers one).
   */
  responsesChecked: number;
  responsesWithoutMicroHeading: { questionNumber: number | undefined; cellIndex: number; text: string }[];
  seeds: SeedSetting[];
  seedMentions: SeedMention[];
}

interface MarkdownCellInfo {
  index: number;
  text: string;
  /** Lines that are answer placeholders, as written. */
  placeholderLines: string[];
  /** The text without placeholder lines. */
  rest: string;
  restWords: string[];
  /** A question micro-heading opens one of its lines. */
  questionHeading: boolean;
}

interface Site {
  number: number;
  label: string;
  starterCellIndex: number;
  /** Submission cells [start, end) that may hold the answer. */
  region: [number, number] | undefined;
  /** The question cell in the submission, for answers written into it. */
  questionCell: number | undefined;
  /** The starter's text of the question cell, to see what the student added to it. */
  starterText: string | undefined;
}

export function analyzeNarrative(
  notebook: Notebook,
  starter: Notebook | undefined,
  options: Partial<NarrativeOptions> = {},
): NarrativeAnalysis {
  const opts: NarrativeOptions = { ...DEFAULT_NARRATIVE_OPTIONS, ...options };
  const isPlaceholder = placeholderMatcher(opts.answerPlaceholders);
  const questionHeading = (line: string): boolean => {
    const heading = microHeadingOf(line);
    return heading !== undefined && opts.questionHeadings.some((q) => sameHeading(q, heading));
  };
  const sub = describeMarkdown(notebook, isPlaceholder, questionHeading);
  const starterLineKeys = starter === undefined ? undefined : markdownLineKeys(starter);
  const studentLines = ownMarkdownLines(notebook, starterLineKeys, isPlaceholder);

  const questions =
    starter === undefined
      ? questionsWithoutStarter(notebook, sub, opts)
      : questionsFromStarter(notebook, starter, sub, describeMarkdown(starter, isPlaceholder, questionHeading), opts);

  const headingsFound = [...new Set(studentLines.flatMap((l) => microHeadingOf(l.text) ?? []))];
  const required = Array.isArray(opts.requireMicroHeadings) ? opts.requireMicroHeadings : [];
  const missingMicroHeadings = required
    .filter((heading) => !headingsFound.some((found) => sameHeading(heading, found)))
    .map((heading) => ({
      heading: headingName(heading),
      unbolded: studentLines.some((l) => new RegExp(`^\\s*(?:[-*+>]\\s*)?${escapeRegExp(headingName(heading))}\\s*:`, 'i').test(l.text)),
    }));

  const responses = opts.requireMicroHeadings === true ? responsesToCheck(questions, studentLines) : [];
  const opensWithHeading = (text: string): boolean => {
    const h = microHeadingOf(text);
    return h !== undefined && (opts.microHeadings.length === 0 || opts.microHeadings.some((m) => sameHeading(m, h)));
  };

  const seeds = opts.seedNotInNarrative ? findSeeds(notebook) : [];
  return {
    usedStarter: starter !== undefined,
    questions,
    studentMarkdownCells: new Set(studentLines.map((l) => l.cellIndex)).size,
    codeRunsTooLong: codeRuns(notebook).filter((r) => opts.maxCodeCellsInARow > 0 && r.length > opts.maxCodeCellsInARow),
    microHeadingsFound: headingsFound,
    missingMicroHeadings,
    responsesChecked: responses.length,
    responsesWithoutMicroHeading: responses.filter((r) => !opensWithHeading(r.text)),
    seeds,
    seedMentions: findSeedMentions(seeds, studentLines),
  };
}

/** Each question's Markdown answer; without questions, each Markdown cell of the student's own. */
function responsesToCheck(questions: QuestionResult[], lines: OwnLine[]): { questionNumber: number | undefined; cellIndex: number; text: string }[] {
  if (questions.length > 0) {
    return questions.flatMap((q) => (q.answerFirstLine === undefined ? [] : [{ questionNumber: q.number, ...q.answerFirstLine }]));
  }
  const firstLines = new Map<number, string>();
  for (const line of lines) if (!firstLines.has(line.cellIndex)) firstLines.set(line.cellIndex, line.text);
  return [...firstLines].map(([cellIndex, text]) => ({ questionNumber: undefined, cellIndex, text }));
}

function placeholderMatcher(patterns: (string | RegExp)[]): (line: string) => boolean {
  const prefixes = patterns.filter((p): p is string => typeof p === 'string').map((p) => markdownWords(p).join(' ')).filter((p) => p !== '');
  const regexes = patterns.filter((p): p is RegExp => p instanceof RegExp).map((r) => new RegExp(r.source, r.flags.replace(/[gy]/g, '')));
  return (line) => {
    const key = markdownWords(line).join(' ');
    if (key === '') return false;
    return prefixes.some((p) => key === p || key.startsWith(`${p} `)) || regexes.some((r) => r.test(line.trim()) || r.test(plainText(line).trim()));
  };
}

function describeMarkdown(
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
function isAnchor(info: MarkdownCellInfo | undefined): info is MarkdownCellInfo {
  return info !== undefined && info.restWords.length > 0;
}

// ---------------------------------------------------------------------------------------
// Questions, with a starter

function questionsFromStarter(
  notebook: Notebook,
  starter: Notebook,
  sub: Map<number, MarkdownCellInfo>,
  start: Map<number, MarkdownCellInfo>,
  opts: NarrativeOptions,
): QuestionResult[] {
  const matches = alignToStarter(notebook, starter, sub, start);
  const anchorsClaimed = new Set<number>();
  for (const [i, info] of start) {
    const m = matches[i];
    if (isAnchor(info) && m !== undefined) anchorsClaimed.add(m);
  }
  const starterComments = commentKeys(starter);
  const boundaries = [...start.values()].filter((info) => info.restWords.length > 0 || info.placeholderLines.length > 0).map((info) => info.index);

  const sites: Site[] = [];
  for (const [i, info] of start) {
    let questionIndex: number | undefined;
    let placeholderIndex: number | undefined;
    if (info.placeholderLines.length > 0) {
      placeholderIndex = i;
      questionIndex = isAnchor(info) ? i : precedingAnchor(start, i);
    } else if (info.questionHeading) {
      const next = boundaries.find((b) => b > i);
      const answerSlots = [...start.values()].filter((c) => c.index > i && (next === undefined || c.index <= next) && c.placeholderLines.length > 0 && !isAnchor(c));
      if (answerSlots.length > 0) continue; // the placeholder after it is the question's answer slot
      questionIndex = i;
    } else {
      continue;
    }
    const last = Math.max(questionIndex ?? -1, placeholderIndex ?? -1);
    const questionCell = questionIndex === undefined ? undefined : matches[questionIndex];
    const placeholderCell = placeholderIndex === undefined || placeholderIndex === questionIndex ? undefined : matches[placeholderIndex];
    let region: [number, number] | undefined;
    const firstCandidates = [questionCell === undefined ? undefined : questionCell + 1, placeholderCell].filter((n): n is number => n !== undefined);
    if (firstCandidates.length > 0) {
      const from = Math.min(...firstCandidates);
      const bounds = boundaries.filter((b) => b > last).map((b) => matches[b]).filter((m): m is number => m !== undefined && m >= from);
      region = [from, bounds.length > 0 ? Math.min(...bounds) : notebook.cells.length];
    }
    const questionInfo = questionIndex === undefined ? undefined : start.get(questionIndex);
    sites.push({
      number: sites.length + 1,
      label: questionLabel(questionInfo?.rest ?? '', opts),
      starterCellIndex: questionIndex ?? i,
      region,
      questionCell,
      starterText: questionInfo?.text,
    });
  }
  return sites.map((site) => evaluateSite(notebook, sub, site, opts, { anchorsClaimed, starterComments }));
}

function precedingAnchor(cells: Map<number, MarkdownCellInfo>, before: number): number | undefined {
  for (let i = before - 1; i >= 0; i -= 1) {
    if (isAnchor(cells.get(i))) return i;
  }
  return undefined;
}

/**
 * For each starter cell, the submission cell it became: by nbformat id first, then (for
 * Markdown cells with text) by the same words, then by the most similar words (Dice ≥ 0.6;
 * for a question cell holding its own placeholder, which the student is meant to extend,
 * ≥ 80% of its question's words kept), searching forward from the previous match before
 * looking anywhere else.
 */
function alignToStarter(
  notebook: Notebook,
  starter: Notebook,
  sub: Map<number, MarkdownCellInfo>,
  start: Map<number, MarkdownCellInfo>,
): (number | undefined)[] {
  const byId = new Map<string, number>();
  notebook.cells.forEach((cell, index) => {
    if (cell.id !== undefined && !byId.has(cell.id)) byId.set(cell.id, index);
  });
  const claimed = new Set<number>();
  const subWords = new Map([...sub].map(([i, info]) => [i, markdownWords(info.text)] as const));
  const subKeys = new Map([...subWords].map(([i, w]) => [i, w.join(' ')] as const));
  let cursor = -1;
  return starter.cells.map((cell, i) => {
    let match: number | undefined;
    const idMatch = cell.id === undefined ? undefined : byId.get(cell.id);
    if (idMatch !== undefined && notebook.cells[idMatch]?.cell_type === cell.cell_type && !claimed.has(idMatch)) {
      match = idMatch;
    } else if (isAnchor(start.get(i))) {
      const info = start.get(i) as MarkdownCellInfo;
      const words = markdownWords(cellSource(cell));
      const key = words.join(' ');
      const unclaimed = [...sub.keys()].filter((k) => !claimed.has(k));
      const ordered = [...unclaimed.filter((k) => k > cursor), ...unclaimed.filter((k) => k <= cursor)];
      match = ordered.find((k) => subKeys.get(k) === key);
      if (match === undefined) {
        const holdsPlaceholder = info.placeholderLines.length > 0;
        let best = holdsPlaceholder ? 0.8 : 0.6;
        for (const k of ordered) {
          const candidate = sub.get(k) as MarkdownCellInfo;
          const score = holdsPlaceholder ? containment(info.restWords, candidate.restWords) : similarity(words, subWords.get(k) ?? []);
          if (score > best + 1e-9) {
            best = score;
            match = k;
          }
        }
      }
    }
    if (match !== undefined) {
      claimed.add(match);
      cursor = match;
    }
    return match;
  });
}

/** The share of `part`'s words (as a multiset) found in `whole`. */
function containment(part: string[], whole: string[]): number {
  return part.length === 0 ? 0 : 1 - wordsAdded(part, whole).length / part.length;
}

function commentKeys(notebook: Notebook): Set<string> {
  const keys = new Set<string>();
  for (const cell of notebook.cells) {
    if (cell.cell_type !== 'code') continue;
    for (const line of readPythonLines(cellSource(cell))) {
      if (line.comment !== undefined) keys.add(markdownWords(line.comment).join(' '));
    }
  }
  return keys;
}

// ---------------------------------------------------------------------------------------
// Questions, without a starter

function questionsWithoutStarter(notebook: Notebook, sub: Map<number, MarkdownCellInfo>, opts: NarrativeOptions): QuestionResult[] {
  const results: QuestionResult[] = [];
  const breaksRegion = (i: number): boolean => {
    const info = sub.get(i);
    if (info === undefined) return false;
    if (info.placeholderLines.length > 0 || info.questionHeading) return true;
    return info.text.split('\n').some((l) => /^\s*#{1,6}\s/.test(l) || microHeadingOf(l) !== undefined);
  };
  for (const [i, info] of sub) {
    if (info.placeholderLines.length > 0) {
      const questionIndex = isAnchor(info) ? i : precedingAnchor(sub, i);
      const label = questionLabel(questionIndex === undefined ? '' : (sub.get(questionIndex)?.rest ?? ''), opts);
      const number = results.length + 1;
      results.push({
        number,
        label,
        status: 'placeholder-left',
        credit: 0,
        starterCellIndex: i,
        cellIndex: i,
        message: messageFor(number, label, 'placeholder-left', { placeholder: info.placeholderLines[0]?.trim() ?? '' }),
        answerFirstLine: undefined,
      });
    } else if (info.questionHeading) {
      let end = i + 1;
      while (end < notebook.cells.length && !breaksRegion(end)) end += 1;
      const site: Site = {
        number: results.length + 1,
        label: questionLabel(info.rest, opts),
        starterCellIndex: i,
        region: [i + 1, end],
        questionCell: i,
        starterText: undefined,
      };
      results.push(evaluateSite(notebook, sub, site, opts, { anchorsClaimed: new Set(), starterComments: undefined }));
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------
// Judging one question

function evaluateSite(
  notebook: Notebook,
  sub: Map<number, MarkdownCellInfo>,
  site: Site,
  opts: NarrativeOptions,
  context: { anchorsClaimed: Set<number>; starterComments: Set<string> | undefined },
): QuestionResult {
  const base = { number: site.number, label: site.label, starterCellIndex: site.starterCellIndex, cellIndex: site.questionCell };
  if (site.region === undefined) {
    return { ...base, status: 'not-found', credit: 0, message: messageFor(site.number, site.label, 'not-found', {}), answerFirstLine: undefined };
  }
  let answerWords: string[] = [];
  let placeholder: string | undefined;
  const commentWords: string[] = [];
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
        if (key === '' || context.starterComments?.has(key) || /\by(?:ou|o|u)?r\s+code\b/.test(key)) continue;
        commentWords.push(...key.split(' '));
      }
    }
  }

  let status: AnswerStatus;
  if (answerWords.length >= opts.minAnswerWords || marked) status = placeholder === undefined ? 'answered' : 'answered-placeholder-left';
  else if (commentWords.length >= opts.minAnswerWords) status = 'code-comment';
  else if (answerWords.length > 0) status = 'trivial';
  else if (placeholder !== undefined) status = 'placeholder-left';
  else status = 'missing';
  const credit = status === 'answered' ? 1 : status === 'answered-placeholder-left' ? 0.5 : 0;
  return {
    ...base,
    status,
    credit,
    message: messageFor(site.number, site.label, status, { placeholder: placeholder ?? '', answer: answerWords.join(' ') }),
    answerFirstLine: status === 'answered' || status === 'answered-placeholder-left' ? answerFirstLine : undefined,
  };
}

/** The student bolded or italicised part of the question (a choice in a multiple-choice list). */
function emphasisAdded(after: string, before: string): boolean {
  const tokens = (s: string) => s.split(/\s+/).filter((t) => t !== '');
  return wordsAdded(tokens(after), tokens(before)).some((t) => /[*_]/.test(t));
}

function messageFor(number: number, label: string, status: AnswerStatus, detail: { placeholder?: string; answer?: string }): string {
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
    case 'code-comment':
      return `${name} is answered in a code comment; answer in a Markdown cell.`;
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
function questionLabel(markdown: string, opts: NarrativeOptions): string {
  const paras = paragraphs(markdown);
  const headed = paras.find((p) => {
    const h = microHeadingOf(p);
    return h !== undefined && opts.questionHeadings.some((q) => sameHeading(q, h));
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
  const sentences = splitSentences(text);
  const sentence = sentences[0] ?? '';
  return sentence.length <= 100 ? sentence : shorten(sentence, 70);
}

/** Sentences ending in `?`, `.` or `!` followed by a space, ignoring those inside inline code. */
function splitSentences(text: string): string[] {
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

// ---------------------------------------------------------------------------------------
// The student's own Markdown, code runs, seeds

interface OwnLine {
  cellIndex: number;
  text: string;
}

function markdownLineKeys(notebook: Notebook): Set<string> {
  const keys = new Set<string>();
  for (const cell of notebook.cells) {
    if (cell.cell_type !== 'markdown') continue;
    for (const line of cellSource(cell).split('\n')) keys.add(paragraphKey(line));
  }
  return keys;
}

/** Markdown lines the student wrote: not in the starter, not placeholders, with words in them. */
function ownMarkdownLines(notebook: Notebook, starterKeys: Set<string> | undefined, isPlaceholder: (line: string) => boolean): OwnLine[] {
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

const SEED_CALL = /\b(?:manual_seed(?:_all)?|set_seed|set_random_seed|seed_everything|default_rng|RandomState|seed)\s*\(\s*(?:seed\s*=\s*)?(\d+)\s*[,)]/g;
const SEED_ASSIGNMENT = /\b\w*(?:seed|random_state)\w*\s*=(?!=)\s*(\d+)\b/gi;

/**
 * Seeds set in code (`torch.manual_seed(1234)`, `np.random.seed(42)`, `set_seed(42)`,
 * `random_state=42`, `seed=42`, `SEED = 42`). Seeds of one digit are left out: a single
 * digit in prose is nearly always something else (an epoch count, a question number).
 */
export function findSeeds(notebook: Notebook): SeedSetting[] {
  const seeds: SeedSetting[] = [];
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== 'code') return;
    for (const line of readPythonLines(cellSource(cell))) {
      for (const pattern of [SEED_CALL, SEED_ASSIGNMENT]) {
        for (const match of line.code.matchAll(pattern)) {
          const value = String(Number(match[1]));
          if (value.length < 2 || seeds.some((s) => s.value === value)) continue;
          seeds.push({ value, cellIndex, text: line.text.trim() });
        }
      }
    }
  });
  return seeds;
}

function findSeedMentions(seeds: SeedSetting[], lines: OwnLine[]): SeedMention[] {
  const mentions: SeedMention[] = [];
  for (const seed of seeds) {
    const number = new RegExp(`(?<![\\w.,])0*${seed.value}(?![\\w]|[.,]\\d)`);
    for (const line of lines) {
      if (!number.test(line.text)) continue;
      if (mentions.some((m) => m.value === seed.value && m.cellIndex === line.cellIndex)) continue;
      mentions.push({ value: seed.value, cellIndex: line.cellIndex, text: shorten(line.text.trim(), 80) });
    }
  }
  return mentions;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
