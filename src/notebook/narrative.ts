/**
 * The narrative analysis (DESIGN.md section 4, check kind "narrative"): does the notebook
 * answer its questions in Markdown and tell its story between the code?
 *
 * With the starter notebook, the questions are the starter's: every answer placeholder
 * (`*your answer here*`) and every paragraph opening with a question micro-heading
 * (`**Question**:`). Each is found again in the submission by nbformat cell id, then by the
 * text of the question cell, then by its position (narrative/alignment.ts); the cells after
 * it (up to the next starter cell) hold the answer (narrative/answers.ts). Text the starter
 * already had never counts as the student's. Without a starter the submission's own
 * placeholders and question headings are used.
 */
import { headingName, microHeadingOf, sameHeading } from './markdown.js';
import { alignToStarter, sitesFromStarter, sitesWithoutStarter } from './narrative/alignment.js';
import { commentKeys, judgeSite, placeholderLeft } from './narrative/answers.js';
import { codeRuns, describeMarkdown, isAnchor, markdownLineKeys, ownMarkdownLines, placeholderMatcher } from './narrative/markdown-cells.js';
import { DEFAULT_NARRATIVE_OPTIONS, type NarrativeOptions } from './narrative/options.js';
import { findSeedMentions, findSeeds } from './narrative/seeds.js';
import type { MarkdownCellInfo, NarrativeAnalysis, OwnLine, QuestionResult } from './narrative/types.js';
import type { Notebook } from './schema.js';

export { DEFAULT_ANSWER_PLACEHOLDERS, DEFAULT_MICRO_HEADINGS, DEFAULT_NARRATIVE_OPTIONS, type NarrativeOptions } from './narrative/options.js';
export type { AnswerStatus, CodeRun, NarrativeAnalysis, QuestionMatch, QuestionResult, SeedMention, SeedSetting } from './narrative/types.js';
export { codeRuns } from './narrative/markdown-cells.js';
export { findSeeds } from './narrative/seeds.js';

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
    if (isAnchor(info) && m !== undefined) anchorsClaimed.add(m.index);
  }
  const context = { anchorsClaimed, starterComments: commentKeys(starter) };
  return sitesFromStarter(notebook, start, matches, opts.questionHeadings).map((site) => judgeSite(notebook, sub, site, opts, context));
}

function questionsWithoutStarter(notebook: Notebook, sub: Map<number, MarkdownCellInfo>, opts: NarrativeOptions): QuestionResult[] {
  const context = { anchorsClaimed: new Set<number>(), starterComments: undefined };
  return sitesWithoutStarter(notebook, sub, opts.questionHeadings).map((site) =>
    site.placeholder !== undefined ? placeholderLeft(site, site.placeholder) : judgeSite(notebook, sub, site, opts, context),
  );
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
