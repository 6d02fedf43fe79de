/**
 * What the narrative analysis finds: questions and their answers, the student's own
 * Markdown, runs of code, seeds.
 */

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

/** How a starter's question was found in the submission. */
export type QuestionMatch = 'cell-id' | 'question-text' | 'position' | 'submission';

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
  /** How it was found: by the starter's cell id, its question's text, its position among the questions, or read from the submission (no starter). */
  matchedBy: QuestionMatch | undefined;
  /** One sentence for the student; empty when answered. */
  message: string;
  /** The first line of its Markdown answer, when it has one in a cell of its own. */
  answerFirstLine: { cellIndex: number; text: string } | undefined;
  /** With `code-comment`: the code cell holding the answer. */
  commentCellIndex?: number;
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

export interface MarkdownCellInfo {
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

/** Where one question's answer may be, in the submission. */
export interface Site {
  number: number;
  label: string;
  starterCellIndex: number;
  /** Submission cells [start, end) that may hold the answer. */
  region: [number, number] | undefined;
  /** The question cell in the submission, for answers written into it. */
  questionCell: number | undefined;
  /** The starter's text of the question cell, to see what the student added to it. */
  starterText: string | undefined;
  matchedBy: QuestionMatch | undefined;
}

/** A line of Markdown the student wrote. */
export interface OwnLine {
  cellIndex: number;
  text: string;
}
