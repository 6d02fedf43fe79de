/**
 * Where each question is: the starter's questions found again in the submission (by cell
 * id, then by the question's text, then by position), or, without a starter, the
 * submission's own placeholders and question headings. Produces the sites whose answers
 * answers.ts judges.
 */
import { cellSource } from '../cells.js';
import { markdownWords, microHeadingOf, similarity, wordsAdded } from '../markdown.js';
import type { Notebook } from '../schema.js';
import { isAnchor, precedingAnchor } from './markdown-cells.js';
import { ANCHOR_MIN_SIMILARITY, QUESTION_MIN_WORDS_KEPT } from './options.js';
import type { MarkdownCellInfo, QuestionMatch, Site } from './types.js';
import { questionLabel } from './wording.js';

export interface CellMatch {
  index: number;
  by: Exclude<QuestionMatch, 'submission'>;
}

/**
 * For each starter cell, the submission cell it became: by nbformat id first, then (for
 * Markdown cells with text) by the same words, then by the most similar words (Dice at least
 * {@link ANCHOR_MIN_SIMILARITY}; for a question cell holding its own placeholder, which the
 * student is meant to extend, at least {@link QUESTION_MIN_WORDS_KEPT} of its question's
 * words kept), searching forward from the previous match before looking anywhere else.
 * A Markdown anchor found by none of these, between two cells that were found, takes the
 * submission cell at the same distance from the found cell above it, when that cell is
 * Markdown, not taken, and before the found cell below it.
 */
export function alignToStarter(
  notebook: Notebook,
  starter: Notebook,
  sub: Map<number, MarkdownCellInfo>,
  start: Map<number, MarkdownCellInfo>,
): (CellMatch | undefined)[] {
  const byId = new Map<string, number>();
  notebook.cells.forEach((cell, index) => {
    if (cell.id !== undefined && !byId.has(cell.id)) byId.set(cell.id, index);
  });
  const claimed = new Set<number>();
  const subWords = new Map([...sub].map(([i, info]) => [i, markdownWords(info.text)] as const));
  const subKeys = new Map([...subWords].map(([i, w]) => [i, w.join(' ')] as const));
  let cursor = -1;
  const matches: (CellMatch | undefined)[] = starter.cells.map((cell, i) => {
    let match: CellMatch | undefined;
    const idMatch = cell.id === undefined ? undefined : byId.get(cell.id);
    if (idMatch !== undefined && notebook.cells[idMatch]?.cell_type === cell.cell_type && !claimed.has(idMatch)) {
      match = { index: idMatch, by: 'cell-id' };
    } else if (isAnchor(start.get(i))) {
      const index = matchByText(start.get(i) as MarkdownCellInfo, markdownWords(cellSource(cell)), sub, subWords, subKeys, claimed, cursor);
      if (index !== undefined) match = { index, by: 'question-text' };
    }
    if (match !== undefined) {
      claimed.add(match.index);
      cursor = match.index;
    }
    return match;
  });
  // Position: an anchor whose text the student changed beyond recognition.
  starter.cells.forEach((_, i) => {
    if (matches[i] !== undefined || !isAnchor(start.get(i))) return;
    let j = i - 1;
    while (j >= 0 && matches[j] === undefined) j -= 1;
    const next = matches.slice(i + 1).find((m) => m !== undefined);
    // Only between two cells found by id or text: elsewhere a position says nothing.
    if (j < 0 || next === undefined) return;
    const candidate = (matches[j] as CellMatch).index + (i - j);
    if (!sub.has(candidate) || claimed.has(candidate) || candidate >= next.index) return;
    claimed.add(candidate);
    matches[i] = { index: candidate, by: 'position' };
  });
  return matches;
}

function matchByText(
  info: MarkdownCellInfo,
  words: string[],
  sub: Map<number, MarkdownCellInfo>,
  subWords: Map<number, string[]>,
  subKeys: Map<number, string>,
  claimed: Set<number>,
  cursor: number,
): number | undefined {
  const key = words.join(' ');
  const unclaimed = [...sub.keys()].filter((k) => !claimed.has(k));
  const ordered = [...unclaimed.filter((k) => k > cursor), ...unclaimed.filter((k) => k <= cursor)];
  const same = ordered.find((k) => subKeys.get(k) === key);
  if (same !== undefined) return same;
  const holdsPlaceholder = info.placeholderLines.length > 0;
  let best = holdsPlaceholder ? QUESTION_MIN_WORDS_KEPT : ANCHOR_MIN_SIMILARITY;
  let match: number | undefined;
  for (const k of ordered) {
    const candidate = sub.get(k) as MarkdownCellInfo;
    const score = holdsPlaceholder ? containment(info.restWords, candidate.restWords) : similarity(words, subWords.get(k) ?? []);
    if (score > best + 1e-9) {
      best = score;
      match = k;
    }
  }
  return match;
}

