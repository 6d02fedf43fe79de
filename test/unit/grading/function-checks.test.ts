import { beforeAll, describe, expect, it } from 'vitest';
import * as reference from '../../../reference/index.js';
import { matchesReference } from '../../../src/grading/checks/reference-match.js';
import { softmaxStability } from '../../../src/grading/checks/stability.js';
import { distribution } from '../../../src/grading/checks/distribution.js';
import { f64 } from '../../../src/grading/inputs.js';
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
