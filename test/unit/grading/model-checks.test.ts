import { describe, expect, it } from 'vitest';
import { claimedAccuracy } from '../../../src/grading/checks/claimed-metric.js';
import { modelAccuracy } from '../../../src/grading/checks/model-accuracy.js';
import { modelConfusion } from '../../../src/grading/checks/model-confusion.js';
import { modelLoss } from '../../../src/grading/checks/model-loss.js';
import type { HiddenSet } from '../../../src/grading/model/hidden-set.js';
import { fractionFor } from '../../../src/grading/model/scale.js';
import type { CallResult } from '../../../src/sandbox/protocol.js';
import { contextWith, okArray } from '../../helpers/context.js';
import { md, notebookOf } from '../../helpers/notebooks.js';

// 4 rows, 3 classes.
const hidden: HiddenSet = {
  name: 'the hidden test split',
  inputs: { shape: [4, 2], values: Float32Array.from([0, 1, 1, 0, 2, 2, -1, 3]) },
  labels: Int32Array.from([0, 1, 2, 2]),
  classes: 3,
};
const evaluation = { model: 'mlp', hidden };
const calibration = { solution: 0.75, note: 'test' };
const accuracy = modelAccuracy({ ...evaluation, points: 4, scale: { kind: 'threshold', steps: [{ at: 0.5, fraction: 0.5 }, { at: 0.75, fraction: 1 }] }, calibration });
const loss = modelLoss({ ...evaluation, points: 2, scale: { kind: 'linear', zeroAt: 2, fullAt: 0.5 }, calibration });
const confusion = modelConfusion(evaluation);
const ID = 'mlp.accuracy#outputs';

// Row 3 (label 2) is predicted as class 0: 3 of 4 right.
const logits = [3, 0, 0, 0, 2, 0, 0, 0, 5, 1, 0, 0];
const softmaxRows = (v: number[]) => {
  const out: number[] = [];
  for (let i = 0; i < v.length; i += 3) {
    const row = v.slice(i, i + 3).map(Math.exp);
    const s = row.reduce((a, b) => a + b, 0);
    out.push(...row.map((x) => x / s));
  }
  return out;
};
const ctx = (result: CallResult, notebook = notebookOf([])) => contextWith([result], [], notebook);

