/**
 * `<model>.loss`: mean cross-entropy (nats) of the model's outputs on the hidden set against
 * the hidden labels, computed here by the reference. Reads the evaluation that the model's
 * accuracy check requested, so the model runs once.
 */
import type { FunctionCall } from '../../sandbox/protocol.js';
import type { Check, CheckVerdict, CommonCheckOptions, GradingContext } from '../assignment.js';
import { evaluateModel, type ModelEvaluationOptions } from '../model/evaluation.js';
import { fractionFor, fullMarksText, type Calibration, type PointsScale } from '../model/scale.js';
import { outputKindNote } from './model-accuracy.js';

export interface ModelLossOptions extends CommonCheckOptions, ModelEvaluationOptions {
  scale: PointsScale;
  calibration: Calibration;
  hint?: string;
}

const nats = (x: number) => `${x.toFixed(3)} nats`;

export function modelLoss(options: ModelLossOptions): Check {
  return {
    id: `${options.model}.loss`,
    title: options.title ?? `Cross-entropy of \`${options.model}\` on hidden data`,
    maxPoints: options.points,
    visibility: options.visibility ?? 'visible',
    objectives: options.objectives ?? [],
    calls(): FunctionCall[] {
      return [];
    },
    async grade(ctx: GradingContext): Promise<CheckVerdict> {
      const evaluation = await evaluateModel(ctx, options);
      if (!evaluation.ok) return { points: 0, feedback: `The loss could not be measured: ${evaluation.reason}.` };
      const { scores, set } = evaluation;
      const fraction = fractionFor(options.scale, scores.loss, 'lower-is-better');
      const lines = [
        `Mean cross-entropy of \`${options.model}\` on the ${scores.rows} examples of ${set.name}: ${nats(scores.loss)}; ` +
          `full points need ${fullMarksText(options.scale, 'lower-is-better', nats)}.`,
      ];
      const note = outputKindNote(scores, options.model);
      if (note) lines.push(note);
      if (fraction < 1 && options.hint) lines.push(options.hint);
      return { points: options.points * fraction, feedback: lines.join('\n') };
    },
  };
}
