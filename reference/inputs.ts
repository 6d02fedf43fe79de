/**
 * Preconditions shared by the references. Each failure names the function, the argument
 * and what was received, so a grader author can fix the case at once.
 */
import * as tf from '@tensorflow/tfjs';
import { ReferenceInputError } from './errors.js';

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function requireRank(fn: string, name: string, t: tf.Tensor, rank: number, layout: string): void {
  if (t.rank !== rank) {
    throw new ReferenceInputError(`${fn}: ${name} must have shape ${layout}, got ${shapeText(t.shape)}`);
  }
}

/** At least one axis, and a last axis with at least one entry (softmax over nothing is undefined). */
export function requireNonEmptyLastAxis(fn: string, name: string, t: tf.Tensor): void {
  if (t.rank < 1) {
    throw new ReferenceInputError(`${fn}: ${name} must have at least one axis, got a scalar`);
  }
  if (t.shape[t.rank - 1] === 0) {
    throw new ReferenceInputError(`${fn}: ${name} has an empty last axis ${shapeText(t.shape)}`);
  }
}

export function requireNonEmpty(fn: string, name: string, t: tf.Tensor): void {
  if (t.size === 0) {
    throw new ReferenceInputError(`${fn}: ${name} is empty ${shapeText(t.shape)}; a mean over no elements is undefined`);
  }
}

export function requireSameShape(fn: string, aName: string, a: tf.Tensor, bName: string, b: tf.Tensor): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ReferenceInputError(
      `${fn}: ${aName} and ${bName} must have the same shape, got ${shapeText(a.shape)} and ${shapeText(b.shape)}`,
    );
  }
}

export function requireDim(fn: string, what: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw new ReferenceInputError(`${fn}: ${what} must be ${expected}, got ${actual}`);
  }
}

export function requireInt32(fn: string, name: string, t: tf.Tensor): void {
  if (t.dtype !== 'int32') {
    throw new ReferenceInputError(`${fn}: ${name} must be an int32 tensor of class indices, got dtype ${t.dtype}`);
  }
}

/** Class labels (n) as int32 with every value in [0, classes). Reads the labels back. */
export function requireLabels(fn: string, labels: tf.Tensor, rows: number, classes: number): void {
  requireInt32(fn, 'labels', labels);
  requireRank(fn, 'labels', labels, 1, `(n) = (${rows})`);
  requireDim(fn, 'the number of labels (rows of logits)', labels.shape[0] ?? 0, rows);
  const values = labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    const label = values[i] ?? -1;
    if (label < 0 || label >= classes) {
      throw new ReferenceInputError(`${fn}: label ${label} at row ${i} is outside [0, ${classes})`);
    }
  }
}

/** True when any element is zero. Reads one boolean back. */
export function anyZero(t: tf.Tensor): boolean {
  return tf.tidy(() => tf.any(tf.equal(t, 0)).dataSync()[0] === 1);
}

/** References compute in float32 (TF.js has no float64); integer inputs are widened. */
export function asFloat32(t: tf.Tensor): tf.Tensor {
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
}
