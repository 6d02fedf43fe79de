/**
 * A model's outputs on a hidden set, scored on the grader's side: shape checked, outputs
 * that are already probabilities recognised, accuracy and cross-entropy computed by the
 * references against the hidden labels, and the confusion matrix counted.
 */
import * as tf from '@tensorflow/tfjs';
import * as reference from '../../../reference/index.js';
import type { NdArray } from '../../sandbox/arrays.js';
import type { HiddenSet } from './hidden-set.js';

export type OutputKind = 'logits' | 'probabilities';

export interface ModelScores {
  rows: number;
  /** Fraction of rows whose largest output is the label. */
  accuracy: number;
  /** Mean cross-entropy in nats. */
  loss: number;
  outputKind: OutputKind;
  /** confusion[true][predicted] = count. */
  confusion: number[][];
}

export type ScoreOutcome = { ok: true; scores: ModelScores } | { ok: false; reason: string };

const PROBABILITY_SUM_TOLERANCE = 1e-3;
/** Probabilities of 0 would give an infinite loss for one wrong row; clipped as PyTorch's NLL of log(p) would not be. */
const MIN_PROBABILITY = 1e-7;

function shapeText(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** Non-negative rows that each sum to 1: the model already applied softmax. */
export function looksLikeProbabilities(values: Float64Array, classes: number): boolean {
  if (classes < 2) return false;
  for (let start = 0; start < values.length; start += classes) {
    let sum = 0;
    for (let j = start; j < start + classes; j++) {
      const v = values[j]!;
      if (v < 0 || v > 1 + PROBABILITY_SUM_TOLERANCE) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) return false;
  }
  return true;
}

export function scoreOutputs(outputs: NdArray, set: HiddenSet): ScoreOutcome {
  const rows = set.labels.length;
  const want = [rows, set.classes];
  if (outputs.shape.length !== 2 || outputs.shape[0] !== rows || outputs.shape[1] !== set.classes) {
    let hint = `return one row of ${set.classes} scores (logits) per input row`;
    if (outputs.shape.length === 1 && outputs.shape[0] === rows) {
      hint = `it looks like one predicted class per row (e.g. after argmax); return the ${set.classes} logits per row instead, the output of the last layer`;
    } else if (outputs.shape.length === 2 && outputs.shape[0] === rows) {
      hint = `the last layer has ${outputs.shape[1]} outputs but there are ${set.classes} classes; make it nn.Linear(..., ${set.classes})`;
    }
    return { ok: false, reason: `the model returned shape ${shapeText(outputs.shape)} for ${rows} inputs; expected ${shapeText(want)}: ${hint}` };
  }
  let badRows = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < set.classes; j++) {
      if (!Number.isFinite(outputs.values[i * set.classes + j]!)) {
        badRows++;
        break;
      }
    }
  }
  if (badRows > 0) {
    return {
      ok: false,
      reason: `${badRows} of ${rows} output rows contain NaN or infinite values; check the training (a learning rate too high makes the weights diverge) and any log or division in the forward pass`,
    };
  }
  const outputKind: OutputKind = looksLikeProbabilities(outputs.values, set.classes) ? 'probabilities' : 'logits';
  const [accuracy, loss] = tf.tidy(() => {
    const values = tf.tensor2d(Float32Array.from(outputs.values), [rows, set.classes], 'float32');
    // log(p) of probabilities is a valid set of logits: its log-softmax is log(p) again.
    const logits = outputKind === 'probabilities' ? tf.log(tf.clipByValue(values, MIN_PROBABILITY, 1)) : values;
    const labels = tf.tensor1d(set.labels, 'int32');
    return [reference.accuracy(logits, labels).dataSync()[0]!, reference.crossEntropy(logits, labels).dataSync()[0]!];
  });
  return { ok: true, scores: { rows, accuracy, loss, outputKind, confusion: confusionMatrix(outputs.values, set) } };
}

function confusionMatrix(values: Float64Array, set: HiddenSet): number[][] {
  const matrix = Array.from({ length: set.classes }, () => new Array<number>(set.classes).fill(0));
  set.labels.forEach((label, i) => {
    let best = 0;
    for (let j = 1; j < set.classes; j++) if (values[i * set.classes + j]! > values[i * set.classes + best]!) best = j;
    matrix[label]![best]!++;
  });
  return matrix;
}

export function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
