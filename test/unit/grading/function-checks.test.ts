import { beforeAll, describe, expect, it } from 'vitest';
import * as reference from '../../../reference/index.js';
import { matchesReference } from '../../../src/grading/checks/reference-match.js';
import { lossStability, softmaxStability } from '../../../src/grading/checks/stability.js';
import { distribution } from '../../../src/grading/checks/distribution.js';
import { f64, i64 } from '../../../src/grading/inputs.js';
import { contextWith, okArray } from '../../helpers/context.js';

beforeAll(async () => {
  await reference.initTensorBackend();
});

function softmax64(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe('matchesReference', () => {
  const check = matchesReference('softmax', reference.softmax, {
    signature: 'softmax(logits)',
    points: 3,
    cases: [
      { label: 'a vector', inputs: [f64([1, 2, 3])] },
      { label: 'a batch of 2 rows', inputs: [f64([[1, 2, 3], [0, 0, 0]])] },
    ],
  });

  it('asks the sandbox for one call per case, with ids under the check id', () => {
    expect(check.id).toBe('softmax.reference');
    expect(check.calls().map((c) => c.id)).toEqual(['softmax.reference#0', 'softmax.reference#1']);
  });

  it('gives full points for correct answers (float32 too)', async () => {
    const ctx = contextWith([
      okArray('softmax.reference#0', softmax64([1, 2, 3]).map(Math.fround), [3], 'float32'),
      okArray('softmax.reference#1', [...softmax64([1, 2, 3]), ...softmax64([0, 0, 0])], [2, 3]),
    ]);
    const verdict = await check.grade(ctx);
    expect(verdict.points).toBe(3);
  });

  it('gives credit per case and says which case failed without the expected values', async () => {
    const ctx = contextWith([
      okArray('softmax.reference#0', softmax64([1, 2, 3]), [3]),
      // softmax over the wrong axis: columns sum to one
      okArray('softmax.reference#1', [0.731, 0.881, 0.952, 0.269, 0.119, 0.047], [2, 3]),
    ]);
    const verdict = await check.grade(ctx);
    expect(verdict.points).toBeCloseTo(1.5);
    expect(verdict.feedback).toMatch(/passed 1 of 2/);
    expect(verdict.feedback).toMatch(/a batch of 2 rows/);
    expect(verdict.feedback).not.toMatch(/0\.09|0\.24|0\.66/);
  });

  it('names a missing function and how to define it', async () => {
    const verdict = await check.grade(contextWith([
      { id: 'softmax.reference#0', status: 'missing' },
      { id: 'softmax.reference#1', status: 'missing' },
    ]));
    expect(verdict.points).toBe(0);
    expect(verdict.feedback).toMatch(/defines no function `softmax`/);
    expect(verdict.feedback).toMatch(/def softmax\(logits\):/);
  });

  it('passes on what the function raised', async () => {
    const verdict = await check.grade(contextWith([
      { id: 'softmax.reference#0', status: 'error', ename: 'TypeError', evalue: "unsupported operand type(s) for -: 'ellipsis'" },
      { id: 'softmax.reference#1', status: 'refused', reason: 'returned a <Fake>; return a NumPy array' },
    ]));
    expect(verdict.points).toBe(0);
    expect(verdict.feedback).toMatch(/raised TypeError/);
    expect(verdict.feedback).toMatch(/returned a <Fake>/);
  });
});

describe('softmaxStability', () => {
  const check = softmaxStability('softmax', reference.softmax, { signature: 'softmax(logits)', points: 2 });

  it('fails a naive softmax that returns NaN on large logits, with the hint', async () => {
    const calls = check.calls().map((c) => ({ id: c.id, status: 'ok' as const, value: { dtype: 'float64' as const, shape: [1], b64: Buffer.from(new Float64Array([Number.NaN]).buffer).toString('base64') } }));
    const verdict = await check.grade(contextWith(calls));
    expect(verdict.points).toBe(0);
    expect(verdict.feedback).toMatch(/Subtract the largest logit/);
  });
});

describe('lossStability', () => {
  const check = lossStability('cross_entropy', reference.crossEntropy, {
    signature: 'cross_entropy(logits, labels)',
    points: 2,
    cases: [
      { label: 'logits around -1e4', inputs: [f64([[-1e4, -1e4 + 1, -1e4 + 2]]), i64([0])] },
      { label: 'a true class 800 below the largest logit', inputs: [f64([[800, 0, 0]]), i64([1])] },
    ],
  });
  const exactLoss = (row: number[], label: number) => -Math.log(softmax64(row)[label]!);

  it('accepts a correct loss computed in float32 on logits around -1e4 (error at float32 spacing near 1e4)', async () => {
    // log-sum-exp in float32: the result rounds at float32's spacing near 1e4, a relative
    // error of 1.6e-4 on this loss, above the plain 1e-4 tolerance.
    const row = [-1e4, -1e4 + 1, -1e4 + 2];
    const lse = -1e4 + 2 + Math.log(1 + Math.exp(-1) + Math.exp(-2));
    const float32Loss = Math.fround(Math.fround(lse) - Math.fround(row[0]!));
    expect(Math.abs(float32Loss - exactLoss(row, 0)) / exactLoss(row, 0)).toBeGreaterThan(1.5e-4);
    const verdict = await check.grade(contextWith([
      okArray('cross_entropy.stability#0', [float32Loss], [], 'float32'),
      okArray('cross_entropy.stability#1', [Math.fround(800)], [], 'float32'),
    ]));
    expect(verdict).toMatchObject({ points: 2 });
  });

  it('still refuses a loss that is wrong by more than float32 precision at that scale', async () => {
    const row = [-1e4, -1e4 + 1, -1e4 + 2];
    const verdict = await check.grade(contextWith([
      okArray('cross_entropy.stability#0', [exactLoss(row, 0) + 0.01], [], 'float64'),
      okArray('cross_entropy.stability#1', [800], [], 'float64'),
    ]));
    expect(verdict.points).toBe(1);
  });

  it('blames log(0) only when the loss is not finite', async () => {
    const verdict = await check.grade(contextWith([
      okArray('cross_entropy.stability#0', [exactLoss([-1e4, -1e4 + 1, -1e4 + 2], 0)], []),
      okArray('cross_entropy.stability#1', [Number.POSITIVE_INFINITY], []),
    ]));
    expect(verdict.feedback).toContain('log(0)');
  });

  it('points at the one-hot, not log(0), when the values are finite but wrong or the shapes do not fit', async () => {
    // A one-hot as wide as the largest label: on one example of 3 classes with label 0 it is
    // 1 column wide and broadcasts into the wrong sum; with label 1 it does not fit at all.
    const verdict = await check.grade(contextWith([
      okArray('cross_entropy.stability#0', [30000.5], []),
      { id: 'cross_entropy.stability#1', status: 'error', ename: 'RuntimeError', evalue: 'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1' },
    ]));
    expect(verdict.points).toBe(0);
    expect(verdict.feedback).not.toContain('log(0) = -inf');
    expect(verdict.feedback).toContain('this is not log(0) or overflow');
    expect(verdict.feedback).toContain('a one-hot of the labels must be as wide as the logits');
  });

  it('says a shape error is not a stability problem', async () => {
    const verdict = await check.grade(contextWith([
      okArray('cross_entropy.stability#0', [1, 2, 3], [3]),
      { id: 'cross_entropy.stability#1', status: 'error', ename: 'IndexError', evalue: 'index 1 is out of bounds for dimension 1 with size 1' },
    ]));
    expect(verdict.feedback).toContain('which is not a numerical-stability problem');
    expect(verdict.feedback).not.toContain('log(0)');
  });
});

describe('distribution', () => {
  const probs = softmax64([2, 1, 0]);
  const check = distribution('sample', {
    signature: 'sample(logits, t, n, seed)',
    probabilities: (l, t) => reference.temperatureSoftmax(l, t),
    points: 2,
    cases: [{ label: '3000 draws at t = 1', logits: [2, 1, 0], temperature: 1, n: 3000, seed: 1 }],
  });

  function drawsFrom(p: number[], n: number): number[] {
    // Deterministic draws with exactly the expected proportions.
    const counts = p.map((x) => Math.round(x * n));
    counts[0]! += n - counts.reduce((a, b) => a + b, 0);
    return counts.flatMap((c, i) => new Array<number>(c).fill(i));
  }

  it('accepts draws that follow the distribution and are reproducible', async () => {
    const ids = drawsFrom(probs, 3000);
    const verdict = await check.grade(contextWith([okArray('sample.distribution#0', ids, [3000], 'int64'), okArray('sample.distribution#0r', ids, [3000], 'int64')]));
    expect(verdict.points).toBe(2);
  });

  it('rejects uniform draws and different draws for the same seed', async () => {
    const uniform = drawsFrom([1 / 3, 1 / 3, 1 / 3], 3000);
    const v1 = await check.grade(contextWith([okArray('sample.distribution#0', uniform, [3000], 'int64'), okArray('sample.distribution#0r', uniform, [3000], 'int64')]));
    expect(v1.points).toBe(0);
    expect(v1.feedback).toMatch(/chi-square/);
    const ids = drawsFrom(probs, 3000);
    const v2 = await check.grade(contextWith([okArray('sample.distribution#0', ids, [3000], 'int64'), okArray('sample.distribution#0r', [...ids].reverse(), [3000], 'int64')]));
    expect(v2.feedback).toMatch(/same seed gave different draws/);
  });
});