describe('model checks', () => {
  it('the accuracy check asks for one model evaluation: the inputs only, in batches, in eval mode', () => {
    const calls = accuracy.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ id: ID, fn: 'mlp', arrayType: 'torch', model: { batchSize: 256 } });
    expect(calls[0]!.args).toHaveLength(1);
    expect(calls[0]!.args[0]).toMatchObject({ kind: 'array', array: { dtype: 'float32', shape: [4, 2] } });
    expect([loss, confusion].flatMap((c) => c.calls())).toEqual([]);
  });

  it('scores logits: accuracy by threshold, loss by a linear scale, confusion counted', async () => {
    const c = ctx(okArray(ID, logits, [4, 3], 'float32'));
    const a = await accuracy.grade(c);
    expect(a.points).toBe(4);
    expect(a.feedback).toContain('75.0% of the 4 examples');
    const l = await loss.grade(c);
    expect(l.points).toBeGreaterThan(0);
    expect(l.feedback).toMatch(/cross-entropy .* \d\.\d{3} nats/);
    const m = await confusion.grade(c);
    expect(confusion.visibility).toBe('hidden');
    expect(m.feedback.split('\n').at(-1)!.trim().split(/\s+/)).toEqual(['2', '1', '0', '1']);
  });

  it('recognises probabilities, scores them as such and says so', async () => {
    const fromLogits = ctx(okArray(ID, logits, [4, 3]));
    const fromProbs = ctx(okArray(ID, softmaxRows(logits), [4, 3]));
    const a = await accuracy.grade(fromProbs);
    expect(a.points).toBe(4);
    expect(a.feedback).toMatch(/returns probabilities/);
    const lossLogits = (await loss.grade(fromLogits)).feedback.match(/(\d\.\d{3}) nats/)![1];
    const lossProbs = (await loss.grade(fromProbs)).feedback.match(/(\d\.\d{3}) nats/)![1];
    expect(lossProbs).toBe(lossLogits);
  });

  it('a wrong output shape, NaN outputs and a crash on one batch get feedback a student can act on', async () => {
    const shape = await accuracy.grade(ctx(okArray(ID, [0, 1, 2, 2], [4])));
    expect(shape.points).toBe(0);
    expect(shape.feedback).toMatch(/shape \(4,\).*expected \(4, 3\).*argmax/);
    const wide = await accuracy.grade(ctx(okArray(ID, new Array(8).fill(0), [4, 2])));
    expect(wide.feedback).toMatch(/nn\.Linear\(\.\.\., 3\)/);
    const nan = await accuracy.grade(ctx(okArray(ID, [...logits.slice(0, 11), Number.NaN], [4, 3])));
    expect(nan.feedback).toMatch(/1 of 4 output rows contain NaN/);
    const crash = await loss.grade(ctx({
      id: ID, status: 'error', ename: 'RuntimeError', evalue: 'on batch 2 of 3 (input rows 256 to 511): boom',
      name: 'mlp', batch: { index: 2, count: 3, firstRow: 256, lastRow: 511 },
    }));
    expect(crash.feedback).toMatch(/raised RuntimeError on batch 2 of 3 \(input rows 256 to 511\)/);
    expect(crash.feedback).not.toContain('boom');
    const missing = await accuracy.grade(ctx({ id: ID, status: 'missing' }));
    expect(missing.feedback).toMatch(/defines no model `mlp`/);
  });

  it('a model check without the accuracy check of its model is a grader error, not a student failure', async () => {
    const c = contextWith([]);
    await expect(loss.grade(c)).rejects.toThrow(/add a model.accuracy check/);
  });
});

describe('claimed.accuracy', () => {
  const claimed = claimedAccuracy({ points: 1, tolerance: 0.05, against: { measured: evaluation }, about: ['mlp'] });
  const measured = okArray(ID, logits, [4, 3]); // 75%

  it('an honest claim passes, quoting what was written and measured', async () => {
    const nb = notebookOf([md('**Question**: how accurate is your MLP?'), md('**accuracy**: 77%')]);
    const v = await claimed.grade(ctx(measured, nb));
    expect(v.points).toBe(1);
    expect(v.feedback).toContain('"accuracy: 77%"');
    expect(v.feedback).toContain('measured 75.0%');
  });

  it('an overclaim fails, quoting both figures', async () => {
    const nb = notebookOf([md('The MLP reaches an accuracy of 95% on held-out data.')]);
    const v = await claimed.grade(ctx(measured, nb));
    expect(v.points).toBe(0);
    expect(v.feedback).toMatch(/95\.0%.*75\.0%.*20\.0 percentage points higher/s);
  });

  it('claims about another model do not count, and no claim at all is asked for', async () => {
    const nb = notebookOf([md('Logistic regression: accuracy of 55%.')]);
    const v = await claimed.grade(ctx(measured, nb));
    expect(v.points).toBe(0);
    expect(v.feedback).toMatch(/No accuracy of your mlp is stated/);
  });
});

describe('points scales', () => {
  it('linear scales run both ways', () => {
    expect(fractionFor({ kind: 'linear', zeroAt: 0.5, fullAt: 0.9 }, 0.7, 'higher-is-better')).toBeCloseTo(0.5);
    expect(fractionFor({ kind: 'linear', zeroAt: 2, fullAt: 0.5 }, 1.25, 'lower-is-better')).toBeCloseTo(0.5);
    expect(fractionFor({ kind: 'threshold', steps: [{ at: 0.4, fraction: 1 }] }, 0.41, 'lower-is-better')).toBe(0);
  });
});
