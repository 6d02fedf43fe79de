/**
 * `<model>.confusion`: the confusion matrix of the hidden set, for instructors only (hidden
 * visibility, no points). Students never see it: per-class counts would leak the labels.
 */
import type { FunctionCall } from '../../sandbox/protocol.js';
import type { Check, CheckVerdict, GradingContext } from '../assignment.js';
import { evaluateModel, type ModelEvaluationOptions } from '../model/evaluation.js';

export interface ModelConfusionOptions extends ModelEvaluationOptions {
  title?: string;
  objectives?: string[];
}

export function confusionText(matrix: number[][], names: string[]): string {
  const width = Math.max(6, ...names.map((n) => n.length), ...matrix.flat().map((c) => String(c).length));
  const pad = (s: string) => s.padStart(width);
  const header = `${pad('true \\ predicted')}${names.map((n) => ` ${pad(n)}`).join('')}`;
  const rows = matrix.map((row, i) => `${pad(names[i]!)}${row.map((c) => ` ${pad(String(c))}`).join('')}`);
  return [header, ...rows].join('\n');
}

export function modelConfusion(options: ModelConfusionOptions): Check {
  return {
    id: `${options.model}.confusion`,
    title: options.title ?? `Confusion matrix of \`${options.model}\` on hidden data (instructors only)`,
    maxPoints: 0,
    visibility: 'hidden',
    objectives: options.objectives ?? [],
    calls(): FunctionCall[] {
      return [];
    },
    async grade(ctx: GradingContext): Promise<CheckVerdict> {
      const evaluation = await evaluateModel(ctx, options);
      if (!evaluation.ok) return { points: 0, feedback: `No confusion matrix: ${evaluation.reason}.` };
      const { set, scores } = evaluation;
      const names = set.classNames ?? Array.from({ length: set.classes }, (_, i) => String(i));
      return {
        points: 0,
        feedback: `Rows are the true classes of ${set.name}, columns the predicted ones (${scores.rows} examples):\n${confusionText(scores.confusion, names)}`,
      };
    },
  };
}
