/**
 * `claimed.accuracy`: the accuracy a student states (in Markdown, or printed by the training
 * loop) agrees with the accuracy measured on the hidden set, or, for notebooks that are not
 * executed, with the accuracy their own training table reports. Feedback quotes what the
 * student wrote and what was measured.
 */
import { describeCell } from '../../notebook/cells.js';
import {
  markdownAccuracyClaims,
  printedAccuracyClaims,
  reportedAccuracies,
  type AccuracyClaim,
  type ReportedAccuracy,
} from '../../notebook/metrics-claims.js';
import { cellSource } from '../../notebook/cells.js';
import type { Notebook } from '../../notebook/schema.js';
import type { FunctionCall } from '../../sandbox/protocol.js';
import type { Check, CheckVerdict, CommonCheckOptions, GradingContext } from '../assignment.js';
import { evaluateModel, type ModelEvaluationOptions } from '../model/evaluation.js';
import { percent } from '../model/scores.js';

export interface ClaimedAccuracyOptions extends CommonCheckOptions {
  /** @defaultValue 'claimed.accuracy' */
  id?: string;
  /**
   * What the claim is held against: the model measured on the hidden set, or (for reports
   * that are not executed) the accuracy in the notebook's training table before the claim.
   */
  against: { measured: ModelEvaluationOptions } | { reportedTable: true };
  /** Largest accepted difference, as a fraction (0.05 = 5 percentage points). */
  tolerance: number;
  /** Only claims whose sentence, question or training cell mentions one of these words count (e.g. ['mlp', 'MLP']). */
  about?: string[];
  /** Where claims are read. @defaultValue ['markdown', 'training-output'] */
  sources?: ('markdown' | 'training-output')[];
  /** How to ask for a claim when there is none, e.g. "State it as `**accuracy**: 91%`". */
  howToClaim?: string;
}

function mentions(text: string, words: string[] | undefined): boolean {
  if (!words?.length) return true;
  return words.some((w) => new RegExp(`(^|[^\\p{L}\\p{N}_])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\p{N}_])`, 'iu').test(text));
}

/** The claim that speaks for the notebook: its last Markdown statement, else its last printed held-out figure. */
export function chosenClaim(notebook: Notebook, options: Pick<ClaimedAccuracyOptions, 'about' | 'sources'>): AccuracyClaim | undefined {
  const sources = options.sources ?? ['markdown', 'training-output'];
  if (sources.includes('markdown')) {
    const written = markdownAccuracyClaims(notebook).filter((c) => c.split !== 'train' && mentions(c.context, options.about));
    if (written.length > 0) return written.at(-1);
  }
  if (sources.includes('training-output')) {
    const printed = printedAccuracyClaims(notebook)
      .filter((c) => c.split !== 'train')
      .filter((c) => mentions(`${cellSource(notebook.cells[c.cellIndex]!)}\n${c.context}`, options.about));
    return printed.at(-1);
  }
  return undefined;
}

function where(notebook: Notebook, claim: AccuracyClaim): string {
  return `${claim.source === 'markdown' ? 'you wrote' : 'your training output printed'} "${claim.quote}" (${describeCell(notebook, claim.cellIndex)})`;
}

export function claimedAccuracy(options: ClaimedAccuracyOptions): Check {
  const id = options.id ?? 'claimed.accuracy';
  const toleranceValue = (100 * options.tolerance).toFixed(1).replace(/\.0$/, '');
  const tolerancePoints = `${toleranceValue} percentage point${toleranceValue === '1' ? '' : 's'}`;
  return {
    id,
    title: options.title ?? 'The accuracy you report agrees with what was measured',
    maxPoints: options.points,
    visibility: options.visibility ?? 'visible',
    objectives: options.objectives ?? [],
    calls(): FunctionCall[] {
      return [];
    },
    async grade(ctx: GradingContext): Promise<CheckVerdict> {
      const claim = chosenClaim(ctx.notebook, options);
      if (!claim) {
        const about = options.about?.length ? ` of your ${options.about[0]}` : '';
        return {
          points: 0,
          feedback: `No accuracy${about} is stated in the notebook's Markdown or printed on a held-out split. ${options.howToClaim ?? 'State it in a Markdown cell, e.g. `**accuracy**: 91%`.'}`,
        };
      }
      let truth: { value: number; what: string } | undefined;
      if ('measured' in options.against) {
        const evaluation = await evaluateModel(ctx, options.against.measured);
        if (!evaluation.ok) {
          return { points: 0, feedback: `Your claim could not be checked because the model could not be measured: ${evaluation.reason}.` };
        }
        truth = { value: evaluation.scores.accuracy, what: `the grader measured ${percent(evaluation.scores.accuracy)} on ${evaluation.set.name}` };
      } else {
        const reported = reportedBefore(reportedAccuracies(ctx.notebook), claim.cellIndex);
        if (!reported) {
          return { points: 0, feedback: `${capitalise(where(ctx.notebook, claim))}, but no training table before it reports an accuracy or error rate to check it against.` };
        }
        truth = { value: reported.value, what: `the training table in ${describeCell(ctx.notebook, reported.cellIndex)} reports ${percent(reported.value)} (${reported.quote})` };
      }
      const gap = Math.abs(claim.value - truth.value);
      const stated = `${capitalise(where(ctx.notebook, claim))}, read as ${percent(claim.value)}; ${truth.what}.`;
      if (gap <= options.tolerance + 1e-9) {
        return { points: options.points, feedback: `${stated} They agree within ${tolerancePoints}.` };
      }
      const direction = claim.value > truth.value ? 'higher' : 'lower';
      return {
        points: 0,
        feedback: `${stated} The claim is ${(100 * gap).toFixed(1)} percentage points ${direction}, more than the ${tolerancePoints} allowed. ` +
          'Report the accuracy your notebook actually measured on held-out data, and rerun it top to bottom so the text and the outputs match.',
      };
    },
  };
}

function reportedBefore(reported: ReportedAccuracy[], cellIndex: number): ReportedAccuracy | undefined {
  return reported.filter((r) => r.cellIndex < cellIndex).at(-1);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
