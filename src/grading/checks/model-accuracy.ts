/**
 * `<model>.accuracy` (`model.accuracy` for a model named `model`): the student's trained model
 * is run in the sandbox on the hidden inputs; accuracy is computed here against the hidden
 * labels and turned into points by the assignment's scale.
 */
import type { FunctionCall } from '../../sandbox/protocol.js';
import type { Check, CheckVerdict, CommonCheckOptions, GradingContext } from '../assignment.js';
import { evaluateModel, evaluationCalls, type ModelEvaluationOptions } from '../model/evaluation.js';
import { fractionFor, fullMarksText, type Calibration, type PointsScale } from '../model/scale.js';
import { percent, type ModelScores } from '../model/scores.js';

export interface ModelAccuracyOptions extends CommonCheckOptions, ModelEvaluationOptions {
  scale: PointsScale;
  calibration: Calibration;
  /** Added to feedback below full marks: what to try. */
  hint?: string;
}

export function outputKindNote(scores: ModelScores, model: string): string | undefined {
  if (scores.outputKind !== 'probabilities') return undefined;
  return `Note: \`${model}\` returns probabilities (each row is non-negative and sums to 1), not logits; it was scored as probabilities. ` +
    'nn.CrossEntropyLoss and F.cross_entropy expect logits: if you trained with them on these outputs, remove the softmax from the model.';
}

export function modelAccuracy(options: ModelAccuracyOptions): Check {
  const id = `${options.model}.accuracy`;
  return {
    id,
    title: options.title ?? `Accuracy of \`${options.model}\` on hidden data`,
    maxPoints: options.points,
    visibility: options.visibility ?? 'visible',
    objectives: options.objectives ?? [],
    calls(): FunctionCall[] {
      return evaluationCalls(options);
    },
    async grade(ctx: GradingContext): Promise<CheckVerdict> {
      const evaluation = await evaluateModel(ctx, options);
      if (!evaluation.ok) {
        return { points: 0, feedback: `Accuracy could not be measured: ${evaluation.reason}.` };
      }
      const { scores, set } = evaluation;
      const fraction = fractionFor(options.scale, scores.accuracy, 'higher-is-better');
      const lines = [
        `\`${options.model}\` classified ${percent(scores.accuracy)} of the ${scores.rows} examples of ${set.name} correctly; ` +
          `full points need ${fullMarksText(options.scale, 'higher-is-better', percent)}.`,
      ];
      const note = outputKindNote(scores, options.model);
      if (note) lines.push(note);
      if (fraction < 1 && options.hint) lines.push(options.hint);
      return { points: options.points * fraction, feedback: lines.join('\n') };
    },
  };
}
