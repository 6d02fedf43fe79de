/**
 * `narrative`: the notebook tells its story in Markdown (DESIGN.md section 4). Static:
 * reads the submission and the starter, runs nothing.
 */
import { describeCell } from '../../notebook/cells.js';
import {
  analyzeNarrative,
  DEFAULT_NARRATIVE_OPTIONS,
  type NarrativeAnalysis,
  type NarrativeOptions,
} from '../../notebook/narrative.js';
import { headingName } from '../../notebook/markdown.js';
import type { Check, CheckVerdict, CommonCheckOptions, GradingContext } from '../assignment.js';
import { formatPoints, roundPoints } from '../score.js';

export interface NarrativeCheckOptions extends CommonCheckOptions, Partial<NarrativeOptions> {}

export type NarrativeComponent = 'answers' | 'markdownCells' | 'interleaving' | 'microHeadings' | 'seed';

/** Shares of the points; see {@link narrative}. */
export const NARRATIVE_WEIGHTS: Readonly<Record<NarrativeComponent, number>> = Object.freeze({
  answers: 0.5,
  markdownCells: 0.15,
  interleaving: 0.15,
  microHeadings: 0.1,
  seed: 0.1,
});

const COMPONENT_NAMES: Record<NarrativeComponent, string> = {
  answers: 'questions answered',
  markdownCells: 'Markdown of your own',
  interleaving: 'Markdown between code',
  microHeadings: 'micro-headings',
  seed: 'seed not in narrative',
};

/**
 * The `narrative` check. Its points are split across components:
 * - answers 50%: each question of the starter answered in Markdown (a question answered but
 *   with its placeholder left in earns half; a code-comment, trivial or missing answer none);
 * - Markdown cells 15%: `min(1, own Markdown cells / minMarkdownCells)`;
 * - interleaving 15%: all or nothing, no run of more than `maxCodeCellsInARow` code cells;
 * - micro-headings 10%: the share of required headings found (a list), or of responses
 *   opening with one of `microHeadings` (`requireMicroHeadings: true`);
 * - seed 10%: all or nothing, no random seed's value (set in code) in the narrative.
 *
 * A component that does not apply (no questions in the starter, `minMarkdownCells: 0`,
 * `maxCodeCellsInARow: 0`, no micro-headings required, `seedNotInNarrative: false`) is left
 * out and its share goes to the others in proportion. With a starter, a submission with no
 * Markdown of the student's own scores 0: an unchanged starter tells no story of its own.
 *
 * Defaults: {@link DEFAULT_NARRATIVE_OPTIONS} (minMarkdownCells 3, maxCodeCellsInARow 4,
 * the course's micro-headings, none required, question heading `Question`, the usual answer
 * placeholders, seedNotInNarrative true, minAnswerWords 3).
 */
