/**
 * What the narrative analysis is configured with, and the thresholds it decides by.
 */
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

/** A starter's Markdown cell is found again in the submission when their words are this similar (Dice). */
export const ANCHOR_MIN_SIMILARITY = 0.6;
/**
 * A question cell that holds its own placeholder is meant to be extended by the student, so
 * it is found again by the share of the question's words kept, not by similarity.
 */
export const QUESTION_MIN_WORDS_KEPT = 0.8;
/** A question's label is its first sentence when it is at most this long ... */
export const LABEL_MAX_CHARS = 100;
/** ... and otherwise that sentence shortened to this many characters. */
export const LABEL_SHORTENED_CHARS = 70;
/** Seeds of fewer digits are left out: a single digit in prose is nearly always something else. */
export const SEED_MIN_DIGITS = 2;
/** Credit of an answer whose placeholder was left in. */
export const PLACEHOLDER_LEFT_CREDIT = 0.5;
