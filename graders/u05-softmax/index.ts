import * as reference from '../../reference/index.js';
import { defineAssignment } from '../../src/grading/assignment.js';
import { matchesReference } from '../../src/grading/checks/reference-match.js';
import { lossStability, softmaxStability } from '../../src/grading/checks/stability.js';
import type { TestCase } from '../../src/grading/checks/function-check.js';
import { f64, i64 } from '../../src/grading/inputs.js';
import { r4, seeded } from '../common/random.js';
import { starterOf } from '../common/paths.js';
import { standardChecks } from '../common/standard-checks.js';

const ID = 'u05-softmax';
const rng = seeded(5_01);
const logits = (rows: number, cols: number, scale = 2) => rng.matrix(rows, cols, () => r4(rng.normal(0, scale)));
const labels = (n: number, classes: number) => rng.vector(n, () => rng.int(0, classes));

const softmaxCases: TestCase[] = [
  { label: 'a 1-D vector of 4 logits', inputs: [f64([0.5, -1.25, 3, 0])] },
  { label: 'a 1-D vector of equal logits', inputs: [f64([1, 1, 1, 1, 1])] },
  { label: 'a batch of 3 rows of 5 logits', inputs: [f64(logits(3, 5))] },
  { label: 'a batch with a single row', inputs: [f64(logits(1, 4))] },
  { label: 'a batch of 6 rows of 10 classes', inputs: [f64(logits(6, 10, 4))] },
];

const crossEntropyCases: TestCase[] = [
  { label: '2 examples of 3 classes', inputs: [f64([[2, 1, 0.1], [0.5, 2.5, 0.3]]), i64([0, 1])] },
  { label: 'a batch of 8 examples of 5 classes', inputs: [f64(logits(8, 5)), i64(labels(8, 5))] },
  { label: 'a single example', inputs: [f64(logits(1, 4)), i64([3])] },
  { label: 'confident, mostly wrong predictions', inputs: [f64(logits(5, 3, 8)), i64(labels(5, 3))] },
];

const crossEntropyStabilityCases: TestCase[] = [
  { label: 'logits of ±1e4 where the true class is far below the largest', inputs: [f64([[1e4, 0, -1e4], [0, 1e3, 0]]), i64([2, 0])] },
  { label: 'logits around -1e4', inputs: [f64([[-1e4, -1e4 + 1, -1e4 + 2]]), i64([0])] },
  { label: 'a true class 800 below the largest logit', inputs: [f64([[800, 0, 0]]), i64([1])] },
  { label: 'logits around 1e3', inputs: [f64([[1000, 1003, 998], [1001, 999, 1000]]), i64([1, 2])] },
  { label: 'true-class probabilities below the smallest float64', inputs: [f64([[0, -750, 10], [5, 5, -800]]), i64([1, 2])] },
];

export default defineAssignment({
  id: ID,
  title: 'Unit 5: softmax and cross-entropy from scratch',
  starterPath: starterOf(ID),
  checks: [
    ...standardChecks({ narrative: 2, placeholders: 1, execution: 1 }),
    matchesReference('softmax', reference.softmax, {
      signature: 'softmax(logits)',
      cases: softmaxCases,
      arrayType: 'torch',
      points: 3,
      objectives: ['TM-Softmax'],
      hint: 'softmax works along the last axis: exponentiate, then divide each row by its own sum (keep the dims so the division broadcasts over rows).',
    }),
    softmaxStability('softmax', reference.softmax, { signature: 'softmax(logits)', arrayType: 'torch', points: 2, objectives: ['TM-Softmax'] }),
    matchesReference('cross_entropy', reference.crossEntropy, {
      signature: 'cross_entropy(logits, labels)',
      cases: crossEntropyCases,
      arrayType: 'torch',
      points: 3,
      objectives: ['OG-LossFunctions'],
      hint: 'cross_entropy is the mean over examples of -log p(true class), in nats (natural log): pick each row\'s log-probability at its label.',
    }),
    lossStability('cross_entropy', reference.crossEntropy, {
      signature: 'cross_entropy(logits, labels)',
      cases: crossEntropyStabilityCases,
      arrayType: 'torch',
      points: 2,
      objectives: ['OG-LossFunctions'],
    }),
  ],
});