export function narrative(options: NarrativeCheckOptions): Check {
  const { points, title, visibility, objectives, ...overrides } = options;
  const analysisOptions: NarrativeOptions = { ...DEFAULT_NARRATIVE_OPTIONS, ...stripUndefined(overrides) };
  return {
    id: 'narrative',
    title: title ?? 'Narrative: questions answered in Markdown, story told between the code',
    maxPoints: points,
    visibility: visibility ?? 'visible',
    objectives: objectives ?? [],
    calls: () => [],
    grade(ctx: GradingContext): CheckVerdict {
      const analysis = analyzeNarrative(ctx.notebook, ctx.starter, analysisOptions);
      return scoreNarrative(ctx, analysis, analysisOptions, points);
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

interface ComponentScore {
  component: NarrativeComponent;
  /** 0..1 */
  fraction: number;
  problems: string[];
}

function scoreNarrative(ctx: GradingContext, analysis: NarrativeAnalysis, opts: NarrativeOptions, points: number): CheckVerdict {
  const components = componentScores(ctx, analysis, opts);
  const totalWeight = components.reduce((sum, c) => sum + NARRATIVE_WEIGHTS[c.component], 0);
  if (components.length === 0 || totalWeight === 0) {
    return { points, feedback: 'This assignment asks nothing of the narrative.' };
  }
  if (analysis.usedStarter && analysis.studentMarkdownCells === 0) {
    const problems = components.flatMap((c) => c.problems);
    return {
      points: 0,
      feedback: [
        'You have not written any Markdown of your own yet: answer the questions and explain your steps in Markdown cells.',
        ...problems.map((p) => `- ${p}`),
      ].join('\n'),
    };
  }
  const earned = components.map((c) => ({ ...c, max: (points * NARRATIVE_WEIGHTS[c.component]) / totalWeight }));
  const total = earned.reduce((sum, c) => sum + c.max * c.fraction, 0);
  const problems = earned.flatMap((c) => c.problems);
  if (problems.length === 0) {
    const questions = analysis.questions.length;
    const answered = questions === 0 ? '' : `${questions === 1 ? 'The question is' : `All ${questions} questions are`} answered in Markdown, and t`;
    return { points, feedback: `${answered === '' ? 'T' : answered}he notebook tells its story in Markdown between the code.` };
  }
  const breakdown = earned.map((c) => `${COMPONENT_NAMES[c.component]} ${format(c.max * c.fraction)}/${format(c.max)}`).join(', ');
  return {
    points: roundPoints(total),
    feedback: [...problems.map((p) => `- ${p}`), `Points: ${breakdown}.`].join('\n'),
  };
}

function componentScores(ctx: GradingContext, analysis: NarrativeAnalysis, opts: NarrativeOptions): ComponentScore[] {
  const scores: ComponentScore[] = [];
  const cell = (i: number) => describeCell(ctx.notebook, i);

  if (analysis.questions.length > 0) {
    const credit = analysis.questions.reduce((sum, q) => sum + q.credit, 0);
    const open = analysis.questions.filter((q) => q.message !== '');
    const answered = analysis.questions.filter((q) => q.credit === 1).length;
    scores.push({
      component: 'answers',
      fraction: credit / analysis.questions.length,
      problems: open.length === 0 ? [] : [`${answered} of ${analysis.questions.length} questions answered in Markdown.`, ...open.map((q) => q.message)],
    });
  }

  if (opts.minMarkdownCells > 0) {
    const own = analysis.studentMarkdownCells;
    const kind = analysis.usedStarter ? ' of your own' : '';
    scores.push({
      component: 'markdownCells',
      fraction: Math.min(1, own / opts.minMarkdownCells),
      problems:
        own >= opts.minMarkdownCells
          ? []
          : [`Your notebook has ${own} Markdown cell${own === 1 ? '' : 's'}${kind}; write at least ${opts.minMarkdownCells}, saying what each step does and what its results show.`],
    });
  }

  if (opts.maxCodeCellsInARow > 0) {
    scores.push({
      component: 'interleaving',
      fraction: analysis.codeRunsTooLong.length === 0 ? 1 : 0,
      problems: analysis.codeRunsTooLong.map(
        (run) =>
          `Cells ${run.firstCellIndex + 1}-${run.lastCellIndex + 1} are ${run.length} code cells in a row (at most ${opts.maxCodeCellsInARow} without Markdown between them); explain the steps in Markdown between them.`,
      ),
    });
  }

  if (Array.isArray(opts.requireMicroHeadings) && opts.requireMicroHeadings.length > 0) {
    const required = opts.requireMicroHeadings.length;
    scores.push({
      component: 'microHeadings',
      fraction: (required - analysis.missingMicroHeadings.length) / required,
      problems: analysis.missingMicroHeadings.map((m) =>
        m.unbolded
          ? `Write the micro-heading ${headingName(m.heading)} in bold, as **${m.heading}**: at the start of its paragraph.`
          : `Add a paragraph that opens with the micro-heading **${m.heading}**: (bold, then a colon).`,
      ),
    });
  } else if (opts.requireMicroHeadings === true) {
    const checked = analysis.responsesChecked;
    const without = analysis.responsesWithoutMicroHeading;
    const examples = opts.microHeadings.slice(0, 3).map((h) => `**${headingName(h)}**:`).join(', ');
    const which = without.map((r) => (r.questionNumber === undefined ? cell(r.cellIndex) : `question ${r.questionNumber}`));
    scores.push({
      component: 'microHeadings',
      fraction: checked === 0 ? 1 : (checked - without.length) / checked,
      problems: without.length === 0 ? [] : [`Open each answer with a bold micro-heading (${examples} ...); the answer${without.length === 1 ? '' : 's'} to ${which.join(', ')} ${without.length === 1 ? 'does' : 'do'} not.`],
    });
  }

  if (opts.seedNotInNarrative) {
    scores.push({
      component: 'seed',
      fraction: analysis.seedMentions.length === 0 ? 1 : 0,
      problems: analysis.seedMentions.map((m) => {
        const setting = analysis.seeds.find((s) => s.value === m.value);
        const where = setting === undefined ? '' : ` (set in cell ${setting.cellIndex + 1}: \`${setting.text}\`)`;
        return `The random seed's value ${m.value}${where} appears in your narrative in ${cell(m.cellIndex)}; leave the seed's value out of the narrative.`;
      }),
    });
  }
  return scores;
}

function format(points: number): string {
  return formatPoints(points);
}
