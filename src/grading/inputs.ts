/**
 * Inputs of a grader's test cases, built once and used twice: encoded for the sandbox
 * (the student's function) and as tensors for the reference. Expected values are
 * computed here, outside the sandbox, and never sent in.
 */
import * as tf from '@tensorflow/tfjs';
import { encodeArray, flatten } from '../sandbox/arrays.js';
import type { CallArg } from '../sandbox/protocol.js';

export type RefArg = tf.Tensor | number;

export interface CaseInput {
  /** What the sandbox receives. */
  arg: CallArg;
  /** What the reference receives (tensors are created lazily, inside tf.tidy). */
  toReference(): RefArg;
  /** For feedback: `(2, 3) float64` or `int 5`; never the values. */
  describe(): string;
  /** The largest |value| of a float array input: answers are compared to float32 precision at this scale. */
  magnitude?: number;
}

function shapeText(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** A float64 array (given as a nested JS array or flat values with a shape). */
export function f64(nested: unknown, shape?: readonly number[]): CaseInput {
  const flat = shape ? { shape: [...shape], values: Array.from(nested as ArrayLike<number>) } : flatten(nested);
  return {
    arg: { kind: 'array', array: encodeArray('float64', flat.shape, flat.values) },
    toReference: () => tf.tensor(flat.values, flat.shape, 'float32'),
    describe: () => `a float64 array of shape ${shapeText(flat.shape)}`,
    magnitude: flat.values.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0),
  };
}

/** An int64 array (labels, ids). The reference sees int32. */
export function i64(nested: unknown, shape?: readonly number[]): CaseInput {
  const flat = shape ? { shape: [...shape], values: Array.from(nested as ArrayLike<number>) } : flatten(nested);
  return {
    arg: { kind: 'array', array: encodeArray('int64', flat.shape, flat.values) },
    toReference: () => tf.tensor(flat.values, flat.shape, 'int32'),
    describe: () => `an int64 array of shape ${shapeText(flat.shape)}`,
  };
}

export function int(value: number): CaseInput {
  return { arg: { kind: 'int', value }, toReference: () => value, describe: () => `int ${value}` };
}

export function float(value: number): CaseInput {
  return { arg: { kind: 'float', value }, toReference: () => value, describe: () => `float ${value}` };
}

export { shapeText };