/** The share of `part`'s words (as a multiset) found in `whole`. */
function containment(part: string[], whole: string[]): number {
  return part.length === 0 ? 0 : 1 - wordsAdded(part, whole).length / part.length;
}

/**
 * The starter's questions: every answer placeholder (its question is the anchor before it,
 * or its own cell) and every question micro-heading without a placeholder slot after it.
 * Each site's region runs from the question to the next starter anchor or placeholder.
 */
export function sitesFromStarter(
  notebook: Notebook,
  start: Map<number, MarkdownCellInfo>,
  matches: (CellMatch | undefined)[],
  questionHeadings: string[],
): Site[] {
  const at = (i: number | undefined) => (i === undefined ? undefined : matches[i]?.index);
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
    const questionCell = at(questionIndex);
    const placeholderCell = placeholderIndex === undefined || placeholderIndex === questionIndex ? undefined : at(placeholderIndex);
    let region: [number, number] | undefined;
    const firstCandidates = [questionCell === undefined ? undefined : questionCell + 1, placeholderCell].filter((n): n is number => n !== undefined);
    if (firstCandidates.length > 0) {
      const from = Math.min(...firstCandidates);
      const bounds = boundaries.filter((b) => b > last).map((b) => at(b)).filter((m): m is number => m !== undefined && m >= from);
      region = [from, bounds.length > 0 ? Math.min(...bounds) : notebook.cells.length];
    }
    const questionInfo = questionIndex === undefined ? undefined : start.get(questionIndex);
    sites.push({
      number: sites.length + 1,
      label: questionLabel(questionInfo?.rest ?? '', questionHeadings),
      starterCellIndex: questionIndex ?? i,
      region,
      questionCell,
      starterText: questionInfo?.text,
      matchedBy: (questionIndex === undefined ? undefined : matches[questionIndex]?.by) ?? (placeholderIndex === undefined ? undefined : matches[placeholderIndex]?.by),
    });
  }
  return sites;
}

/**
 * Without a starter, the submission's own conventions: a cell with a placeholder is an
 * unanswered question (`placeholder` site, no region); a question micro-heading's answer
 * runs to the next placeholder, question, heading or micro-heading.
 */
export function sitesWithoutStarter(
  notebook: Notebook,
  sub: Map<number, MarkdownCellInfo>,
  questionHeadings: string[],
): (Site & { placeholder?: string })[] {
  const sites: (Site & { placeholder?: string })[] = [];
  const breaksRegion = (i: number): boolean => {
    const info = sub.get(i);
    if (info === undefined) return false;
    if (info.placeholderLines.length > 0 || info.questionHeading) return true;
    return info.text.split('\n').some((l) => /^\s*#{1,6}\s/.test(l) || microHeadingOf(l) !== undefined);
  };
  for (const [i, info] of sub) {
    if (info.placeholderLines.length > 0) {
      const questionIndex = isAnchor(info) ? i : precedingAnchor(sub, i);
      sites.push({
        number: sites.length + 1,
        label: questionLabel(questionIndex === undefined ? '' : (sub.get(questionIndex)?.rest ?? ''), questionHeadings),
        starterCellIndex: i,
        region: undefined,
        questionCell: i,
        starterText: undefined,
        matchedBy: 'submission',
        placeholder: info.placeholderLines[0]?.trim() ?? '',
      });
    } else if (info.questionHeading) {
      let end = i + 1;
      while (end < notebook.cells.length && !breaksRegion(end)) end += 1;
      sites.push({
        number: sites.length + 1,
        label: questionLabel(info.rest, questionHeadings),
        starterCellIndex: i,
        region: [i + 1, end],
        questionCell: i,
        starterText: undefined,
        matchedBy: 'submission',
      });
    }
  }
  return sites;
}
