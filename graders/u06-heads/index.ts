import * as reference from '../../reference/index.js';
import { defineAssignment } from '../../src/grading/assignment.js';
import type { TestCase } from '../../src/grading/checks/function-check.js';
import { matchesReference } from '../../src/grading/checks/reference-match.js';
import { lossStability } from '../../src/grading/checks/stability.js';
import { f64 } from '../../src/grading/inputs.js';
import { starterOf } from '../common/paths.js';
import { r4, seeded } from '../common/random.js';
import { standardChecks } from '../common/standard-checks.js';

const ID = 'u06-heads';
const rng = seeded(6_01);
const binary = (rows: number, cols: number) => rng.matrix(rows, cols, () => (rng.uniform(0, 1) < 0.4 ? 1 : 0));
const normals = (n: number, sd: number) => rng.vector(n, () => r4(rng.normal(0, sd)));

const bceCases: TestCase[] = [
  { label: 'a 1-D vector of 5 logits with 0/1 targets', inputs: [f64([2, -1, 0, 0.5, -3]), f64([1, 0, 1, 1, 0])] },
  { label: 'a multi-label batch of 4 examples and 3 labels', inputs: [f64(rng.matrix(4, 3, () => r4(rng.normal(0, 2)))), f64(binary(4, 3))] },
  { label: 'soft targets between 0 and 1', inputs: [f64([1.5, -0.5, 2]), f64([0.25, 0.5, 0.9])] },
  { label: 'a batch of 16 logits', inputs: [f64(normals(16, 3)), f64(binary(1, 16)[0]!)] },
];

const bceStabilityCases: TestCase[] = [
  { label: 'logits of ±1e4 with the wrong targets', inputs: [f64([1e4, -1e4]), f64([0, 1])] },
  { label: 'logits of ±1e4 with the right targets', inputs: [f64([1e4, -1e4]), f64([1, 0])] },
  { label: 'logits of ±800', inputs: [f64([[800, -800], [-800, 800]]), f64([[1, 1], [0, 0]])] },
  { label: 'logits around 40 (sigmoid rounds to exactly 1)', inputs: [f64([40, 45, -40]), f64([0, 0, 1])] },
];

const ys = rng.vector(12, () => r4(rng.uniform(1, 50)));
const yhats = ys.map((y) => r4(y + rng.normal(0, 3)));

const maeCases: TestCase[] = [
  { label: 'a 1-D vector of 4 values', inputs: [f64([3, -0.5, 2, 7]), f64([2.5, 0, 2, 8])] },
  { label: 'a 1-D vector of 12 values', inputs: [f64(ys), f64(yhats)] },
  { label: 'a 2-D batch (3, 2)', inputs: [f64([[1, 2], [3, 4], [5, 6]]), f64([[1.5, 2], [2, 4.5], [5, 9]])] },
  { label: 'perfect predictions', inputs: [f64([1, 2, 3]), f64([1, 2, 3])] },
];

const mapeCases: TestCase[] = [
  { label: 'a 1-D vector of 4 values', inputs: [f64([100, 50, 20, 10]), f64([110, 45, 20, 12])] },
  { label: 'a 1-D vector of 12 values', inputs: [f64(ys), f64(yhats)] },
  { label: 'negative targets', inputs: [f64([-10, -20, 5]), f64([-12, -18, 4])] },
  { label: 'a 2-D batch (2, 3)', inputs: [f64([[1, 2, 4], [8, 16, 32]]), f64([[1.1, 2, 3], [8, 20, 30]])] },
];

export default defineAssignment({
  id: ID,
  title: 'Unit 6: heads and losses: BCE-with-logits, MAE, MAPE',
  starterPath: starterOf(ID),
  checks: [
    ...standardChecks({ narrative: 2, placeholders: 1, execution: 1 }),
    matchesReference('bce_with_logits', reference.bceWithLogits, {
      signature: 'bce_with_logits(logits, targets)',
      cases: bceCases,
      points: 3,
      objectives: ['OG-LossFunctions'],
      hint: 'BCE-with-logits is the mean over all elements of -[t·log σ(x) + (1-t)·log(1-σ(x))].',
    }),
    lossStability('bce_with_logits', reference.bceWithLogits, {
      signature: 'bce_with_logits(logits, targets)',
      cases: bceStabilityCases,
      points: 2,
      objectives: ['OG-LossFunctions'],
    }),
    matchesReference('mae', reference.mae, {
      signature: 'mae(y, yhat)',
      cases: maeCases,
      points: 2,
      objectives: ['OG-RegressionMetrics'],
      hint: 'MAE is the mean of |y - yhat| over all elements.',
    }),
    matchesReference('mape', reference.mape, {
      signature: 'mape(y, yhat)',
      cases: mapeCases,
      points: 2,
      objectives: ['OG-RegressionMetrics'],
      hint: 'MAPE is the mean of |(y - yhat) / y| as a fraction (0.1 means 10%): do not multiply by 100.',
    }),
  ],
});
