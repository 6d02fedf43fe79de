/**
 * A hidden evaluation set: inputs that go into the sandbox, labels that never do.
 * Accuracy and loss are computed from the labels here, on the grader's side.
 */
import { encodeArray, sizeOf } from '../../sandbox/arrays.js';
import type { CallArg } from '../../sandbox/protocol.js';

export interface HiddenSet {
  /** How feedback names the data, e.g. "the hidden test split". */
  name: string;
  /** Row-major inputs; rows are examples. Sent into the sandbox as float32. */
  inputs: { shape: number[]; values: Float32Array };
  /** One class index per row, in [0, classes). Never sent into the sandbox. */
  labels: Int32Array;
  classes: number;
  /** Class names for the instructor's confusion matrix (defaults to the indices). */
  classNames?: string[];
}

/** A set, or a function that builds it on first use (generated data costs time at import). */
export type HiddenSetSource = HiddenSet | (() => HiddenSet);

const built = new WeakMap<() => HiddenSet, HiddenSet>();

export function resolveHiddenSet(source: HiddenSetSource): HiddenSet {
  if (typeof source !== 'function') return validated(source);
  let set = built.get(source);
  if (!set) {
    set = validated(source());
    built.set(source, set);
  }
  return set;
}

function validated(set: HiddenSet): HiddenSet {
  const rows = set.inputs.shape[0] ?? 0;
  if (sizeOf(set.inputs.shape) !== set.inputs.values.length) {
    throw new Error(`hidden set "${set.name}": shape [${set.inputs.shape.join(', ')}] does not match ${set.inputs.values.length} values`);
  }
  if (rows === 0 || set.labels.length !== rows) {
    throw new Error(`hidden set "${set.name}": ${rows} input rows but ${set.labels.length} labels`);
  }
  for (const label of set.labels) {
    if (!(label >= 0 && label < set.classes)) throw new Error(`hidden set "${set.name}": label ${label} outside [0, ${set.classes})`);
  }
  return set;
}

const encoded = new WeakMap<HiddenSet, CallArg>();

/** The only part of a hidden set that crosses into the sandbox: its inputs, as float32. */
export function hiddenInputsArg(set: HiddenSet): CallArg {
  let arg = encoded.get(set);
  if (!arg) {
    arg = { kind: 'array', array: encodeArray('float32', set.inputs.shape, set.inputs.values) };
    encoded.set(set, arg);
  }
  return arg;
}
